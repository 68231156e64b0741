package org.fence4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;
import jdk.jfr.EventType;
import jdk.jfr.FlightRecorder;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Blocking on virtual threads (JDK 21 and later). Every blocking path parks with {@code
 * LockSupport} and holds no monitor, so a blocked virtual thread leaves its carrier. Were a path to
 * pin its carrier, only as many virtual threads as there are carriers (one per core by default)
 * could block at a time and the rest would never start waiting; here {@value #THREADS} block
 * together, then all wake. Each run is also recorded with JFR: no {@code jdk.VirtualThreadPinned}
 * event (threshold zero) may occur, which catches a pinned park even where enough carriers would
 * hide it; a control test shows that the recording does see a pinned park.
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

  /** What a test blocks on and how it releases it. */
  private static final class Setup {
    final Callable<Boolean> wait;
    final Runnable release;

    Setup(Callable<Boolean> wait, Runnable release) {
      this.wait = wait;
      this.release = release;
    }
  }

  private static Setup awaitSetup() {
    Fence fence = FenceContext.create("vt", "await").next();
    return new Setup(() -> fence.await(LONG), fence::signal);
  }

  private static Setup awaitUninterruptiblySetup() {
    Fence fence = FenceContext.create("vt", "uninterruptibly").next();
    return new Setup(() -> fence.awaitUninterruptibly(LONG), fence::signal);
  }

  private static Setup awaitSuccessSetup() {
    Fence fence = FenceContext.create("vt", "awaitSuccess").next();
    return new Setup(
        () -> {
          fence.awaitSuccess(LONG);
          return true;
        },
        fence::signal);
  }

  private static Setup waitAnySetup() {
    FenceContext ctx = FenceContext.create("vt", "any");
    List<Fence> fences = List.of(ctx.next(), ctx.next(), ctx.next());
    return new Setup(() -> Fences.waitAny(fences, LONG) >= 0, () -> fences.get(2).signal());
  }

  private static Setup waitAllSetup() {
    FenceContext ctx = FenceContext.create("vt", "all");
    List<Fence> fences = List.of(ctx.next(), ctx.next());
    fences.get(0).signal();
    return new Setup(() -> Fences.waitAll(fences, LONG), () -> fences.get(1).signal());
  }

  private static Setup fenceArrayAwaitSetup() {
    FenceContext ctx = FenceContext.create("vt", "array");
    Fence first = ctx.next();
    Fence second = ctx.next();
    FenceArray array = FenceArray.all(List.of(first, second));
    return new Setup(
        () -> array.await(LONG),
        () -> {
          first.signal();
          second.signal();
        });
  }

  private static Setup fenceChainAwaitSetup() {
    FenceContext ctx = FenceContext.create("vt", "chain");
    Fence first = ctx.next();
    Fence second = ctx.next();
    FenceChain head = FenceChain.create(FenceChain.create(null, first, 1), second, 2);
    return new Setup(
        () -> head.await(LONG),
        () -> {
          first.signal();
          second.signal();
        });
  }

  /**
   * Runs every setup once with a few virtual threads before the recorded runs. The JVM pins a
   * virtual thread while it loads or initializes a class (the class loader's lock, taken below a VM
   * frame), so the first use of a class by many virtual threads at once shows pinned events that
   * are the JVM's, once per class, and not a blocking path of fence4j.
   */
  @BeforeAll
  static void loadClassesOnVirtualThreads() throws Exception {
    for (Supplier<Setup> setup :
        List.<Supplier<Setup>>of(
            VirtualThreadTest::awaitSetup,
            VirtualThreadTest::awaitUninterruptiblySetup,
            VirtualThreadTest::awaitSuccessSetup,
            VirtualThreadTest::waitAnySetup,
            VirtualThreadTest::waitAllSetup,
            VirtualThreadTest::fenceArrayAwaitSetup,
            VirtualThreadTest::fenceChainAwaitSetup)) {
      runBlockTogetherThenRelease(setup.get(), 4);
    }
  }

  /** Many virtual threads in Fence.await all block at once and all wake on the signal. */
  @Test
  void await_manyVirtualThreads_allBlockTogetherAndWake() throws Exception {
    blockTogetherThenRelease(awaitSetup());
  }

  /** The same for awaitUninterruptibly, which parks on its own loop. */
  @Test
  void awaitUninterruptibly_manyVirtualThreads_allBlockTogetherAndWake() throws Exception {
    blockTogetherThenRelease(awaitUninterruptiblySetup());
  }

  /** The same for awaitSuccess, the throwing wait. */
  @Test
  void awaitSuccess_manyVirtualThreads_allBlockTogetherAndWake() throws Exception {
    blockTogetherThenRelease(awaitSuccessSetup());
  }

  /** The same for Fences.waitAny over several fences, woken by the last one. */
  @Test
  void waitAny_manyVirtualThreads_allBlockTogetherAndWake() throws Exception {
    blockTogetherThenRelease(waitAnySetup());
  }

  /** The same for Fences.waitAll, woken when the last of its fences signals. */
  @Test
  void waitAll_manyVirtualThreads_allBlockTogetherAndWake() throws Exception {
    blockTogetherThenRelease(waitAllSetup());
  }

  /** The same for a wait-all FenceArray, whose waiters also enable signaling on its members. */
  @Test
  void fenceArrayAwait_manyVirtualThreads_allBlockTogetherAndWake() throws Exception {
    blockTogetherThenRelease(fenceArrayAwaitSetup());
  }

  /** The same for a chain link, which waits through its re-arming callbacks. */
  @Test
  void fenceChainAwait_manyVirtualThreads_allBlockTogetherAndWake() throws Exception {
    blockTogetherThenRelease(fenceChainAwaitSetup());
  }

  /**
   * Callbacks of virtual threads that block (on a latch: the virtual thread parks and leaves its
   * carrier) hold up nothing behind them: on each of many signaling virtual threads, the callbacks
   * queued behind the blocked one run elsewhere while it is blocked, never on the blocked thread.
   */
  @Test
  void signal_callbacksBlockOnManyVirtualThreads_callbacksBehindRunElsewhere() throws Exception {
    FenceContext ctx = FenceContext.create("vt", "stall");
    CountDownLatch release = new CountDownLatch(1);
    AtomicInteger behind = new AtomicInteger();
    Queue<Thread> blockedThreads = new ConcurrentLinkedQueue<>();
    Queue<Thread> ranOn = new ConcurrentLinkedQueue<>();
    List<Thread> signalers = new ArrayList<>();
    try {
      for (int i = 0; i < THREADS; i++) {
        Fence fence = ctx.next();
        fence.addCallback(
            f -> {
              blockedThreads.add(Thread.currentThread());
              try {
                release.await();
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            });
        for (int k = 0; k < 2; k++) {
          fence.addCallback(
              f -> {
                ranOn.add(Thread.currentThread());
                behind.incrementAndGet();
              });
        }
        signalers.add(startVirtual(fence::signal));
      }
      await().atMost(BOUND).until(() -> behind.get() == 2 * THREADS);
    } finally {
      release.countDown();
      for (Thread t : signalers) {
        TimeUnit.NANOSECONDS.timedJoin(t, BOUND.toNanos());
      }
    }
    assertThat(signalers).noneMatch(Thread::isAlive);
    assertThat(ranOn).doesNotContainAnyElementsOf(blockedThreads);
  }

  /**
   * The control for the JFR check: a virtual thread that parks inside a class initializer pins its
   * carrier (on every JDK from 21), and the recording reports it.
   */
  @Test
  void pinningRecorder_parkInClassInitializer_isReported() throws Exception {
    List<RecordedEvent> pinned;
    try (PinningRecorder recorder = new PinningRecorder()) {
      Thread t = startVirtual(ParksInInitializer::touch);
      t.join(BOUND.toMillis());
      assertThat(t.isAlive()).isFalse();
      pinned = recorder.pinnedEvents();
    }

    assertThat(pinned).isNotEmpty();
  }

  /** A class whose initializer parks; initialized by the control test only. */
  private static final class ParksInInitializer {
    static {
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
    }

    static void touch() {}
  }

  /**
   * Starts {@value #THREADS} virtual threads running the setup's wait while JFR records pinning,
   * waits until every one of them is blocked, releases them, and checks that every wait returned
   * {@code true} and that no virtual thread pinned its carrier.
   */
  private static void blockTogetherThenRelease(Setup setup) throws Exception {
    List<RecordedEvent> pinned;
    try (PinningRecorder recorder = new PinningRecorder()) {
      runBlockTogetherThenRelease(setup, THREADS);
      pinned = recorder.pinnedEvents();
    }
    assertThat(pinned).as("jdk.VirtualThreadPinned events").isEmpty();
  }

  private static void runBlockTogetherThenRelease(Setup setup, int count) throws Exception {
    Callable<Boolean> wait = setup.wait;
    Runnable release = setup.release;
    AtomicInteger succeeded = new AtomicInteger();
    Queue<Throwable> failures = new ConcurrentLinkedQueue<>();
    List<Thread> threads = new ArrayList<>(count);
    boolean released = false;
    try {
      for (int i = 0; i < count; i++) {
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
    assertThat(succeeded).hasValue(count);
  }

  private static boolean isBlocked(Thread t) {
    Thread.State state = t.getState();
    return state == Thread.State.WAITING || state == Thread.State.TIMED_WAITING;
  }

  /**
   * A JFR recording of {@code jdk.VirtualThreadPinned} alone (named, since the event type does not
   * exist on JDK 17, for which the tests compile) with threshold zero: every pinned park counts,
   * however short.
   */
  private static final class PinningRecorder implements AutoCloseable {
    private static final String PINNED = "jdk.VirtualThreadPinned";
    private final Recording recording = new Recording();

    PinningRecorder() {
      // Record nothing else: committing other events (fence4j's own wait events included) runs
      // JFR's writer, which itself pins briefly on a contended string pool; that is JFR's, not a
      // blocking path.
      for (EventType type : FlightRecorder.getFlightRecorder().getEventTypes()) {
        if (!type.getName().equals(PINNED)) {
          recording.disable(type.getName());
        }
      }
      recording.enable(PINNED).withThreshold(Duration.ZERO).withStackTrace();
      recording.start();
    }

    /** Stops the recording and returns the pinned events it holds. */
    List<RecordedEvent> pinnedEvents() throws IOException {
      recording.stop();
      Path file = Files.createTempFile("fence4j-pinning", ".jfr");
      try {
        recording.dump(file);
        List<RecordedEvent> pinned = new ArrayList<>();
        for (RecordedEvent e : RecordingFile.readAllEvents(file)) {
          if (e.getEventType().getName().equals(PINNED)) {
            pinned.add(e);
          }
        }
        return pinned;
      } finally {
        Files.deleteIfExists(file);
      }
    }

    @Override
    public void close() {
      recording.close();
    }
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
