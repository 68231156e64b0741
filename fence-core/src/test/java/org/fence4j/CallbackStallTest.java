package org.fence4j;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * A callback that blocks in any way (not only in a fence4j wait) holds up nothing but itself: the
 * callbacks queued behind it on its thread (the rest of its fence's callbacks, and those of the
 * fences it signaled) run elsewhere while it is blocked, never inside it, each exactly once, each
 * fence's in registration order.
 */
class CallbackStallTest {
  /** A bound that a correct test never reaches. */
  private static final Duration LONG = Duration.ofSeconds(20);

  private final FenceContext ctx = FenceContext.create("test-driver", "stall");

  /** What the blocking callback blocks on, and how the test lets it go. */
  interface Blocker {
    /** Called by the test before the signal (e.g. to take a lock the callback will need). */
    default void prepare() throws Exception {}

    /** Blocks the calling callback until {@link #release}. */
    void block() throws Exception;

    /** Lets {@link #block} return. */
    void release() throws Exception;
  }

  /**
   * {@code latch.await()} for a callback, which cannot throw InterruptedException: on an interrupt
   * it restores the flag and returns.
   */
  private static void awaitInCallback(CountDownLatch latch) {
    try {
      latch.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** A blocker that waits on a fresh {@link CountDownLatch} until released. */
  private static Blocker latchBlocker() {
    CountDownLatch latch = new CountDownLatch(1);
    return new Blocker() {
      @Override
      public void block() throws InterruptedException {
        latch.await();
      }

      @Override
      public void release() {
        latch.countDown();
      }
    };
  }

  /** Records which callbacks ran, where, and whether the blocking callback was blocked then. */
  private static final class Record {
    final List<String> order = new CopyOnWriteArrayList<>();
    final Map<String, AtomicInteger> runs = new ConcurrentHashMap<>();
    final List<String> ranInsideBlocked = new CopyOnWriteArrayList<>();
    final AtomicBoolean blocked = new AtomicBoolean();
    final AtomicReference<Thread> blockedThread = new AtomicReference<>();

    FenceCallback callback(String name) {
      return f -> ran(name);
    }

    void ran(String name) {
      if (blocked.get() && Thread.currentThread() == blockedThread.get()) {
        ranInsideBlocked.add(name);
      }
      runs.computeIfAbsent(name, k -> new AtomicInteger()).incrementAndGet();
      order.add(name);
    }

    int runsOf(String name) {
      AtomicInteger n = runs.get(name);
      return n == null ? 0 : n.get();
    }

    List<String> orderOf(String prefix) {
      List<String> out = new ArrayList<>();
      for (String s : order) {
        if (s.startsWith(prefix)) {
          out.add(s);
        }
      }
      return out;
    }
  }

  private static final List<String> BEHIND = List.of("a1", "a2", "a3", "x1", "x2", "y1");

  /**
   * Fence a: [blocking callback, a1, a2, a3]; the blocking callback first signals x ([x1, x2]),
   * whose callbacks queue behind it; a1 signals y ([y1]). All six must run while the first one is
   * blocked, and the signal completes once it is released.
   */
  private void assertCallbacksBehindRunElsewhere(Blocker blocker) throws Exception {
    Record rec = new Record();
    Fence a = ctx.next();
    Fence x = ctx.next();
    Fence y = ctx.next();
    x.addCallback(rec.callback("x1"));
    x.addCallback(rec.callback("x2"));
    y.addCallback(rec.callback("y1"));
    AtomicReference<Throwable> blockFailure = new AtomicReference<>();
    a.addCallback(
        f -> {
          x.signal();
          rec.blockedThread.set(Thread.currentThread());
          rec.blocked.set(true);
          try {
            blocker.block();
          } catch (Throwable t) {
            blockFailure.set(t);
          } finally {
            rec.blocked.set(false);
          }
          rec.ran("blocker");
        });
    a.addCallback(
        f -> {
          rec.ran("a1");
          y.signal();
        });
    a.addCallback(rec.callback("a2"));
    a.addCallback(rec.callback("a3"));
    blocker.prepare();
    try (Spawned<Boolean> signaler = Spawned.start("signaler", a::signal)) {
      try {
        Awaitility.await()
            .atMost(LONG)
            .until(() -> BEHIND.stream().allMatch(n -> rec.runsOf(n) > 0));
        assertThat(rec.blocked).as("still blocked while the others ran").isTrue();
      } finally {
        blocker.release();
      }
      assertThat(signaler.join()).isTrue();
    }
    assertThat(blockFailure.get()).isNull();
    assertThat(rec.ranInsideBlocked).isEmpty();
    for (String name : BEHIND) {
      assertThat(rec.runsOf(name)).as(name).isEqualTo(1);
    }
    assertThat(rec.runsOf("blocker")).isEqualTo(1);
    assertThat(rec.orderOf("a")).containsExactly("a1", "a2", "a3");
    assertThat(rec.orderOf("x")).containsExactly("x1", "x2");
  }

  @Test
  void signal_callbackBlocksOnReentrantLock_callbacksBehindItRunElsewhere() throws Exception {
    ReentrantLock lock = new ReentrantLock();
    assertCallbacksBehindRunElsewhere(
        new Blocker() {
          @Override
          public void prepare() {
            lock.lock(); // held by the test thread until release
          }

          @Override
          public void block() {
            lock.lock();
            lock.unlock();
          }

          @Override
          public void release() {
            lock.unlock();
          }
        });
  }

  @Test
  void signal_callbackBlocksOnCountDownLatch_callbacksBehindItRunElsewhere() throws Exception {
    assertCallbacksBehindRunElsewhere(latchBlocker());
  }

  @Test
  void signal_callbackBlocksOnCompletableFutureJoin_callbacksBehindItRunElsewhere()
      throws Exception {
    CompletableFuture<Void> future = new CompletableFuture<>();
    assertCallbacksBehindRunElsewhere(
        new Blocker() {
          @Override
          public void block() {
            future.join();
          }

          @Override
          public void release() {
            future.complete(null);
          }
        });
  }

  @Test
  void signal_callbackBlocksOnSemaphore_callbacksBehindItRunElsewhere() throws Exception {
    Semaphore semaphore = new Semaphore(0);
    assertCallbacksBehindRunElsewhere(
        new Blocker() {
          @Override
          public void block() throws InterruptedException {
            semaphore.acquire();
          }

          @Override
          public void release() {
            semaphore.release();
          }
        });
  }

  @Test
  void signal_callbackBlocksOnMonitor_callbacksBehindItRunElsewhere() throws Exception {
    Object monitor = new Object();
    CountDownLatch held = new CountDownLatch(1);
    CountDownLatch letGo = new CountDownLatch(1);
    AtomicReference<Spawned<Boolean>> holder = new AtomicReference<>();
    assertCallbacksBehindRunElsewhere(
        new Blocker() {
          @Override
          public void prepare() throws InterruptedException {
            holder.set(
                Spawned.start(
                    "monitor-holder",
                    () -> {
                      synchronized (monitor) {
                        held.countDown();
                        return letGo.await(LONG.toMillis(), TimeUnit.MILLISECONDS);
                      }
                    }));
            held.await();
          }

          @Override
          public void block() {
            synchronized (monitor) {
              monitor.notifyAll(); // something to do while holding it
            }
          }

          @Override
          public void release() throws Exception {
            letGo.countDown();
            try (Spawned<Boolean> h = holder.get()) {
              assertThat(h.join()).isTrue();
            }
          }
        });
  }

  /**
   * The deadlock of a blocking callback, with a plain latch instead of a fence wait: the first
   * callback holds a lock and waits for a latch that a callback queued behind it counts down; the
   * next one needs the lock. Inline, the second would wait forever behind the first.
   */
  @Test
  void signal_callbackHoldingLockWaitsForQueuedCallback_completes() throws Exception {
    Fence a = ctx.next();
    Fence c = ctx.next();
    ReentrantLock lock = new ReentrantLock();
    CountDownLatch counted = new CountDownLatch(1);
    AtomicReference<Boolean> awaited = new AtomicReference<>();
    AtomicBoolean lockerRan = new AtomicBoolean();
    c.addCallback(f -> counted.countDown());
    c.addCallback(
        f -> {
          lock.lock();
          try {
            lockerRan.set(true);
          } finally {
            lock.unlock();
          }
        });
    a.addCallback(
        f -> {
          lock.lock();
          try {
            c.signal(); // c's callbacks queue behind this one
            awaited.set(counted.await(LONG.toMillis(), TimeUnit.MILLISECONDS));
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          } finally {
            lock.unlock();
          }
        });
    try (Spawned<Boolean> signaler = Spawned.start("signaler", a::signal)) {
      assertThat(signaler.join()).isTrue();
    }
    assertThat(awaited.get()).isTrue();
    Awaitility.await().atMost(LONG).untilTrue(lockerRan);
  }

  /**
   * A callback that signals a fence with nothing to run (an error set, no callbacks: the signal
   * takes the queue back from the stall monitor before it knows) and then blocks: the callbacks
   * behind it are still taken over.
   */
  @Test
  void signal_callbackSignalsFenceWithNothingToRunThenBlocks_callbacksBehindItRunElsewhere()
      throws Exception {
    Fence a = ctx.next();
    Fence errorOnly = ctx.next();
    errorOnly.setError(FenceError.EIO);
    CountDownLatch release = new CountDownLatch(1);
    AtomicInteger behind = new AtomicInteger();
    a.addCallback(
        f -> {
          errorOnly.signal();
          awaitInCallback(release);
        });
    a.addCallback(f -> behind.incrementAndGet());
    try (Spawned<Boolean> signaler = Spawned.start("signaler", a::signal)) {
      try {
        Awaitility.await().atMost(LONG).until(() -> behind.get() == 1);
      } finally {
        release.countDown();
      }
      assertThat(signaler.join()).isTrue();
    }
    assertThat(errorOnly.error()).contains(FenceError.EIO);
    assertThat(behind).hasValue(1);
  }

  /** A long cascade queued behind a blocked callback runs to its end while it is blocked. */
  @Test
  void signal_cascadeQueuedBehindBlockedCallback_runsToTheEnd() throws Exception {
    int depth = 10_000;
    Fence a = ctx.next();
    List<Fence> chain = new ArrayList<>();
    for (int i = 0; i < depth; i++) {
      chain.add(ctx.next());
    }
    AtomicInteger ran = new AtomicInteger();
    for (int i = 0; i < depth; i++) {
      Fence next = i + 1 < depth ? chain.get(i + 1) : null;
      chain
          .get(i)
          .addCallback(
              f -> {
                ran.incrementAndGet();
                if (next != null) {
                  next.signal();
                }
              });
    }
    CountDownLatch release = new CountDownLatch(1);
    a.addCallback(
        f -> {
          chain.get(0).signal(); // the whole cascade is queued behind this callback
          awaitInCallback(release);
        });
    try (Spawned<Boolean> signaler = Spawned.start("signaler", a::signal)) {
      try {
        Awaitility.await().atMost(LONG).until(() -> ran.get() == depth);
      } finally {
        release.countDown();
      }
      assertThat(signaler.join()).isTrue();
    }
    assertThat(ran).hasValue(depth);
    assertThat(chain.get(depth - 1).isSignaled()).isTrue();
  }

  /**
   * The outermost signal waits for callbacks taken from a blocked callback: when it returns, every
   * callback registered before it has run, wherever it ran.
   */
  @Test
  void signal_callbacksTakenFromBlockedCallback_allRanWhenOutermostSignalReturns()
      throws Exception {
    Fence a = ctx.next();
    CountDownLatch unblock = new CountDownLatch(1);
    AtomicBoolean blockerReturned = new AtomicBoolean();
    List<String> ran = new CopyOnWriteArrayList<>();
    a.addCallback(
        f -> {
          awaitInCallback(unblock); // released by the callback behind it, which runs elsewhere
          blockerReturned.set(true);
          ran.add("blocker");
        });
    a.addCallback(f -> unblock.countDown());
    a.addCallback(
        f -> {
          while (!blockerReturned.get()) {
            Thread.onSpinWait(); // still running when the signaling thread's own loop ends
          }
          ran.add("last");
        });
    try (Spawned<List<String>> signaler =
        Spawned.start(
            "signaler",
            () -> {
              a.signal();
              return List.copyOf(ran);
            })) {
      assertThat(signaler.join()).containsExactlyInAnyOrder("blocker", "last");
    }
  }

  /**
   * Waiting for callbacks taken elsewhere never deadlocks: a taken callback that needs a lock the
   * signaling thread holds (which inline it would have re-entered) runs once the signal returned
   * and the lock was released.
   */
  @Test
  void signal_takenCallbackNeedsLockSignalerHolds_signalReturnsAndCallbackRunsOnce()
      throws Exception {
    Fence a = ctx.next();
    ReentrantLock lock = new ReentrantLock();
    CountDownLatch unblock = new CountDownLatch(1);
    AtomicInteger lockerRuns = new AtomicInteger();
    a.addCallback(f -> awaitInCallback(unblock));
    a.addCallback(
        f -> {
          unblock.countDown();
          lock.lock();
          try {
            lockerRuns.incrementAndGet();
          } finally {
            lock.unlock();
          }
        });
    assertThat(Signaler.signalHolding(lock, a)).isTrue();
    Awaitility.await().atMost(LONG).until(() -> lockerRuns.get() == 1);
    assertThat(lockerRuns).hasValue(1);
  }

  /**
   * Once nothing is dispatching, the stall monitor parks with a timeout of at most one park slice:
   * it never parks untimed, since it is also the picker of signal work orphaned by a thread whose
   * stack ran out (see OrphanedSignalTest), which it must find without being woken.
   */
  @Test
  void stallMonitor_nothingDispatching_parksAtMostOneSlice() throws Exception {
    assertCallbacksBehindRunElsewhere(latchBlocker());
    Thread monitor =
        Thread.getAllStackTraces().keySet().stream()
            .filter(t -> t.getName().equals("fence4j-stall-monitor"))
            .findFirst()
            .orElseThrow();
    Awaitility.await().atMost(LONG).until(() -> monitor.getState() == Thread.State.TIMED_WAITING);
    for (int i = 0; i < 100; i++) {
      assertThat(monitor.getState()).isNotEqualTo(Thread.State.WAITING);
    }
  }
}
