package org.fence4j.syncfile;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.fence4j.Fence;
import org.fence4j.testlib.TestFence;
import org.junit.jupiter.api.Test;

/**
 * Futures returned by {@link SyncFile#ready()} and completed by their holders leave nothing behind
 * in the file: its storage follows the pending futures, whatever the order of cancellation.
 */
class SyncFileReadyCancelTest {
  private static final int ROUNDS = 20_000;
  private static final int THREADS = 4;

  private static SyncFile fileOnPendingFence() {
    return SyncFile.create(new TestFence(TestSupport.freshContext(), 1));
  }

  /** Ask, cancel the previous one: a cancelled future below a pending one is unlinked. */
  @Test
  void ready_cancelPreviousEachRound_keepsOnlyThePendingFuture() {
    SyncFile file = fileOnPendingFence();
    CompletableFuture<SyncFile> prev = file.ready();

    for (int i = 0; i < ROUNDS; i++) {
      CompletableFuture<SyncFile> next = file.ready();
      prev.cancel(false);
      prev = next;
      assertThat(file.stackedFutures()).isEqualTo(1);
    }
  }

  /** A future its holder completes (or fails) is unlinked as well, wherever it sits. */
  @Test
  void ready_completedByHolder_isUnlinked() {
    SyncFile file = fileOnPendingFence();
    CompletableFuture<SyncFile> bottom = file.ready();
    CompletableFuture<SyncFile> middle = file.ready();
    CompletableFuture<SyncFile> top = file.ready();

    middle.complete(file);
    bottom.completeExceptionally(new IllegalStateException("gave up"));

    assertThat(file.stackedFutures()).isEqualTo(1);
    top.orTimeout(1, TimeUnit.NANOSECONDS).handle((v, t) -> null).join();
    // The timeout completes "top" on JDK's delayer thread, which runs the dependents (so join()
    // may return) before the completion's unlink has run there: wait for it.
    Awaitility.await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(() -> assertThat(file.stackedFutures()).isZero());
  }

  private static WeakReference<CompletableFuture<SyncFile>> cancelledBelow(
      SyncFile file, List<CompletableFuture<SyncFile>> keep) {
    CompletableFuture<SyncFile> cancelled = file.ready();
    keep.add(file.ready());
    cancelled.cancel(false);
    return new WeakReference<>(cancelled);
  }

  /** A cancelled future is not kept reachable by the open file on its pending fence. */
  @Test
  void ready_cancelledFuture_becomesUnreachableWhileFileOpen() {
    SyncFile file = fileOnPendingFence();
    List<CompletableFuture<SyncFile>> keep = new ArrayList<>();

    WeakReference<CompletableFuture<SyncFile>> cancelled = cancelledBelow(file, keep);

    TestSupport.awaitCleared(cancelled);
    assertThat(keep.get(0)).isNotDone();
  }

  /** Threads that ask and cancel concurrently leave exactly the futures still pending. */
  @Test
  void ready_concurrentAskAndCancel_leavesOnlyPendingFutures() throws InterruptedException {
    Fence fence = new TestFence(TestSupport.freshContext(), 1);
    SyncFile file = SyncFile.create(fence);
    List<CompletableFuture<SyncFile>> lastOfEach = new ArrayList<>();
    List<Thread> threads = new ArrayList<>();
    List<Throwable> failures = new ArrayList<>();
    for (int t = 0; t < THREADS; t++) {
      Thread thread =
          new Thread(
              () -> {
                CompletableFuture<SyncFile> prev = file.ready();
                for (int i = 0; i < ROUNDS / THREADS; i++) {
                  CompletableFuture<SyncFile> next = file.ready();
                  prev.cancel(false);
                  prev = next;
                }
                synchronized (lastOfEach) {
                  lastOfEach.add(prev);
                }
              });
      thread.setUncaughtExceptionHandler(
          (th, e) -> {
            synchronized (failures) {
              failures.add(e);
            }
          });
      threads.add(thread);
      thread.start();
    }
    for (Thread thread : threads) {
      thread.join(TestSupport.LONG_WAIT.toMillis());
      assertThat(thread.isAlive()).isFalse();
    }

    assertThat(failures).isEmpty();
    assertThat(file.stackedFutures()).isEqualTo(THREADS);
    fence.signal();
    assertThat(lastOfEach).allSatisfy(f -> assertThat(f).isCompletedWithValue(file));
  }

  /** After every future was cancelled, the file still answers later ready() calls. */
  @Test
  void ready_afterAllCancelled_laterFutureCompletesOnSignal() {
    Fence fence = new TestFence(TestSupport.freshContext(), 1);
    SyncFile file = SyncFile.create(fence);
    file.ready().cancel(false);
    assertThat(file.stackedFutures()).isZero();

    CompletableFuture<SyncFile> later = file.ready();
    fence.signal();

    assertThat(later).isCompletedWithValue(file);
  }
}
