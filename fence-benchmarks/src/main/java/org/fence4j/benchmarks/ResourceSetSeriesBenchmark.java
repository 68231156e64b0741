package org.fence4j.benchmarks;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.fence4j.benchmarks.ResourceSetScalingBenchmark.GlobalLockSets;
import org.fence4j.reservation.ReservationObject;
import org.fence4j.reservation.ResourceSet;
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
 * Series {@code resourceset}: acquire an exclusive {@link ResourceSet} over {@code n} buffers and
 * release it, on one thread (ns per buffer in the report). The buffers are named in a fixed random
 * order, as a caller would name them.
 *
 * <p>Peers: {@code reentrantLocksSorted}, {@code n} {@link ReentrantLock}s taken in a global order
 * (the indices sorted per operation, as a caller must) and released; {@code globalLock}, the
 * KDS-like baseline of {@link ResourceSetScalingBenchmark} (FIFO queues per resource, a future per
 * request, one global lock; no fence work).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class ResourceSetSeriesBenchmark {

  private static final Duration TIMEOUT = Duration.ofSeconds(10);

  /** Buffers per set. */
  @Param({"1", "8", "64", "512", "4096"})
  public int n;

  private ResourceSet.Request request;
  private ReentrantLock[] locks;
  private int[] order;
  private final GlobalLockSets sets = new GlobalLockSets();
  private GlobalLockSets.Resource[] resources;
  private boolean[] exclusive;

  @Setup(Level.Trial)
  public void setUp() {
    List<Integer> shuffled = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      shuffled.add(i);
    }
    Collections.shuffle(shuffled, new Random(42));
    ReservationObject[] buffers = new ReservationObject[n];
    locks = new ReentrantLock[n];
    order = new int[n];
    resources = new GlobalLockSets.Resource[n];
    exclusive = new boolean[n];
    for (int i = 0; i < n; i++) {
      buffers[i] = new ReservationObject();
      locks[i] = new ReentrantLock();
      order[i] = shuffled.get(i);
      resources[i] = new GlobalLockSets.Resource();
      exclusive[i] = true;
    }
    ReservationObject[] named = new ReservationObject[n];
    for (int i = 0; i < n; i++) {
      named[i] = buffers[order[i]];
    }
    request = ResourceSet.request().exclusive(named);
  }

  @Benchmark
  public boolean fence4j() throws Exception {
    ResourceSet set = request.acquire(TIMEOUT);
    boolean granted = set.isGranted();
    set.release();
    return granted;
  }

  @Benchmark
  public int reentrantLocksSorted() {
    int[] sorted = order.clone();
    Arrays.sort(sorted);
    for (int i : sorted) {
      locks[i].lock();
    }
    int held = 0;
    for (int i : sorted) {
      held += locks[i].getHoldCount();
      locks[i].unlock();
    }
    return held;
  }

  @Benchmark
  public boolean globalLock() throws Exception {
    GlobalLockSets.Set set = sets.acquire(resources, exclusive, TIMEOUT);
    boolean granted = set.granted;
    sets.release(set);
    return granted;
  }
}
