package org.fence4j.debug;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.fence4j.Fence;
import org.fence4j.FenceContext;
import org.fence4j.Fences;
import org.fence4j.Spawned;
import org.fence4j.StrictMode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@link SignalingSection} and the signaling-path check of inline callbacks. */
class SignalingSectionTest {
  private static final Duration SHORT = Duration.ofMillis(5);

  private final FenceContext ctx = FenceContext.create("section-driver", "section-ring");
  private final List<String> violations = new CopyOnWriteArrayList<>();
  private final List<Throwable> handled = new CopyOnWriteArrayList<>();

  @BeforeEach
  void collect() {
    StrictMode.setViolationHandler(violations::add);
    Fence.setCallbackExceptionHandler((t, e) -> handled.add(e));
  }

  @AfterEach
  void reset() {
    StrictMode.setViolationHandler(null);
    Fence.setCallbackExceptionHandler(null);
  }

  /** A blocking wait inside a section is reported with the fence's describe(), then proceeds. */
  @Test
  void await_insideSection_reportedAndProceeds() throws Exception {
    Fence fence = ctx.next();
    boolean result;
    try (SignalingSection section = SignalingSection.begin()) {
      result = fence.await(SHORT);
    }
    assertThat(result).isFalse(); // it really waited, and timed out
    assertThat(violations).hasSize(1);
    assertThat(violations.get(0)).contains(fence.describe());
  }

  /** A blocking wait that is then signaled proceeds normally inside a section. */
  @Test
  void await_insideSectionSignaledByOtherThread_returnsTrue() throws Exception {
    Fence fence = ctx.next();
    try (SignalingSection section = SignalingSection.begin();
        Spawned<Void> signaler =
            Support.spawn(
                "signaler",
                () -> {
                  org.awaitility.Awaitility.await()
                      .atMost(Support.LONG)
                      .until(() -> !violations.isEmpty());
                  fence.signal();
                  return null;
                })) {
      assertThat(fence.await(Support.LONG)).isTrue();
      signaler.join();
    }
    assertThat(violations).hasSize(1);
  }

  /** A poll (zero timeout) inside a section is not reported. */
  @Test
  void await_zeroTimeoutInsideSection_notReported() throws Exception {
    Fence fence = ctx.next();
    try (SignalingSection section = SignalingSection.begin()) {
      assertThat(fence.await(Duration.ZERO)).isFalse();
      assertThat(Fences.waitAny(List.of(fence), Duration.ZERO)).isEqualTo(-1);
      assertThat(Fences.waitAll(List.of(fence), Duration.ZERO)).isFalse();
    }
    assertThat(violations).isEmpty();
  }

  /** A wait on a signaled fence inside a section is not reported. */
  @Test
  void await_signaledFenceInsideSection_notReported() throws Exception {
    Fence fence = ctx.next();
    fence.signal();
    try (SignalingSection section = SignalingSection.begin()) {
      assertThat(fence.await(Support.LONG)).isTrue();
      fence.await();
      assertThat(Fences.waitAll(List.of(fence), Support.LONG)).isTrue();
      assertThat(Fences.waitAny(List.of(fence), Support.LONG)).isZero();
    }
    assertThat(violations).isEmpty();
  }

  /** A blocking wait outside any section is not reported. */
  @Test
  void await_outsideSection_notReported() throws Exception {
    assertThat(ctx.next().await(SHORT)).isFalse();
    assertThat(violations).isEmpty();
  }

  /** waitAny and waitAll inside a section are reported once per call, naming the fences. */
  @Test
  void waitAnyWaitAll_insideSection_reportedOncePerCall() throws Exception {
    Fence a = ctx.next();
    Fence b = ctx.next();
    try (SignalingSection section = SignalingSection.begin()) {
      assertThat(Fences.waitAny(List.of(a, b), SHORT)).isEqualTo(-1);
      assertThat(Fences.waitAll(List.of(a, b), SHORT)).isFalse();
    }
    assertThat(violations).hasSize(2);
    assertThat(violations).allMatch(v -> v.contains(a.describe()) && v.contains(b.describe()));
  }

  /** Sections nest: the thread is on a signaling path until the outer section closes. */
  @Test
  void begin_nested_onPathUntilOuterCloses() throws Exception {
    Fence fence = ctx.next();
    try (SignalingSection outer = SignalingSection.begin()) {
      try (SignalingSection inner = SignalingSection.begin()) {
        fence.await(SHORT);
      }
      fence.await(SHORT);
    }
    fence.await(SHORT);
    assertThat(violations).hasSize(2);
  }

  /** A second close() does nothing (it does not end an enclosing section). */
  @Test
  void close_twice_secondDoesNothing() throws Exception {
    Fence fence = ctx.next();
    try (SignalingSection outer = SignalingSection.begin()) {
      SignalingSection inner = SignalingSection.begin();
      inner.close();
      inner.close();
      fence.await(SHORT);
    }
    assertThat(violations).hasSize(1);
  }

  /** close() from another thread is rejected and leaves the section open. */
  @Test
  void close_otherThread_throwsAndKeepsSection() throws Exception {
    Fence fence = ctx.next();
    try (SignalingSection section = SignalingSection.begin()) {
      try (Spawned<Void> other =
          Support.spawn(
              "other",
              () -> {
                assertThatIllegalStateException().isThrownBy(section::close);
                return null;
              })) {
        other.join();
      }
      fence.await(SHORT);
    }
    assertThat(violations).hasSize(1);
  }

  /** An inline callback that blocks on a fence is reported, section or not. */
  @Test
  void inlineCallback_blockingWait_reported() {
    Fence trigger = ctx.next();
    Fence other = ctx.next();
    List<Boolean> results = new CopyOnWriteArrayList<>();
    trigger.addCallback(
        f -> {
          try {
            results.add(other.await(SHORT));
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        });
    trigger.signal();
    assertThat(results).containsExactly(false);
    assertThat(violations).hasSize(1);
    assertThat(violations.get(0)).contains(other.describe());
  }

  /** A callback run on an executor runs outside: its blocking wait is not reported. */
  @Test
  void executorCallback_blockingWait_notReported() throws Exception {
    ExecutorService executor = Executors.newSingleThreadExecutor();
    try {
      Fence trigger = ctx.next();
      Fence other = ctx.next();
      List<Boolean> results = new CopyOnWriteArrayList<>();
      trigger.addCallback(
          f -> {
            try {
              results.add(other.await(SHORT));
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          },
          executor);
      trigger.signal();
      executor.shutdown();
      assertThat(executor.awaitTermination(20, TimeUnit.SECONDS)).isTrue();
      assertThat(results).containsExactly(false);
      assertThat(violations).isEmpty();
    } finally {
      executor.shutdownNow();
    }
  }

  /** A violation handler that throws does not stop the wait; its exception is reported. */
  @Test
  void await_handlerThrows_waitProceeds() throws Exception {
    RuntimeException boom = new IllegalStateException("handler throws");
    StrictMode.setViolationHandler(
        m -> {
          throw boom;
        });
    Fence fence = ctx.next();
    try (SignalingSection section = SignalingSection.begin()) {
      assertThat(fence.await(SHORT)).isFalse();
    }
    assertThat(handled).containsExactly(boom);
  }
}
