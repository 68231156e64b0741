package org.fence4j.syncobj;

import static org.assertj.core.api.Assertions.assertThat;
import static org.fence4j.syncobj.TestSupport.LONG;
import static org.fence4j.syncobj.TestSupport.SHORT;
import static org.fence4j.syncobj.TestSupport.awaitBlocked;

import java.lang.ref.WeakReference;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.fence4j.Fence;
import org.fence4j.syncobj.TestSupport.Spawned;
import org.fence4j.testlib.TestFence;
import org.junit.jupiter.api.Test;

/**
 * Waits leave nothing registered on any fence or object, however they return, and timelines keep
 * only their pending points: checked with weak references while the objects and fences stay
 * strongly reachable. A wait's registrations on an object hold its points (so its {@link SyncPoint}
 * instances), and its registrations on fences hold its thread; once the wait has returned and its
 * thread has ended, both must become unreachable.
 */
class SyncObjectLeakTest {

  /** How a wait in a spawned thread is made to return. */
  enum Exit {
    RETURN,
    TIMEOUT,
    INTERRUPT
  }

  /** One wait of every kind on {@code a} (unsubmitted point) and {@code b} (pending point). */
  interface WaitCall {
    Object run(List<SyncPoint> points) throws Exception;
  }

  private static final List<WaitCall> WAITS =
      List.of(
          points -> SyncObject.waitAny(points, LONG, WaitFlag.FOR_SUBMIT),
          points -> SyncObject.waitAll(points, LONG, WaitFlag.FOR_SUBMIT),
          points -> SyncObject.waitAny(points, LONG, WaitFlag.FOR_SUBMIT, WaitFlag.AVAILABLE),
          points -> points.get(0).syncObject().awaitSubmitted(points.get(0).point(), LONG));

  @Test
  void waits_returnOrTimeOutOrInterrupted_leaveNothingRegistered() throws Exception {
    for (Exit exit : Exit.values()) {
      for (int kind = 0; kind < WAITS.size(); kind++) {
        SyncObject a = SyncObject.create();
        SyncObject b = SyncObject.create();
        Fence pendingOfB = new TestFence();
        b.addPoint(1, pendingOfB);

        // wait-all returns only once b's point has signaled too; the others leave it pending, so
        // that their registrations on a fence that never signals are checked as well
        Fence signaledOnReturn = kind == 1 ? pendingOfB : Fence.stub();

        List<WeakReference<?>> refs = runWait(WAITS.get(kind), a, b, exit, signaledOnReturn);

        TestSupport.awaitCleared(refs);
        assertThat(a.describe()).as("%s %s", exit, kind).doesNotContain("waitingForSubmit");
        assertThat(b.describe()).as("%s %s", exit, kind).doesNotContain("waitingForSubmit");
      }
    }
  }

  /** Runs one wait to the given exit; returns weak references to its points and its thread. */
  private static List<WeakReference<?>> runWait(
      WaitCall wait, SyncObject a, SyncObject b, Exit exit, Fence signaledOnReturn)
      throws Exception {
    SyncPoint pa = a.at(2);
    SyncPoint pb = b.at(1);
    List<SyncPoint> points = List.of(pa, pb);
    boolean timesOut = exit == Exit.TIMEOUT;
    Spawned<Object> waiter =
        Spawned.start("leak-waiter", () -> timesOut ? timeoutVariant(points) : wait.run(points));
    try {
      if (!timesOut) {
        awaitBlocked(waiter);
      }
      if (exit == Exit.RETURN) {
        signaledOnReturn.signal();
        a.addPoint(2, Fence.stub()); // submitted and signaled: every kind of wait returns
      } else if (exit == Exit.INTERRUPT) {
        waiter.thread().interrupt();
      }
      try {
        waiter.join();
      } catch (InterruptedException expected) {
        assertThat(exit).isEqualTo(Exit.INTERRUPT);
      }
    } finally {
      waiter.close();
    }
    return List.of(
        new WeakReference<>(pa), new WeakReference<>(pb), new WeakReference<>(waiter.thread()));
  }

  private static Object timeoutVariant(List<SyncPoint> points) throws Exception {
    return SyncObject.waitAny(points, SHORT, WaitFlag.FOR_SUBMIT)
        + "/"
        + SyncObject.waitAll(points, SHORT, WaitFlag.FOR_SUBMIT)
        + "/"
        + points.get(0).syncObject().awaitSubmitted(points.get(0).point(), SHORT);
  }

  @Test
  void whenSubmitted_cancelled_futureNotHeldByObject() {
    SyncObject obj = SyncObject.create();
    CompletableFuture<Fence> future = obj.whenSubmitted(3);
    WeakReference<CompletableFuture<Fence>> ref = new WeakReference<>(future);

    future.cancel(false);
    future = null;

    TestSupport.awaitCleared(List.of(ref));
    assertThat(obj.describe()).doesNotContain("waitingForSubmit");
  }

  /** Control for the test above: a registered future is held by the object until submission. */
  @Test
  void whenSubmitted_pending_futureHeldByObjectUntilSubmitted() {
    SyncObject obj = SyncObject.create();
    WeakReference<CompletableFuture<Fence>> ref = new WeakReference<>(obj.whenSubmitted(3));
    for (int i = 0; i < 3; i++) {
      System.gc();
    }

    assertThat(ref.get()).isNotNull();
    obj.signal(3);
    TestSupport.awaitCleared(List.of(ref));
  }

  /**
   * A timeline advanced through 1,000,000 points that signal in order holds only its pending points
   * (with a bounded slack): the links of signaled points become unreachable.
   */
  @Test
  void addPoint_millionPointsSignaledInOrder_holdsOnlyPendingPoints() {
    SyncObject obj = SyncObject.create();
    int points = 1_000_000;
    int window = 32; // points pending at any time
    Deque<Fence> pending = new ArrayDeque<>();
    List<WeakReference<Fence>> sampled = new ArrayList<>();
    for (int p = 1; p <= points; p++) {
      Fence work = new TestFence();
      obj.addPoint(p, work);
      pending.addLast(work);
      if (p % 10_000 == 0) {
        sampled.add(new WeakReference<>(obj.find(p).orElseThrow()));
      }
      if (pending.size() > window) {
        pending.removeFirst().signal();
      }
    }

    // every sampled link but the newest ones is collected; the pending window stays
    TestSupport.awaitCleared(sampled.subList(0, sampled.size() - 1));
    assertThat(obj.lastSignaledPoint()).isEqualTo(points - window);
    assertThat(obj.find(points - window + 1))
        .hasValueSatisfying(f -> assertThat(f.isSignaled()).isFalse());
  }

  /** The same with host-signaled points: nothing stays but the head. */
  @Test
  void signalPoint_millionHostSignaledPoints_keepsNoOldLinks() {
    SyncObject obj = SyncObject.create();
    obj.signal(1);
    WeakReference<Fence> first = new WeakReference<>(obj.find(1).orElseThrow());
    for (int p = 2; p <= 1_000_000; p++) {
      obj.signal(p);
    }

    TestSupport.awaitCleared(List.of(first));
    assertThat(obj.lastSignaledPoint()).isEqualTo(1_000_000);
  }
}
