package org.fence4j.testlib;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Queue;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.jspecify.annotations.Nullable;
import org.opentest4j.TestAbortedException;

/**
 * Checks that a blocking wait does not hold its carrier thread: many virtual threads run the same
 * wait, all of them must be blocked at once (which cannot happen if each wait pins one of the few
 * carriers), then one action releases them all and every wait must return.
 *
 * <p>Needs JDK 21 or newer at run time (virtual threads); it compiles against JDK 17 and reaches
 * {@code Thread.ofVirtual()} by reflection. On an older runtime the calling test is aborted
 * (reported as skipped), never failed. Stateless and thread-safe.
 */
public final class VirtualThreadWaits {
  private VirtualThreadWaits() {}

  /**
   * Starts {@code threads} virtual threads that each call {@code wait}, waits (up to {@code bound})
   * until every one of them is blocked ({@link Thread.State#WAITING} or {@link
   * Thread.State#TIMED_WAITING}), runs {@code release}, and waits (up to {@code bound} per thread)
   * for every thread to finish. Every thread is joined before this returns, also when it fails;
   * {@code release} runs exactly once.
   *
   * @param threads how many virtual threads, at least 1
   * @param wait the blocking wait; its result is counted when {@code true}
   * @param release what makes every wait return
   * @param bound the time allowed for all threads to block, and for each to finish
   * @return how many waits returned {@code true}
   * @throws AssertionError if not all threads blocked, one did not finish, or a wait threw
   * @throws InterruptedException if the calling thread is interrupted while it joins the threads
   * @throws IllegalArgumentException if {@code threads} is below 1
   * @throws NullPointerException if an argument is null
   * @throws org.opentest4j.TestAbortedException if the runtime has no virtual threads (before JDK
   *     21): the calling test is reported as skipped
   */
  public static int blockTogetherThenRelease(
      int threads, Callable<Boolean> wait, Runnable release, Duration bound)
      throws InterruptedException {
    Objects.requireNonNull(wait, "wait");
    Objects.requireNonNull(release, "release");
    Objects.requireNonNull(bound, "bound");
    if (threads < 1) {
      throw new IllegalArgumentException("threads must be at least 1: " + threads);
    }
    AtomicInteger succeeded = new AtomicInteger();
    Queue<Throwable> failures = new ConcurrentLinkedQueue<>();
    List<Thread> started = new ArrayList<>(threads);
    boolean released = false;
    try {
      for (int i = 0; i < threads; i++) {
        started.add(
            startVirtual(
                () -> {
                  try {
                    if (Boolean.TRUE.equals(wait.call())) {
                      succeeded.incrementAndGet();
                    }
                  } catch (Throwable t) {
                    failures.add(t);
                  }
                }));
      }
      long deadline = System.nanoTime() + bound.toNanos();
      while (!started.stream().allMatch(VirtualThreadWaits::isBlocked)) {
        assertThat(System.nanoTime() - deadline)
            .as("all %d virtual threads blocked at once within %s", threads, bound)
            .isNegative();
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
      }
      released = true;
      release.run();
      for (Thread t : started) {
        TimeUnit.NANOSECONDS.timedJoin(t, bound.toNanos());
        assertThat(t.isAlive()).as("%s still running", t).isFalse();
      }
    } finally {
      if (!released) {
        release.run();
      }
      for (Thread t : started) {
        t.interrupt();
        t.join(bound.toMillis());
      }
    }
    assertThat(failures).as("exceptions thrown by the waits").isEmpty();
    return succeeded.get();
  }

  /**
   * Whether {@code thread} is blocked: {@link Thread.State#WAITING} or {@link
   * Thread.State#TIMED_WAITING}.
   *
   * @param thread the thread
   * @return whether it is parked or waiting
   * @throws NullPointerException if {@code thread} is null
   */
  public static boolean isBlocked(Thread thread) {
    Thread.State state = thread.getState();
    return state == Thread.State.WAITING || state == Thread.State.TIMED_WAITING;
  }

  /** {@code Thread.ofVirtual()}, or null before JDK 21. */
  private static final @Nullable Method OF_VIRTUAL;

  /** {@code Thread.Builder.start(Runnable)}, or null before JDK 21. */
  private static final @Nullable Method START;

  static {
    Method ofVirtual;
    Method start;
    try {
      ofVirtual = Thread.class.getMethod("ofVirtual");
      start = Class.forName("java.lang.Thread$Builder").getMethod("start", Runnable.class);
    } catch (ReflectiveOperationException e) {
      ofVirtual = null; // JDK 17-20: no virtual threads
      start = null;
    }
    OF_VIRTUAL = ofVirtual;
    START = start;
  }

  /**
   * Whether this runtime has virtual threads (JDK 21 or newer).
   *
   * @return {@code true} if {@link #startVirtual} can start a thread here
   */
  public static boolean available() {
    return START != null;
  }

  /**
   * Starts a virtual thread running {@code body}: {@code Thread.ofVirtual().start(body)}, reached
   * by reflection so that callers compile for JDK 17. On a runtime without virtual threads (before
   * JDK 21) the calling test is aborted, as JUnit's assumptions do: it is reported as skipped with
   * that reason, not as failed.
   *
   * @param body what the thread runs
   * @return the started thread
   * @throws NullPointerException if {@code body} is null
   * @throws org.opentest4j.TestAbortedException if the runtime has no virtual threads
   * @throws AssertionError if the runtime refuses to start the thread
   */
  public static Thread startVirtual(Runnable body) {
    Objects.requireNonNull(body, "body");
    Method ofVirtual = OF_VIRTUAL;
    Method start = START;
    if (ofVirtual == null || start == null) {
      throw new TestAbortedException("virtual threads need JDK 21 or newer");
    }
    try {
      return (Thread)
          Objects.requireNonNull(start.invoke(ofVirtual.invoke(null), body), "started thread");
    } catch (InvocationTargetException e) {
      throw new AssertionError("could not start a virtual thread", e.getCause());
    } catch (IllegalAccessException e) { // public methods of java.lang: not expected
      throw new AssertionError("could not start a virtual thread", e);
    }
  }
}
