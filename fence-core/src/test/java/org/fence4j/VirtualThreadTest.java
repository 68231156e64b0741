package org.fence4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Blocking on virtual threads (JDK 21 and later). Every blocking path parks with {@code
 * LockSupport} and holds no monitor, so a blocked virtual thread leaves its carrier. Were a path to
 * pin its carrier, only as many virtual threads as there are carriers (one per core by default)
 * could block at a time and the rest would never start waiting; here {@value #THREADS} block
 * together, then all wake.
 *
 * <p>Tagged {@code virtual-threads}: the build runs it on JDK 21 and later only (the parent pom's
 * {@code jdk21+} profile), since the code is compiled for 17 and starts virtual threads through
 * reflection.
 */
@Tag("virtual-threads")
class VirtualThreadTest {
  /** Far more than the carriers of the default scheduler on any machine that runs the suite. */
  static final int THREADS = 256;

  private static final Duration LONG = Duration.ofSeconds(30);
  private static final Duration BOUND = Duration.ofSeconds(20);

  /** Many virtual threads in Fence.await all block at once and all wake on the signal. */
  @Test
  void await_manyVirtualThreads_allBlockTogetherAndWake() throws Exception {
    Fence fence = FenceContext.create("vt", "await").next();

    blockTogetherThenRelease(() -> fence.await(LONG), fence::signal);
  }

  /** The same for awaitUninterruptibly, which parks on its own loop. */
  @Test
  void awaitUninterruptibly_manyVirtualThreads_allBlockTogetherAndWake() throws Exception {
    Fence fence = FenceContext.create("vt", "uninterruptibly").next();

    blockTogetherThenRelease(() -> fence.awaitUninterruptibly(LONG), fence::signal);
  }

  /** The same for Fences.waitAny over several fences, woken by the last one. */
  @Test
  void waitAny_manyVirtualThreads_allBlockTogetherAndWake() throws Exception {
    FenceContext ctx = FenceContext.create("vt", "any");
    List<Fence> fences = List.of(ctx.next(), ctx.next(), ctx.next());

    blockTogetherThenRelease(() -> Fences.waitAny(fences, LONG) >= 0, () -> fences.get(2).signal());
  }

  /** The same for Fences.waitAll, woken when the last of its fences signals. */
  @Test
  void waitAll_manyVirtualThreads_allBlockTogetherAndWake() throws Exception {
    FenceContext ctx = FenceContext.create("vt", "all");
    List<Fence> fences = List.of(ctx.next(), ctx.next());
    fences.get(0).signal();

    blockTogetherThenRelease(() -> Fences.waitAll(fences, LONG), () -> fences.get(1).signal());
  }

  /** The same for a wait-all FenceArray, whose waiters also enable signaling on its members. */
  @Test
  void fenceArrayAwait_manyVirtualThreads_allBlockTogetherAndWake() throws Exception {
    FenceContext ctx = FenceContext.create("vt", "array");
    Fence first = ctx.next();
    Fence second = ctx.next();
    FenceArray array = FenceArray.all(List.of(first, second));

    blockTogetherThenRelease(
        () -> array.await(LONG),
        () -> {
          first.signal();
          second.signal();
        });
  }

  /**
   * Starts {@value #THREADS} virtual threads running {@code wait}, waits until every one of them is
   * blocked, runs {@code release}, and checks that every {@code wait} returned {@code true}.
   */
  private static void blockTogetherThenRelease(Callable<Boolean> wait, Runnable release)
      throws Exception {
    AtomicInteger succeeded = new AtomicInteger();
    Queue<Throwable> failures = new ConcurrentLinkedQueue<>();
    List<Thread> threads = new ArrayList<>(THREADS);
    boolean released = false;
    try {
      for (int i = 0; i < THREADS; i++) {
        threads.add(
            startVirtual(
                () -> {
                  try {
                    if (wait.call()) {
                      succeeded.incrementAndGet();
                    }
                  } catch (Throwable t) {
                    failures.add(t);
                  }
                }));
      }
      await().atMost(BOUND).until(() -> threads.stream().allMatch(VirtualThreadTest::isBlocked));
      released = true;
      release.run();
      for (Thread t : threads) {
        TimeUnit.NANOSECONDS.timedJoin(t, BOUND.toNanos());
        assertThat(t.isAlive()).as("%s still running", t).isFalse();
      }
    } finally {
      if (!released) {
        release.run();
      }
      for (Thread t : threads) {
        t.interrupt();
        t.join(BOUND.toMillis());
      }
    }
    assertThat(failures).isEmpty();
    assertThat(succeeded).hasValue(THREADS);
  }

  private static boolean isBlocked(Thread t) {
    Thread.State state = t.getState();
    return state == Thread.State.WAITING || state == Thread.State.TIMED_WAITING;
  }

  /** {@code Thread.ofVirtual().start(body)}, through reflection: the tests compile for JDK 17. */
  static Thread startVirtual(Runnable body) throws ReflectiveOperationException {
    Object builder = Thread.class.getMethod("ofVirtual").invoke(null);
    Method start = Class.forName("java.lang.Thread$Builder").getMethod("start", Runnable.class);
    try {
      return (Thread) start.invoke(builder, body);
    } catch (InvocationTargetException e) {
      throw new AssertionError("could not start a virtual thread", e.getCause());
    }
  }
}
