package org.fence4j;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import java.util.concurrent.atomic.AtomicInteger;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

/**
 * The claim race of the callback dispatcher (package {@code org.fence4j}, for its package-private
 * hooks): the running callback returns exactly while the stall monitor steals the callbacks queued
 * behind it. The owner takes its queue back with a CAS and the monitor claims it with a CAS on the
 * same word, so each queued callback runs exactly once, by one side or the other. (The monitor may
 * also steal the second callback from behind the first while the owner runs the first: the stolen
 * work is whatever is queued behind the running callback at the instant of the CAS.)
 */
@JCStressTest
@Outcome(id = "1, 1, 0", expect = ACCEPTABLE, desc = "the owner took its queue back and ran both")
@Outcome(id = "1, 1, 1", expect = ACCEPTABLE, desc = "the monitor stole (both, or the second)")
@Outcome(expect = FORBIDDEN, desc = "a queued callback lost or run twice")
@State
public class DispatcherStealStress {
  private static final FenceContext CONTEXT = FenceContext.create("jcstress", "steal");

  final AtomicInteger first = new AtomicInteger();
  final AtomicInteger second = new AtomicInteger();
  final Dispatcher dispatcher;
  int stolen;

  public DispatcherStealStress() {
    Node.CallbackNode a = new Node.CallbackNode(f -> first.incrementAndGet(), null);
    Node.CallbackNode b = new Node.CallbackNode(f -> second.incrementAndGet(), null);
    a.fifoNext = b;
    dispatcher = Dispatcher.exposedForStress(CONTEXT.next(), a);
  }

  @Actor
  public void owner() {
    dispatcher.ownerReturnsForStress();
  }

  @Actor
  public void monitor() {
    stolen = dispatcher.stealAndRunForStress() ? 1 : 0;
  }

  @Arbiter
  public void arbiter(III_Result r) {
    r.r1 = first.get();
    r.r2 = second.get();
    r.r3 = stolen;
  }
}
