package org.fence4j.debug;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import org.fence4j.Fence;
import org.fence4j.internal.Diagnostics;
import org.fence4j.internal.FenceHungEvent;

/**
 * Reports fences that stay pending longer than a threshold: the "why is my pipeline stuck?" alarm.
 *
 * <pre>{@code
 * try (FenceWatchdog watchdog = FenceWatchdog.start(Duration.ofSeconds(5))) {
 *   runPipeline();   // a fence pending for more than 5 s is logged, once, with its waiters
 * }
 * }</pre>
 *
 * <p>{@link #start(Duration)} turns {@link FenceTracking} on (without creation sites; turn it on
 * with {@code FenceTracking.enable(true)} or {@code -Dfence4j.tracking=sites} first to get them)
 * and starts a daemon thread that checks the tracked fences at least every {@code threshold / 2},
 * and not more often than every 10 ms. Each fence found pending longer than {@code threshold} is
 * reported once per watchdog, oldest first: to the given reporter, or by default as a {@code
 * WARNING} on the {@link System.Logger} {@code "org.fence4j.watchdog"} with the fence's {@link
 * FenceTracking#dump() dump} block (its {@code describe()}, age, waiting threads, what it waits on,
 * creation site). Every report also emits the JFR event {@code org.fence4j.FenceHung}. Only fences
 * constructed while tracking is on are seen.
 *
 * <p>The watchdog never signals a fence and never runs a fence's callbacks or hooks. A reporter
 * that throws does not stop it: the exception goes to the callback exception handler ({@link
 * Fence#setCallbackExceptionHandler}) and the next fence is reported. {@link #close()} stops it
 * (waiting for a report in progress) and turns tracking off again if a watchdog turned it on and no
 * other watchdog still runs; a second {@code close()} does nothing.
 *
 * <p>Thread-safe.
 */
public final class FenceWatchdog implements AutoCloseable {
  /*
   * Implementation overview: one daemon thread per watchdog parks for `period` between checks.
   * A check takes FenceTracking's snapshot of the fences older than the threshold and reports the
   * ones whose registry entry is not in `reported` (identity set of entries, touched only by the
   * watchdog thread; pruned to the entries still pending, so it does not grow). close() sets
   * `closed`, unparks the thread and joins it unless it runs on it. Tracking ownership (who turns
   * tracking off) is shared by the running watchdogs under LOCK: the first one that found tracking
   * off owns it for all of them, and the last one to close turns it off, unless FenceTracking was
   * enabled or disabled by hand meanwhile.
   */

  private static final Duration MIN_PERIOD = Duration.ofMillis(10);
  private static final System.Logger LOGGER = System.getLogger("org.fence4j.watchdog");
  private static final AtomicInteger THREAD_IDS = new AtomicInteger();

  private static final ReentrantLock LOCK = new ReentrantLock();

  /** Running watchdogs; guarded by LOCK. */
  private static final Set<FenceWatchdog> RUNNING =
      Collections.newSetFromMap(new IdentityHashMap<>());

  /** Whether watchdogs turned tracking on (and should turn it off); guarded by LOCK. */
  private static boolean ownsTracking;

  private final long thresholdNanos;
  private final long periodNanos;
  private final Consumer<PendingFence> onHung;
  private final Thread thread;
  private volatile boolean closed;

  /** Entries already reported; only the watchdog thread touches it. */
  private Set<Diagnostics.Tracked> reported = Collections.newSetFromMap(new IdentityHashMap<>());

  private FenceWatchdog(long thresholdNanos, Consumer<PendingFence> onHung) {
    this.thresholdNanos = thresholdNanos;
    this.periodNanos = Math.max(thresholdNanos / 2, MIN_PERIOD.toNanos());
    this.onHung = onHung;
    this.thread = new Thread(this::run, "fence4j-watchdog-" + THREAD_IDS.incrementAndGet());
    this.thread.setDaemon(true);
  }

  /**
   * Starts a watchdog that logs every fence pending longer than {@code threshold}, once, as a
   * {@code WARNING} on the {@code System.Logger} {@code "org.fence4j.watchdog"}.
   *
   * @param threshold how long a fence may stay pending before it is reported; zero reports every
   *     pending fence
   * @return the running watchdog; close it to stop it
   * @throws IllegalArgumentException if {@code threshold} is negative
   * @throws NullPointerException if {@code threshold} is null
   */
  public static FenceWatchdog start(Duration threshold) {
    return start(threshold, FenceWatchdog::log);
  }

  /**
   * Starts a watchdog that hands every fence pending longer than {@code threshold}, once, to {@code
   * onHung}, in the watchdog's thread.
   *
   * @param threshold how long a fence may stay pending before it is reported; zero reports every
   *     pending fence
   * @param onHung the reporter; it must not block for long (it delays the next reports)
   * @return the running watchdog; close it to stop it
   * @throws IllegalArgumentException if {@code threshold} is negative
   * @throws NullPointerException if an argument is null
   */
  public static FenceWatchdog start(Duration threshold, Consumer<PendingFence> onHung) {
    Objects.requireNonNull(threshold, "threshold");
    Objects.requireNonNull(onHung, "onHung");
    if (threshold.isNegative()) {
      throw new IllegalArgumentException("threshold must not be negative, was " + threshold);
    }
    long nanos;
    try {
      nanos = threshold.toNanos();
    } catch (ArithmeticException overflow) {
      nanos = Long.MAX_VALUE;
    }
    FenceWatchdog watchdog = new FenceWatchdog(nanos, onHung);
    LOCK.lock();
    try {
      if (!Diagnostics.isTracking()) {
        Diagnostics.enable(false);
        ownsTracking = true;
      }
      RUNNING.add(watchdog);
    } finally {
      LOCK.unlock();
    }
    watchdog.thread.start();
    return watchdog;
  }

  /**
   * Stops the watchdog: no report starts after this returns (a report in progress is waited for,
   * unless the reporter itself calls this). Turns tracking off if a watchdog turned it on, no other
   * watchdog runs, and tracking is still on. A second call does nothing.
   */
  @Override
  public void close() {
    LOCK.lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
      RUNNING.remove(this);
      if (RUNNING.isEmpty() && ownsTracking) {
        ownsTracking = false;
        if (Diagnostics.isTracking()) {
          Diagnostics.disable();
        }
      }
    } finally {
      LOCK.unlock();
    }
    LockSupport.unpark(thread);
    if (Thread.currentThread() != thread) {
      boolean interrupted = false;
      while (thread.isAlive()) {
        try {
          TimeUnit.MILLISECONDS.timedJoin(thread, 1000L);
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** Called when FenceTracking is switched by hand: watchdogs no longer own it. */
  static void trackingSwitchedByHand() {
    LOCK.lock();
    try {
      ownsTracking = false;
    } finally {
      LOCK.unlock();
    }
  }

  private void run() {
    long next = System.nanoTime() + periodNanos;
    while (!closed) {
      long wait = next - System.nanoTime();
      if (wait > 0L) {
        LockSupport.parkNanos(this, wait);
        continue; // re-check closed and the time (parks may return early)
      }
      next = System.nanoTime() + periodNanos;
      try {
        check();
      } catch (Throwable t) {
        Diagnostics.access().reportException(t);
      }
    }
  }

  private void check() {
    List<FenceTracking.Entry> hung = FenceTracking.snapshot(thresholdNanos);
    Set<Diagnostics.Tracked> stillHung = Collections.newSetFromMap(new IdentityHashMap<>());
    List<FenceTracking.Entry> fresh = new ArrayList<>();
    for (FenceTracking.Entry e : hung) {
      stillHung.add(e.tracked);
      if (!reported.contains(e.tracked)) {
        fresh.add(e);
      }
    }
    reported = stillHung; // forget entries that signaled or were collected
    for (FenceTracking.Entry e : fresh) {
      if (closed) {
        return;
      }
      try {
        if (Diagnostics.jfrActive()) {
          FenceHungEvent.emit(Diagnostics.describe(e.pending.fence()), e.ageNanos);
        }
      } catch (Throwable t) {
        Diagnostics.access().reportException(t);
      }
      try {
        onHung.accept(e.pending);
      } catch (Throwable t) {
        Diagnostics.access().reportException(t);
      }
    }
  }

  /** The default reporter: a WARNING with the fence's dump block. */
  private static void log(PendingFence p) {
    LOGGER.log(Level.WARNING, report(p).stripTrailing());
  }

  /**
   * The default report text: a first line naming the fence's timeline and age, then its {@link
   * FenceTracking#dump()} block.
   */
  static String report(PendingFence p) {
    StringBuilder sb = new StringBuilder("fence pending for ");
    sb.append(FenceTracking.formatAge(p.age())).append(" on ");
    FenceTracking.appendTimelineHeader(sb, p.fence()).append(":\n");
    FenceTracking.appendFence(sb, p, "  ");
    return sb.toString();
  }
}
