package org.fence4j;

import static org.assertj.core.api.Assertions.assertThatNullPointerException;

import com.google.common.testing.NullPointerTester;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.fence4j.internal.TimelineRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Null arguments fail at the call with a NullPointerException, for every public class of the API
 * package (checked with guava-testlib's NullPointerTester; parameters annotated {@code @Nullable}
 * are skipped), and the exception names the parameter. The internal package is not exported to
 * guava-testlib, so its one public method is checked by hand.
 */
class NullPointerTests {

  private static Fence pending() {
    return FenceContext.create("npe", "npe").next();
  }

  private static NullPointerTester tester() {
    Fence fence = pending();
    return new NullPointerTester()
        .setDefault(Fence.class, fence)
        .setDefault(FenceError.class, FenceError.EIO)
        .setDefault(FenceCallback.class, f -> {})
        .setDefault(Executor.class, Runnable::run)
        .setDefault(Duration.class, Duration.ZERO)
        .setDefault(TimeUnit.class, TimeUnit.NANOSECONDS)
        .setDefault(List.class, List.of(fence))
        .setDefault(String.class, "name");
  }

  /** Every public method of Fence (via a FenceContext fence) rejects null arguments. */
  @Test
  void fence_publicMethods_rejectNulls() {
    tester().testAllPublicStaticMethods(Fence.class);
    tester().testAllPublicInstanceMethods(pending());
  }

  /** Every public method of FenceArray rejects null arguments. */
  @Test
  void fenceArray_publicMethods_rejectNulls() {
    tester().testAllPublicStaticMethods(FenceArray.class);
    tester().testAllPublicInstanceMethods(FenceArray.all(List.of(pending())));
  }

  /** Every public method of FenceChain rejects null arguments. */
  @Test
  void fenceChain_publicMethods_rejectNulls() {
    tester().testAllPublicStaticMethods(FenceChain.class);
    tester().testAllPublicInstanceMethods(FenceChain.create(null, pending(), 1));
  }

  /** Every public method of SoftwareTimeline rejects null arguments. */
  @Test
  void softwareTimeline_publicMethods_rejectNulls() {
    try (SoftwareTimeline timeline = SoftwareTimeline.create("npe")) {
      tester().testAllPublicStaticMethods(SoftwareTimeline.class);
      tester().testAllPublicInstanceMethods(timeline);
    }
  }

  /** Every public method of FenceContext rejects null arguments. */
  @Test
  void fenceContext_publicMethods_rejectNulls() {
    tester().testAllPublicStaticMethods(FenceContext.class);
    tester().testAllPublicInstanceMethods(FenceContext.create("npe", "npe"));
  }

  /** Every public method of Fences rejects null arguments. */
  @Test
  void fences_publicMethods_rejectNulls() {
    tester().testAllPublicStaticMethods(Fences.class);
  }

  /** Every public method of FenceError rejects null arguments. */
  @Test
  void fenceError_publicMethods_rejectNulls() {
    tester().testAllPublicStaticMethods(FenceError.class);
    tester().testAllPublicInstanceMethods(FenceError.EIO);
  }

  /** Every public method of FenceContexts rejects null arguments. */
  @Test
  void fenceContexts_publicMethods_rejectNulls() {
    tester().testAllPublicStaticMethods(FenceContexts.class);
  }

  /** Every public method of StrictMode rejects null arguments, except the nullable handler. */
  @Test
  void strictMode_publicMethods_rejectNulls() {
    try {
      tester().testAllPublicStaticMethods(StrictMode.class);
    } finally {
      StrictMode.setViolationHandler(null);
    }
  }

  /** Every public constructor and method of FenceErrorException rejects null arguments. */
  @Test
  void fenceErrorException_publicConstructorsAndMethods_rejectNulls() {
    tester().testAllPublicConstructors(FenceErrorException.class);
    tester().testAllPublicInstanceMethods(new FenceErrorException(FenceError.EIO));
  }

  /** The NullPointerException names the null parameter. */
  @ParameterizedTest(name = "{0}")
  @MethodSource("nullCalls")
  void nullArgument_anyPublicCall_exceptionNamesParameter(String parameter, ThrowingCallable call) {
    assertThatNullPointerException().isThrownBy(call).withMessageContaining(parameter);
  }

  static Stream<Arguments> nullCalls() {
    Fence fence = pending();
    FenceCallback cb = f -> {};
    List<Fence> withNull = new java.util.ArrayList<>();
    withNull.add(fence);
    withNull.add(null);
    return Stream.of(
        call("cb", () -> fence.addCallback(null)),
        call("executor", () -> fence.addCallback(cb, null)),
        call("cb", () -> fence.removeCallback(null)),
        call("error", () -> fence.signal((FenceError) null)),
        call("error", () -> fence.setError(null)),
        call("timeout", () -> fence.await((Duration) null)),
        call("unit", () -> fence.await(1, null)),
        call("other", () -> fence.isLaterThan(null)),
        call("fences", () -> FenceArray.all(null)),
        call("fences[1]", () -> FenceArray.any(withNull)),
        call("fence", () -> FenceChain.create(null, null, 1)),
        call("head", () -> FenceChain.findSeqno(null, 1)),
        call("fences", () -> Fences.merge((List<Fence>) null)),
        call("fences[1]", () -> Fences.merge(withNull)),
        call("fences", () -> Fences.waitAny(null, Duration.ZERO)),
        call("name", () -> SoftwareTimeline.create(null)),
        call("driverName", () -> FenceContext.create(null, "t")),
        call("timelineName", () -> FenceContext.create("d", null)),
        call("message", () -> StrictMode.reportViolation(null)),
        call("error", () -> new FenceErrorException(null)),
        call("timeline", () -> TimelineRegistry.register(null)));
  }

  private static Arguments call(String parameter, ThrowingCallable call) {
    return Arguments.of(parameter, call);
  }
}
