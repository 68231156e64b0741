package org.fence4j.jcstress;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import java.util.List;
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
 * jcstress tests of {@link ReservationObject}'s lock-free readers against an append and against
 * in-place replacements. Append: the writer fills the slot after the stored entries of the array
 * readers are scanning (usage first, then the fence with a release store), and a reader that sees
 * the fence must see its usage, and once seen it stays seen.
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

  /** Encodes which of {@code a1, b1, a2, b2} a reader's list holds: bits 1, 2, 4, 8. */
  static int bits(List<Fence> fences, Fence a1, Fence b1, Fence a2, Fence b2) {
    return (fences.contains(a1) ? 1 : 0)
        | (fences.contains(b1) ? 2 : 0)
        | (fences.contains(a2) ? 4 : 0)
        | (fences.contains(b2) ? 8 : 0);
  }

  /**
   * In-place replacement against a reader. The buffer holds (A1, READ) and (B1, READ), plus {@code
   * fillers} pending READ fences of other contexts; producer 1 replaces A1 by (A2, WRITE), then
   * producer 2 replaces B1 by (B2, WRITE), each in its own critical section, in place (no new
   * array). The reader asks for the READ entries (r1: 3 = A1 and B1, 2 = B1 only, 0 = none), then
   * for the WRITE fences (r2: 0 = none, 4 = A2, 12 = A2 and B2). A reader that sees a new fence
   * with its old usage (a torn pair), or B replaced but not A (a mix of two updates), or the second
   * answer older than the first, breaks the one-instant rule.
   */
  static final class Replacements {
    final ReservationObject buffer = new ReservationObject("jcstress");
    final FenceContext contextA = FenceContext.create("jcstress", "a");
    final FenceContext contextB = FenceContext.create("jcstress", "b");
    final Fence a1 = contextA.next();
    final Fence b1 = contextB.next();
    final Fence a2 = contextA.next();
    final Fence b2 = contextB.next();

    Replacements(int fillers) {
      buffer.lock();
      try {
        buffer.reserveFences(2 + fillers);
        buffer.addFence(a1, Usage.READ);
        for (int i = 0; i < fillers; i++) {
          buffer.addFence(READERS.next(), Usage.READ);
        }
        buffer.addFence(b1, Usage.READ);
      } finally {
        buffer.unlock();
      }
    }

    void producers() {
      buffer.addFenceWithLock(a2, Usage.WRITE);
      buffer.addFenceWithLock(b2, Usage.WRITE);
    }

    void reader(II_Result r) {
      r.r1 = bits(buffer.sharedFences(), a1, b1, a2, b2);
      r.r2 = bits(buffer.fences(Usage.WRITE), a1, b1, a2, b2);
    }
  }

  /** {@link Replacements} on a small object (two entries: the scanning search). */
  @JCStressTest
  @Outcome(id = "3, 0", expect = ACCEPTABLE, desc = "both answers before the replacements")
  @Outcome(id = "3, 4", expect = ACCEPTABLE, desc = "the first replacement between the answers")
  @Outcome(id = "3, 12", expect = ACCEPTABLE, desc = "both replacements between the answers")
  @Outcome(id = "2, 4", expect = ACCEPTABLE, desc = "both answers between the replacements")
  @Outcome(id = "2, 12", expect = ACCEPTABLE, desc = "the second replacement between them")
  @Outcome(id = "0, 12", expect = ACCEPTABLE, desc = "both answers after the replacements")
  @Outcome(expect = FORBIDDEN, desc = "a torn pair, a later update without an earlier one")
  @State
  public static class ReplacementsVsReader {
    final Replacements test = new Replacements(0);

    @Actor
    public void producers() {
      test.producers();
    }

    @Actor
    public void reader(II_Result r) {
      test.reader(r);
    }
  }

  /** {@link Replacements} on a large object (the context-index search). */
  @JCStressTest
  @Outcome(id = "3, 0", expect = ACCEPTABLE, desc = "both answers before the replacements")
  @Outcome(id = "3, 4", expect = ACCEPTABLE, desc = "the first replacement between the answers")
  @Outcome(id = "3, 12", expect = ACCEPTABLE, desc = "both replacements between the answers")
  @Outcome(id = "2, 4", expect = ACCEPTABLE, desc = "both answers between the replacements")
  @Outcome(id = "2, 12", expect = ACCEPTABLE, desc = "the second replacement between them")
  @Outcome(id = "0, 12", expect = ACCEPTABLE, desc = "both answers after the replacements")
  @Outcome(expect = FORBIDDEN, desc = "a torn pair, a later update without an earlier one")
  @State
  public static class LargeReplacementsVsReader {
    final Replacements test = new Replacements(10);

    @Actor
    public void producers() {
      test.producers();
    }

    @Actor
    public void reader(II_Result r) {
      test.reader(r);
    }
  }
}
