package org.fence4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * Failures with a cause ({@code signal(error, cause)}, {@code cause()}), the throwing wait {@code
 * awaitSuccess}, {@code toCompletableFuture} robustness, and {@code Fences.fromFuture}.
 */
class FenceFailureTest {
  private final FenceContext ctx = FenceContext.create("test-driver", "ring0");

  /** A fence whose describe() and names throw, like a buggy driver's. */
  private static final class BrokenDescribeFence extends Fence {
    BrokenDescribeFence() {
      super(FenceContexts.allocate(1), 1L);
    }

    @Override
    public String driverName() {
      throw new IllegalStateException("driverName broken");
    }

    @Override
    public String timelineName() {
      throw new IllegalStateException("timelineName broken");
    }

    @Override
    public String describe() {
      throw new IllegalStateException("describe broken");
    }
  }

  // -------------------------------------------------------------------------------------------
  // signal(error, cause) and cause()

  /** signal(error, cause) signals with the error and keeps the cause. */
  @Test
  void signalWithCause_pending_recordsErrorAndCause() {
    Fence fence = ctx.next();
    IOException cause = new IOException("disk");
    assertThat(fence.signal(FenceError.EIO, cause)).isTrue();
    assertThat(fence.status()).isEqualTo(FenceError.EIO.code());
    assertThat(fence.error()).contains(FenceError.EIO);
    assertThat(fence.cause()).containsSame(cause);
  }

  /** A second signal with a cause is a no-op: the first outcome stays. */
  @Test
  void signalWithCause_alreadySignaled_returnsFalseAndKeepsFirstOutcome() {
    Fence fence = ctx.next();
    fence.signal();
    assertThat(fence.signal(FenceError.EIO, new IOException())).isFalse();
    assertThat(fence.error()).isEmpty();
    assertThat(fence.cause()).isEmpty();
  }

  /** cause() is empty while pending, after success, and for an error without a cause. */
  @Test
  void cause_withoutCause_isEmpty() {
    Fence pending = ctx.next();
    Fence ok = ctx.next();
    Fence failed = ctx.next();
    ok.signal();
    failed.setError(FenceError.ETIME);
    failed.signal();
    assertThat(pending.cause()).isEmpty();
    assertThat(ok.cause()).isEmpty();
    assertThat(failed.cause()).isEmpty();
    assertThat(failed.error()).contains(FenceError.ETIME);
  }

  /** Null error or cause is rejected, naming the parameter, and the fence stays pending. */
  @Test
  void signalWithCause_null_throwsNpeAndLeavesFencePending() {
    Fence fence = ctx.next();
    assertThatNullPointerException()
        .isThrownBy(() -> fence.signal(null, new IOException()))
        .withMessage("error");
    assertThatNullPointerException()
        .isThrownBy(() -> fence.signal(FenceError.EIO, null))
        .withMessage("cause");
    assertThat(fence.isSignaled()).isFalse();
  }

  // -------------------------------------------------------------------------------------------
  // awaitSuccess

  /** awaitSuccess returns normally on a fence signaled without error. */
  @Test
  void awaitSuccess_signaledWithoutError_returns() throws Exception {
    Fence fence = ctx.next();
    fence.signal();
    fence.awaitSuccess(Duration.ZERO);
    fence.awaitSuccess(0, TimeUnit.SECONDS);
  }

  /** awaitSuccess on a failed fence throws FenceErrorException with the error and the cause. */
  @Test
  void awaitSuccess_failedWithCause_throwsWithErrorAndCause() {
    Fence fence = ctx.next();
    IOException cause = new IOException("disk");
    fence.signal(FenceError.EIO, cause);
    assertThatThrownBy(() -> fence.awaitSuccess(Duration.ofSeconds(1)))
        .isInstanceOfSatisfying(
            FenceErrorException.class, e -> assertThat(e.error()).isEqualTo(FenceError.EIO))
        .hasCause(cause);
  }

  /** awaitSuccess times out with TimeoutException on a pending fence. */
  @Test
  void awaitSuccess_pending_throwsTimeoutException() {
    Fence fence = ctx.next();
    assertThatThrownBy(() -> fence.awaitSuccess(Duration.ofMillis(10)))
        .isInstanceOf(TimeoutException.class);
    assertThatThrownBy(() -> fence.awaitSuccess(0, TimeUnit.NANOSECONDS))
        .isInstanceOf(TimeoutException.class);
  }

  /** A negative timeout is IllegalArgumentException. */
  @Test
  void awaitSuccess_negativeTimeout_throwsIllegalArgumentException() {
    Fence fence = ctx.next();
    assertThatIllegalArgumentException().isThrownBy(() -> fence.awaitSuccess(Duration.ofNanos(-1)));
    assertThatIllegalArgumentException().isThrownBy(() -> fence.awaitSuccess(-1, TimeUnit.SECONDS));
  }

  /** awaitSuccess reports a failure even when the fence's describe() throws. */
  @Test
  void awaitSuccess_describeThrows_stillThrowsFenceErrorException() {
    Fence fence = new BrokenDescribeFence();
    fence.signal(FenceError.ENOENT);
    assertThatThrownBy(() -> fence.awaitSuccess(Duration.ZERO))
        .isInstanceOfSatisfying(
            FenceErrorException.class, e -> assertThat(e.error()).isEqualTo(FenceError.ENOENT));
  }

  // -------------------------------------------------------------------------------------------
  // toCompletableFuture

  /** The future's exception carries the fence's cause. */
  @Test
  void toCompletableFuture_failedWithCause_exceptionCarriesCause() {
    Fence fence = ctx.next();
    CompletableFuture<Fence> future = fence.toCompletableFuture();
    IOException cause = new IOException("disk");
    fence.signal(FenceError.EIO, cause);
    assertThatThrownBy(future::get)
        .isInstanceOf(ExecutionException.class)
        .cause()
        .isInstanceOf(FenceErrorException.class)
        .hasCause(cause);
  }

  /** A future made before the signal completes even though describe() throws. */
  @Test
  void toCompletableFuture_describeThrowsPending_completesExceptionally() {
    Fence fence = new BrokenDescribeFence();
    CompletableFuture<Fence> future = fence.toCompletableFuture();
    fence.signal(FenceError.EIO);
    assertThat(future).isCompletedExceptionally();
    assertThatThrownBy(future::join).hasCauseInstanceOf(FenceErrorException.class);
  }

  /** On a fence already failed, toCompletableFuture does not throw although describe() does. */
  @Test
  void toCompletableFuture_describeThrowsSignaled_returnsFailedFuture() {
    Fence fence = new BrokenDescribeFence();
    fence.signal(FenceError.EIO);
    CompletableFuture<Fence> future = fence.toCompletableFuture();
    assertThat(future).isCompletedExceptionally();
  }

  /** However the future is completed by other means, its registration leaves the fence. */
  @Test
  void toCompletableFuture_completedByOtherMeans_removesRegistration() {
    Fence fence = ctx.next();
    CompletableFuture<Fence> completed = fence.toCompletableFuture();
    CompletableFuture<Fence> obtruded = fence.toCompletableFuture();
    CompletableFuture<Fence> failed = fence.toCompletableFuture();
    CompletableFuture<Fence> cancelled = fence.toCompletableFuture();
    CompletableFuture<Fence> timedOut = fence.toCompletableFuture();
    assertThat(Registrations.count(fence)).isEqualTo(5);
    completed.complete(fence);
    obtruded.obtrudeValue(fence);
    failed.completeExceptionally(new IOException());
    cancelled.cancel(false);
    timedOut.orTimeout(1, TimeUnit.MILLISECONDS);
    org.awaitility.Awaitility.await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> Registrations.count(fence) == 0);
    assertThat(fence.isSignaled()).isFalse();
  }

  /** A million futures made and completed on one pending fence leave nothing registered. */
  @Test
  void toCompletableFuture_millionCompletedFutures_leaveNoRegistration() {
    Fence fence = ctx.next();
    for (int i = 0; i < 1_000_000; i++) {
      fence.toCompletableFuture().complete(fence);
    }
    assertThat(Registrations.count(fence)).isZero();
  }

  // -------------------------------------------------------------------------------------------
  // Fences.fromFuture

  private static void assertFailure(
      Consumer<CompletableFuture<String>> fail, FenceError error, Class<?> causeType) {
    CompletableFuture<String> future = new CompletableFuture<>();
    Fence fence = Fences.fromFuture(future);
    assertThat(fence.isSignaled()).isFalse();
    fail.accept(future);
    assertThat(fence.error()).contains(error);
    assertThat(fence.cause()).containsInstanceOf(causeType);
  }

  /** A normal completion signals the fence without error. */
  @Test
  void fromFuture_completesNormally_signalsWithoutError() {
    CompletableFuture<String> future = new CompletableFuture<>();
    Fence fence = Fences.fromFuture(future);
    future.complete("done");
    assertThat(fence.status()).isEqualTo(1);
    assertThat(fence.cause()).isEmpty();
  }

  /** Cancellation maps to ECANCELED with the CancellationException as cause. */
  @Test
  void fromFuture_cancelled_signalsEcanceled() {
    assertFailure(f -> f.cancel(false), FenceError.ECANCELED, CancellationException.class);
  }

  /** A TimeoutException maps to ETIME. */
  @Test
  void fromFuture_timedOut_signalsEtime() {
    assertFailure(
        f -> f.completeExceptionally(new TimeoutException()),
        FenceError.ETIME,
        TimeoutException.class);
  }

  /** A FenceErrorException maps to its own error. */
  @Test
  void fromFuture_fenceErrorException_signalsItsError() {
    assertFailure(
        f -> f.completeExceptionally(new FenceErrorException(FenceError.ENODATA)),
        FenceError.ENODATA,
        FenceErrorException.class);
  }

  /** Anything else maps to EIO; a CompletionException is unwrapped to its cause first. */
  @Test
  void fromFuture_completionExceptionWrapping_unwrapsAndSignalsEio() {
    IOException io = new IOException("disk");
    CompletableFuture<String> future = new CompletableFuture<>();
    Fence fence = Fences.fromFuture(future);
    future.completeExceptionally(new CompletionException(io));
    assertThat(fence.error()).contains(FenceError.EIO);
    assertThat(fence.cause()).containsSame(io);
  }

  /** The stage of a dependent that fails (wrapped in CompletionException) maps like its cause. */
  @Test
  void fromFuture_failedDependentStage_unwrapsCause() {
    CompletableFuture<String> source = new CompletableFuture<>();
    Fence fence =
        Fences.fromFuture(
            source.thenApply(
                s -> {
                  throw new FenceErrorException(FenceError.EDEADLK);
                }));
    source.complete("x");
    assertThat(fence.error()).contains(FenceError.EDEADLK);
    assertThat(fence.cause()).containsInstanceOf(FenceErrorException.class);
  }

  /**
   * The fence has a fresh context, seqno 1 and driver "future"; a done stage gives a signaled one.
   */
  @Test
  void fromFuture_completedStage_signaledWithFreshIdentity() {
    Fence a = Fences.fromFuture(CompletableFuture.completedFuture(1));
    Fence b = Fences.fromFuture(CompletableFuture.completedFuture(2));
    assertThat(a.isSignaled()).isTrue();
    assertThat(a.seqno()).isEqualTo(1L);
    assertThat(a.driverName()).isEqualTo("future");
    assertThat(a.context()).isNotEqualTo(b.context()).isPositive();
  }

  /** A null stage is rejected naming the parameter. */
  @Test
  void fromFuture_null_throwsNpe() {
    assertThatNullPointerException().isThrownBy(() -> Fences.fromFuture(null)).withMessage("stage");
  }
}
