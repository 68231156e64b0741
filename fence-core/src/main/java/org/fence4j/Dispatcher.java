package org.fence4j;

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
 * outermost dispatch then waits, before it returns, until the work it handed off (and any work the
 * relays handed off in turn) has run: "every inline callback registered before the outermost {@code
 * signal()} has run when it returns" holds with hand-offs too.
 *
 * <p>A Throwable escaping the loop (every callback's own exception is caught and reported, so only
 * an exhausted stack does this) hands what is left to a relay too; if even that fails, the next
 * dispatch on the thread hands the leftovers off before it runs anything of its own. Apart from
 * hand-offs, nothing here is shared between threads: the queues are owned by their thread.
 */
final class Dispatcher {
  private static final ThreadLocal<Dispatcher> CURRENT = ThreadLocal.withInitial(Dispatcher::new);

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

  /** Work handed off from this dispatch and not finished yet; null until the first hand-off. */
  private @Nullable Session session;

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
      return;
    }
    if (!d.isIdle()) {
      d.handOffLeftovers(); // left by an earlier dispatch that died: not ours to run here
    }
    d.running = true;
    try {
      d.start(fence, first);
      d.runAll();
    } catch (Throwable t) {
      d.session = null; // nobody waits for it: we are leaving by an exception
      d.handOffLeftovers();
      throw t;
    } finally {
      d.running = false;
    }
    Session s = d.session;
    if (s != null) {
      d.session = null;
      s.awaitDone();
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
    new Session(Thread.currentThread()).outstanding.get();
    new Batch(null, null, new Ring(), null, null, new Ring()).getClass();
    new Rescue(null, null, null).getClass();
    Relay.EXECUTOR.getClass();
  }

  /**
   * Called by every fence4j wait after it registered its wake-up and before it parks: if this
   * thread is running callbacks and more are queued behind the current one, hands them to a relay
   * thread (see the class comment).
   */
  static void beforePark() {
    Dispatcher d = CURRENT.get();
    if (d.running && !d.isIdle()) {
      d.handOff();
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

  /** Queues {@code first}'s urgent part and ordinary part, for a signal nested in a callback. */
  private void enqueue(Fence fence, Node.Listener first) {
    Node.Listener rest = first;
    if (first.isUrgent()) {
      rest = splitUrgent(first);
      if (!urgent.add(fence, first)) {
        runChain(fence, first); // no memory to queue it: run it now rather than lose it
      }
    }
    if (rest != null && !normal.add(fence, rest)) {
      runChain(fence, rest);
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
        fireOne(urgentFence, l);
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
        fireOne(currentFence, l);
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

  private void handOff() {
    Session s = session;
    if (s == null) {
      s = session = new Session(Thread.currentThread());
    }
    Batch b = takeAll();
    b.session = s;
    s.outstanding.incrementAndGet();
    try {
      Relay.EXECUTOR.execute(b);
    } catch (Throwable t) {
      // No relay thread to be had: take the work back and go on with it here, after the wait.
      s.done();
      b.session = null;
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

  /** Work handed from one thread to a relay. */
  private static final class Batch implements Runnable {
    final @Nullable Fence urgentFence;
    final Node.@Nullable Listener urgentNext;
    final Ring urgent;
    final @Nullable Fence currentFence;
    final Node.@Nullable Listener currentNext;
    final Ring normal;
    @Nullable Session session;

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
      Session s = session;
      if (!d.isIdle()) {
        d.handOffLeftovers(); // left on this relay thread by a run that died: not this batch's
      }
      d.running = true;
      d.session = s;
      d.load(this);
      try {
        d.runAll();
      } catch (Throwable t) {
        d.handOffLeftovers();
      } finally {
        d.running = false;
        d.session = null;
        if (s != null) {
          s.done();
        }
      }
    }
  }

  /** The hand-offs of one outermost dispatch, which waits for them before it returns. */
  private static final class Session {
    final Thread owner;
    final AtomicInteger outstanding = new AtomicInteger();

    Session(Thread owner) {
      this.owner = owner;
    }

    void done() {
      if (outstanding.decrementAndGet() == 0) {
        LockSupport.unpark(owner);
      }
    }

    /** Parks until every batch has run; keeps the interrupt flag. */
    void awaitDone() {
      boolean interrupted = false;
      while (outstanding.get() > 0) {
        LockSupport.park(this);
        if (Thread.interrupted()) {
          interrupted = true;
        }
      }
      if (interrupted) {
        owner.interrupt();
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
