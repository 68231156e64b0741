package org.fence4j.syncfile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.fence4j.Fence;
import org.fence4j.FenceError;
import org.fence4j.FenceErrorException;
import org.fence4j.testlib.TestFence;
import org.junit.jupiter.api.Test;

/** {@link SyncFile#awaitSuccess(Duration)} and its {@code TimeUnit} form: the throwing wait. */
class SyncFileAwaitSuccessTest {

  private static Fence pendingFence() {
    return new TestFence(TestSupport.freshContext(), 1);
  }

  /** A fence signaled without error: returns. */
  @Test
  void awaitSuccess_signaledWithoutError_returns() throws Exception {
    Fence fence = pendingFence();
    SyncFile file = SyncFile.create(fence);
    fence.signal();

    file.awaitSuccess(Duration.ZERO);
    file.awaitSuccess(0, TimeUnit.NANOSECONDS);
  }

  /** A fence signaled by another thread while the call waits: returns. */
  @Test
  void awaitSuccess_signaledByAnotherThread_returns() throws Exception {
    Fence fence = pendingFence();
    SyncFile file = SyncFile.create(fence);
    Thread signaler = new Thread(fence::signal, "signaler");
    signaler.start();
    try {
      file.awaitSuccess(TestSupport.LONG_WAIT);
    } finally {
      signaler.join();
    }
    assertThat(fence.isSignaled()).isTrue();
  }

  /** A failed fence: its FenceErrorException with error and cause, naming the file and fence. */
  @Test
  void awaitSuccess_failedFence_throwsErrorAndCauseNamingFile() {
    Fence fence = pendingFence();
    SyncFile file = SyncFile.create(fence, "frame-7");
    RuntimeException hang = new RuntimeException("gpu hang");
    fence.signal(FenceError.EIO, hang);

    assertThatThrownBy(() -> file.awaitSuccess(TestSupport.LONG_WAIT))
        .isInstanceOfSatisfying(
            FenceErrorException.class, e -> assertThat(e.error()).isEqualTo(FenceError.EIO))
        .hasCause(hang)
        .hasMessageContaining("frame-7")
        .hasMessageContaining(fence.describe());
  }

  /** A merged file with one failed fence among several: throws that error. */
  @Test
  void awaitSuccess_failedFenceAmongMerged_throwsItsError() {
    Fence ok = pendingFence();
    Fence failed = pendingFence();
    Fence other = pendingFence();
    SyncFile merged =
        SyncFile.create(ok)
            .merge("two", SyncFile.create(failed))
            .merge("three", SyncFile.create(other));
    ok.signal();
    failed.signal(FenceError.ENOENT);
    other.signal();

    assertThatThrownBy(() -> merged.awaitSuccess(TestSupport.LONG_WAIT))
        .isInstanceOfSatisfying(
            FenceErrorException.class, e -> assertThat(e.error()).isEqualTo(FenceError.ENOENT))
        .hasMessageContaining("three");
  }

  /** A pending fence at the timeout: TimeoutException naming the file and the fence. */
  @Test
  void awaitSuccess_pendingAtTimeout_throwsTimeoutNamingFileAndFence() {
    Fence fence = pendingFence();
    SyncFile file = SyncFile.create(fence, "late-frame");

    assertThatThrownBy(() -> file.awaitSuccess(Duration.ofMillis(20)))
        .isInstanceOf(TimeoutException.class)
        .hasMessageContaining("late-frame")
        .hasMessageContaining(fence.describe());
    assertThatThrownBy(() -> file.awaitSuccess(0, TimeUnit.SECONDS))
        .isInstanceOf(TimeoutException.class);
  }

  /** Negative timeouts are rejected in both forms, also on a closed file, which stays usable. */
  @Test
  void awaitSuccess_negativeTimeout_throwsIllegalArgument() {
    SyncFile file = SyncFile.create(pendingFence());

    assertThatThrownBy(() -> file.awaitSuccess(Duration.ofNanos(-1)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> file.awaitSuccess(-1, TimeUnit.MILLISECONDS))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> file.awaitSuccess(Duration.ZERO)).isInstanceOf(TimeoutException.class);
    file.close();
    assertThatThrownBy(() -> file.awaitSuccess(Duration.ofNanos(-1)))
        .isInstanceOf(IllegalArgumentException.class);
  }

  /** Null arguments fail with a NullPointerException naming the parameter. */
  @Test
  void awaitSuccess_null_throwsNullPointerNamingParameter() {
    SyncFile file = SyncFile.create(pendingFence());

    assertThatThrownBy(() -> file.awaitSuccess(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("timeout");
    assertThatThrownBy(() -> file.awaitSuccess(1, null))
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("unit");
  }

  /** A closed file: IllegalStateException, like every other method but close and name. */
  @Test
  void awaitSuccess_closedFile_throwsIllegalState() {
    Fence fence = pendingFence();
    fence.signal();
    SyncFile file = SyncFile.create(fence);
    file.close();

    assertThatThrownBy(() -> file.awaitSuccess(Duration.ZERO))
        .isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> file.awaitSuccess(0, TimeUnit.SECONDS))
        .isInstanceOf(IllegalStateException.class);
  }

  /** An interrupt before the call: InterruptedException. */
  @Test
  void awaitSuccess_interruptedBefore_throwsInterrupted() {
    SyncFile file = SyncFile.create(pendingFence());
    Thread.currentThread().interrupt();
    try {
      assertThatThrownBy(() -> file.awaitSuccess(TestSupport.LONG_WAIT))
          .isInstanceOf(InterruptedException.class);
    } finally {
      Thread.interrupted();
    }
  }

  /** An interrupt while waiting: InterruptedException. */
  @Test
  void awaitSuccess_interruptedWhileWaiting_throwsInterrupted() throws Exception {
    Fence fence = pendingFence();
    SyncFile file = SyncFile.create(fence);
    AtomicReference<Thread> waiter = new AtomicReference<>();
    CompletableFuture<Void> result =
        CompletableFuture.runAsync(
            () -> {
              waiter.set(Thread.currentThread());
              try {
                file.awaitSuccess(TestSupport.LONG_WAIT);
              } catch (InterruptedException | TimeoutException e) {
                throw new CompletionException(e);
              }
            });
    await()
        .atMost(TestSupport.LONG_WAIT)
        .until(() -> waiter.get() != null && LockSupport.getBlocker(waiter.get()) == fence);
    waiter.get().interrupt();

    assertThatThrownBy(result::join)
        .isInstanceOf(CompletionException.class)
        .hasCauseInstanceOf(InterruptedException.class);
  }
}
