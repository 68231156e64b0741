package org.fence4j.benchmarks;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.fence4j.Fence;
import org.fence4j.FenceContext;
import org.fence4j.reservation.ReservationObject;
import org.fence4j.reservation.ReservationObject.Usage;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Group;
import org.openjdk.jmh.annotations.GroupThreads;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Pair 7a: one writer adding fences to a buffer while one reader takes snapshots of them.
 *
 * <p>Each JMH group runs two threads on one shared buffer: the writer's operation is "add a new
 * fence": make the next fence of one of {@value #CONTEXTS} producer contexts (round robin) and add
 * it, replacing that context's older entry, so the buffer holds {@value #CONTEXTS} entries at all
 * times; the reader's operation is "take a consistent snapshot of the unsignaled fences".
 *
 * <ul>
 *   <li>fence4j: {@code lock(); reserveFences(1); addFence(f, READ); unlock()} against the
 *       lock-free {@link ReservationObject#fences(Usage) fences(READ)}.
 *   <li>{@code rwLock}: an {@code ArrayList} guarded by a {@link ReentrantReadWriteLock}; the
 *       writer replaces the entry of the same context under the write lock, the reader copies the
 *       unsignaled entries under the read lock.
 *   <li>{@code cow}: a {@link CopyOnWriteArrayList}; the writer replaces the entry of the same
 *       context ({@code set} copies the array), the reader filters an iterator's snapshot.
 * </ul>
 *
 * <p>JMH reports one row per method of each group: the writer's and the reader's time per operation
 * while the other thread runs.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class ReservationSnapshotBenchmark {

  static final int CONTEXTS = 4;

  /** The producers: shared by the writer methods, used by one writer thread per group. */
  @State(Scope.Group)
  public static class Producers {
    final FenceContext[] contexts = new FenceContext[CONTEXTS];
    int next;

    @Setup
    public void setUp() {
      for (int i = 0; i < CONTEXTS; i++) {
        contexts[i] = FenceContext.create("bench", "producer-" + i);
      }
    }

    Fence nextFence() {
      FenceContext context = contexts[next];
      next = (next + 1) % CONTEXTS;
      return context.next();
    }
  }

  /** The buffer in its three forms; a group uses only its own. */
  @State(Scope.Group)
  public static class Buffer {
    final ReservationObject reservation = new ReservationObject();
    final ReentrantReadWriteLock rwLock = new ReentrantReadWriteLock();
    final List<Fence> guarded = new ArrayList<>();
    final CopyOnWriteArrayList<Fence> cow = new CopyOnWriteArrayList<>();
  }

  // ---------------------------------------------------------------------------- fence4j

  @Benchmark
  @Group("fence4j")
  @GroupThreads(1)
  public void fence4jWriter(Buffer buffer, Producers producers) {
    Fence fence = producers.nextFence();
    ReservationObject reservation = buffer.reservation;
    reservation.lock();
    try {
      reservation.reserveFences(1);
      reservation.addFence(fence, Usage.READ);
    } finally {
      reservation.unlock();
    }
  }

  @Benchmark
  @Group("fence4j")
  @GroupThreads(1)
  public List<Fence> fence4jReader(Buffer buffer) {
    return buffer.reservation.fences(Usage.READ);
  }

  // ---------------------------------------------------------------------------- rwLock

  @Benchmark
  @Group("rwLock")
  @GroupThreads(1)
  public void rwLockWriter(Buffer buffer, Producers producers) {
    Fence fence = producers.nextFence();
    ReentrantReadWriteLock.WriteLock lock = buffer.rwLock.writeLock();
    lock.lock();
    try {
      List<Fence> fences = buffer.guarded;
      int i = indexOfContext(fences, fence.context());
      if (i < 0) {
        fences.add(fence);
      } else {
        fences.set(i, fence);
      }
    } finally {
      lock.unlock();
    }
  }

  @Benchmark
  @Group("rwLock")
  @GroupThreads(1)
  public List<Fence> rwLockReader(Buffer buffer) {
    ReentrantReadWriteLock.ReadLock lock = buffer.rwLock.readLock();
    lock.lock();
    try {
      return unsignaled(buffer.guarded);
    } finally {
      lock.unlock();
    }
  }

  // ---------------------------------------------------------------------------- cow

  @Benchmark
  @Group("cow")
  @GroupThreads(1)
  public void cowWriter(Buffer buffer, Producers producers) {
    Fence fence = producers.nextFence();
    CopyOnWriteArrayList<Fence> fences = buffer.cow;
    // One writer, so the index found stays right; several writers would need a lock here too.
    int i = indexOfContext(fences, fence.context());
    if (i < 0) {
      fences.add(fence);
    } else {
      fences.set(i, fence);
    }
  }

  @Benchmark
  @Group("cow")
  @GroupThreads(1)
  public List<Fence> cowReader(Buffer buffer) {
    return unsignaled(buffer.cow);
  }

  // ---------------------------------------------------------------------------- helpers

  static int indexOfContext(List<Fence> fences, long context) {
    for (int i = 0, n = fences.size(); i < n; i++) {
      if (fences.get(i).context() == context) {
        return i;
      }
    }
    return -1;
  }

  static List<Fence> unsignaled(List<Fence> fences) {
    List<Fence> snapshot = new ArrayList<>(fences.size());
    for (Fence fence : fences) {
      if (!fence.isSignaled()) {
        snapshot.add(fence);
      }
    }
    return snapshot;
  }
}
