package org.fence4j.benchmarks;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReentrantLock;
import org.fence4j.reservation.ReservationObject;
import org.fence4j.reservation.ResourceSet;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;

/**
 * Pair 7c: does {@link ResourceSet} scale on disjoint buffers? Each thread acquires an exclusive
 * set on its own {@value #BUFFERS} buffers and releases it, again and again; no two threads ever
 * name the same buffer, so a library without a global lock lets two threads run in parallel.
 *
 * <p>Four benchmarks: fence4j with one thread and with two, and the same with a KDS-like baseline
 * ({@link GlobalLockSets}: FIFO queues per resource, exclusive/shared triggering, a future per
 * request, every queue guarded by one global lock, as ARM's KDS did). Scores are average time per
 * operation per thread (JMH's avgt with {@code @Threads}); per-thread throughput is the inverse,
 * and the scaling of two threads over one is {@code 2 * t(1 thread) / t(2 threads)} (target for
 * fence4j: at least 1.6). The baseline does none of fence4j's fence work (installing the set's
 * fence on each buffer, signaling it), so one thread of it is faster; its scaling is the floor.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class ResourceSetScalingBenchmark {

  static final int BUFFERS = 2;
  private static final Duration TIMEOUT = Duration.ofSeconds(10);

  /** One thread's own buffers and its request (acquired again on every operation). */
  @State(Scope.Thread)
  public static class OwnBuffers {
    ResourceSet.Request request;

    @Setup
    public void setUp() {
      ReservationObject[] mine = new ReservationObject[BUFFERS];
      for (int i = 0; i < BUFFERS; i++) {
        mine[i] = new ReservationObject();
      }
      request = ResourceSet.request().exclusive(mine);
    }
  }

  /** The baseline's shared manager (one global lock for all threads). */
  @State(Scope.Benchmark)
  public static class Manager {
    final GlobalLockSets sets = new GlobalLockSets();
  }

  /** One thread's own resources in the baseline. */
  @State(Scope.Thread)
  public static class OwnResources {
    GlobalLockSets.Resource[] resources;
    final boolean[] exclusive = new boolean[BUFFERS];

    @Setup
    public void setUp() {
      resources = new GlobalLockSets.Resource[BUFFERS];
      for (int i = 0; i < BUFFERS; i++) {
        resources[i] = new GlobalLockSets.Resource();
        exclusive[i] = true;
      }
    }
  }

  private static boolean fence4jOnce(OwnBuffers own) throws Exception {
    ResourceSet set = own.request.acquire(TIMEOUT);
    boolean granted = set.isGranted();
    set.release();
    return granted;
  }

  private static boolean globalLockOnce(Manager m, OwnResources own) throws Exception {
    GlobalLockSets.Set set = m.sets.acquire(own.resources, own.exclusive, TIMEOUT);
    boolean granted = set.granted;
    m.sets.release(set);
    return granted;
  }

  /** fence4j, one thread. */
  @Benchmark
  @Threads(1)
  public boolean fence4jOneThread(OwnBuffers own) throws Exception {
    return fence4jOnce(own);
  }

  /** fence4j, two threads on disjoint buffers. */
  @Benchmark
  @Threads(2)
  public boolean fence4jTwoThreads(OwnBuffers own) throws Exception {
    return fence4jOnce(own);
  }

  /** KDS-like global lock, one thread. */
  @Benchmark
  @Threads(1)
  public boolean globalLockOneThread(Manager m, OwnResources own) throws Exception {
    return globalLockOnce(m, own);
  }

  /** KDS-like global lock, two threads on disjoint resources. */
  @Benchmark
  @Threads(2)
  public boolean globalLockTwoThreads(Manager m, OwnResources own) throws Exception {
    return globalLockOnce(m, own);
  }

  /**
   * A minimal KDS-style resource-set manager: one FIFO queue per resource, a request's link on a
   * resource is triggered when it is first, or shared behind only shared links; a request is
   * granted when every link is triggered. Every queue is guarded by one global lock, and futures
   * complete after it is released. Only what the benchmark needs (no cancellation of waiters).
   */
  static final class GlobalLockSets {
    private final ReentrantLock lock = new ReentrantLock();

    static final class Resource {
      final ArrayDeque<Link> queue = new ArrayDeque<>(4);
    }

    static final class Link {
      final Set set;
      final Resource resource;
      final boolean exclusive;
      boolean triggered;

      Link(Set set, Resource resource, boolean exclusive) {
        this.set = set;
        this.resource = resource;
        this.exclusive = exclusive;
      }
    }

    static final class Set {
      final Link[] links;
      final CompletableFuture<Set> grant = new CompletableFuture<>();
      int pending; // guarded by the global lock
      boolean granted; // written before the grant completes

      Set(int n) {
        links = new Link[n];
      }
    }

    Set acquire(Resource[] resources, boolean[] exclusive, Duration timeout)
        throws Exception, TimeoutException {
      Set set = new Set(resources.length);
      boolean now;
      lock.lock();
      try {
        for (int i = 0; i < resources.length; i++) {
          Resource r = resources[i];
          Link link = new Link(set, r, exclusive[i]);
          link.triggered = r.queue.isEmpty() || (!link.exclusive && allShared(r));
          if (!link.triggered) {
            set.pending++;
          }
          r.queue.addLast(link);
          set.links[i] = link;
        }
        now = set.pending == 0;
      } finally {
        lock.unlock();
      }
      if (now) {
        set.granted = true;
        set.grant.complete(set);
      }
      return set.grant.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    void release(Set set) {
      List<Set> ready = new ArrayList<>(0);
      lock.lock();
      try {
        for (Link link : set.links) {
          Resource r = link.resource;
          r.queue.remove(link);
          boolean first = true;
          boolean sharedSoFar = true;
          for (Link l : r.queue) {
            boolean mayRun = first || (sharedSoFar && !l.exclusive);
            if (!mayRun) {
              break;
            }
            if (!l.triggered) {
              l.triggered = true;
              if (--l.set.pending == 0) {
                ready.add(l.set);
              }
            }
            sharedSoFar &= !l.exclusive;
            first = false;
          }
        }
      } finally {
        lock.unlock();
      }
      for (Set s : ready) {
        s.granted = true;
        s.grant.complete(s);
      }
    }

    private static boolean allShared(Resource r) {
      for (Link l : r.queue) {
        if (l.exclusive) {
          return false;
        }
      }
      return true;
    }
  }
}
