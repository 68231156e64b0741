package org.fence4j;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.jspecify.annotations.Nullable;

/**
 * Finds callbacks that stall with other callbacks queued behind them, and moves the queued ones to
 * a relay thread: so a callback that blocks in any way (a lock, a latch, I/O, {@code
 * CompletableFuture.join}, a monitor) holds up nothing but itself.
 *
 * <p>Implementation overview. One daemon thread ({@code fence4j-stall-monitor}), started on first
 * use. It only ever looks at <em>armed</em> dispatchers: a dispatcher arms itself (CAS of {@link
 * Dispatcher#armed} from false to true, then a push onto {@link #INCOMING} and an unpark) the first
 * time a run exposes work queued behind a running callback while the monitor is not watching it. So
 * a thread that signals fences without such work never meets the monitor, and while it watches
 * nobody the monitor parks for at most {@link Fence#PARK_SLICE_NANOS}: it is also the picker of
 * {@link Orphans} (signal work whose thread ran out of stack after claiming it), which it must find
 * within a bounded time with no help from that thread. So the thread, started before the first
 * listener registration on any fence, wakes about once per second while idle.
 *
 * <p>While it watches someone it wakes every {@link #TICK_NANOS} (backing off to {@link
 * #MAX_TICK_NANOS} while nothing it watches changes) and reads each dispatcher's word: the same
 * STEALABLE word (same callback, same ticket) seen for {@link #BLOCKED_STALL_NANOS} while the
 * thread is BLOCKED, WAITING or TIMED_WAITING, or for {@link #BUSY_STALL_NANOS} while it is
 * RUNNABLE (computing, or blocked in I/O, which Java reports as runnable), is a stall: the monitor
 * steals the queued work with a CAS on that exact word (so a callback that has just returned keeps
 * its queue) and hands it to a relay thread, where it runs in its original order (and is watched
 * the same way). A batch no relay thread could take is retried on the next tick. A dispatcher whose
 * thread has died (not STEALABLE, unchanged for {@link #IDLE_DROP_NANOS}) is dropped too.
 *
 * <p>Disarming: a dispatcher whose word has been IDLE (no run in progress) and unchanged for {@link
 * #IDLE_DROP_NANOS} is dropped: the monitor clears {@code armed} (volatile), then reads the word
 * again; the owner's first exposure of a run stores the word (volatile), then reads {@code armed}.
 * One of the two sees the other's store, so either the monitor keeps watching (it re-arms by CAS)
 * or the owner arms itself again; a dispatcher with work behind a running callback is never left
 * unwatched. An IDLE word never goes straight to STEALABLE without that volatile store.
 *
 * <p>Every field here but {@link #INCOMING}, {@link #THREAD} and {@link #started} belongs to the
 * monitor thread.
 */
final class StallMonitor implements Runnable {
  /** The shortest interval between two looks. */
  static final long TICK_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

  /** The longest interval between two looks while someone is watched. */
  static final long MAX_TICK_NANOS = TimeUnit.MILLISECONDS.toNanos(32);

  /** A callback blocked (not runnable) this long with work behind it has stalled. */
  static final long BLOCKED_STALL_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

  /**
   * A runnable callback (computing, or in I/O) running this long with work behind it has stalled.
   */
  static final long BUSY_STALL_NANOS = TimeUnit.MILLISECONDS.toNanos(20);

  /** A dispatcher idle this long is no longer watched. */
  static final long IDLE_DROP_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

  /** Dispatchers that armed themselves and are not in the monitor's list yet. */
  private static final ConcurrentLinkedQueue<Dispatcher> INCOMING = new ConcurrentLinkedQueue<>();

  /** The monitor thread, once started. */
  private static final AtomicReference<@Nullable Thread> THREAD = new AtomicReference<>();

  /**
   * Whether the monitor thread has been started. Read (plainly) before every listener registration;
   * a stale false only costs a look at {@link #THREAD}.
   */
  static volatile boolean started;

  private final ArrayList<Dispatcher> watched = new ArrayList<>();
  private final ArrayDeque<Dispatcher.Batch> unplaced = new ArrayDeque<>();

  /** Orphan records no relay thread could take yet; retried on the next tick. */
  private final ArrayList<Object[]> unadopted = new ArrayList<>();

  private long tick = TICK_NANOS;

  private StallMonitor() {}

  /** Loads and initializes this class without starting the thread (see Fence's initializer). */
  @SuppressWarnings("ReturnValueIgnored") // loading the class is the point
  static void preload() {
    INCOMING.isEmpty();
  }

  /**
   * Owner of {@code d}: asks the monitor to watch it. If that fails (no memory, no thread), {@code
   * armed} is cleared again, so the next run's first exposure retries.
   */
  static void arm(Dispatcher d) {
    if (!d.tryArm()) {
      return;
    }
    try {
      INCOMING.add(d);
      Thread t = THREAD.get();
      if (t == null) {
        t = start();
      }
      LockSupport.unpark(t);
    } catch (Throwable e) {
      d.armed = false;
    }
  }

  /**
   * Starts the monitor thread if it is not running: called before the first listener registration
   * on any fence, so that orphaned signal work (see {@link Orphans}) always has a picker. Best
   * effort: if the thread cannot be started (no memory, no stack), nothing is claimed and the next
   * registration tries again.
   */
  static void startQuietly() {
    try {
      if (THREAD.get() == null) {
        start();
      }
      started = true;
    } catch (Throwable t) {
      // Retried by the next registration.
    }
  }

  /** Unparks the monitor thread, if it runs (a new orphan record waits). */
  static void wake() {
    Thread t = THREAD.get();
    if (t != null) {
      LockSupport.unpark(t);
    }
  }

  private static Thread start() {
    Thread t = new Thread(new StallMonitor(), "fence4j-stall-monitor");
    t.setDaemon(true);
    if (THREAD.compareAndSet(null, t)) {
      try {
        t.start();
      } catch (Throwable e) {
        THREAD.compareAndSet(t, null); // not started: let a later call try again
        throw e;
      }
      started = true;
      return t;
    }
    Thread winner = THREAD.get();
    return winner != null ? winner : t;
  }

  @Override
  public void run() {
    for (; ; ) {
      try {
        adoptOrphans();
        if (!take() && watched.isEmpty() && unplaced.isEmpty() && unadopted.isEmpty()) {
          // Nobody to watch: look again for orphans at least once per park slice.
          LockSupport.parkNanos(this, Fence.PARK_SLICE_NANOS);
          continue;
        }
        boolean changed = scan(System.nanoTime());
        tick = changed ? TICK_NANOS : Math.min(tick * 2, MAX_TICK_NANOS);
        LockSupport.parkNanos(this, tick);
      } catch (Throwable t) {
        // Out of memory for the list, most likely: keep watching what we have.
        LockSupport.parkNanos(this, TICK_NANOS);
      }
    }
  }

  /**
   * Takes every orphan record (see {@link Orphans}) and hands them to relay threads: the queue of
   * an abandoned dispatcher as a stolen batch, the rest as one adoption (oldest first). What no
   * relay thread could take is kept for the next tick.
   */
  private void adoptOrphans() {
    List<Object[]> records = new ArrayList<>(Orphans.takeAll());
    ArrayList<Dispatcher.Batch> abandoned = new ArrayList<>();
    Dispatcher.takeOrphans(records, abandoned);
    for (Dispatcher.Batch b : abandoned) {
      if (!Dispatcher.relay(b)) {
        unplaced.addLast(b);
      }
    }
    if (records.isEmpty() && unadopted.isEmpty()) {
      return;
    }
    ArrayList<Object[]> signals = new ArrayList<>(unadopted);
    unadopted.clear();
    signals.addAll(records);
    if (!signals.isEmpty() && !Dispatcher.adopt(signals)) {
      unadopted.addAll(signals);
    }
  }

  /** Moves newly armed dispatchers into the list; true if there were any. */
  private boolean take() {
    boolean any = false;
    Dispatcher d;
    while ((d = INCOMING.poll()) != null) {
      any = true;
      if (!d.watched) {
        d.watched = true;
        d.seenWord = -1;
        watched.add(d);
      }
    }
    return any;
  }

  /** Looks at every watched dispatcher once; true if any of them changed since the last look. */
  private boolean scan(long now) {
    boolean changed = false;
    Dispatcher.Batch head;
    while ((head = unplaced.peekFirst()) != null && Dispatcher.relay(head)) {
      unplaced.pollFirst();
    }
    for (int i = watched.size() - 1; i >= 0; i--) {
      Dispatcher d = watched.get(i);
      long w = d.word();
      if (w != d.seenWord) {
        d.seenWord = w;
        d.seenSince = now;
        changed = true;
        continue;
      }
      long unchangedFor = now - d.seenSince;
      int mode = (int) (w & 3);
      if (mode == Dispatcher.STEALABLE) {
        if (unchangedFor >= stallBound(d.thread)) {
          Dispatcher.Batch b = d.steal(w);
          if (b != null && !Dispatcher.relay(b)) {
            unplaced.addLast(b);
          }
          changed = true;
        }
      } else if ((mode == Dispatcher.IDLE && unchangedFor >= IDLE_DROP_NANOS && disarm(d, w))
          || (unchangedFor >= IDLE_DROP_NANOS && !d.thread.isAlive())) {
        d.watched = false;
        watched.set(i, watched.get(watched.size() - 1));
        watched.remove(watched.size() - 1);
      }
    }
    return changed;
  }

  private static long stallBound(Thread t) {
    Thread.State s = t.getState();
    return s == Thread.State.BLOCKED || s == Thread.State.WAITING || s == Thread.State.TIMED_WAITING
        ? BLOCKED_STALL_NANOS
        : BUSY_STALL_NANOS;
  }

  /**
   * Stops watching {@code d} unless it became active again; true if it is to leave the list (also
   * when its owner armed it again: it then comes back through {@link #INCOMING}).
   */
  private static boolean disarm(Dispatcher d, long idleWord) {
    d.armed = false; // volatile store, then volatile read of the word: see the class comment
    if (d.word() == idleWord) {
      return true;
    }
    return !d.tryArm(); // active again: keep it, unless its owner already re-armed it
  }
}
