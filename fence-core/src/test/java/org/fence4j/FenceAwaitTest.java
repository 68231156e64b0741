package org.fence4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/** Blocking waits: every await variant, timeouts, interrupts, and cleanup after a wait. */
class FenceAwaitTest {
  /** A timeout long enough that a correct test never reaches it. */
  private static final Duration LONG = Duration.ofSeconds(30);

  /** A timeout the tests expect to elapse. */
  private static final Duration SHORT = Duration.ofMillis(20);

  private final FenceContext ctx = FenceContext.create("test-driver", "ring0");

  /** Waits until {@code thread} is parked in a wait on {@code fence}. */
  private static void awaitParkedOn(Thread thread, Fence fence) {
    await().atMost(Duration.ofSeconds(10)).until(() -> LockSupport.getBlocker(thread) == fence);
  }

  /**
   * Runs {@code wait} in a thread named {@code waiter}, signals {@code fence} once that thread is
   * parked on it, and returns what the wait returned (its failure is rethrown).
   */
  private static <T> @Nullable T signalWhileParked(Fence fence, Callable<T> wait) throws Exception {
    try (Spawned<T> waiter = Spawned.start("waiter", wait)) {
      awaitParkedOn(waiter.thread(), fence);

      fence.signal();

      return waiter.join();
    }
  }

  // -------------------------------------------------------------------------------------------
  // Returning when signaled

  /** await() returns once another thread signals the fence. */
  @Test
  void await_signaledByAnotherThread_returns() throws Exception {
    Fence fence = ctx.next();
    signalWhileParked(
        fence,
        () -> {
          fence.await();
          return null;
        });
  }

  /** await(Duration) returns true once another thread signals the fence. */
  @Test
  void awaitDuration_signaledBeforeTimeout_returnsTrue() throws Exception {
    Fence fence = ctx.next();
    assertThat(signalWhileParked(fence, () -> fence.await(LONG))).isTrue();
  }

  /** await(long, TimeUnit) returns true once another thread signals the fence. */
  @Test
  void awaitTimeUnit_signaledBeforeTimeout_returnsTrue() throws Exception {
    Fence fence = ctx.next();
    assertThat(signalWhileParked(fence, () -> fence.await(LONG.toSeconds(), TimeUnit.SECONDS)))
        .isTrue();
  }

  /** Every thread waiting on a fence is woken by its signal. */
  @Test
  void await_manyWaiters_allReturnTrueOnSignal() throws Exception {
    Fence fence = ctx.next();
    List<Spawned<Boolean>> waiters = new ArrayList<>();
    try {
      for (int i = 0; i < 4; i++) {
        Spawned<Boolean> waiter = Spawned.start("waiter-" + i, () -> fence.await(LONG));
        waiters.add(waiter);
        awaitParkedOn(waiter.thread(), fence);
      }

      fence.signal();

      for (Spawned<Boolean> waiter : waiters) {
        assertThat(waiter.join()).isTrue();
      }
    } finally {
      for (Spawned<Boolean> waiter : waiters) {
        waiter.close();
      }
    }
  }

  /** A wait on a fence signaled with an error returns true; the error does not throw. */
  @Test
  void awaitDuration_signaledWithError_returnsTrue() throws Exception {
    Fence fence = ctx.next();
    fence.signal(FenceError.EIO);

    assertThat(fence.await(LONG)).isTrue();
  }

  /** A timeout too large for nanoseconds saturates and still waits for the signal. */
  @Test
  void awaitDuration_hugeTimeout_saturatesAndReturnsTrueOnSignal() throws Exception {
    Fence fence = ctx.next();
    assertThat(signalWhileParked(fence, () -> fence.await(Duration.ofSeconds(Long.MAX_VALUE))))
        .isTrue();
  }

  // -------------------------------------------------------------------------------------------
  // Timeouts

  /** await(Duration) returns false when the timeout elapses first. */
  @Test
  void awaitDuration_pendingPastTimeout_returnsFalse() throws Exception {
    assertThat(ctx.next().await(SHORT)).isFalse();
  }

  /** await(long, TimeUnit) returns false when the timeout elapses first. */
  @Test
  void awaitTimeUnit_pendingPastTimeout_returnsFalse() throws Exception {
    assertThat(ctx.next().await(SHORT.toMillis(), TimeUnit.MILLISECONDS)).isFalse();
  }

  /** A zero timeout polls: true for a signaled fence. */
  @Test
  void await_zeroTimeoutOnSignaled_returnsTrue() throws Exception {
    Fence fence = ctx.next();
    fence.signal();

    assertThat(fence.await(Duration.ZERO)).isTrue();
    assertThat(fence.await(0, TimeUnit.NANOSECONDS)).isTrue();
    assertThat(fence.awaitUninterruptibly(Duration.ZERO)).isTrue();
  }

  /** A zero timeout polls: false for a pending fence, leaving no waiter behind. */
  @Test
  void await_zeroTimeoutOnPending_returnsFalseWithoutRegistering() throws Exception {
    Fence fence = ctx.next();

    assertThat(fence.await(Duration.ZERO)).isFalse();
    assertThat(fence.await(0, TimeUnit.SECONDS)).isFalse();
    assertThat(fence.awaitUninterruptibly(Duration.ZERO)).isFalse();
    assertThat(Registrations.count(fence)).isZero();
  }

  /** A wait that times out leaves no waiter registered on the fence. */
  @Test
  void awaitDuration_timedOut_leavesNoWaiterRegistered() throws Exception {
    Fence fence = ctx.next();

    fence.await(SHORT);

    assertThat(Registrations.count(fence)).isZero();
  }

  /** A negative Duration is an IllegalArgumentException and leaves the fence usable. */
  @Test
  void awaitDuration_negative_throwsIllegalArgumentAndFenceStaysUsable() throws Exception {
    Fence fence = ctx.next();

    assertThatIllegalArgumentException().isThrownBy(() -> fence.await(Duration.ofNanos(-1)));

    fence.signal();
    assertThat(fence.await(Duration.ZERO)).isTrue();
  }

  /** A negative long timeout is an IllegalArgumentException. */
  @Test
  void awaitTimeUnit_negative_throwsIllegalArgument() {
    Fence fence = ctx.next();

    assertThatIllegalArgumentException().isThrownBy(() -> fence.await(-1, TimeUnit.SECONDS));
  }

  /** A negative uninterruptible timeout is an IllegalArgumentException. */
  @Test
  void awaitUninterruptibly_negative_throwsIllegalArgument() {
    Fence fence = ctx.next();

    assertThatIllegalArgumentException()
        .isThrownBy(() -> fence.awaitUninterruptibly(Duration.ofMillis(-5)));
  }

  // -------------------------------------------------------------------------------------------
  // Enabling signaling

  /** A wait, even a zero-timeout poll, enables signaling. */
  @Test
  void await_zeroTimeout_enablesSignaling() throws Exception {
    TestFence fence = new TestFence();

    fence.await(Duration.ZERO);

    assertThat(fence.enableCalls).hasValue(1);
  }

  /** A wait on a lazy driver fence (which starts its work when enabled) returns when it is done. */
  @Test
  void await_lazyDriverFence_enablesSignalingAndReturnsWhenDone() throws Exception {
    TestFence fence = new TestFence();
    List<Spawned<Boolean>> workers = new ArrayList<>();
    fence.onEnable = f -> workers.add(Spawned.start("worker", f::signal));
    try {
      assertThat(fence.await(LONG)).isTrue();
    } finally {
      for (Spawned<Boolean> worker : workers) {
        worker.join();
      }
    }

    assertThat(workers).hasSize(1);
  }

  // -------------------------------------------------------------------------------------------
  // Interrupts

  /** A thread interrupted before it waits gets InterruptedException at once. */
  @Test
  void await_interruptedOnEntry_throwsInterruptedException() {
    Fence fence = ctx.next();
    Thread.currentThread().interrupt();
    try {
      assertThatThrownBy(() -> fence.await(LONG)).isInstanceOf(InterruptedException.class);
      assertThat(Thread.currentThread().isInterrupted()).isFalse();
    } finally {
      Thread.interrupted();
    }
  }

  /** A thread interrupted while it waits gets InterruptedException. */
  @Test
  void await_interruptedWhileWaiting_throwsInterruptedException() throws Exception {
    Fence fence = ctx.next();
    try (Spawned<Void> waiter =
        Spawned.start(
            "waiter",
            () -> {
              fence.await();
              return null;
            })) {
      awaitParkedOn(waiter.thread(), fence);

      waiter.thread().interrupt();

      assertThatThrownBy(waiter::join).isInstanceOf(InterruptedException.class);
    }
  }

  /** A wait ended by an interrupt leaves no waiter registered on the fence. */
  @Test
  void awaitDuration_interruptedWhileWaiting_leavesNoWaiterRegistered() throws Exception {
    Fence fence = ctx.next();
    try (Spawned<Boolean> waiter = Spawned.start("waiter", () -> fence.await(LONG))) {
      awaitParkedOn(waiter.thread(), fence);
      assertThat(Registrations.count(fence)).isOne();

      waiter.thread().interrupt();

      assertThatThrownBy(waiter::join).isInstanceOf(InterruptedException.class);
    }
    assertThat(Registrations.count(fence)).isZero();
  }

  /** awaitUninterruptibly keeps waiting through an interrupt and sets the flag again on return. */
  @Test
  void awaitUninterruptibly_interruptedWhileWaiting_keepsWaitingAndRestoresFlag() throws Exception {
    Fence fence = ctx.next();
    try (Spawned<String> waiter =
        Spawned.start(
            "waiter",
            () -> {
              boolean signaled = fence.awaitUninterruptibly(LONG);
              return signaled + " " + Thread.currentThread().isInterrupted();
            })) {
      awaitParkedOn(waiter.thread(), fence);
      waiter.thread().interrupt();
      await().atMost(Duration.ofSeconds(10)).until(() -> !waiter.thread().isInterrupted());
      awaitParkedOn(waiter.thread(), fence);
      assertThat(waiter.thread().isAlive()).isTrue();

      fence.signal();

      assertThat(waiter.join()).isEqualTo("true true");
    }
  }

  /** awaitUninterruptibly on an interrupted thread still waits and keeps the flag set. */
  @Test
  void awaitUninterruptibly_interruptedOnEntry_waitsAndKeepsFlag() throws Exception {
    Fence fence = ctx.next();
    assertThat(
            signalWhileParked(
                fence,
                () -> {
                  Thread.currentThread().interrupt();
                  boolean signaled = fence.awaitUninterruptibly(LONG);
                  return signaled + " " + Thread.currentThread().isInterrupted();
                }))
        .isEqualTo("true true");
  }

  /** The forever variant of awaitUninterruptibly waits through interrupts and restores the flag. */
  @Test
  void awaitUninterruptiblyForever_interruptedWhileWaiting_returnsOnSignalWithFlag()
      throws Exception {
    Fence fence = ctx.next();
    try (Spawned<Boolean> waiter =
        Spawned.start(
            "waiter",
            () -> {
              fence.awaitUninterruptibly();
              return Thread.currentThread().isInterrupted();
            })) {
      awaitParkedOn(waiter.thread(), fence);
      waiter.thread().interrupt();

      fence.signal();

      assertThat(waiter.join()).isTrue();
    }
  }

  /** awaitUninterruptibly returns false when its timeout elapses, leaving no waiter behind. */
  @Test
  void awaitUninterruptibly_pendingPastTimeout_returnsFalseWithoutRegistration() {
    Fence fence = ctx.next();

    assertThat(fence.awaitUninterruptibly(SHORT)).isFalse();
    assertThat(Registrations.count(fence)).isZero();
  }
}
