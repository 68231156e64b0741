package org.fence4j;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
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
    final Spawned<Boolean> waiter;

    Scenario() throws Exception {
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

    /** Everything completes: waiter woken, callbacks 1..3 once each in order, array signaled. */
    void assertCompletes() throws Exception {
      Awaitility.await().atMost(BOUND).until(() -> runs.size() >= 3 && array.isSignaled());
      assertThat(waiter.join(BOUND)).isTrue();
      assertThat(runs).extracting(Run::callback).containsExactly(1, 2, 3);
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
    try (Spawned<Throwable> signaler =
        Spawned.start(
            "signaler",
            () -> {
              seam().arm(Thread.currentThread(), point, skip, true);
              try {
                fence.signal();
                return null;
              } catch (StackOverflowError e) {
                return e;
              } finally {
                seam().disarm();
              }
            })) {
      assertThat(signaler.join()).isInstanceOf(StackOverflowError.class);
      assertThat(fence.isSignaled()).isTrue();
      return signaler.thread();
    }
  }

  private static void assertAllRanOn(List<Run> runs, int from, Thread not) {
    for (Run r : runs.subList(from, runs.size())) {
      assertThat(r.thread()).isNotSameAs(not);
    }
  }

  @Test
  void signal_noStackRightAfterClaim_everythingCompletesElsewhere() throws Exception {
    try (Scenario s = new Scenario()) {
      Thread signaler = signalWithoutStack(s.fence, Dispatcher.Seam.CLAIMED, 0);
      s.assertCompletes();
      assertAllRanOn(s.runs, 0, signaler);
    }
  }

  @Test
  void signal_noStackWhileWakingWaiters_everythingCompletesElsewhere() throws Exception {
    try (Scenario s = new Scenario()) {
      Thread signaler = signalWithoutStack(s.fence, Dispatcher.Seam.WAKE, 0);
      s.assertCompletes();
      assertAllRanOn(s.runs, 0, signaler);
    }
  }

  @Test
  void signal_noStackToStartRun_everythingCompletesElsewhere() throws Exception {
    try (Scenario s = new Scenario()) {
      Thread signaler = signalWithoutStack(s.fence, Dispatcher.Seam.OUTERMOST, 0);
      s.assertCompletes();
      assertAllRanOn(s.runs, 0, signaler);
    }
  }

  /** The dispatcher's drain dies between callbacks: what is left queued runs elsewhere, once. */
  @Test
  void dispatch_noStackBetweenCallbacks_leftoversRunElsewhereInOrder() throws Exception {
    try (Scenario s = new Scenario()) {
      // Fired before callback 1: the array's member wake-up and then (queued by the array's
      // signal) the array's own clean-up; the seam lets those and callback 1 pass.
      Thread signaler = signalWithoutStack(s.fence, Dispatcher.Seam.FIRE, 3);
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
}
