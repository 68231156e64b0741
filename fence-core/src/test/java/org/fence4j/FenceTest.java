package org.fence4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Fence state and the producer side: signaling, errors, status, hooks, ordering, adapters. */
class FenceTest {
  private final FenceContext ctx = FenceContext.create("test-driver", "ring0");

  // -------------------------------------------------------------------------------------------
  // Identity

  /** A fence reports the context and seqno it was constructed with. */
  @Test
  void constructor_contextAndSeqno_areReported() {
    TestFence fence = new TestFence(42L, 7L);

    assertThat(fence.context()).isEqualTo(42L);
    assertThat(fence.seqno()).isEqualTo(7L);
  }

  // -------------------------------------------------------------------------------------------
  // Signaling

  /** The first signal() on a pending fence returns true and leaves it signaled. */
  @Test
  void signal_pendingFence_returnsTrueAndSignals() {
    Fence fence = ctx.next();

    assertThat(fence.signal()).isTrue();
    assertThat(fence.isSignaled()).isTrue();
  }

  /** Signaling is one-way: a second signal returns false and the fence stays signaled. */
  @Test
  void signal_secondCall_returnsFalseAndFenceStaysSignaled() {
    Fence fence = ctx.next();
    fence.signal();
    long stamp = fence.timestampNanos();

    assertThat(fence.signal()).isFalse();
    assertThat(fence.isSignaled()).isTrue();
    assertThat(fence.timestampNanos()).isEqualTo(stamp);
  }

  /** Of several threads calling signal() on one fence at once, exactly one gets true. */
  @Test
  void signal_concurrentCallers_exactlyOneReturnsTrue() throws Exception {
    class Round {
      final Fence fence = ctx.next();
      final AtomicInteger winners = new AtomicInteger();

      void signal() {
        if (fence.signal()) {
          winners.incrementAndGet();
        }
      }
    }
    Race.Party<Round> signaler = Round::signal;

    Race.run(
        2_000,
        Round::new,
        List.of(signaler, signaler, signaler, signaler),
        r -> assertThat(r.winners).hasValue(1));
  }

  /** signal(timestamp) records the given timestamp. */
  @Test
  void signalTimestamp_pendingFence_recordsThatTimestamp() {
    Fence fence = ctx.next();

    assertThat(fence.signal(123_456_789L)).isTrue();
    assertThat(fence.timestampNanos()).isEqualTo(123_456_789L);
  }

  /** signal(timestamp) on a signaled fence returns false and keeps the first timestamp. */
  @Test
  void signalTimestamp_signaledFence_returnsFalseAndKeepsFirstTimestamp() {
    Fence fence = ctx.next();
    fence.signal(100L);

    assertThat(fence.signal(200L)).isFalse();
    assertThat(fence.timestampNanos()).isEqualTo(100L);
  }

  /** signal() stamps the fence with the System.nanoTime() clock. */
  @Test
  void signal_noTimestamp_stampsWithNanoTime() {
    Fence fence = ctx.next();
    long before = System.nanoTime();

    fence.signal();

    long after = System.nanoTime();
    assertThat(fence.timestampNanos() - before).isNotNegative();
    assertThat(after - fence.timestampNanos()).isNotNegative();
  }

  /** signal(error) signals the fence with that error. */
  @Test
  void signalError_pendingFence_signalsWithError() {
    Fence fence = ctx.next();

    assertThat(fence.signal(FenceError.ETIME)).isTrue();
    assertThat(fence.isSignaled()).isTrue();
    assertThat(fence.error()).contains(FenceError.ETIME);
  }

  /** signal(error) on a signaled fence returns false and does not record the error. */
  @Test
  void signalError_signaledFence_returnsFalseAndRecordsNothing() {
    Fence fence = ctx.next();
    fence.signal();

    assertThat(fence.signal(FenceError.EIO)).isFalse();
    assertThat(fence.error()).isEmpty();
    assertThat(fence.status()).isOne();
  }

  /** An error set before the signal shows only once the fence is signaled. */
  @Test
  void setError_beforeSignal_showsOnlyAfterSignal() {
    Fence fence = ctx.next();

    fence.setError(FenceError.ENODATA);

    assertThat(fence.error()).isEmpty();
    assertThat(fence.status()).isZero();
    fence.signal();
    assertThat(fence.error()).contains(FenceError.ENODATA);
    assertThat(fence.status()).isEqualTo(-61);
  }

  /** A later setError replaces an earlier one. */
  @Test
  void setError_calledTwice_laterErrorWins() {
    Fence fence = ctx.next();
    fence.setError(FenceError.EIO);
    fence.setError(FenceError.ECANCELED);

    fence.signal();

    assertThat(fence.error()).contains(FenceError.ECANCELED);
  }

  /** signal(error) overrides an error given earlier to setError. */
  @Test
  void signalError_afterSetError_explicitErrorWins() {
    Fence fence = ctx.next();
    fence.setError(FenceError.EIO);

    fence.signal(FenceError.ETIME);

    assertThat(fence.error()).contains(FenceError.ETIME);
  }

  /** setError combines with signal(timestamp): both the error and the timestamp are kept. */
  @Test
  void setError_thenSignalTimestamp_keepsErrorAndTimestamp() {
    Fence fence = ctx.next();
    fence.setError(FenceError.EINVAL);

    fence.signal(555L);

    assertThat(fence.error()).contains(FenceError.EINVAL);
    assertThat(fence.timestampNanos()).isEqualTo(555L);
  }

  /** setError after the signal is an IllegalStateException and leaves the fence unchanged. */
  @Test
  void setError_afterSignal_throwsIllegalStateAndLeavesFenceUnchanged() {
    Fence fence = ctx.next();
    fence.signal(77L);

    assertThatIllegalStateException().isThrownBy(() -> fence.setError(FenceError.EIO));

    assertThat(fence.status()).isOne();
    assertThat(fence.error()).isEmpty();
    assertThat(fence.timestampNanos()).isEqualTo(77L);
  }

  // -------------------------------------------------------------------------------------------
  // State

  /** status() is 0 while pending. */
  @Test
  void status_pending_isZero() {
    assertThat(ctx.next().status()).isZero();
  }

  /** status() is 1 once signaled without error. */
  @Test
  void status_signaledWithoutError_isOne() {
    Fence fence = ctx.next();
    fence.signal();

    assertThat(fence.status()).isOne();
  }

  /** status() is the error's negative code once signaled with one. */
  @Test
  void status_signaledWithError_isErrorCode() {
    Fence fence = ctx.next();
    fence.signal(FenceError.of(-1234));

    assertThat(fence.status()).isEqualTo(-1234);
  }

  /** error() is empty while pending. */
  @Test
  void error_pending_isEmpty() {
    assertThat(ctx.next().error()).isEmpty();
  }

  /** error() is empty for a fence signaled without error. */
  @Test
  void error_signaledWithoutError_isEmpty() {
    Fence fence = ctx.next();
    fence.signal();

    assertThat(fence.error()).isEmpty();
  }

  /** timestampNanos() while pending is an IllegalStateException. */
  @Test
  void timestampNanos_pending_throwsIllegalState() {
    Fence fence = ctx.next();

    assertThatIllegalStateException().isThrownBy(fence::timestampNanos);
    assertThat(fence.isSignaled()).isFalse();
  }

  /**
   * A thread that sees a fence signaled also sees its error and timestamp, for fences signaled one
   * after another by another thread.
   */
  @Test
  void isSignaled_observedFromAnotherThread_errorAndTimestampAreVisible() throws Exception {
    int count = 20_000;
    List<Fence> fences = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      fences.add(ctx.next());
    }
    try (Spawned<Void> producer =
        Spawned.start(
            "producer",
            () -> {
              for (int i = 0; i < count; i++) {
                fences.get(i).setError(errorFor(i));
                fences.get(i).signal(timestampFor(i));
              }
              return null;
            })) {
      long giveUp = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      for (int i = 0; i < count; i++) {
        Fence fence = fences.get(i);
        while (!fence.isSignaled()) {
          if (System.nanoTime() - giveUp > 0) {
            throw new AssertionError("producer stalled before fence " + i);
          }
          Thread.onSpinWait();
        }
        assertThat(fence.error()).contains(errorFor(i));
        assertThat(fence.timestampNanos()).isEqualTo(timestampFor(i));
      }
      producer.join();
    }
  }

  private static FenceError errorFor(int i) {
    return FenceError.of(-(i % 4095) - 1);
  }

  private static long timestampFor(int i) {
    return 1_000_000L + i;
  }

  // -------------------------------------------------------------------------------------------
  // peekSignaled

  /** When peekSignaled() says done, isSignaled() signals the fence and runs its callbacks. */
  @Test
  void isSignaled_peekSaysDone_signalsFenceAndRunsCallbacks() {
    TestFence fence = new TestFence();
    AtomicInteger runs = new AtomicInteger();
    fence.addCallback(f -> runs.incrementAndGet());
    fence.peekResult = true;

    assertThat(fence.isSignaled()).isTrue();

    assertThat(runs).hasValue(1);
    assertThat(fence.signal()).isFalse();
  }

  /** isSignaled() is false while peekSignaled() says not done. */
  @Test
  void isSignaled_peekSaysNotDone_isFalse() {
    TestFence fence = new TestFence();

    assertThat(fence.isSignaled()).isFalse();
  }

  /** isSignaled() never enables signaling. */
  @Test
  void isSignaled_pending_doesNotEnableSignaling() {
    TestFence fence = new TestFence();

    fence.isSignaled();
    fence.status();
    fence.error();

    assertThat(fence.enableCalls).hasValue(0);
  }

  /** status() consults peekSignaled() like isSignaled() does. */
  @Test
  void status_peekSaysDone_isOne() {
    TestFence fence = new TestFence();
    fence.peekResult = true;

    assertThat(fence.status()).isOne();
  }

  /** timestampNanos() consults peekSignaled() and returns the time of that signal. */
  @Test
  void timestampNanos_peekSaysDone_returnsSignalTime() {
    TestFence fence = new TestFence();
    fence.peekResult = true;
    long before = System.nanoTime();

    long stamp = fence.timestampNanos();

    assertThat(stamp - before).isNotNegative();
  }

  /** A peek that sets an error before saying done signals the fence with that error. */
  @Test
  void isSignaled_peekSetsErrorThenSaysDone_signalsWithThatError() {
    TestFence fence =
        new TestFence() {
          @Override
          protected boolean peekSignaled() {
            setError(FenceError.EIO);
            return true;
          }
        };

    assertThat(fence.isSignaled()).isTrue();
    assertThat(fence.error()).contains(FenceError.EIO);
  }

  // -------------------------------------------------------------------------------------------
  // enableSignaling

  /** onEnableSignaling() runs once however often signaling is enabled. */
  @Test
  void enableSignaling_calledRepeatedly_hookRunsOnce() throws Exception {
    TestFence fence = new TestFence();

    fence.enableSignaling();
    fence.enableSignaling();
    fence.addCallback(f -> {});
    fence.await(Duration.ZERO);

    assertThat(fence.enableCalls).hasValue(1);
  }

  /** addCallback enables signaling. */
  @Test
  void addCallback_pendingFence_enablesSignaling() {
    TestFence fence = new TestFence();

    fence.addCallback(f -> {});

    assertThat(fence.enableCalls).hasValue(1);
  }

  /** Concurrent addCallback, await and enableSignaling call onEnableSignaling exactly once. */
  @Test
  void enableSignaling_concurrentAddCallbackAwaitAndEnable_hookRunsExactlyOnce() throws Exception {
    Race.Party<TestFence> adder = f -> f.addCallback(x -> {});
    Race.Party<TestFence> waiter = f -> f.await(Duration.ZERO);
    Race.Party<TestFence> enabler = TestFence::enableSignaling;

    Race.run(
        2_000,
        TestFence::new,
        List.of(adder, waiter, enabler, enabler),
        f -> assertThat(f.enableCalls).hasValue(1));
  }

  /** A hook that returns false (already done) makes enableSignaling signal the fence. */
  @Test
  void enableSignaling_hookReturnsFalse_signalsFence() {
    TestFence fence = new TestFence();
    fence.enableResult = false;

    fence.enableSignaling();

    assertThat(fence.isSignaled()).isTrue();
    assertThat(fence.status()).isOne();
  }

  /** A hook that sets an error and returns false signals the fence with that error. */
  @Test
  void enableSignaling_hookSetsErrorAndReturnsFalse_signalsWithError() {
    TestFence fence = new TestFence();
    fence.onEnable = f -> f.setError(FenceError.ECANCELED);
    fence.enableResult = false;

    fence.enableSignaling();

    assertThat(fence.error()).contains(FenceError.ECANCELED);
  }

  /** addCallback on a fence whose hook says "already done" returns false and never runs it. */
  @Test
  void addCallback_hookReturnsFalse_returnsFalseAndNeverRuns() {
    TestFence fence = new TestFence();
    fence.enableResult = false;
    AtomicInteger runs = new AtomicInteger();

    assertThat(fence.addCallback(f -> runs.incrementAndGet())).isFalse();

    assertThat(fence.isSignaled()).isTrue();
    assertThat(runs).hasValue(0);
  }

  /** Enabling signaling on an already signaled fence does not call the hook. */
  @Test
  void enableSignaling_signaledFence_doesNotCallHook() {
    TestFence fence = new TestFence();
    fence.signal();

    fence.enableSignaling();

    assertThat(fence.enableCalls).hasValue(0);
  }

  // -------------------------------------------------------------------------------------------
  // Deadlines

  /** setDeadline on a pending fence forwards the deadline to onDeadline(). */
  @Test
  void setDeadline_pendingFence_forwardsToHook() {
    TestFence fence = new TestFence();

    fence.setDeadline(1_000L);
    fence.setDeadline(500L);

    assertThat(fence.deadlines).containsExactly(1_000L, 500L);
  }

  /** setDeadline on a signaled fence is ignored. */
  @Test
  void setDeadline_signaledFence_isIgnored() {
    TestFence fence = new TestFence();
    fence.signal();

    fence.setDeadline(1_000L);

    assertThat(fence.deadlines).isEmpty();
  }

  // -------------------------------------------------------------------------------------------
  // Ordering

  /** isLaterThan compares seqnos of one context. */
  @Test
  void isLaterThan_sameContext_comparesSeqnos() {
    Fence first = ctx.next();
    Fence second = ctx.next();

    assertThat(second.isLaterThan(first)).isTrue();
    assertThat(first.isLaterThan(second)).isFalse();
    assertThat(first.isLaterThan(first)).isFalse();
  }

  /** Seqnos compare as plain 64-bit longs, with no 32-bit wraparound. */
  @Test
  void isLaterThan_seqnosBeyond32Bits_comparesAsLongs() {
    TestFence low = new TestFence(9L, 1L);
    TestFence high = new TestFence(9L, (1L << 32) + 1);

    assertThat(high.isLaterThan(low)).isTrue();
    assertThat(low.isLaterThan(high)).isFalse();
  }

  /** isLaterThan across contexts is an IllegalArgumentException. */
  @Test
  void isLaterThan_differentContexts_throwsIllegalArgument() {
    Fence mine = ctx.next();
    Fence other = FenceContext.create("d", "other").next();

    assertThatIllegalArgumentException().isThrownBy(() -> mine.isLaterThan(other));
  }

  /** later() returns the fence with the higher seqno while it is pending. */
  @Test
  void later_sameContextLaterPending_returnsLater() {
    Fence first = ctx.next();
    Fence second = ctx.next();

    assertThat(Fence.later(first, second)).isSameAs(second);
    assertThat(Fence.later(second, first)).isSameAs(second);
  }

  /** later() returns null when the later fence is already signaled. */
  @Test
  void later_laterFenceSignaled_returnsNull() {
    Fence first = ctx.next();
    Fence second = ctx.next();
    first.signal();
    second.signal();

    assertThat(Fence.later(first, second)).isNull();
  }

  /** later() across contexts is an IllegalArgumentException. */
  @Test
  void later_differentContexts_throwsIllegalArgument() {
    Fence mine = ctx.next();
    Fence other = FenceContext.create("d", "other").next();

    assertThatIllegalArgumentException().isThrownBy(() -> Fence.later(mine, other));
  }

  // -------------------------------------------------------------------------------------------
  // Stubs

  /** stub() is a signaled fence of context 0, seqno 0. */
  @Test
  void stub_always_isSignaledWithContextAndSeqnoZero() {
    Fence stub = Fence.stub();

    assertThat(stub.isSignaled()).isTrue();
    assertThat(stub.status()).isOne();
    assertThat(stub.context()).isZero();
    assertThat(stub.seqno()).isZero();
  }

  /** signaledStub(timestamp) is a new signaled fence of context 0 stamped with that time. */
  @Test
  void signaledStub_timestamp_isSignaledWithThatTimestamp() {
    Fence stub = Fence.signaledStub(424_242L);

    assertThat(stub.isSignaled()).isTrue();
    assertThat(stub.timestampNanos()).isEqualTo(424_242L);
    assertThat(stub.context()).isZero();
    assertThat(stub.seqno()).isZero();
  }

  /** Each signaledStub call returns a new fence. */
  @Test
  void signaledStub_calledTwice_returnsDistinctFences() {
    assertThat(Fence.signaledStub(1L)).isNotSameAs(Fence.signaledStub(1L));
  }

  // -------------------------------------------------------------------------------------------
  // toCompletableFuture

  /** The future of an already signaled fence is complete at once. */
  @Test
  void toCompletableFuture_alreadySignaled_isCompleteWithFence() {
    Fence fence = ctx.next();
    fence.signal();

    assertThat(fence.toCompletableFuture()).isCompletedWithValue(fence);
  }

  /** A fence signaled with an error fails the future with a FenceErrorException carrying it. */
  @Test
  void toCompletableFuture_signaledWithError_failsWithFenceErrorException() {
    Fence fence = ctx.next();
    CompletableFuture<Fence> future = fence.toCompletableFuture();

    fence.signal(FenceError.EDEADLK);

    assertThat(future)
        .isCompletedExceptionally()
        .failsWithin(Duration.ZERO)
        .withThrowableOfType(ExecutionException.class)
        .havingCause()
        .isInstanceOfSatisfying(
            FenceErrorException.class, e -> assertThat(e.error()).isEqualTo(FenceError.EDEADLK));
  }

  /** Cancelling the future leaves the fence pending and drops the future's registration. */
  @Test
  void toCompletableFuture_cancelled_leavesFencePendingWithoutRegistration() {
    Fence fence = ctx.next();
    CompletableFuture<Fence> future = fence.toCompletableFuture();

    assertThat(future.cancel(true)).isTrue();

    assertThat(fence.isSignaled()).isFalse();
    assertThat(Registrations.count(fence)).isZero();
    assertThat(fence.signal()).isTrue();
    assertThat(future).isCancelled();
  }

  // -------------------------------------------------------------------------------------------
  // describe

  /** describe() of a pending fence is "context:seqno timeline driver unsignaled". */
  @Test
  void describe_pending_listsIdentityNamesAndState() {
    Fence fence = ctx.next();

    assertThat(fence.describe()).isEqualTo(ctx.context() + ":1 ring0 test-driver unsignaled");
  }

  /** describe() of a fence signaled with an error names the error and its code. */
  @Test
  void describe_signaledWithError_listsError() {
    Fence fence = ctx.next();
    fence.signal(FenceError.EIO);

    assertThat(fence.describe())
        .isEqualTo(ctx.context() + ":1 ring0 test-driver signaled error=EIO(-5)");
  }

  /** toString() is describe(). */
  @Test
  void toString_always_isDescribe() {
    Fence fence = ctx.next();

    assertThat(fence).hasToString(fence.describe());
  }
}
