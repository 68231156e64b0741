package org.fence4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Fences.waitAny and Fences.waitAll. */
class FencesWaitTest {
  /** A timeout long enough that a correct test never reaches it. */
  private static final Duration LONG = Duration.ofSeconds(30);

  /** A timeout the tests expect to elapse. */
  private static final Duration SHORT = Duration.ofMillis(20);

  private final FenceContext ctx = FenceContext.create("test-driver", "ring0");

  private List<Fence> pendingFences(int n) {
    List<Fence> fences = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      fences.add(FenceContext.create("d", "t" + i).next());
    }
    return fences;
  }

  private static int totalRegistrations(List<Fence> fences) {
    return fences.stream().mapToInt(Registrations::count).sum();
  }

  /** Waits until a waitAny in another thread has registered on every fence of the list. */
  private static void awaitRegisteredOnAll(List<Fence> fences) {
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> fences.stream().allMatch(f -> Registrations.count(f) == 1));
  }

  // -------------------------------------------------------------------------------------------
  // waitAny

  /** With several fences signaled, waitAny returns the lowest signaled index. */
  @Test
  void waitAny_severalSignaled_returnsLowestIndex() throws Exception {
    List<Fence> fences = pendingFences(4);
    fences.get(3).signal();
    fences.get(1).signal();

    assertThat(Fences.waitAny(fences, LONG)).isOne();
  }

  /** waitAny returns -1 when nothing signals before the timeout. */
  @Test
  void waitAny_noneSignaledBeforeTimeout_returnsMinusOne() throws Exception {
    assertThat(Fences.waitAny(pendingFences(3), SHORT)).isEqualTo(-1);
  }

  /** A zero timeout polls: -1 when nothing is signaled, the index when one is. */
  @Test
  void waitAny_zeroTimeout_polls() throws Exception {
    List<Fence> fences = pendingFences(3);

    assertThat(Fences.waitAny(fences, Duration.ZERO)).isEqualTo(-1);
    fences.get(2).signal();
    assertThat(Fences.waitAny(fences, Duration.ZERO)).isEqualTo(2);
  }

  /** waitAny returns the index of a fence another thread signals while it waits. */
  @Test
  void waitAny_signaledByAnotherThread_returnsItsIndex() throws Exception {
    List<Fence> fences = pendingFences(3);
    try (Spawned<Integer> waiter = Spawned.start("waiter", () -> Fences.waitAny(fences, LONG))) {
      awaitRegisteredOnAll(fences);

      fences.get(2).signal();

      assertThat(waiter.join()).isEqualTo(2);
    }
  }

  /** The (long, TimeUnit) variant returns the lowest signaled index too. */
  @Test
  void waitAnyTimeUnit_oneSignaled_returnsItsIndex() throws Exception {
    List<Fence> fences = pendingFences(3);
    fences.get(1).signal();

    assertThat(Fences.waitAny(fences, 30, TimeUnit.SECONDS)).isOne();
  }

  /** waitAny works for a custom subclass that starts its work only when signaling is enabled. */
  @Test
  void waitAny_lazyCustomSubclass_enablesSignalingAndReturnsItsIndex() throws Exception {
    TestFence lazy = new TestFence();
    List<Spawned<Boolean>> workers = new ArrayList<>();
    lazy.onEnable = f -> workers.add(Spawned.start("worker", f::signal));
    List<Fence> fences = List.of(ctx.next(), lazy);
    try {
      assertThat(Fences.waitAny(fences, LONG)).isOne();
    } finally {
      for (Spawned<Boolean> worker : workers) {
        worker.join();
      }
    }
    assertThat(lazy.enableCalls).hasValue(1);
  }

  /** After waitAny returns a winner, no fence holds a registration of it. */
  @Test
  void waitAny_afterWinner_leavesNoRegistrationOnLosers() throws Exception {
    List<Fence> fences = pendingFences(4);
    try (Spawned<Integer> waiter = Spawned.start("waiter", () -> Fences.waitAny(fences, LONG))) {
      awaitRegisteredOnAll(fences);

      fences.get(2).signal();

      assertThat(waiter.join()).isEqualTo(2);
    }
    assertThat(totalRegistrations(fences)).isZero();
  }

  /** A waitAny that finds a signaled fence while registering leaves no registration behind. */
  @Test
  void waitAny_fenceSignaledAfterOthersRegistered_leavesNoRegistration() throws Exception {
    List<Fence> fences = new ArrayList<>(pendingFences(3));
    TestFence late = new TestFence();
    late.enableResult = false; // signals as soon as waitAny registers on it
    fences.add(late);

    assertThat(Fences.waitAny(fences, LONG)).isEqualTo(3);

    assertThat(totalRegistrations(fences)).isZero();
  }

  /** A waitAny that times out leaves no registration behind. */
  @Test
  void waitAny_afterTimeout_leavesNoRegistration() throws Exception {
    List<Fence> fences = pendingFences(3);

    Fences.waitAny(fences, SHORT);

    assertThat(totalRegistrations(fences)).isZero();
  }

  /** A thread interrupted while in waitAny gets InterruptedException. */
  @Test
  void waitAny_interruptedWhileWaiting_throwsInterruptedException() throws Exception {
    List<Fence> fences = pendingFences(2);
    try (Spawned<Integer> waiter = Spawned.start("waiter", () -> Fences.waitAny(fences, LONG))) {
      awaitRegisteredOnAll(fences);

      waiter.thread().interrupt();

      assertThatThrownBy(waiter::join).isInstanceOf(InterruptedException.class);
    }
  }

  /** A waitAny ended by an interrupt leaves no registration behind. */
  @Test
  void waitAny_interruptedWhileWaiting_leavesNoRegistration() throws Exception {
    List<Fence> fences = pendingFences(3);
    try (Spawned<Integer> waiter = Spawned.start("waiter", () -> Fences.waitAny(fences, LONG))) {
      awaitRegisteredOnAll(fences);

      waiter.thread().interrupt();

      assertThatThrownBy(waiter::join).isInstanceOf(InterruptedException.class);
    }
    assertThat(totalRegistrations(fences)).isZero();
  }

  /** A thread interrupted before waitAny gets InterruptedException. */
  @Test
  void waitAny_interruptedOnEntry_throwsInterruptedException() {
    assertWaitAnyInterruptedOnEntryThrows(pendingFences(2));
  }

  /** A thread interrupted before waitAny gets InterruptedException even if a fence is signaled. */
  @Test
  void waitAny_interruptedOnEntryWithSignaledFence_throwsInterruptedException() {
    List<Fence> fences = pendingFences(2);
    fences.get(0).signal();

    assertWaitAnyInterruptedOnEntryThrows(fences);
  }

  /** Interrupts the current thread, checks that waitAny throws, and clears the flag again. */
  private static void assertWaitAnyInterruptedOnEntryThrows(List<Fence> fences) {
    Thread.currentThread().interrupt();
    try {
      assertThatThrownBy(() -> Fences.waitAny(fences, LONG))
          .isInstanceOf(InterruptedException.class);
    } finally {
      Thread.interrupted();
    }
  }

  /** A null element after an already signaled one is still rejected, naming its index. */
  @Test
  void waitAny_nullAfterSignaledFence_throwsNullPointerNamingIndex() {
    List<Fence> fences = pendingFences(2);
    fences.get(0).signal();
    fences.add(null);

    assertThatThrownBy(() -> Fences.waitAny(fences, LONG))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("fences[2]");
  }

  /** A list without random access (a LinkedList) gets the same answer. */
  @Test
  void waitAny_linkedListWithSignaledFence_returnsLowestIndex() throws Exception {
    List<Fence> fences = new LinkedList<>(pendingFences(3));
    fences.get(2).signal();
    fences.get(1).signal();

    assertThat(Fences.waitAny(fences, LONG)).isOne();
  }

  /** waitAny on an empty list is an IllegalArgumentException. */
  @Test
  void waitAny_emptyList_throwsIllegalArgument() {
    assertThatIllegalArgumentException().isThrownBy(() -> Fences.waitAny(List.of(), LONG));
  }

  /** waitAny with a negative timeout is an IllegalArgumentException. */
  @Test
  void waitAny_negativeTimeout_throwsIllegalArgument() {
    List<Fence> fences = pendingFences(1);

    assertThatIllegalArgumentException()
        .isThrownBy(() -> Fences.waitAny(fences, Duration.ofMillis(-1)));
    assertThatIllegalArgumentException()
        .isThrownBy(() -> Fences.waitAny(fences, -1, TimeUnit.MILLISECONDS));
  }

  // -------------------------------------------------------------------------------------------
  // waitAll

  /** waitAll returns true when every fence is signaled. */
  @Test
  void waitAll_allSignaled_returnsTrue() throws Exception {
    List<Fence> fences = pendingFences(3);
    fences.forEach(Fence::signal);

    assertThat(Fences.waitAll(fences, Duration.ZERO)).isTrue();
  }

  /** waitAll returns false when one fence stays pending past the timeout. */
  @Test
  void waitAll_onePendingPastTimeout_returnsFalse() throws Exception {
    List<Fence> fences = pendingFences(3);
    fences.get(0).signal();
    fences.get(2).signal();

    assertThat(Fences.waitAll(fences, SHORT)).isFalse();
    assertThat(Fences.waitAll(fences, SHORT.toMillis(), TimeUnit.MILLISECONDS)).isFalse();
  }

  /** waitAll of an empty list is trivially true. */
  @Test
  void waitAll_emptyList_returnsTrue() throws Exception {
    assertThat(Fences.waitAll(List.of(), Duration.ZERO)).isTrue();
  }

  /** waitAll returns true once other threads have signaled every fence. */
  @Test
  void waitAll_signaledByOtherThreads_returnsTrue() throws Exception {
    List<Fence> fences = pendingFences(3);
    try (Spawned<Boolean> waiter = Spawned.start("waiter", () -> Fences.waitAll(fences, LONG))) {
      for (Fence fence : fences) {
        try (Spawned<Boolean> producer = Spawned.start("producer", fence::signal)) {
          producer.join();
        }
      }

      assertThat(waiter.join()).isTrue();
    }
  }

  /** waitAll with errors among the fences still returns true once all are signaled. */
  @Test
  void waitAll_signaledWithErrors_returnsTrue() throws Exception {
    List<Fence> fences = pendingFences(2);
    fences.get(0).signal(FenceError.EIO);
    fences.get(1).signal();

    assertThat(Fences.waitAll(fences, LONG)).isTrue();
  }

  /** waitAll with a negative timeout is an IllegalArgumentException. */
  @Test
  void waitAll_negativeTimeout_throwsIllegalArgument() {
    List<Fence> fences = pendingFences(1);

    assertThatIllegalArgumentException()
        .isThrownBy(() -> Fences.waitAll(fences, Duration.ofSeconds(-1)));
    assertThatIllegalArgumentException()
        .isThrownBy(() -> Fences.waitAll(fences, -1, TimeUnit.SECONDS));
  }

  /** A thread interrupted while in waitAll gets InterruptedException. */
  @Test
  void waitAll_interruptedWhileWaiting_throwsInterruptedException() throws Exception {
    List<Fence> fences = pendingFences(2);
    try (Spawned<Boolean> waiter = Spawned.start("waiter", () -> Fences.waitAll(fences, LONG))) {
      await().atMost(Duration.ofSeconds(10)).until(() -> Registrations.count(fences.get(0)) == 1);

      waiter.thread().interrupt();

      assertThatThrownBy(waiter::join).isInstanceOf(InterruptedException.class);
    }
  }

  /** A waitAll ended by an interrupt leaves no waiter registered on any fence. */
  @Test
  void waitAll_interruptedWhileWaiting_leavesNoRegistration() throws Exception {
    List<Fence> fences = pendingFences(2);
    try (Spawned<Boolean> waiter = Spawned.start("waiter", () -> Fences.waitAll(fences, LONG))) {
      await().atMost(Duration.ofSeconds(10)).until(() -> Registrations.count(fences.get(0)) == 1);

      waiter.thread().interrupt();

      assertThatThrownBy(waiter::join).isInstanceOf(InterruptedException.class);
    }
    assertThat(totalRegistrations(fences)).isZero();
  }
}
