package org.fence4j.syncfile;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.fence4j.Fence;
import org.fence4j.testlib.TestFence;
import org.junit.jupiter.api.Test;

/** Races between ready(), close() and the fence's signal. Every test is bounded and joins. */
class SyncFileConcurrencyTest {

  private static final int ROUNDS = 2_000;

  /** Runs {@code a} and {@code b} against each other once per round, released by a barrier. */
  private static void race(int rounds, IntAction a, IntAction b) throws InterruptedException {
    CyclicBarrier barrier = new CyclicBarrier(2);
    AtomicReference<Throwable> failure = new AtomicReference<>();
    Thread ta = new Thread(() -> loop(rounds, barrier, a, failure), "racer-a");
    Thread tb = new Thread(() -> loop(rounds, barrier, b, failure), "racer-b");
    ta.start();
    tb.start();
    ta.join(TestSupport.LONG_WAIT.toMillis() * 3);
    tb.join(TestSupport.LONG_WAIT.toMillis() * 3);
    assertThat(ta.isAlive() || tb.isAlive()).as("racers finished").isFalse();
    assertThat(failure.get()).isNull();
  }

  private static void loop(
      int rounds, CyclicBarrier barrier, IntAction action, AtomicReference<Throwable> failure) {
    try {
      for (int i = 0; i < rounds; i++) {
        barrier.await(TestSupport.LONG_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        action.run(i);
      }
    } catch (Throwable t) {
      failure.compareAndSet(null, t);
      barrier.reset();
    }
  }

  /** One step of a race. */
  interface IntAction {
    void run(int round) throws Exception;
  }

  /**
   * ready() racing close() on a pending fence: ready() either throws or returns a future that
   * close() cancels, and no registration survives (the fence does not pin any of the files).
   */
  @Test
  void readyRacingClose_futuresCancelledAndNoRegistrationLeft() throws InterruptedException {
    Fence fence = new TestFence(TestSupport.freshContext(), 1);
    SyncFile[] files = new SyncFile[ROUNDS];
    for (int i = 0; i < ROUNDS; i++) {
      files[i] = SyncFile.create(fence);
    }
    List<CompletableFuture<SyncFile>> futures = new ArrayList<>();
    AtomicInteger refused = new AtomicInteger();

    race(
        ROUNDS,
        i -> {
          try {
            futures.add(files[i].ready());
          } catch (IllegalStateException closed) {
            refused.incrementAndGet();
          }
        },
        i -> files[i].close());

    assertThat(futures.size() + refused.get()).isEqualTo(ROUNDS);
    assertThat(futures).allMatch(CompletableFuture::isCancelled);
    List<WeakReference<SyncFile>> refs = new ArrayList<>();
    for (int i = 0; i < ROUNDS; i++) {
      refs.add(new WeakReference<>(files[i]));
      files[i] = null;
    }
    TestSupport.awaitAllCleared(refs);
    assertThat(fence.isSignaled()).isFalse();
  }

  /** The fence signaling while the file closes: every future ends completed or cancelled. */
  @Test
  void signalRacingClose_everyFutureEndsCompletedOrCancelled() throws InterruptedException {
    Fence[] fences = new Fence[ROUNDS];
    List<CompletableFuture<SyncFile>> futures = new ArrayList<>();
    SyncFile[] files = new SyncFile[ROUNDS];
    for (int i = 0; i < ROUNDS; i++) {
      fences[i] = new TestFence(TestSupport.freshContext(), 1);
      files[i] = SyncFile.create(fences[i]);
      futures.add(files[i].ready());
      futures.add(files[i].ready());
    }

    race(ROUNDS, i -> fences[i].signal(), i -> files[i].close());

    assertThat(futures).allMatch(f -> f.isCancelled() || f.getNow(null) != null);
  }

  /** ready() racing the signal: the future always completes, normally, with the file. */
  @Test
  void readyRacingSignal_futureAlwaysCompletes() throws InterruptedException {
    Fence[] fences = new Fence[ROUNDS];
    SyncFile[] files = new SyncFile[ROUNDS];
    List<CompletableFuture<SyncFile>> futures = new ArrayList<>();
    for (int i = 0; i < ROUNDS; i++) {
      fences[i] = new TestFence(TestSupport.freshContext(), 1);
      files[i] = SyncFile.create(fences[i]);
    }

    race(ROUNDS, i -> futures.add(files[i].ready()), i -> fences[i].signal());

    assertThat(futures).hasSize(ROUNDS);
    for (int i = 0; i < ROUNDS; i++) {
      assertThat(futures.get(i)).isCompletedWithValue(files[i]);
    }
  }

  /** Many threads closing one file: all return, and its pending futures are cancelled. */
  @Test
  void close_fromManyThreadsAtOnce_allReturnAndFuturesCancelled() throws InterruptedException {
    SyncFile file = SyncFile.create(new TestFence(TestSupport.freshContext(), 1));
    CompletableFuture<SyncFile> ready = file.ready();
    int threads = 8;
    CyclicBarrier start = new CyclicBarrier(threads);
    AtomicReference<Throwable> failure = new AtomicReference<>();
    List<Thread> closers = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      Thread closer =
          new Thread(
              () -> {
                try {
                  start.await(TestSupport.LONG_WAIT.toMillis(), TimeUnit.MILLISECONDS);
                  file.close();
                } catch (Throwable e) {
                  failure.compareAndSet(null, e);
                }
              },
              "closer-" + t);
      closers.add(closer);
      closer.start();
    }
    for (Thread closer : closers) {
      closer.join(TestSupport.LONG_WAIT.toMillis());
      assertThat(closer.isAlive()).isFalse();
    }

    assertThat(failure.get()).isNull();
    assertThat(ready).isCancelled();
  }
}
