package org.fence4j.syncfile;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.fence4j.Fence;
import org.fence4j.FenceError;
import org.fence4j.syncfile.SyncFileInfoTest.EnableCountingFence;
import org.fence4j.testlib.TestFence;
import org.junit.jupiter.api.Test;

/** {@link SyncFile#ready()}. */
class SyncFileReadyTest {

  /** The future of a pending fence is pending until the fence signals. */
  @Test
  void ready_pendingFence_completesOnlyWhenSignaled() {
    Fence fence = new TestFence(TestSupport.freshContext(), 1);
    SyncFile file = SyncFile.create(fence);

    CompletableFuture<SyncFile> ready = file.ready();

    assertThat(ready).isNotDone();
    fence.signal();
    assertThat(ready).isCompletedWithValue(file);
  }

  /** An error does not fail the future: readiness, like poll, includes errors. */
  @Test
  void ready_fenceSignaledWithError_completesNormally() {
    Fence fence = new TestFence(TestSupport.freshContext(), 1);
    SyncFile file = SyncFile.create(fence);
    CompletableFuture<SyncFile> ready = file.ready();

    fence.signal(FenceError.EIO);

    assertThat(ready).isCompletedWithValue(file);
    assertThat(file.info().status()).isEqualTo(FenceError.EIO.code());
  }

  /** On a signaled fence, the future is already complete. */
  @Test
  void ready_alreadySignaledFence_returnsCompletedFuture() {
    Fence fence = new TestFence(TestSupport.freshContext(), 1);
    fence.signal(FenceError.ECANCELED);
    SyncFile file = SyncFile.create(fence);

    assertThat(file.ready()).isCompletedWithValue(file);
  }

  /** After the fence signaled, later calls keep returning completed futures. */
  @Test
  void ready_calledAgainAfterSignal_returnsCompletedFuture() {
    Fence fence = new TestFence(TestSupport.freshContext(), 1);
    SyncFile file = SyncFile.create(fence);
    file.ready();
    fence.signal();

    assertThat(file.ready()).isCompletedWithValue(file);
  }

  /** Each call returns its own future: cancelling one leaves the others alone. */
  @Test
  void ready_oneFutureCancelled_othersStillComplete() {
    Fence fence = new TestFence(TestSupport.freshContext(), 1);
    SyncFile file = SyncFile.create(fence);
    CompletableFuture<SyncFile> first = file.ready();
    CompletableFuture<SyncFile> second = file.ready();
    CompletableFuture<SyncFile> third = file.ready();

    second.cancel(false);
    fence.signal();

    assertThat(first).isNotSameAs(third).isCompletedWithValue(file);
    assertThat(second).isCancelled();
    assertThat(third).isCompletedWithValue(file);
  }

  /** Cancelling a future does not touch the fence. */
  @Test
  void ready_futureCancelled_fenceStaysPending() {
    Fence fence = new TestFence(TestSupport.freshContext(), 1);
    SyncFile file = SyncFile.create(fence);

    file.ready().cancel(true);

    assertThat(fence.isSignaled()).isFalse();
    assertThat(file.info().status()).isZero();
  }

  /** Pending futures complete in the order ready() was called. */
  @Test
  void ready_severalPendingFutures_completeInCallOrder() {
    Fence fence = new TestFence(TestSupport.freshContext(), 1);
    SyncFile file = SyncFile.create(fence);
    List<Integer> order = new CopyOnWriteArrayList<>();
    for (int i = 0; i < 5; i++) {
      int n = i;
      file.ready().thenRun(() -> order.add(n));
    }

    fence.signal();

    assertThat(order).containsExactly(0, 1, 2, 3, 4);
  }

  /** A future cancelled by its caller is pruned by a later call and does not disturb it. */
  @Test
  void ready_afterCancelledFutures_newFutureStillCompletes() {
    Fence fence = new TestFence(TestSupport.freshContext(), 1);
    SyncFile file = SyncFile.create(fence);
    for (int i = 0; i < 100; i++) {
      file.ready().cancel(false);
    }
    CompletableFuture<SyncFile> live = file.ready();

    fence.signal();

    assertThat(live).isCompletedWithValue(file);
  }

  /** The first ready() on a pending fence enables signaling on it, once. */
  @Test
  void ready_pendingFence_enablesSignalingOnce() {
    EnableCountingFence fence = new EnableCountingFence(TestSupport.freshContext());
    SyncFile file = SyncFile.create(fence);

    file.ready();
    file.ready();

    assertThat(fence.enabled).hasValue(1);
  }

  /** A fence signaled while the first ready() call registers is still reported ready. */
  @Test
  void ready_fenceSignaledByEnableHook_completesFuture() {
    Fence fence =
        new TestFence(TestSupport.freshContext(), 1) {
          @Override
          protected boolean onEnableSignaling() {
            return false; // "already done": the library signals the fence
          }
        };
    SyncFile file = SyncFile.create(fence);

    assertThat(file.ready()).isCompletedWithValue(file);
  }
}
