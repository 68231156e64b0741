package org.fence4j.examples.pipeline;

import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A stage's job queue that keeps {@link Quiescence} right: the consumer stops counting as running
 * while it waits for a job, and the producer that hands it one counts it again, before the consumer
 * even wakes.
 */
final class Mailbox<T> {
  private final Quiescence quiescence;
  private final ArrayDeque<T> jobs = new ArrayDeque<>();
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition nonEmpty = lock.newCondition();
  private boolean consumerWaiting;

  Mailbox(Quiescence quiescence) {
    this.quiescence = quiescence;
  }

  /** Adds a job, waking the consumer if it waits. */
  void put(T job) {
    lock.lock();
    try {
      jobs.add(job);
      if (consumerWaiting) {
        consumerWaiting = false;
        quiescence.enter(); // on the consumer's behalf: it runs from now on
        nonEmpty.signal();
      }
    } finally {
      lock.unlock();
    }
  }

  /**
   * Takes the next job, waiting (not counted as running) while there is none.
   *
   * @throws IllegalStateException if no job comes within {@code timeoutSeconds}
   */
  T take(long timeoutSeconds) throws InterruptedException {
    lock.lock();
    try {
      long left = TimeUnit.SECONDS.toNanos(timeoutSeconds);
      while (jobs.isEmpty()) {
        if (!consumerWaiting) {
          consumerWaiting = true;
          quiescence.exit();
        }
        if (left <= 0) {
          throw new IllegalStateException("no job came within " + timeoutSeconds + " s");
        }
        left = nonEmpty.awaitNanos(left);
      }
      return jobs.poll();
    } finally {
      lock.unlock();
    }
  }
}
