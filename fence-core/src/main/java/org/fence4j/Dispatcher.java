package org.fence4j;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.ref.WeakReference;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.jspecify.annotations.Nullable;

/**
 * Runs the callbacks of signaled fences without growing the stack, wake-ups first, and without
 * letting a blocked callback hold up the callbacks queued behind it.
 *
 * <p>Each thread has one dispatcher. The first signal on a thread (the outermost) runs its fence's
 * callbacks; a signal made from inside a callback (a cascade: arrays, chains, pipelines) only
 * queues its callbacks here, and the outermost call runs the queues until they are empty before it
 * returns. So a cascade of any depth uses constant stack, every callback still runs exactly once,
 * and the callbacks of one fence run in registration order.
 *
 * <p>Two queues: <em>urgent</em> work (the library's own wake-ups: waitAny, array counts, chain
 * re-arms; see {@link Node.UrgentCallbackNode}) always runs before the next ordinary callback, so
 * every waiter of every fence the cascade signals is woken before any user callback runs, and no
 * slow callback delays one.
 *
 * <p>Hand-off: a callback that is about to park in a fence4j wait ({@link #beforePark}) hands
 * everything still queued on its thread (the rest of the current fence's callbacks and both queues)
 * to a relay thread, which goes on with it; nothing queued ever runs inside the wait, and a
 * callback that waits for an array or chain it has just caused to signal is woken by the relay. The
 * outermost dispatch then waits, before it returns, for the work it handed off, exactly as for
 * stolen work (below, including the give-up that keeps that wait from deadlocking): "every inline
 * callback registered before the outermost {@code signal()} has run when it returns" holds with
 * hand-offs too.
 *
 * <p>Stealing: a callback that blocks in any other way (a lock, a latch, I/O, {@code
 * CompletableFuture.join}) or just runs long cannot hand anything off itself. So while a callback
 * runs with work queued behind it, the dispatcher is <em>exposed</em>: its {@link #word} says
 * STEALABLE with the callback's ticket, and the {@link StallMonitor} may take the queued work
 * (everything at once, in order) and run it on a relay thread. State machine of {@code word} (low
 * two bits; the rest is the ticket of the callback being run, which increases with every callback):
 *
 * <pre>
 *   IDLE ----(first exposure of a run: volatile store, then read armed)----> STEALABLE
 *   OWNED ---(owner: release store, the queue is not touched while exposed)-> STEALABLE
 *   STEALABLE --(owner's CAS when the callback returns or signals again)---> OWNED
 *   STEALABLE --(monitor's CAS, same ticket: the callback stalled)---------> STEALING
 *   STEALING --(monitor: queue fields swapped for empty ones, volatile)----> OWNED
 *   OWNED ---(end of the outermost run that exposed: release store)--------> IDLE
 * </pre>
 *
 * The queue fields are touched only by whoever holds the word out of STEALABLE: the owner while
 * OWNED/IDLE, the monitor while STEALING (only plain stores of values allocated before its CAS, so
 * that window cannot be wedged; an owner whose CAS fails spins on it). So each queued entry is
 * taken exactly once, by the owner or by the steal, and nothing stolen runs inside the stalled
 * callback. Costs: a callback with nothing queued behind it pays a ticket increment and the
 * queue-empty check (plain fields); one with work behind it (several callbacks on a fence, a
 * cascade step) pays a release store and one uncontended CAS; the first exposure of an outermost
 * run pays a volatile store and a volatile read ({@code armed}, Dekker-paired with the monitor's
 * disarm) and, only when the monitor is not already watching this dispatcher, one queue push and an
 * unpark.
 *
 * <p>The batches stolen from a run are linked in {@link #stolen} (by the monitor, while STEALING);
 * at the end of the run (the outermost dispatch, or a relay batch) the owner waits for them, so the
 * outermost {@code signal()} still returns after every callback it had queued has run, except that
 * it stops waiting for a batch whose thread has been blocked for {@link #STOLEN_GIVE_UP_NANOS}
 * without starting another callback: such a callback may be waiting for the signaling thread (a
 * lock it holds, which inline the callback would have re-entered), and waiting must not deadlock.
 *
 * <p>A Throwable escaping the loop (every callback's own exception is caught and reported, so only
 * an exhausted stack does this, where any further call may throw again) is handled with bytecodes
 * alone (see {@link Orphans}): a callback taken off the queue whose {@link #fire} was not entered
 * goes back to the head of its queue ({@link #failure} tells the two apart); a chain claimed but
 * not queued yet (starting a run, an urgent split) is pushed onto this dispatcher's own orphan list
 * ({@link Registration#orphans}, no monitor: these catch blocks are compiled into the signal
 * paths); and the catch block of the outermost run ({@link #runOutermost}, or a relay batch) leaves
 * whatever is queued in place, exposed as STEALABLE under {@link #abandonedWord}. The picker (the
 * stall monitor, which looks at every dispatcher at least once per park slice) takes the orphan
 * records and steals such a queue with the steal protocol; if the owner's next run comes first, it
 * reclaims the queue by CAS and hands it to a relay itself. A steal and the put-back run under this
 * dispatcher's monitor (monitorenter needs no Java frame), so neither sees the other half-done. So
 * nothing is left for some unrelated later signal, or for never, and each callback runs once. Apart
 * from hand-offs, steals and that rescue, nothing here is shared between threads: the queues are
 * owned by their thread.
 */
final class Dispatcher {
  private static final ThreadLocal<Dispatcher> CURRENT = ThreadLocal.withInitial(Dispatcher::new);

  /** Modes of {@link #word} (its two low bits). */
  static final int IDLE = 0;

  static final int OWNED = 1;
  static final int STEALABLE = 2;
  static final int STEALING = 3;

  private static final VarHandle WORD;
  private static final VarHandle ARMED;
  private static final VarHandle TICKET;

  /**
   * How long the outermost signal waits for stolen work that makes no progress while the thread
   * running it is blocked, before it returns without it (that work may be waiting for the signaling
   * thread itself: a lock it holds).
   */
  static final long STOLEN_GIVE_UP_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

  private static final long STOLEN_POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

  static {
    try {
      MethodHandles.Lookup l = MethodHandles.lookup();
      WORD = l.findVarHandle(Dispatcher.class, "word", long.class);
      ARMED = l.findVarHandle(Dispatcher.class, "armed", boolean.class);
      TICKET = l.findVarHandle(Dispatcher.class, "ticket", long.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  /** The thread this dispatcher belongs to (the monitor reads its state). */
  final Thread thread = Thread.currentThread();

  /** (ticket << 2) | mode; see the class comment. */
  private volatile long word;

  /** Whether the stall monitor watches this dispatcher; set by CAS, cleared by the monitor. */
  volatile boolean armed;

  /**
   * Owner only: how many Throwables the catch blocks of runOutermost and enqueueSlow, which own the
   * chain they were given from their first bytecode, have handled; see {@link #dispatch}.
   */
  long caughtWithChain;

  /** Owner only: ticket of the callback being run. */
  private long ticket;

  /** Owner only: whether word is STEALABLE for the current ticket. */
  private boolean exposed;

  /** Owner only: whether this run has exposed (word left IDLE). */
  private boolean runExposed;

  /**
   * Batches moved off this run, newest first: handed off by the owner (beforePark), or stolen by
   * the monitor (written while STEALING).
   */
  private @Nullable Batch stolen;

  /** True while the owner waits for stolen work (which counts as progress for whoever waits). */
  private volatile boolean awaitingStolen;

  /** Monitor only: the word last seen, when it was first seen, and whether it is in the list. */
  long seenWord = -1;

  long seenSince;
  boolean watched;

  /** Where callback exceptions go; {@code null} means the default uncaught-exception handler. */
  static volatile Thread.@Nullable UncaughtExceptionHandler handler;

  /** True while this thread runs callbacks (inside {@link #runOutermost} or a relay batch). */
  private boolean running;

  /**
   * Owner only: the last Throwable that {@link #fire} rethrew after its callback had run; for any
   * other Throwable, {@link #runAll}'s catch block puts the callback it took back into the queue.
   */
  private @Nullable Throwable failure;

  /**
   * The STEALABLE word a run that died left its queue under, for the picker ({@link
   * #stealAbandoned}); 0 when there is none. The picker claims the queue with a CAS on the word.
   */
  private volatile long abandonedWord;

  /** The urgent chain being run: its fence and next listener. */
  private @Nullable Fence urgentFence;

  private Node.@Nullable Listener urgentNext;

  /** The ordinary chain being run: its fence and next listener. */
  private @Nullable Fence currentFence;

  private Node.@Nullable Listener currentNext;

  private Ring urgent = new Ring();
  private Ring normal = new Ring();

  /** Every dispatcher made, through its registration: the picker looks at each of them. */
  private static final ConcurrentLinkedQueue<Registration> ALL = new ConcurrentLinkedQueue<>();

  /** This dispatcher's registration: what the picker must find even after the thread is gone. */
  final Registration reg = new Registration(this);

  private Dispatcher() {
    this(true);
  }

  /** A dispatcher; {@code register} false only for the stress hooks' dispatchers of no thread. */
  private Dispatcher(boolean register) {
    if (register) {
      ALL.add(reg);
    }
  }

  /**
   * A dispatcher's entry in the picker's registry. It refers to its dispatcher weakly (a dispatcher
   * lives as long as its thread's thread-local map) and holds strongly what must outlive the
   * thread: the orphan list and, while a run that died left its queue in the dispatcher, the
   * dispatcher itself. So work a thread left behind is found after the thread has died and its
   * dispatcher was collected, and the registration is dropped after that last look.
   */
  static final class Registration extends WeakReference<Dispatcher> {
    /**
     * Orphan records (see {@link Orphans}) published by the owner thread from the catch block of a
     * signal, newest first, linked through slot 0. The owner pushes with bytecodes alone and no
     * monitor (that catch block is compiled into every signal): it links the new record to the
     * current head and stores it here (volatile). The picker never writes this field: it takes the
     * records from the head down to the first one it took before, marking each taken record by
     * storing {@link Orphans#TAKEN} in its slot 0, so a record is taken exactly once, and the chain
     * below a taken record is dropped.
     */
    volatile @Nullable Object @Nullable [] orphans;

    /**
     * The dispatcher, while a run that died left its queue in it (set by that run's catch block,
     * cleared when the queue is stolen or reclaimed): keeps it, and so the queue, reachable after
     * its thread is gone.
     */
    volatile @Nullable Dispatcher keep;

    Registration(Dispatcher d) {
      super(d);
    }
  }

  /**
   * Picker: adds the orphan records of every dispatcher not taken yet to {@code out} (each
   * dispatcher's oldest first); adds to {@code abandoned} the queues that runs which died left in
   * their dispatchers (stolen); and forgets dispatchers that were collected, after a last look at
   * what their registration kept.
   */
  static void takeOrphans(List<Object[]> out, List<Batch> abandoned) {
    for (Iterator<Registration> it = ALL.iterator(); it.hasNext(); ) {
      Registration r = it.next();
      Dispatcher d = r.get();
      takeOrphansOf(r, out);
      if (d == null) {
        it.remove(); // its thread is gone: nothing can be added to it any more
        continue;
      }
      if (d.abandonedWord != 0L) {
        Batch b = d.stealAbandoned();
        if (b != null) {
          abandoned.add(b);
        }
      }
    }
  }

  /** Picker: adds {@code d}'s orphan records not taken yet to {@code out}, oldest first. */
  static void takeOrphansOf(Dispatcher d, List<Object[]> out) {
    takeOrphansOf(d.reg, out);
  }

  @SuppressWarnings("NullAway") // records hold nulls in their slots; the lists type them Object[]
  static void takeOrphansOf(Registration reg, List<Object[]> out) {
    Object[] r = reg.orphans;
    int from = out.size();
    while (r != null && r[0] != Orphans.TAKEN) {
      Object next = r[0];
      r[0] = Orphans.TAKEN; // only the picker writes a record after its push
      out.add(r);
      r = (Object[]) next;
    }
    Collections.reverse(out.subList(from, out.size()));
  }

  /**
   * Test seam, absent in production: null unless the system property {@code fence4j.core.testSeams}
   * is {@code "true"} when this class initializes (fence-core's tests set it). A static final null
   * is a constant to the JIT compilers, which drop every {@code if (SEAM != null)} block, so the
   * signal paths pay nothing for it.
   */
  static final @Nullable Seam SEAM = seamFromProperty();

  private static @Nullable Seam seamFromProperty() {
    try {
      return Boolean.getBoolean("fence4j.core.testSeams") ? new Seam() : null;
    } catch (SecurityException e) {
      return null;
    }
  }

  /**
   * The test seam: simulates a thread whose stack runs out after it claimed a signal. Armed for one
   * thread, it throws a StackOverflowError once at a chosen point of the signal path (after
   * skipping some passes), and then, if asked, at every rescue attempt of that thread (a hand-off
   * to a relay, waking the picker), as a thread without stack would fail them.
   */
  static final class Seam {
    /** Points of the signal path (ENTER and GROW come before the claim, the others after it). */
    static final int CLAIMED = 1;

    static final int WAKE = 2;
    static final int OUTERMOST = 3;
    static final int FIRE = 4;
    static final int DISPATCH = 5;
    static final int TIMELINE = 6;
    static final int ENTER = 7;
    static final int ENTER_RUN = 8;
    static final int GROW = 9;

    /** In signal()'s publish loop, before the CAS that claims a state without entries. */
    static final int PRE_CAS = 10;

    private volatile @Nullable Thread target;
    private volatile int point;
    private int skip; // written before target (volatile), then used by the target thread only
    private @Nullable Runnable action; // the same; null: throw at the point
    private volatile boolean failRescues;

    /** Arms the seam for {@code thread}: throws at {@code point} after {@code skip} passes. */
    void arm(Thread thread, int point, int skip, boolean failRescues) {
      this.point = point;
      this.skip = skip;
      this.action = null;
      this.failRescues = failRescues;
      this.target = thread;
    }

    /**
     * Arms the seam for {@code thread}: runs {@code action} once, the first time at {@code point}.
     */
    void armAction(Thread thread, int point, Runnable action) {
      this.point = point;
      this.skip = 0;
      this.action = action;
      this.failRescues = false;
      this.target = thread;
    }

    /** Disarms the seam. */
    void disarm() {
      target = null;
      failRescues = false;
      point = 0;
    }

    /** A point of the signal path on the current thread. */
    void at(int p) {
      if (p == point && Thread.currentThread() == target) {
        if (skip > 0) {
          skip--;
          return;
        }
        point = 0;
        Runnable a = action;
        if (a != null) {
          a.run();
          return;
        }
        throw new StackOverflowError("test seam: no stack at point " + p);
      }
    }

    /** A rescue attempt (hand-off to a relay, waking the picker) on the current thread. */
    void rescueAttempt() {
      if (failRescues && Thread.currentThread() == target) {
        throw new StackOverflowError("test seam: no stack for a rescue");
      }
    }
  }

  /** This thread's dispatcher (made on first use). */
  static Dispatcher current() {
    return CURRENT.get();
  }

  /**
   * Signals {@code fence} from state {@code s} (just read, pending with entries) on this thread and
   * runs its callbacks (or, when nested, queues them). Fetching the dispatcher comes first: making
   * it (the first time on a thread) is what may fail near the stack limit, and then nothing is
   * claimed yet.
   *
   * @return whether this call signaled the fence
   */
  static boolean signal(
      Fence fence,
      @Nullable Object s,
      @Nullable Object outcome,
      long timestampNanos,
      boolean readClock) {
    Dispatcher d = CURRENT.get();
    return d.running
        ? d.signalNested(fence, s, outcome, timestampNanos, readClock)
        : d.signalOutermost(fence, s, outcome, timestampNanos, readClock);
  }

  /**
   * Runs (or, when nested, queues) the listener chain {@code first} of {@code fence}, claimed by
   * the caller.
   *
   * <p>Ownership on a Throwable: {@link #runOutermost} and {@link #enqueueSlow} own the chain from
   * their first bytecode, and their catch blocks account for it (publish what has not run or been
   * queued) and count that in {@link #caughtWithChain}. A caller with a catch block of its own that
   * must know whether the chain was taken over reads the count before the call: unchanged after a
   * Throwable means the chain is still the caller's (the Throwable struck on the way in). Only cold
   * callers use this (SoftwareTimeline, and {@link #signalOutermost} for its call of runOutermost);
   * {@link #signal} claims inside the dispatcher instead.
   */
  void dispatch(Fence fence, Node.Listener first) {
    if (running) {
      if (exposed) {
        reclaim();
      }
      enqueueSlow(fence, first);
    } else {
      runOutermost(fence, first);
    }
  }

  /*
   * Hot-path shape. signal() and, on the path each workload takes, signalNested() or
   * signalOutermost() and runOutermost() are inlined into Fence.signal(), so what they compile to
   * is paid by every signal, and a signal() whose machine code outgrows C2's InlineSmallCode (2,500
   * bytes) is no longer inlined into its callers (a cascade link's next.signal() becomes a real
   * call); signalNested's bytecode (321 bytes) must also stay under FreqInlineSize (325 bytes) to
   * be inlined at all: past it the cascade calls it instead. So the common cases compile small: one ordinary callback with nothing queued (no exposure
   * possible), and, for a nested signal, its chain stored as the next in line (or appended to the
   * ring) plus one release store. Everything rarer (several callbacks, ring growth, the first
   * exposure of a run, leftovers, exceptions, waiting for handed-off or stolen work) is in methods
   * of its own that the common paths only call, and that C2 leaves out of line: they are cold at
   * those call sites (above MaxInlineSize) or never reached (an uncommon trap).
   *
   * Why the claim is made here and not in Fence.signal(): from the claim (publishSignal's CAS)
   * until the chain is in the queue fields or owned by a catch block, a call may find no stack left
   * (in an interpreted or C1 frame any invocation can throw StackOverflowError), and a chain held
   * only by a local would be lost. So everything that can fail comes before the claim (fetching
   * this thread's dispatcher, which the first time makes it; taking the queue back; room in the
   * rings), and a Throwable there leaves the fence pending: it reaches signal()'s caller as if the
   * stack had run out one call earlier, and the fence can still be signaled. After the claim:
   * publishSignal's own catch block covers the chain until it returns; a nested signal then queues
   * it with bytecodes alone (no call at all until it sits in the queue fields), and an outermost
   * one hands it to runOutermost inside a try block whose catch publishes it unless runOutermost's
   * own catch block took it over (caughtWithChain). A catch block compiled into signal() costs code
   * size, so the nested path, the one a cascade inlines, has none.
   */

  /**
   * Signals {@code fence} from state {@code s} with {@code outcome}, from inside a callback: queues
   * its chain behind the running callback. Everything that may fail comes before the claim (taking
   * the queue back, room in both rings); from the claim until the chain sits in the queue there is
   * no call, so nothing there can find the stack exhausted (see the hot-path comment).
   *
   * @return whether this call signaled the fence
   */
  @SuppressWarnings("NullAway") // the reserved rings have arrays with room
  private boolean signalNested(
      Fence fence,
      @Nullable Object s,
      @Nullable Object outcome,
      long timestampNanos,
      boolean readClock) {
    Seam seam = SEAM;
    if (seam != null) {
      seam.at(Seam.ENTER);
    }
    if (exposed) {
      reclaim(); // the queue is ours again: nothing can steal it until expose() below
    }
    boolean room = urgent.reserve() && normal.reserve(); // false only without memory
    Node.Listener first = fence.publishSignal(s, outcome, timestampNanos, readClock, true);
    if (first == null || first == Fence.NO_LISTENERS) {
      reexpose(); // nothing to queue: what was queued before is stealable again
      return first != null;
    }
    if (!room) {
      enqueueSlow(fence, first); // runs the chain at once if it cannot be queued
      return true;
    }
    // Bytecodes only until the chain is queued: no call (isUrgent, splitUrgent, Ring.add are
    // written out), so no frame can fail to fit.
    Node.Listener rest = first;
    if (first instanceof Node.UrgentCallbackNode) {
      Node.Listener tail = first;
      Node.Listener n = tail.fifoNext;
      while (n instanceof Node.UrgentCallbackNode) {
        tail = n;
        n = n.fifoNext;
      }
      tail.fifoNext = null;
      rest = n;
      Ring u = urgent;
      @Nullable Object[] r = u.slots; // reserved: not null, not full
      int i = (u.head + u.size) & (r.length - 1);
      r[i] = fence;
      r[i + 1] = first;
      u.size += 2;
    }
    if (rest != null) {
      Ring o = normal;
      if (currentNext == null && o.size == 0) {
        // Nothing ordinary is waiting (a cascade step): the chain is next in line, no ring.
        currentFence = fence;
        currentNext = rest;
      } else {
        @Nullable Object[] r = o.slots; // reserved: not null, not full
        int i = (o.head + o.size) & (r.length - 1);
        r[i] = fence;
        r[i + 1] = rest;
        o.size += 2;
      }
    }
    expose(); // work is queued behind the running callback now
    return true;
  }

  /**
   * Signals {@code fence} from state {@code s} with {@code outcome} as the outermost signal on this
   * thread and runs its chain and everything it queues. The claim is made inside this method's try
   * block, so the chain is covered from the moment publishSignal returns it until runOutermost,
   * which owns it from its first bytecode, has been entered (its catch block bumps caughtWithChain,
   * which tells the two apart).
   *
   * @return whether this call signaled the fence
   */
  private boolean signalOutermost(
      Fence fence,
      @Nullable Object s,
      @Nullable Object outcome,
      long timestampNanos,
      boolean readClock) {
    Node.@Nullable Listener unowned = null;
    long caught = 0L;
    try {
      Seam seam = SEAM;
      if (seam != null) {
        seam.at(Seam.ENTER);
      }
      Node.Listener first = fence.publishSignal(s, outcome, timestampNanos, readClock, true);
      if (first == null) {
        return false;
      }
      if (first == Fence.NO_LISTENERS) {
        return true;
      }
      unowned = first; // no call in between: see the hot-path comment
      caught = caughtWithChain;
      if (seam != null) {
        seam.at(Seam.ENTER_RUN); // as if the call below found no stack
      }
      runOutermost(fence, first);
      return true;
    } catch (Throwable t) {
      // Bytecodes only (the stack may be exhausted), and plain stores: compiled into signal().
      if (unowned != null && caughtWithChain == caught) {
        @Nullable Object[] orphan = {null, Orphans.CHAIN, fence, unowned}; // not taken over
        orphan[0] = reg.orphans;
        reg.orphans = orphan;
      }
      throw t;
    }
  }

  /** The outermost dispatch on this thread: runs {@code first} and everything it queues. */
  private void runOutermost(Fence fence, Node.Listener first) {
    Node.@Nullable Listener unowned = first; // until it has run or sits in the queue fields
    try {
      if (!isIdle()) {
        recoverLeftovers(); // left by an earlier run that died: not ours to run here
      }
      running = true;
      Seam seam = SEAM;
      if (seam != null) {
        seam.at(Seam.OUTERMOST);
      }
      if (first.fifoNext == null && !first.isUrgent()) {
        // One ordinary callback and nothing queued behind it: nothing to expose while it runs.
        ticket++;
        fireOne(fence, first); // never throws once entered: a Throwable here means it did not run
        unowned = null;
        if (exposed) {
          reclaim();
        }
        if (!isIdle()) {
          runAll(); // what its nested signals queued
        }
      } else {
        if (exposed) {
          reclaim(); // a run that died here left the queue exposed to the picker
        }
        start(fence, first); // stores all of first or (throwing) nothing
        unowned = null;
        runAll();
      }
      running = false;
      endRun();
      if (stolen != null) {
        awaitStolen();
      }
    } catch (Throwable t) {
      // Bytecodes only from here: the stack may be exhausted, so any call may throw again. Plain
      // stores only, too (this code is part of every signal's compiled body).
      caughtWithChain++; // the chain was ours from the first bytecode: see signalOutermost
      if (unowned != null) {
        @Nullable Object[] orphan = {null, Orphans.CHAIN, fence, unowned};
        orphan[0] = reg.orphans;
        reg.orphans = orphan;
      }
      // The queue, if any, stays in place (see the class comment); the picker finds it.
      running = false;
      stolen = null; // nobody waits for work moved off a run that died
      if (urgentNext != null || currentNext != null || urgent.size != 0 || normal.size != 0) {
        // Leave the queue where it is, stealable: the picker takes it (stealAbandoned), or the
        // next run here reclaims it first. Not exposed means OWNED: no steal can be under way.
        if (!exposed) {
          word = (ticket << 2) | STEALABLE;
          exposed = true;
        }
        abandonedWord = (ticket << 2) | STEALABLE;
        reg.keep = this; // the queue outlives the thread until the picker takes it
      } else if (runExposed && !exposed) {
        word = ticket << 2; // IDLE
      }
      runExposed = false;
      throw t;
    }
  }

  /**
   * Owner, at the start of a run: hands work left queued by a run that died on this thread to a
   * relay. If that fails, the caller's catch block publishes it (the queue is left as it was).
   */
  private void recoverLeftovers() {
    if (exposed) {
      reclaim(); // after a steal by the picker the queue is empty
    }
    abandonedWord = 0L; // reclaimed (or stolen): nothing is left for the picker
    reg.keep = null;
    if (!isIdle()) {
      Batch b = takeAll();
      try {
        Seam seam = SEAM;
        if (seam != null) {
          seam.rescueAttempt();
        }
        Relay.EXECUTOR.execute(b);
      } catch (Throwable t) {
        if (b.claimBack()) { // not started by a relay: the queue is ours again (bytecodes only)
          urgentFence = b.urgentFence;
          urgentNext = b.urgentNext;
          urgent = b.urgent;
          currentFence = b.currentFence;
          currentNext = b.currentNext;
          normal = b.normal;
        }
        throw t;
      }
    }
    if (!runExposed) {
      WORD.setRelease(this, ticket << 2); // IDLE: no run in progress here
    }
  }

  /** Whether the current thread is running inline callbacks (for the signaling-path check). */
  static boolean inCallback() {
    return CURRENT.get().running;
  }

  /** Loads and initializes this class and the classes it uses (see Fence's static initializer). */
  @SuppressWarnings("ReturnValueIgnored") // loading the classes is the point
  static void preload() {
    CURRENT.get();
    new Batch(null, null, new Ring(), null, null, new Ring()).getClass();
    new Adoption(List.of()).getClass();
    Orphans.LIST.getClass();
    Relay.EXECUTOR.getClass();
    StallMonitor.preload();
  }

  /**
   * Called by every fence4j wait after it registered its wake-up and before it parks: if this
   * thread is running callbacks and more are queued behind the current one, hands them to a relay
   * thread (see the class comment).
   */
  static void beforePark() {
    Dispatcher d = CURRENT.get();
    if (d.running) {
      if (d.exposed) {
        d.reclaim();
      }
      if (!d.isIdle()) {
        d.handOff();
      }
      if (!d.isIdle()) {
        d.expose(); // no relay thread could take it: at least let the monitor try later
      }
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Exposure to the stall monitor (see the class comment)

  /** Owner: publishes that the running callback has work queued behind it. */
  private void expose() {
    exposed = true;
    long w = (ticket << 2) | STEALABLE;
    if (runExposed) {
      WORD.setRelease(this, w);
    } else {
      exposeFirst(w);
    }
  }

  /** Owner: exposes the queue again if anything is left in it (after a reclaim, nothing added). */
  private void reexpose() {
    if (!isIdle()) {
      expose();
    }
  }

  /** Owner: the first exposure of a run (volatile store, then make sure the monitor watches). */
  private void exposeFirst(long w) {
    runExposed = true;
    word = w; // volatile: ordered before the read of armed (pairs with the monitor's disarm)
    if (!armed) {
      StallMonitor.arm(this);
    }
  }

  /** Owner: takes the queue back before touching it; after a steal it is empty. */
  @SuppressWarnings("ThreadPriorityCheck") // yields only while a descheduled monitor ends a swap
  private void reclaim() {
    long w = (ticket << 2) | STEALABLE;
    if (!WORD.compareAndSet(this, w, (ticket << 2) | OWNED)) {
      // Stolen, or being stolen: the monitor only swaps a few fields, then publishes OWNED.
      for (int spins = 0; (word & 3) == STEALING; spins++) {
        if ((spins & 63) == 63) {
          Thread.yield(); // the monitor thread was descheduled in its window
        } else {
          Thread.onSpinWait();
        }
      }
    }
    exposed = false; // only now: a reclaim cut short by a Throwable leaves it to be redone
  }

  /** Owner: ends a run (outermost dispatch or relay batch); the monitor may stop watching. */
  private void endRun() {
    if (runExposed) {
      runExposed = false;
      WORD.setRelease(this, ticket << 2); // IDLE
    }
  }

  /**
   * Owner, at the end of a run that had work stolen: waits until the stolen batches have run (they
   * wait for their own stolen work in turn), except that it stops waiting for a batch whose thread
   * has been blocked for {@link #STOLEN_GIVE_UP_NANOS} without starting another callback. Keeps the
   * interrupt flag.
   */
  private void awaitStolen() {
    Batch b = stolen;
    stolen = null;
    boolean interrupted = false;
    awaitingStolen = true;
    for (; b != null; b = b.nextStolen) {
      long seenTicket = Long.MIN_VALUE;
      long since = System.nanoTime();
      while (!b.done) {
        Dispatcher r = b.runner;
        long now = System.nanoTime();
        if (r == null || r.awaitingStolen || r.thread.getState() == Thread.State.RUNNABLE) {
          // Not started yet (relay threads start at once), making progress, or waiting for work
          // stolen from it in turn, which it gives up on by itself if that work is stuck.
          since = now;
        } else {
          long t = (long) TICKET.getOpaque(r);
          if (t != seenTicket) {
            seenTicket = t;
            since = now;
          } else if (now - since >= STOLEN_GIVE_UP_NANOS) {
            break; // it may be waiting for this very thread: do not wait any longer
          }
        }
        LockSupport.parkNanos(b, STOLEN_POLL_NANOS);
        if (Thread.interrupted()) {
          interrupted = true;
        }
      }
    }
    awaitingStolen = false;
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  /** Monitor: the current word. */
  long word() {
    return word;
  }

  /** Monitor: tries to claim armed (false to true); the winner puts it in the monitor's list. */
  boolean tryArm() {
    return ARMED.compareAndSet(this, false, true);
  }

  /**
   * Monitor: takes everything queued behind the callback that has held {@code seen} (a STEALABLE
   * word) since the monitor last looked, if it still holds it. Returns the stolen work, or null.
   */
  @Nullable Batch steal(long seen) {
    Ring u = new Ring();
    Ring n = new Ring();
    Batch b =
        new Batch(null, null, u, null, null, n); // allocated before the claim: cannot fail after
    synchronized (this) { // excludes the owner putting a callback back (runAll's catch block)
      if (!WORD.compareAndSet(this, seen, (seen & ~3L) | STEALING)) {
        return null;
      }
      b.urgentFence = urgentFence; // plain stores only: the owner may be spinning on the word
      b.urgentNext = urgentNext;
      b.urgent = urgent;
      b.currentFence = currentFence;
      b.currentNext = currentNext;
      b.normal = normal;
      urgentFence = null;
      urgentNext = null;
      currentFence = null;
      currentNext = null;
      urgent = u;
      normal = n;
      b.nextStolen = stolen;
      stolen = b;
      word = (seen & ~3L) | OWNED;
    }
    return b;
  }

  /**
   * Picker: takes the queue of a dispatcher whose thread abandoned it (a run that died with work
   * queued), if the owner has not reclaimed it since; the dispatcher is left IDLE. Null if there is
   * nothing to take.
   */
  @Nullable Batch stealAbandoned() {
    Ring u = new Ring();
    Ring n = new Ring();
    Batch b = new Batch(null, null, u, null, null, n);
    synchronized (this) {
      long w = abandonedWord;
      if (w == 0L || !WORD.compareAndSet(this, w, (w & ~3L) | STEALING)) {
        return null;
      }
      abandonedWord = 0L;
      reg.keep = null;
      b.urgentFence = urgentFence; // plain stores only: the owner may be spinning on the word
      b.urgentNext = urgentNext;
      b.urgent = urgent;
      b.currentFence = currentFence;
      b.currentNext = currentNext;
      b.normal = normal;
      urgentFence = null;
      urgentNext = null;
      currentFence = null;
      currentNext = null;
      urgent = u;
      normal = n;
      word = w & ~3L; // IDLE: no run is in progress (a new one reclaims first, and sees it)
    }
    return b;
  }

  // ---------------------------------------------------------------------------------------------
  // Hooks for the claim-race stress test (fence-jcstress, same package): a dispatcher of no thread

  /**
   * A dispatcher, owned by no thread's dispatch, whose running callback has {@code fence}'s chain
   * {@code first} queued behind it, exposed as STEALABLE. It counts as watched already, so it never
   * meets the real monitor.
   */
  static Dispatcher exposedForStress(Fence fence, Node.Listener first) {
    Dispatcher d = new Dispatcher(false);
    d.armed = true;
    d.running = true;
    d.ticket = 1;
    d.currentFence = fence;
    d.currentNext = first;
    d.expose();
    return d;
  }

  /** A dispatcher of no thread, for the orphan-list stress test (not seen by the picker). */
  static Dispatcher forOrphanStress() {
    return new Dispatcher(false);
  }

  /** The owner's push onto its orphan list, exactly as the catch blocks write it. */
  void pushOrphanForStress(@Nullable Object[] orphan) {
    orphan[0] = reg.orphans;
    reg.orphans = orphan;
  }

  /** The owner's side: the running callback returns; takes the queue back and runs what is left. */
  void ownerReturnsForStress() {
    if (exposed) {
      reclaim();
    }
    runAll();
    endRun();
    running = false;
  }

  /** The monitor's side: steals if still exposed and runs the stolen batch here; true if stolen. */
  boolean stealAndRunForStress() {
    long w = word;
    if ((w & 3) != STEALABLE) {
      return false;
    }
    Batch b = steal(w);
    if (b == null) {
      return false;
    }
    b.run();
    return true;
  }

  /** Monitor: hands a stolen batch to a relay thread; false if no relay thread could be had. */
  static boolean relay(Batch b) {
    try {
      Relay.EXECUTOR.execute(b);
      return true;
    } catch (Throwable t) {
      return false;
    }
  }

  /**
   * Picker: hands the records taken from {@link Orphans} to a relay thread; false if no relay
   * thread could be had (the caller keeps them and retries).
   */
  static boolean adopt(List<Object[]> records) {
    try {
      Relay.EXECUTOR.execute(new Adoption(records));
      return true;
    } catch (Throwable t) {
      return false;
    }
  }

  /**
   * Signal work published in {@link Orphans}, run on a relay thread: wakes the waiters of every
   * detached list first, then runs all the callbacks as one batch (urgent ones first, then the
   * others, each chain in its order), so a callback that blocks has the rest stolen as usual. A
   * class rather than a lambda, so no call site is linked for the first time near the stack limit.
   */
  private static final class Adoption implements Runnable {
    private final List<Object[]> records;

    Adoption(List<Object[]> records) {
      this.records = records;
    }

    @Override
    @SuppressWarnings("NullAway") // the record layouts are fixed (see Orphans)
    public void run() {
      Ring u = new Ring();
      Ring n = new Ring();
      for (Object[] r : records) {
        for (int i = 2; i + 1 < r.length; i += 2) {
          Fence f = (Fence) r[i];
          Object x = r[i + 1];
          if (x == null) {
            continue;
          }
          Node.Listener first;
          if (r[1] == Orphans.LIST) {
            first = Fence.wakeAndOrder((Node) x); // waiters first, before any callback runs
            if (first == Fence.NO_LISTENERS) {
              continue;
            }
          } else {
            first = (Node.Listener) x;
          }
          Node.Listener rest = first;
          if (first.isUrgent()) {
            rest = splitUrgent(first);
            u.add(f, first);
          }
          if (rest != null) {
            n.add(f, rest);
          }
        }
      }
      if (u.size != 0 || n.size != 0) {
        new Batch(null, null, u, null, null, n).run();
      }
    }
  }

  private boolean isIdle() {
    return urgentNext == null && currentNext == null && urgent.size == 0 && normal.size == 0;
  }

  /** Makes {@code first}'s urgent part and ordinary part the chains to run now. */
  private void start(Fence fence, Node.Listener first) {
    Node.Listener rest = first;
    if (first.isUrgent()) {
      rest = splitUrgent(first);
      urgentFence = fence;
      urgentNext = first;
    }
    if (rest != null) {
      currentFence = fence;
      currentNext = rest;
    }
  }

  /**
   * Queues a nested signal's chain with urgent callbacks, or when the ring could not grow. On a
   * Throwable, publishes the part it had not queued yet (bytecodes only) before rethrowing it.
   */
  private void enqueueSlow(Fence fence, Node.Listener first) {
    Node.@Nullable Listener unowned = first; // the part not queued yet (all of it at first)
    Node.@Nullable Listener unownedRest = null; // after the split: the ordinary part, not queued
    try {
      Node.Listener rest = first;
      if (first.isUrgent()) {
        rest = splitUrgent(first);
        unownedRest = rest;
        if (!urgent.add(fence, first)) {
          unowned = null; // run below, one by one (a Throwable there loses the rest: no memory)
          runChain(fence, first); // no memory to queue it: run it now rather than lose it
          if (exposed) {
            reclaim();
          }
        }
        unowned = null;
      } else {
        unownedRest = first;
        unowned = null;
      }
      if (rest != null && !normal.add(fence, rest)) {
        unownedRest = null;
        runChain(fence, rest);
        if (exposed) {
          reclaim();
        }
      }
      unownedRest = null;
      if (!isIdle()) {
        expose();
      }
    } catch (Throwable t) {
      caughtWithChain++; // see dispatch
      // One record: the two parts stay in order.
      @Nullable Object[] orphan = {null, Orphans.CHAIN, fence, unowned, fence, unownedRest};
      orphan[0] = reg.orphans;
      reg.orphans = orphan;
      throw t;
    }
  }

  /** Cuts the urgent prefix of {@code first} off and returns what follows it. */
  private static Node.@Nullable Listener splitUrgent(Node.Listener first) {
    Node.Listener tail = first;
    Node.Listener n;
    while ((n = tail.fifoNext) != null && n.isUrgent()) {
      tail = n;
    }
    tail.fifoNext = null;
    return n;
  }

  /**
   * Runs until nothing is left: urgent work first, then the next ordinary callback. The chains'
   * positions live in fields, not locals, so that a hand-off from inside a callback takes them.
   */
  private void runAll() {
    Node.@Nullable Listener taken = null; // taken off the queue, not yet run
    @Nullable Fence takenFence = null;
    try {
      for (; ; ) {
        Node.Listener l = urgentNext;
        if (l != null) {
          urgentNext = l.fifoNext;
          l.fifoNext = null;
          taken = l;
          takenFence = urgentFence;
          fire(urgentFence, l);
          taken = null;
          continue;
        }
        if (urgent.size > 0) {
          urgentFence = urgent.headFence();
          urgentNext = urgent.take(); // removes the pair or (throwing) nothing
          continue;
        }
        l = currentNext;
        if (l != null) {
          currentNext = l.fifoNext;
          l.fifoNext = null;
          taken = l;
          takenFence = currentFence;
          fire(currentFence, l);
          taken = null;
          continue;
        }
        if (normal.size > 0) {
          currentFence = normal.headFence();
          currentNext = normal.take();
          continue;
        }
        urgentFence = null;
        currentFence = null;
        return;
      }
    } catch (Throwable t) {
      // Bytecodes only. If fire() could not even be entered, the callback it was given has not
      // run: put it back at the head of its queue, where the caller's catch finds it.
      if (taken != null && failure != t) {
        synchronized (this) { // steals run under this monitor: the word is not STEALING here
          long w = word;
          if ((w & 3) == STEALABLE) {
            word = (w & ~3L) | OWNED; // what fire() exposed is not stealable any more
          }
          exposed = false;
          if (taken instanceof Node.UrgentCallbackNode) {
            taken.fifoNext = urgentNext;
            urgentNext = taken;
            urgentFence = takenFence;
          } else {
            taken.fifoNext = currentNext;
            currentNext = taken;
            currentFence = takenFence;
          }
        }
      }
      throw t;
    }
  }

  /**
   * Runs one callback; while work is queued behind it, the monitor may steal that work. A Throwable
   * thrown after the callback ran is recorded in {@link #failure} (the callback is accounted for).
   */
  private void fire(@Nullable Fence fence, Node.Listener l) {
    boolean ran = false;
    try {
      ticket++;
      if (!isIdle()) {
        expose();
      }
      Seam seam = SEAM;
      if (seam != null) {
        seam.at(Seam.FIRE);
      }
      fireOne(fence, l); // never throws once entered
      ran = true;
      if (exposed) {
        reclaim();
      }
    } catch (Throwable t) {
      if (ran) {
        failure = t;
      }
      throw t;
    }
  }

  @SuppressWarnings("NullAway") // a listener chain is only ever pending together with its fence
  private static void fireOne(@Nullable Fence fence, Node.Listener l) {
    try {
      l.fire(fence);
    } catch (Throwable t) {
      try {
        report(t);
      } catch (Throwable ignored) {
        // report() never throws; only an exhausted stack gets here. Go on with the others.
      }
    }
  }

  private static void runChain(Fence fence, Node.@Nullable Listener l) {
    while (l != null) {
      Node.Listener next = l.fifoNext;
      l.fifoNext = null;
      fireOne(fence, l);
      l = next;
    }
  }

  /** Moves everything queued on this thread into a batch for a relay thread. */
  private Batch takeAll() {
    Ring u = new Ring(); // everything that may fail first, then plain stores only
    Ring n = new Ring();
    Batch b = new Batch(urgentFence, urgentNext, urgent, currentFence, currentNext, normal);
    urgentFence = null;
    urgentNext = null;
    currentFence = null;
    currentNext = null;
    urgent = u;
    normal = n;
    return b;
  }

  /** Hands the queue to a relay; the end of this run waits for it like for stolen work. */
  private void handOff() {
    Batch b = takeAll();
    b.nextStolen = stolen;
    stolen = b;
    try {
      Seam seam = SEAM;
      if (seam != null) {
        seam.rescueAttempt();
      }
      Relay.EXECUTOR.execute(b);
    } catch (Throwable t) {
      // No relay thread to be had (or no stack): unless a relay started it after all, take the
      // work back and go on with it here, after the wait. Bytecodes only.
      if (b.claimBack()) {
        stolen = b.nextStolen;
        urgentFence = b.urgentFence;
        urgentNext = b.urgentNext;
        urgent = b.urgent;
        currentFence = b.currentFence;
        currentNext = b.currentNext;
        normal = b.normal;
      }
    }
  }

  /** Work handed from one thread to a relay (fields set once, before the batch is handed over). */
  static final class Batch implements Runnable {
    @Nullable Fence urgentFence;
    Node.@Nullable Listener urgentNext;
    Ring urgent;
    @Nullable Fence currentFence;
    Node.@Nullable Listener currentNext;
    Ring normal;

    /** The next older batch stolen from the same run (see {@link #stolen}). */
    @Nullable Batch nextStolen;

    /** The dispatcher running this batch, once it started; then true once it is done. */
    volatile @Nullable Dispatcher runner;

    volatile boolean done;

    /**
     * Set (under this batch's monitor) by whoever takes it: its relay thread, or the thread that
     * handed it over and takes it back after {@code execute} threw (which does not prove that no
     * relay thread got it). So it runs exactly once.
     */
    private boolean claimed;

    Batch(
        @Nullable Fence urgentFence,
        Node.@Nullable Listener urgentNext,
        Ring urgent,
        @Nullable Fence currentFence,
        Node.@Nullable Listener currentNext,
        Ring normal) {
      this.urgentFence = urgentFence;
      this.urgentNext = urgentNext;
      this.urgent = urgent;
      this.currentFence = currentFence;
      this.currentNext = currentNext;
      this.normal = normal;
    }

    /** The handing thread, after a failed hand-off: true if no relay thread has taken it. */
    boolean claimBack() {
      synchronized (this) { // bytecodes only: called from catch blocks (monitorenter, stores)
        if (claimed) {
          return false;
        }
        claimed = true;
        return true;
      }
    }

    @Override
    public void run() {
      synchronized (this) {
        if (claimed) {
          done = true;
          return; // taken back by the thread that handed it over
        }
        claimed = true;
      }
      Dispatcher d = CURRENT.get();
      runner = d;
      try {
        d.runBatch(this);
      } finally {
        done = true;
      }
    }
  }

  /**
   * Runs a batch on this (relay) thread, like an outermost dispatch; a Throwable escaping it leaves
   * the rest to the picker exactly as in {@link #runOutermost}'s catch block.
   */
  private void runBatch(Batch b) {
    try {
      if (!isIdle()) {
        recoverLeftovers(); // left on this relay thread by a run that died: not this batch's
      }
      if (exposed) {
        reclaim();
      }
      running = true;
      urgentFence = b.urgentFence;
      urgentNext = b.urgentNext;
      urgent = b.urgent;
      currentFence = b.currentFence;
      currentNext = b.currentNext;
      normal = b.normal;
      runAll();
      running = false;
      endRun();
      if (stolen != null) {
        awaitStolen(); // whoever waits for this batch waits for what moved off it
      }
    } catch (Throwable t) {
      // Bytecodes only (see runOutermost's catch block, which this one repeats).
      running = false;
      stolen = null; // nobody waits for work moved off a run that died
      if (urgentNext != null || currentNext != null || urgent.size != 0 || normal.size != 0) {
        // Leave the queue where it is, stealable: the picker takes it (stealAbandoned), or the
        // next run here reclaims it first. Not exposed means OWNED: no steal can be under way.
        if (!exposed) {
          word = (ticket << 2) | STEALABLE;
          exposed = true;
        }
        abandonedWord = (ticket << 2) | STEALABLE;
        reg.keep = this; // the queue outlives the thread until the picker takes it
      } else if (runExposed && !exposed) {
        word = ticket << 2; // IDLE
      }
      runExposed = false;
      // A relay thread's own failure: nobody to rethrow it to (it went to the picker).
    }
  }

  /** A FIFO ring of (fence, listener-chain) pairs; the array is allocated on first use. */
  private static final class Ring {
    private @Nullable Object @Nullable [] slots;
    private int head;
    int size;

    /** Makes room for one more pair (no pair is added); false if there is no memory for it. */
    boolean reserve() {
      @Nullable Object[] r = slots;
      if (r != null && size < r.length) {
        return true;
      }
      Seam seam = SEAM;
      if (seam != null) {
        seam.at(Seam.GROW);
      }
      try {
        if (r == null) {
          slots = new Object[32];
        } else {
          @Nullable Object[] bigger = new Object[r.length * 2];
          for (int k = 0; k < size; k++) {
            bigger[k] = r[(head + k) & (r.length - 1)];
          }
          slots = bigger;
          head = 0;
        }
        return true;
      } catch (OutOfMemoryError e) {
        return false;
      }
    }

    /** Appends a pair; false if there is no memory to grow the ring. */
    @SuppressWarnings("NullAway") // reserve() leaves an array with room
    boolean add(Fence fence, Node.Listener first) {
      if (!reserve()) {
        return false;
      }
      @Nullable Object[] r = slots;
      int tail = (head + size) & (r.length - 1);
      r[tail] = fence;
      r[tail + 1] = first;
      size += 2;
      return true;
    }

    @SuppressWarnings("NullAway") // called only while size > 0: the array and the head pair exist
    Fence headFence() {
      return (Fence) slots[head];
    }

    /** Removes the head pair and returns its listener chain. */
    @SuppressWarnings("NullAway") // called only while size > 0: the array and the head pair exist
    Node.Listener take() {
      @Nullable Object[] r = slots;
      int i = head;
      Node.Listener l = (Node.Listener) r[i + 1];
      r[i] = null;
      r[i + 1] = null;
      head = (i + 2) & (r.length - 1);
      size -= 2;
      return l;
    }
  }

  /** Relay threads: daemon threads, made on demand and dropped when idle. */
  private static final class Relay {
    private static final AtomicInteger COUNT = new AtomicInteger();

    static final Executor EXECUTOR =
        new ThreadPoolExecutor(
            0,
            Integer.MAX_VALUE,
            10L,
            TimeUnit.SECONDS,
            new SynchronousQueue<>(),
            r -> {
              Thread t = new Thread(r, "fence4j-relay-" + COUNT.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
  }

  /** Reports an exception thrown by a callback; never throws. */
  static void report(Throwable t) {
    Thread current = Thread.currentThread();
    try {
      Thread.UncaughtExceptionHandler h = handler;
      if (h == null) {
        h = Thread.getDefaultUncaughtExceptionHandler();
      }
      if (h != null) {
        h.uncaughtException(current, t);
      } else {
        System.err.print("Exception in a fence callback on thread \"" + current.getName() + "\" ");
        t.printStackTrace();
      }
    } catch (Throwable ignored) {
      // A handler that throws must not stop the other callbacks or the signal.
    }
  }
}
