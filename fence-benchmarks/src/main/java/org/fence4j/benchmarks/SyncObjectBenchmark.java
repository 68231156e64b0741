package org.fence4j.benchmarks;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Phaser;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.fence4j.syncobj.SyncObject;
import org.fence4j.syncobj.SyncPoint;
import org.fence4j.syncobj.WaitFlag;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Pairs 13-15: timeline sync objects against what a Java developer writes instead of a timeline
 * semaphore: a counter that waits for a value, either a {@link ReentrantLock} with a {@link
 * Condition} ({@link LockCounter}) or a one-party {@link Phaser} whose phase is the counter.
 *
 * <ul>
 *   <li>{@code hostSignalQuery}: signal the next point from the host and read the counter back
 *       ({@code signal(p)} + {@code lastSignaledPoint()}; {@code signal} + {@code value()}; {@code
 *       arrive()} + {@code getPhase()}). Nobody asks for the points' fences, so fence4j builds no
 *       link for them (a host-signaled point's link is built when first needed) and reads no clock;
 *       it advances the object's counter with one CAS.
 *   <li>{@code waitAll8}: wait for 8 points, one on each of 8 timelines, all already signaled (the
 *       call only has to find and check them).
 *   <li>{@code submitRoundTrip}: the benchmark thread waits for the next point before it exists
 *       ({@link WaitFlag#FOR_SUBMIT}; the peers wait for the counter value), a second thread
 *       submits it, already signaled, once the waiter has been parked for {@link
 *       ParkedWaiterSignaler#DWELL_NANOS}. Both sides sleep and are woken every time; the dwell is
 *       in both numbers alike.
 * </ul>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class SyncObjectBenchmark {

  static final int WIDTH = 8;

  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  /** A counter that waits for a value: the lock-and-condition version of a timeline semaphore. */
  static final class LockCounter {
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition advanced = lock.newCondition();
    private volatile long value;

    void signal(long v) {
      lock.lock();
      try {
        if (v > value) {
          value = v;
          advanced.signalAll();
        }
      } finally {
        lock.unlock();
      }
    }

    long value() {
      return value;
    }

    boolean await(long v, long nanos) throws InterruptedException {
      if (value >= v) {
        return true;
      }
      lock.lock();
      try {
        while (value < v) {
          if (nanos <= 0L) {
            return false;
          }
          nanos = advanced.awaitNanos(nanos);
        }
        return true;
      } finally {
        lock.unlock();
      }
    }
  }

  /** Waits for phase {@code v} of a one-party phaser (its counter). */
  static boolean awaitPhase(Phaser phaser, int v, long nanos)
      throws InterruptedException, TimeoutException {
    long deadline = System.nanoTime() + nanos;
    for (int p = phaser.getPhase(); p < v; p = phaser.getPhase()) {
      phaser.awaitAdvanceInterruptibly(p, deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
    }
    return true;
  }

  /** One timeline on each side, host-signaled point after point. */
  @State(Scope.Thread)
  public static class HostSignal {
    SyncObject timeline;
    LockCounter counter;
    Phaser phaser;
    long point;

    @Setup(Level.Iteration)
    public void setUp() {
      timeline = SyncObject.create();
      counter = new LockCounter();
      phaser = new Phaser(1);
      point = 0;
    }
  }

  /** 8 timelines on each side, each at a signaled point 1. */
  @State(Scope.Thread)
  public static class Signaled8 {
    List<SyncPoint> points;
    LockCounter[] counters;
    Phaser[] phasers;

    @Setup
    public void setUp() {
      points = new ArrayList<>(WIDTH);
      counters = new LockCounter[WIDTH];
      phasers = new Phaser[WIDTH];
      for (int i = 0; i < WIDTH; i++) {
        SyncObject obj = SyncObject.create();
        obj.signal(1);
        points.add(obj.at(1));
        counters[i] = new LockCounter();
        counters[i].signal(1);
        phasers[i] = new Phaser(1);
        phasers[i].arrive();
      }
      points = List.copyOf(points);
    }
  }

  /**
   * The other thread of {@code submitRoundTrip}: runs the published action once the waiter has been
   * parked for {@link ParkedWaiterSignaler#DWELL_NANOS}.
   */
  @State(Scope.Thread)
  public static class Submitter {
    SyncObject timeline;
    LockCounter counter;
    Phaser phaser;
    long point;
    final ParkedWaiterSignaler<Runnable> other =
        new ParkedWaiterSignaler<>("syncobj-submitter", Runnable::run);

    @Setup(Level.Trial)
    public void start() {
      timeline = SyncObject.create();
      counter = new LockCounter();
      phaser = new Phaser(1);
      other.start();
    }

    @TearDown(Level.Trial)
    public void stop() throws InterruptedException {
      other.stop();
    }

    void publish(Runnable a) {
      other.publish(a);
    }
  }

  // Host signal + query

  @Benchmark
  public long hostSignalQueryFence4j(HostSignal s) {
    s.timeline.signal(++s.point);
    return s.timeline.lastSignaledPoint();
  }

  @Benchmark
  public long hostSignalQueryLockCondition(HostSignal s) {
    s.counter.signal(++s.point);
    return s.counter.value();
  }

  @Benchmark
  public long hostSignalQueryPhaser(HostSignal s) {
    s.phaser.arrive();
    return s.phaser.getPhase();
  }

  // waitAll over 8 signaled points

  @Benchmark
  public boolean waitAll8Fence4j(Signaled8 s) throws InterruptedException {
    return check(SyncObject.waitAll(s.points, TIMEOUT));
  }

  @Benchmark
  public boolean waitAll8LockCondition(Signaled8 s) throws InterruptedException {
    long nanos = TIMEOUT.toNanos();
    for (LockCounter c : s.counters) {
      if (!c.await(1, nanos)) {
        return check(false);
      }
    }
    return true;
  }

  @Benchmark
  public boolean waitAll8Phaser(Signaled8 s) throws InterruptedException, TimeoutException {
    long nanos = TIMEOUT.toNanos();
    for (Phaser p : s.phasers) {
      awaitPhase(p, 1, nanos);
    }
    return true;
  }

  // Cross-thread wait-for-submit round trip

  @Benchmark
  public boolean submitRoundTripFence4j(Submitter s) throws InterruptedException {
    long point = ++s.point;
    SyncObject timeline = s.timeline;
    s.publish(() -> timeline.signal(point));
    return check(SyncObject.waitAll(List.of(timeline.at(point)), TIMEOUT, WaitFlag.FOR_SUBMIT));
  }

  @Benchmark
  public boolean submitRoundTripLockCondition(Submitter s) throws InterruptedException {
    long point = ++s.point;
    LockCounter counter = s.counter;
    s.publish(() -> counter.signal(point));
    return check(counter.await(point, TIMEOUT.toNanos()));
  }

  @Benchmark
  public boolean submitRoundTripPhaser(Submitter s) throws InterruptedException, TimeoutException {
    Phaser phaser = s.phaser;
    int next = phaser.getPhase() + 1;
    s.publish(phaser::arrive);
    return check(awaitPhase(phaser, next, TIMEOUT.toNanos()));
  }

  private static boolean check(boolean done) {
    if (!done) {
      throw new AssertionError("wait timed out");
    }
    return true;
  }
}
