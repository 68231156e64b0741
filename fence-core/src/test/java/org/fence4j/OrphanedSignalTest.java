package org.fence4j;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A thread whose stack runs out after it claimed a signal, so that even its rescue attempts fail
 * (simulated deterministically by the fence-core test seam), loses nothing: the waiters wake, every
 * callback runs exactly once, in order, on another thread, within the picker's park slice (plus
 * scheduling), and an array over the fence completes, with no later action of anyone.
 */
class OrphanedSignalTest {
  /** The picker's bound (one park slice) with room for a loaded machine; never reached if right. */
  private static final Duration BOUND =
      Duration.ofMillis(Fence.PARK_SLICE_NANOS / 1_000_000 + 9000);

  private static final Duration WAITER_TIMEOUT = Duration.ofSeconds(60);

  private final FenceContext ctx = FenceContext.create("test-driver", "ring0");

  private static Dispatcher.Seam seam() {
    return Objects.requireNonNull(
        Dispatcher.SEAM, "the surefire config sets -Dfence4j.core.testSeams=true");
  }

  @AfterEach
  void disarm() {
    seam().disarm();
    Fence.setCallbackExceptionHandler(null);
  }

  /** What ran: callback number and thread, in order. */
  private record Run(int callback, Thread thread) {}

  /** A pending fence with a parked waiter, an array over it, and three recording callbacks. */
  private final class Scenario implements AutoCloseable {
    final Fence fence = ctx.next();
    final Fence other = ctx.next();
    final FenceArray array = FenceArray.all(List.of(fence, other));
    final List<Run> runs = new CopyOnWriteArrayList<>();
    final AtomicInteger urgentRuns = new AtomicInteger(); // the first urgent listener's runs
    final Spawned<Boolean> waiter;

    Scenario() throws Exception {
      fence.addUrgentCallback(f -> urgentRuns.incrementAndGet());
      for (int i = 1; i <= 3; i++) {
        int n = i;
        fence.addCallback(f -> runs.add(new Run(n, Thread.currentThread())));
      }
      array.enableSignaling();
      other.signal();
      waiter = Spawned.start("waiter", () -> fence.await(WAITER_TIMEOUT));
      Awaitility.await()
          .atMost(BOUND)
          .until(() -> waiter.thread().getState() == Thread.State.TIMED_WAITING);
    }

    /**
     * Everything completes: waiter woken, callbacks 1..3 once each in order, the urgent one once,
     * array signaled.
     */
    void assertCompletes() throws Exception {
      Awaitility.await().atMost(BOUND).until(() -> runs.size() >= 3 && array.isSignaled());
      assertThat(waiter.join(BOUND)).isTrue();
      assertThat(runs).extracting(Run::callback).containsExactly(1, 2, 3);
      assertThat(urgentRuns).hasValue(1);
    }

    /**
     * {@link #assertCompletes}, and nothing runs a second time: a chain published twice would run
     * again in the same rescue batch, right after the first time.
     */
    void assertCompletesOnce() throws Exception {
      assertCompletes();
      Awaitility.await()
          .during(Duration.ofMillis(200))
          .atMost(BOUND)
          .until(() -> runs.size() == 3 && urgentRuns.get() == 1);
    }

    /** Nothing happened yet (pending, nothing ran), and a signal now completes everything once. */
    void assertStillSignalable() throws Exception {
      assertThat(fence.isSignaled()).isFalse();
      assertThat(runs).isEmpty();
      assertThat(urgentRuns).hasValue(0);

      assertThat(fence.signal()).isTrue();

      assertCompletesOnce();
    }

    @Override
    public void close() throws Exception {
      waiter.close();
    }
  }

  /**
   * Signals {@code fence} on a new thread whose stack "runs out" at {@code point} (after {@code
   * skip} passes) and whose every rescue attempt fails; returns that thread.
   */
  private static Thread signalWithoutStack(Fence fence, int point, int skip) throws Exception {
    Thread signaler = withoutStack(point, skip, fence::signal);
    assertThat(fence.isSignaled()).isTrue();
    return signaler;
  }

  /**
   * Runs {@code action} on a new thread whose stack "runs out" at {@code point} (after {@code skip}
   * passes) and whose every rescue attempt fails; checks that it threw the StackOverflowError and
   * returns that thread.
   */
  private static Thread withoutStack(int point, int skip, Runnable action) throws Exception {
    try (Spawned<Throwable> thread =
        Spawned.start(
            "without-stack",
            () -> {
              seam().arm(Thread.currentThread(), point, skip, true);
              try {
                action.run();
                return null;
              } catch (StackOverflowError e) {
                return e;
              } finally {
                seam().disarm();
              }
            })) {
      assertThat(thread.join()).isInstanceOf(StackOverflowError.class);
      return thread.thread();
    }
  }

  /**
   * Signals a new fence whose one callback runs {@code inCallback}, on a new thread whose stack
   * "runs out" at {@code point} and whose every rescue attempt fails; checks that that signal
   * itself completed and returns what the callback exception handler received.
   */
  private List<Throwable> signalFromCallbackWithoutStack(Runnable inCallback, int point)
      throws Exception {
    List<Throwable> reported = new CopyOnWriteArrayList<>();
    Fence.setCallbackExceptionHandler((t, e) -> reported.add(e));
    Fence outer = ctx.next();
    outer.addCallback(f -> inCallback.run());
    try (Spawned<Boolean> signaler =
        Spawned.start(
            "without-stack",
            () -> {
              seam().arm(Thread.currentThread(), point, 0, true);
              try {
                return outer.signal();
              } finally {
                seam().disarm();
              }
            })) {
      assertThat(signaler.join()).isTrue();
    }
    return reported;
  }

  private static void assertAllRanOn(List<Run> runs, int from, Thread not) {
    for (Run r : runs.subList(from, runs.size())) {
      assertThat(r.thread()).isNotSameAs(not);
    }
  }

  @Test
  void signal_noStackRightAfterClaim_everythingCompletesElsewhere() throws Exception {
    assertRescuedElsewhere(Dispatcher.Seam.CLAIMED);
  }

  @Test
  void signal_noStackWhileWakingWaiters_everythingCompletesElsewhere() throws Exception {
    assertRescuedElsewhere(Dispatcher.Seam.WAKE);
  }

  @Test
  void signal_noStackToStartRun_everythingCompletesElsewhere() throws Exception {
    assertRescuedElsewhere(Dispatcher.Seam.OUTERMOST);
  }

  /**
   * A Scenario's fence signaled on a thread whose stack "runs out" at {@code point} (after the
   * claim) and whose rescue attempts fail: everything completes once, and nothing ran there.
   */
  private void assertRescuedElsewhere(int point) throws Exception {
    try (Scenario s = new Scenario()) {
      Thread signaler = signalWithoutStack(s.fence, point, 0);
      s.assertCompletesOnce();
      assertAllRanOn(s.runs, 0, signaler);
    }
  }

  /** No stack on the way into the dispatcher, before the claim: the fence can still be signaled. */
  @Test
  void signal_noStackBeforeClaim_fenceStaysSignalable() throws Exception {
    try (Scenario s = new Scenario()) {
      withoutStack(Dispatcher.Seam.ENTER, 0, s.fence::signal);

      s.assertStillSignalable();
    }
  }

  /** No stack on the way into the outermost run, after the claim: everything completes, once. */
  @Test
  void signal_noStackEnteringRun_everythingCompletesElsewhere() throws Exception {
    assertRescuedElsewhere(Dispatcher.Seam.ENTER_RUN);
  }

  /**
   * A signal nested in a callback finds no stack to make room in its thread's queue (which it does
   * before the claim): the fence is left pending, and a later signal completes everything.
   */
  @Test
  void signal_nestedNoStackToMakeRoom_fenceStaysSignalable() throws Exception {
    try (Scenario s = new Scenario()) {
      // A new thread has a new dispatcher, whose queue has no room yet: the nested signal grows it.
      List<Throwable> reported =
          signalFromCallbackWithoutStack(s.fence::signal, Dispatcher.Seam.GROW);
      assertThat(reported).singleElement().isInstanceOf(StackOverflowError.class);

      s.assertStillSignalable();
    }
  }

  /** The dispatcher's drain dies between callbacks: what is left queued runs elsewhere, once. */
  @Test
  void dispatch_noStackBetweenCallbacks_leftoversRunElsewhereInOrder() throws Exception {
    try (Scenario s = new Scenario()) {
      // Fired before callback 1: the counting urgent listener, the array's member wake-up and
      // then (queued by the array's signal) the array's own clean-up; the seam lets those and
      // callback 1 pass.
      Thread signaler = signalWithoutStack(s.fence, Dispatcher.Seam.FIRE, 4);
      s.assertCompletes();
      assertThat(s.runs.get(0).thread()).isSameAs(signaler);
      assertAllRanOn(s.runs, 1, signaler);
    }
  }

  /** A record published without waking the picker is still taken within its park slice. */
  @Test
  void stallMonitor_orphanPublishedWithoutWake_runsWithinParkSlice() throws Exception {
    try (Scenario s = new Scenario()) {
      Node.Listener first = s.fence.publishSignal(null, 0L, true);
      assertThat(first).isNotNull();
      Object[] orphan = {null, Orphans.CHAIN, s.fence, first};
      synchronized (Orphans.LOCK) {
        orphan[0] = Orphans.head;
        Orphans.head = orphan;
      }
      s.assertCompletes();
      assertAllRanOn(s.runs, 0, Thread.currentThread());
    }
  }

  // ---------------------------------------------------------------------------------------------
  // SoftwareTimeline: chains claimed under its lock, fired after unlocking

  /** A timeline loses its stack after unlocking, before firing: every point's callbacks run. */
  @Test
  void increment_noStackBeforeFiring_everyPointsCallbacksRunOnce() throws Exception {
    assertTimelineCompletes(Dispatcher.Seam.TIMELINE, 0);
  }

  /** A timeline loses its stack on the way into its second dispatch: nothing is lost. */
  @Test
  void increment_noStackEnteringSecondDispatch_everyPointsCallbacksRunOnce() throws Exception {
    assertTimelineCompletes(Dispatcher.Seam.DISPATCH, 1);
  }

  private static void assertTimelineCompletes(int point, int skip) throws Exception {
    try (SoftwareTimeline timeline = SoftwareTimeline.create("orphans")) {
      List<Run> runs = new CopyOnWriteArrayList<>();
      for (int v = 1; v <= 3; v++) {
        Fence p = timeline.createFence(v);
        for (int i = 1; i <= 2; i++) {
          int n = v * 10 + i;
          p.addCallback(f -> runs.add(new Run(n, Thread.currentThread())));
        }
      }
      withoutStack(point, skip, () -> timeline.increment(3));
      Awaitility.await().atMost(BOUND).until(() -> runs.size() >= 6);
      // Each point's callbacks in order (points rescued separately may run in any order).
      List<Integer> ran = runs.stream().map(Run::callback).toList();
      assertThat(ran).containsExactlyInAnyOrder(11, 12, 21, 22, 31, 32);
      for (int v = 1; v <= 3; v++) {
        assertThat(ran.indexOf(v * 10 + 1)).isLessThan(ran.indexOf(v * 10 + 2));
      }
      assertThat(timeline.value()).isEqualTo(3);
    }
  }

  /**
   * A timeline incremented from inside a callback loses its stack on the way into the dispatcher's
   * queue: every point's callbacks still run, once each.
   */
  @Test
  void increment_nestedNoStackEnteringQueue_everyPointsCallbacksRunOnce() throws Exception {
    try (SoftwareTimeline timeline = SoftwareTimeline.create("orphans")) {
      List<Run> runs = new CopyOnWriteArrayList<>();
      for (int v = 1; v <= 2; v++) {
        Fence p = timeline.createFence(v);
        int n = v;
        p.addCallback(f -> runs.add(new Run(n, Thread.currentThread())));
      }
      // Nested: the points' chains are queued.
      List<Throwable> reported =
          signalFromCallbackWithoutStack(() -> timeline.increment(2), Dispatcher.Seam.DISPATCH);
      Awaitility.await().atMost(BOUND).until(() -> runs.size() >= 2);
      assertThat(runs).extracting(Run::callback).containsExactlyInAnyOrder(1, 2);
      assertThat(reported).singleElement().isInstanceOf(StackOverflowError.class);
    }
  }

  /** A registration whose dispatcher was collected (its thread is gone) still gives its records. */
  @Test
  void takeOrphansOf_dispatcherCollected_recordsStillTaken() {
    Fence fence = ctx.next();
    fence.addCallback(f -> {});
    Node.Listener first = fence.publishSignal(null, 0L, true);
    Dispatcher.Registration reg = Dispatcher.forOrphanStress().reg;
    Object[] orphan = {null, Orphans.CHAIN, fence, first};
    orphan[0] = reg.orphans;
    reg.orphans = orphan;
    reg.clear(); // as a collection of the dispatcher would
    List<Object[]> out = new ArrayList<>();

    Dispatcher.takeOrphansOf(reg, out);

    assertThat(reg.get()).isNull();
    assertThat(out).containsExactly(orphan);
  }
}
