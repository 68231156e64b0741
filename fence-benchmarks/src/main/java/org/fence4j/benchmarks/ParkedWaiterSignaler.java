package org.fence4j.benchmarks;

import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * The second thread of the cross-thread benchmarks ({@code waitAny64-threaded}, {@code
 * syncobj-submit-roundtrip}): it spins (so waking it up is never measured) until the benchmark
 * thread has published an item and has been parked for {@link #DWELL_NANOS}, then hands the item to
 * its action (signal a fence, complete a future, submit a point).
 *
 * <p>Why the dwell: a thread shows as parked (thread state {@code WAITING} or {@code
 * TIMED_WAITING}) a little before it really sleeps; an action inside that window lets the waiter
 * skip the sleep, and which side wins that race would depend on code layout, not on the library.
 * With the dwell both sides always sleep and are always woken; the dwell is in both numbers alike.
 *
 * <p>Use: {@link #start()} in a trial set-up, {@link #publish(Object)} from the benchmark thread
 * before it blocks, {@link #stop()} in the tear-down (joins the thread).
 *
 * @param <T> what the benchmark thread publishes
 */
final class ParkedWaiterSignaler<T> {

  /** How long the waiter has been parked before the action runs. */
  static final long DWELL_NANOS = 20_000;

  private final String name;
  private final Consumer<? super T> action;
  private volatile @Nullable T item;
  private volatile @Nullable Thread waiter;
  private volatile boolean running;
  private @Nullable Thread thread;

  /**
   * Creates a stopped signaler.
   *
   * @param name the thread's name
   * @param action what to do with each published item, in the signaler's thread
   */
  ParkedWaiterSignaler(String name, Consumer<? super T> action) {
    this.name = name;
    this.action = action;
  }

  /** Starts the spinning thread. */
  void start() {
    waiter = Thread.currentThread();
    running = true;
    Thread t = new Thread(this::loop, name);
    t.setDaemon(true);
    thread = t;
    t.start();
  }

  /** Stops the thread and joins it. */
  void stop() throws InterruptedException {
    running = false;
    Thread t = thread;
    if (t != null) {
      t.join();
    }
  }

  /** Publishes the item to act on once the calling thread has been parked for the dwell. */
  void publish(T published) {
    waiter = Thread.currentThread();
    item = published;
  }

  private void loop() {
    long parkedSince = 0;
    while (running) {
      T published = item;
      Thread w = waiter;
      if (published == null || w == null || !isParked(w)) {
        parkedSince = 0;
        Thread.onSpinWait();
        continue;
      }
      long now = System.nanoTime();
      if (parkedSince == 0) {
        parkedSince = now;
      }
      if (now - parkedSince < DWELL_NANOS) {
        Thread.onSpinWait();
        continue;
      }
      parkedSince = 0;
      item = null;
      action.accept(published);
    }
  }

  private static boolean isParked(Thread thread) {
    Thread.State state = thread.getState();
    return state == Thread.State.WAITING || state == Thread.State.TIMED_WAITING;
  }
}
