package org.fence4j.benchmarks;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.fence4j.Fence;
import org.fence4j.FenceContext;
import org.fence4j.reservation.ReservationObject;
import org.fence4j.reservation.ReservationObject.Usage;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Series {@code reservation-add} and {@code reservation-snapshot}: a buffer holding the pending
 * fences of {@code n} producer contexts, on one thread (the two-thread pairs {@code
 * reservation-addFence} and {@code reservation-snapshot} hold 4).
 *
 * <ul>
 *   <li>{@code add}: one operation adds a new fence of each of the {@code n} contexts in turn, each
 *       replacing that context's entry ({@code lock(); reserveFences(1); addFence(f, READ);
 *       unlock()}), so the buffer holds {@code n} entries throughout; ns per add in the report.
 *   <li>{@code snapshot}: one lock-free {@link ReservationObject#fences(Usage) fences(READ)} of the
 *       {@code n} entries; ns per entry in the report.
 * </ul>
 *
 * <p>The peer, as in {@link ReservationSnapshotBenchmark}: an {@code ArrayList} under a {@link
 * ReentrantReadWriteLock}; the writer replaces the entry of the same context (found by a scan)
 * under the write lock, the reader copies the unsignaled entries under the read lock.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class ReservationSeriesBenchmark {

  /** Producer contexts, so entries on the buffer. */
  @Param({"1", "8", "64", "512", "4096"})
  public int n;

  private FenceContext[] contexts;
  private final ReservationObject reservation = new ReservationObject();
  private final ReentrantReadWriteLock rwLock = new ReentrantReadWriteLock();
  private final List<Fence> guarded = new ArrayList<>();

  @Setup(Level.Trial)
  public void setUp() {
    contexts = new FenceContext[n];
    for (int i = 0; i < n; i++) {
      contexts[i] = FenceContext.create("bench", "series-producer-" + i);
    }
    addFence4j();
    addRwLock();
  }

  @Benchmark
  public ReservationObject addFence4j() {
    for (FenceContext context : contexts) {
      Fence fence = context.next();
      reservation.lock();
      try {
        reservation.reserveFences(1);
        reservation.addFence(fence, Usage.READ);
      } finally {
        reservation.unlock();
      }
    }
    return reservation;
  }

  @Benchmark
  public List<Fence> addRwLock() {
    for (FenceContext context : contexts) {
      Fence fence = context.next();
      ReentrantReadWriteLock.WriteLock lock = rwLock.writeLock();
      lock.lock();
      try {
        int i = ReservationSnapshotBenchmark.indexOfContext(guarded, fence.context());
        if (i < 0) {
          guarded.add(fence);
        } else {
          guarded.set(i, fence);
        }
      } finally {
        lock.unlock();
      }
    }
    return guarded;
  }

  @Benchmark
  public List<Fence> snapshotFence4j() {
    return check(reservation.fences(Usage.READ));
  }

  @Benchmark
  public List<Fence> snapshotRwLock() {
    ReentrantReadWriteLock.ReadLock lock = rwLock.readLock();
    lock.lock();
    try {
      return check(ReservationSnapshotBenchmark.unsignaled(guarded));
    } finally {
      lock.unlock();
    }
  }

  private List<Fence> check(List<Fence> snapshot) {
    if (snapshot.size() != n) {
      throw new AssertionError("snapshot of " + snapshot.size() + " fences, expected " + n);
    }
    return snapshot;
  }
}
