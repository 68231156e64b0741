package org.fence4j.jcstress;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import org.fence4j.Fence;
import org.fence4j.FenceContext;
import org.fence4j.reservation.ReservationObject;
import org.fence4j.reservation.ReservationObject.Usage;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

/**
 * jcstress tests of {@link ReservationObject}'s lock-free readers against an append: the writer
 * fills the slot after the stored entries of the array readers are scanning (usage first, then the
 * fence with a release store), and a reader that sees the fence must see its usage, and once seen
 * it stays seen.
 */
public final class ReservationStress {
  private ReservationStress() {}

  private static final FenceContext READERS = FenceContext.create("jcstress", "readers");
  private static final FenceContext WRITERS = FenceContext.create("jcstress", "writers");

  /**
   * The object holds one READ fence in an array with room for a second, so the writer's add is an
   * append into the array the reader may be scanning. The reader asks for the WRITE fences, then
   * for all of them: a seen fence always comes with its usage (else the WRITE answer would miss it
   * or the scan would fail), and the second answer never loses what the first saw.
   */
  @JCStressTest
  @Outcome(id = "0, 1", expect = ACCEPTABLE, desc = "the reader ran before the append")
  @Outcome(id = "1, 2", expect = ACCEPTABLE, desc = "the reader ran after the append")
  @Outcome(id = "0, 2", expect = ACCEPTABLE, desc = "the append fell between the two answers")
  @Outcome(expect = FORBIDDEN, desc = "a fence without its usage, or a seen fence lost again")
  @State
  public static class AppendVsReader {
    final ReservationObject buffer = new ReservationObject("jcstress");
    final Fence write = WRITERS.next();

    public AppendVsReader() {
      buffer.addFenceWithLock(READERS.next(), Usage.READ);
    }

    @Actor
    public void writer() {
      buffer.addFenceWithLock(write, Usage.WRITE);
    }

    @Actor
    public void reader(II_Result r) {
      r.r1 = buffer.fences(Usage.WRITE).size();
      r.r2 = buffer.fences(Usage.BOOKKEEP).size();
    }
  }
}
