package org.fence4j;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
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
 * an exhausted stack does this) hands what is left to a relay too; if even that fails, the next
 * dispatch on the thread hands the leftovers off before it runs anything of its own. Apart from
 * hand-offs, nothing here is shared between threads: the queues are owned by their thread.
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

  /** True while this thread runs callbacks (inside {@link #dispatch} or a relay batch). */
  private boolean running;

  /** The urgent chain being run: its fence and next listener. */
  private @Nullable Fence urgentFence;

  private Node.@Nullable Listener urgentNext;

  /** The ordinary chain being run: its fence and next listener. */
  private @Nullable Fence currentFence;

  private Node.@Nullable Listener currentNext;

  private Ring urgent = new Ring();
  private Ring normal = new Ring();

  private Dispatcher() {}

  /** This thread's dispatcher (made on first use). */
  static Dispatcher current() {
    return CURRENT.get();
  }

  /**
   * Runs (or, when nested, queues) the listener chain {@code first} of {@code fence}.
   *
   * @param known this thread's dispatcher if the caller has it already, else null
   */
  static void dispatch(@Nullable Dispatcher known, Fence fence, Node.Listener first) {
    Dispatcher d = known;
    if (d == null) {
      try {
        d = CURRENT.get(); // the first dispatch on a thread makes its dispatcher: may overflow
      } catch (Throwable t) {
        rescue(fence, first); // nothing ran yet: best effort to run it all on a relay
        throw t;
      }
    }
    if (d.running) {
      d.enqueue(fence, first);
    } else {
      d.runOutermost(fence, first);
    }
  }

  /*
   * Hot-path shape. dispatch() and runOutermost() are inlined into Fence.signal(), so what they
   * compile to is paid by every signal, and a signal() whose machine code outgrows C2's
   * InlineSmallCode (2,500 bytes) is no longer inlined into its callers (a cascade link's
   * next.signal() becomes a real call). So the common cases compile small: one ordinary callback
   * with nothing queued (no exposure possible), and, for a nested signal, its chain stored as the
   * next in line (or appended to the ring) plus one release store. Everything rarer (several callbacks, urgent splits, ring growth, the
   * first exposure of a run, leftovers, exceptions, waiting for handed-off or stolen work) is in
   * methods of its own that the common paths only call, and that C2 leaves out of line: they are
   * cold at those call sites (above MaxInlineSize) or never reached (an uncommon trap).
   */

  /** The outermost dispatch on this thread: runs {@code first} and everything it queues. */
  private void runOutermost(Fence fence, Node.Listener first) {
    if (!isIdle()) {
      handOffLeftovers(); // left by an earlier dispatch that died: not ours to run here
    }
    running = true;
    try {
      if (first.fifoNext == null && !first.isUrgent()) {
        // One ordinary callback and nothing queued behind it: nothing to expose while it runs.
        ticket++;
        fireOne(fence, first);
        if (exposed) {
          reclaim();
        }
        if (!isIdle()) {
          runAll(); // what its nested signals queued
        }
      } else {
        start(fence, first);
        runAll();
      }
    } catch (Throwable t) {
      abandonRun();
      throw t;
    } finally {
      endRun();
      running = false;
    }
    if (stolen != null) {
      awaitStolen();
    }
  }

  /** Owner, leaving a run by an exception: hands what is left off, waits for nothing. */
  private void abandonRun() {
    if (exposed) {
      reclaim();
    }
    stolen = null;
    handOffLeftovers();
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
    new Rescue(null, null, null).getClass();
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
    exposed = false;
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
    if (!WORD.compareAndSet(this, seen, (seen & ~3L) | STEALING)) {
      return null;
    }
    // Plain stores only until the release below: the owner may be spinning on it.
    b.urgentFence = urgentFence;
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
    Dispatcher d = new Dispatcher();
    d.armed = true;
    d.running = true;
    d.ticket = 1;
    d.currentFence = fence;
    d.currentNext = first;
    d.expose();
    return d;
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
   * Hands the detached pending list of {@code fence} to a relay thread that wakes its waiters and
   * runs its callbacks: called when a Throwable interrupted the signaling thread right after it
   * claimed the signal. Best effort; never throws.
   */
  static void rescue(Fence fence, Node list) {
    try {
      Relay.EXECUTOR.execute(new Rescue(fence, list, null));
    } catch (Throwable ignored) {
      // No stack or no thread left; waiters still notice the signal by their park slice.
    }
  }

  /** Hands a listener chain nothing has run yet to a relay thread; best effort, never throws. */
  private static void rescue(Fence fence, Node.Listener first) {
    try {
      Relay.EXECUTOR.execute(new Rescue(fence, null, first));
    } catch (Throwable ignored) {
      // No stack or no thread left.
    }
  }

  /**
   * A signal's work rescued onto a relay: a detached list to wake and fire, or a chain to fire. A
   * class rather than a lambda, so no call site is linked for the first time near the stack limit.
   */
  private static final class Rescue implements Runnable {
    private final @Nullable Fence fence;
    private final @Nullable Node list;
    private final Node.@Nullable Listener chain;

    Rescue(@Nullable Fence fence, @Nullable Node list, Node.@Nullable Listener chain) {
      this.fence = fence;
      this.list = list;
      this.chain = chain;
    }

    @Override
    public void run() {
      Fence f = fence;
      if (f == null) {
        return;
      }
      Node l = list;
      Node.Listener first = l != null ? Fence.wakeAndOrder(l) : chain;
      if (first != null) {
        f.fire(first);
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
   * Queues {@code first}'s urgent part and ordinary part, for a signal nested in a callback; the
   * running callback now has work behind it, so the dispatcher is exposed to the stall monitor.
   */
  private void enqueue(Fence fence, Node.Listener first) {
    if (exposed) {
      reclaim();
    }
    if (first.isUrgent()) {
      enqueueSlow(fence, first);
      return;
    }
    if (currentNext == null && normal.size == 0) {
      // Nothing ordinary is waiting (a cascade step): the chain is next in line, no ring needed.
      currentFence = fence;
      currentNext = first;
    } else if (!normal.add(fence, first)) {
      enqueueSlow(fence, first);
      return;
    }
    expose(); // work is queued behind the running callback now
  }

  /** {@link #enqueue} of a chain with urgent callbacks, or when the ring could not grow. */
  private void enqueueSlow(Fence fence, Node.Listener first) {
    Node.Listener rest = first;
    if (first.isUrgent()) {
      rest = splitUrgent(first);
      if (!urgent.add(fence, first)) {
        runChain(fence, first); // no memory to queue it: run it now rather than lose it
        if (exposed) {
          reclaim();
        }
      }
    }
    if (rest != null && !normal.add(fence, rest)) {
      runChain(fence, rest);
      if (exposed) {
        reclaim();
      }
    }
    if (!isIdle()) {
      expose();
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
    for (; ; ) {
      Node.Listener l = urgentNext;
      if (l != null) {
        urgentNext = l.fifoNext;
        l.fifoNext = null;
        fire(urgentFence, l);
        continue;
      }
      if (urgent.size > 0) {
        urgentFence = urgent.headFence();
        urgentNext = urgent.take();
        continue;
      }
      l = currentNext;
      if (l != null) {
        currentNext = l.fifoNext;
        l.fifoNext = null;
        fire(currentFence, l);
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
  }

  /** Runs one callback; while work is queued behind it, the monitor may steal that work. */
  private void fire(@Nullable Fence fence, Node.Listener l) {
    ticket++;
    if (!isIdle()) {
      expose();
    }
    fireOne(fence, l);
    if (exposed) {
      reclaim();
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
    Batch b = new Batch(urgentFence, urgentNext, urgent, currentFence, currentNext, normal);
    urgentFence = null;
    urgentNext = null;
    currentFence = null;
    currentNext = null;
    urgent = new Ring();
    normal = new Ring();
    return b;
  }

  /** Hands the queue to a relay; the end of this run waits for it like for stolen work. */
  private void handOff() {
    Batch b = takeAll();
    b.nextStolen = stolen;
    stolen = b;
    try {
      Relay.EXECUTOR.execute(b);
    } catch (Throwable t) {
      // No relay thread to be had: take the work back and go on with it here, after the wait.
      stolen = b.nextStolen;
      load(b);
    }
  }

  /** Hands leftovers to a relay without anyone waiting for them; never throws. */
  private void handOffLeftovers() {
    try {
      if (!isIdle()) {
        Relay.EXECUTOR.execute(takeAll());
      }
    } catch (Throwable ignored) {
      // Still no stack: they stay queued, and the next dispatch here hands them off first.
    }
  }

  private void load(Batch b) {
    urgentFence = b.urgentFence;
    urgentNext = b.urgentNext;
    currentFence = b.currentFence;
    currentNext = b.currentNext;
    urgent = b.urgent;
    normal = b.normal;
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

    @Override
    public void run() {
      Dispatcher d = CURRENT.get();
      runner = d;
      if (!d.isIdle()) {
        d.handOffLeftovers(); // left on this relay thread by a run that died: not this batch's
      }
      d.running = true;
      d.load(this);
      try {
        d.runAll();
      } catch (Throwable t) {
        if (d.exposed) {
          d.reclaim();
        }
        d.stolen = null;
        d.handOffLeftovers();
      } finally {
        d.endRun();
        d.running = false;
        try {
          if (d.stolen != null) {
            d.awaitStolen(); // whoever waits for this batch waits for what moved off it
          }
        } finally {
          d.stolen = null;
          done = true;
        }
      }
    }
  }

  /** A FIFO ring of (fence, listener-chain) pairs; the array is allocated on first use. */
  private static final class Ring {
    private @Nullable Object @Nullable [] slots;
    private int head;
    int size;

    /** Appends a pair; false if there is no memory to grow the ring. */
    boolean add(Fence fence, Node.Listener first) {
      @Nullable Object[] r = slots;
      if (r == null || size == r.length) {
        return grow(fence, first);
      }
      int tail = (head + size) & (r.length - 1);
      r[tail] = fence;
      r[tail + 1] = first;
      size += 2;
      return true;
    }

    /** {@link #add} when the array is missing or full. */
    private boolean grow(Fence fence, Node.Listener first) {
      @Nullable Object[] r = slots;
      try {
        if (r == null) {
          r = slots = new Object[32];
        } else if (size == r.length) {
          @Nullable Object[] bigger = new Object[r.length * 2];
          for (int k = 0; k < size; k++) {
            bigger[k] = r[(head + k) & (r.length - 1)];
          }
          r = slots = bigger;
          head = 0;
        }
      } catch (OutOfMemoryError e) {
        return false;
      }
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
