package org.fence4j;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Signal work that its thread had claimed but could not run or hand off, because a Throwable (in
 * practice an exhausted stack) hit it in between: published here without a single method call, and
 * picked up by the {@link StallMonitor} thread within {@link Fence#PARK_SLICE_NANOS}.
 *
 * <p>Implementation overview. Once a signal's CAS has detached a fence's pending list, that list
 * lives only in a local variable of the signaling thread (and, later, in its dispatcher's queue). A
 * StackOverflowError in that window may strike every method call, including a hand-off to a relay
 * thread, so the catch blocks that own such work publish it with bytecodes alone: they allocate a
 * record (an {@code Object[]}: no constructor runs) and push it onto {@link #head} inside a {@code
 * synchronized (LOCK)} block of two stores. Entering a monitor needs no Java frame (the VM's slow
 * path runs within the stack reserve that every Java frame keeps below itself), and the lock is
 * held only for those two stores, by the pushers and by the picker's take: it is not a blocking
 * path, and the only monitor on fence-core's signal path (steals and put-backs take a dispatcher's
 * monitor too, off the signal path). Then, best effort and in a try of its own, the pusher unparks
 * the picker ({@link #wake()}), and rethrows its Throwable. The catch blocks inside the dispatcher,
 * which are compiled into the signal paths, use no monitor: they push onto their dispatcher's own
 * list ({@code Dispatcher.Registration.orphans}: only the owner writes it), or leave a dying run's
 * queue in place, stealable; the picker looks at every dispatcher too.
 *
 * <p>Everything the picker must find on a dispatcher is held by its registration ({@code
 * Dispatcher.Registration}), which outlives the thread.
 *
 * <p>The picker needs no later action of the failing thread nor of the fence's users: the stall
 * monitor, started before the first listener is registered on any fence, never parks longer than
 * {@link Fence#PARK_SLICE_NANOS}, and takes the whole list each time it wakes (oldest record
 * first). It hands the records it took to one relay thread ({@link Dispatcher#adopt}), which wakes
 * the waiters first and then fires the callbacks in their order, each exactly once.
 *
 * <p>Records (slot 0 links to the next, older record):
 *
 * <pre>
 *   {next, LIST, fence, pendingList}   a detached pending list: wake its waiters, fire the rest
 *   {next, CHAIN, fence, firstListener[, fence, firstListener]}
 *                                      listener chains already ordered for firing (nulls skipped)
 * </pre>
 */
final class Orphans {
  /** Guards {@link #head}; held for two stores at a time. */
  static final Object LOCK = new Object();

  /** Record kind: slot 3 is a detached pending list (waiters and listeners, newest first). */
  static final Object LIST = new Object();

  /** Record kind: slot 3 is a listener chain linked through fifoNext, in firing order. */
  static final Object CHAIN = new Object();

  /**
   * Slot 0 of a record the picker took from a dispatcher's own list (see Dispatcher.Registration).
   */
  static final Object TAKEN = new Object();

  /** The newest record, or null; guarded by {@link #LOCK}. */
  static @Nullable Object @Nullable [] head;

  private Orphans() {}

  /**
   * Best effort: unparks the picker so it looks at once rather than at the end of its park slice.
   * May throw (no stack); callers catch everything around it.
   */
  static void wake() {
    Dispatcher.Seam seam = Dispatcher.SEAM;
    if (seam != null) {
      seam.rescueAttempt();
    }
    StallMonitor.wake();
  }

  /** Picker: takes every record published so far, oldest first. */
  @SuppressWarnings("NullAway") // records are never null; slot 0 is the link
  static List<Object[]> takeAll() {
    Object[] r;
    synchronized (LOCK) {
      r = head;
      head = null;
    }
    if (r == null) {
      return List.of();
    }
    ArrayList<Object[]> records = new ArrayList<>();
    for (; r != null; r = (Object[]) r[0]) {
      records.add(r);
    }
    Collections.reverse(records);
    return records;
  }
}
