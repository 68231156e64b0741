package org.fence4j.syncfile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.fence4j.Fence;
import org.fence4j.testlib.TestFence;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** {@link SyncFile#close()}. */
class SyncFileCloseTest {

  /** A call on a closed file. */
  interface Call {
    void on(SyncFile file) throws Exception;
  }

  static Stream<Arguments> callsOtherThanCloseAndName() {
    SyncFile other = SyncFile.create(new TestFence(TestSupport.freshContext(), 1));
    return Stream.of(
        Arguments.of("fence", (Call) SyncFile::fence),
        Arguments.of("merge", (Call) f -> f.merge("m", other)),
        Arguments.of("info", (Call) SyncFile::info),
        Arguments.of("await", (Call) f -> f.await(Duration.ZERO)),
        Arguments.of("ready", (Call) SyncFile::ready),
        Arguments.of("setDeadline", (Call) f -> f.setDeadline(System.nanoTime())));
  }

  /** After close, every method but close() and name() throws IllegalStateException. */
  @ParameterizedTest(name = "{0}")
  @MethodSource("callsOtherThanCloseAndName")
  void close_thenMethod_throwsIllegalState(String method, Call call) {
    SyncFile file = SyncFile.create(new TestFence(TestSupport.freshContext(), 1), "shut");
    file.close();

    ThrowingCallable callable = () -> call.on(file);
    assertThatThrownBy(callable)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("shut");
  }

  /** A second close does nothing. */
  @Test
  void close_twice_isNoOp() {
    SyncFile file = SyncFile.create(new TestFence(TestSupport.freshContext(), 1), "twice");
    file.close();

    file.close();

    assertThat(file.name()).isEqualTo("twice");
  }

  /** Close cancels the futures of ready() that are still pending. */
  @Test
  void close_pendingReadyFutures_areCancelled() {
    SyncFile file = SyncFile.create(new TestFence(TestSupport.freshContext(), 1));
    CompletableFuture<SyncFile> first = file.ready();
    CompletableFuture<SyncFile> second = file.ready();

    file.close();

    assertThat(first).isCancelled();
    assertThat(second).isCancelled();
  }

  /** A ready() future completed before close stays completed. */
  @Test
  void close_afterReadyCompleted_futureStaysCompleted() {
    Fence fence = new TestFence(TestSupport.freshContext(), 1);
    SyncFile file = SyncFile.create(fence);
    CompletableFuture<SyncFile> ready = file.ready();
    fence.signal();

    file.close();

    assertThat(ready).isCompletedWithValue(file);
  }

  /** The fence signaling after close does not complete a cancelled future. */
  @Test
  void close_thenFenceSignals_futureStaysCancelled() {
    Fence fence = new TestFence(TestSupport.freshContext(), 1);
    SyncFile file = SyncFile.create(fence);
    CompletableFuture<SyncFile> ready = file.ready();
    file.close();

    fence.signal();

    assertThat(ready).isCancelled();
  }

  /** Closing a file does not signal its fence. */
  @Test
  void close_pendingFence_staysPending() {
    Fence fence = new TestFence(TestSupport.freshContext(), 1);
    SyncFile file = SyncFile.create(fence);
    file.ready();

    file.close();

    assertThat(fence.isSignaled()).isFalse();
  }

  /** Closing one file on a fence leaves another file on the same fence working. */
  @Test
  void close_oneOfTwoFilesOnAFence_otherStillBecomesReady() {
    Fence fence = new TestFence(TestSupport.freshContext(), 1);
    SyncFile closed = SyncFile.create(fence);
    SyncFile open = SyncFile.create(fence);
    closed.ready();
    CompletableFuture<SyncFile> ready = open.ready();

    closed.close();
    fence.signal();

    assertThat(ready).isCompletedWithValue(open);
  }

  /** A wait in progress when the file is closed keeps waiting on the fence. */
  @Test
  void close_duringAwait_waiterStillWakesOnSignal() throws InterruptedException {
    Fence fence = new TestFence(TestSupport.freshContext(), 1);
    SyncFile file = SyncFile.create(fence);
    AtomicReference<Object> outcome = new AtomicReference<>();
    Thread waiter =
        new Thread(
            () -> {
              try {
                outcome.set(file.await(TestSupport.LONG_WAIT));
              } catch (Throwable t) {
                outcome.set(t);
              }
            },
            "waiter");
    waiter.start();
    await()
        .atMost(TestSupport.LONG_WAIT)
        .until(() -> waiter.getState() == Thread.State.TIMED_WAITING);

    file.close();
    fence.signal();
    waiter.join(TestSupport.LONG_WAIT.toMillis());

    assertThat(waiter.isAlive()).isFalse();
    assertThat(outcome.get()).isEqualTo(Boolean.TRUE);
  }
}
