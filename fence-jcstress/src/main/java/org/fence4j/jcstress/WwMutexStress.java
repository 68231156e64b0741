package org.fence4j.jcstress;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import org.fence4j.reservation.WwClass;
import org.fence4j.reservation.WwMutex;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

/**
 * jcstress tests of {@link WwMutex}'s unlock/queue Dekker pair: the releaser writes the owner and
 * then reads the queue size, a waiter publishes the queue size and then reads the owner, so one of
 * them always sees the other. A lost wake-up leaves an actor parked forever, which jcstress reports
 * as a timeout error (run.sh fails on it).
 */
public final class WwMutexStress {
  private WwMutexStress() {}

  private static final WwClass CLASS = WwClass.waitDie("jcstress");

  /**
   * Two threads lock, update a plain counter and unlock; the holder stays in for a varying number
   * of spins so that the other's arrival falls on every stage of its unlock (bounded spin, queue,
   * park). Both finish (no lost wake-up) and the counter shows both updates (mutual exclusion).
   */
  @JCStressTest
  @Outcome(id = "2, 0", expect = ACCEPTABLE, desc = "both locked, both updates kept, lock free")
  @Outcome(expect = FORBIDDEN, desc = "lost update (two threads inside at once) or lock left held")
  @State
  public static class UnlockVsQueue {
    private static int nextHold;

    final WwMutex mutex = new WwMutex(CLASS);
    final int hold = nextHold = (nextHold + 37) % 1024; // spins in the critical section
    int counter;

    @Actor
    public void holder() {
      mutex.lock();
      counter++;
      for (int i = 0; i < hold; i++) {
        Thread.onSpinWait();
      }
      mutex.unlock();
    }

    @Actor
    public void waiter() {
      mutex.lock();
      counter++;
      mutex.unlock();
    }

    @Arbiter
    public void arbiter(II_Result r) {
      r.r1 = counter;
      r.r2 = mutex.isLocked() ? 1 : 0;
    }
  }
}
