package org.fence4j.reservation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.fence4j.Fence;
import org.fence4j.FenceContext;
import org.fence4j.debug.FenceTracking;
import org.fence4j.debug.PendingFence;
import org.fence4j.reservation.ReservationObject.Usage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Names, descriptions, timeouts and diagnosis events of reservation objects and resource sets. */
class ReservationDiagnosisTest {
  private static final Duration SHORT = Duration.ofMillis(30);
  private static final Duration LONG = Duration.ofSeconds(20);

  @TempDir Path dir;

  private final FenceContext ctx = FenceContext.create("resv-test", "resv-ring");

  @AfterEach
  void off() {
    FenceTracking.disable();
  }

  // -------------------------------------------------------------------------------------------
  // Names

  /** Without a name, an object is named resv-<n>, each one differently. */
  @Test
  void name_default_isResvN() {
    ReservationObject a = new ReservationObject();
    ReservationObject b = new ReservationObject(WwClass.waitDie("other"));
    assertThat(a.name()).matches("resv-\\d+");
    assertThat(b.name()).matches("resv-\\d+").isNotEqualTo(a.name());
  }

  /** A given name is kept, with either constructor. */
  @Test
  void name_given_isKept() {
    WwClass cls = WwClass.woundWait("named");
    assertThat(new ReservationObject("framebuffer-0").name()).isEqualTo("framebuffer-0");
    ReservationObject withClass = new ReservationObject("framebuffer-1", cls);
    assertThat(withClass.name()).isEqualTo("framebuffer-1");
    assertThat(withClass.wwClass()).isSameAs(cls);
  }

  /** A null name or class is rejected, naming the parameter. */
  @Test
  void constructor_nullArgument_throwsNamingIt() {
    assertThatNullPointerException()
        .isThrownBy(() -> new ReservationObject((String) null))
        .withMessage("name");
    assertThatNullPointerException()
        .isThrownBy(() -> new ReservationObject("x", null))
        .withMessage("wwClass");
  }

  /** describe() names the object, its fence count, its lock holder, then one line per fence. */
  @Test
  void describe_namesObjectLockHolderAndFences() {
    ReservationObject buffer = new ReservationObject("fb0");
    assertThat(buffer.describe()).isEqualTo("fb0: no fences");
    Fence write = ctx.next();
    buffer.lock();
    try {
      buffer.reserveFences(1);
      buffer.addFence(write, Usage.WRITE);
      assertThat(buffer.describe())
          .isEqualTo(
              "fb0: 1 fence, locked by thread "
                  + Thread.currentThread().getName()
                  + "\n  write fence: "
                  + write.describe());
    } finally {
      buffer.unlock();
    }
    assertThat(buffer.describe()).startsWith("fb0: 1 fence\n");
    assertThat(buffer.toString()).isEqualTo("fb0[fences=1]");
  }

  /** Exceptions name the object. */
  @Test
  void addFence_withoutLock_exceptionNamesObject() {
    ReservationObject buffer = new ReservationObject("fb-unlocked");
    assertThatIllegalStateException()
        .isThrownBy(() -> buffer.addFence(ctx.next(), Usage.WRITE))
        .withMessageContaining("fb-unlocked");
  }

  // -------------------------------------------------------------------------------------------
  // Resource set timeouts

  /** A timed-out acquire names the buffer and the granted set it was queued behind. */
  @Test
  void acquire_timeoutBehindHolder_namesBufferAndHolder() throws Exception {
    ReservationObject buffer = new ReservationObject("fb-held");
    ResourceSet holder = ResourceSet.request().exclusive(buffer).acquire(LONG);
    try {
      assertThatThrownBy(() -> ResourceSet.request().exclusive(buffer).acquire(SHORT))
          .isInstanceOf(TimeoutException.class)
          .hasMessageContaining("for ResourceSet.Request[exclusive fb-held[")
          .hasMessageContaining("blocked by fb-held: queued behind " + holder)
          .hasMessageContaining("granted");
    } finally {
      holder.release();
    }
  }

  /** A timed-out acquire names the pending fence of the buffer it had to follow. */
  @Test
  void acquire_timeoutOnFence_namesBufferAndFence() throws Exception {
    ReservationObject buffer = new ReservationObject("fb-fenced");
    Fence gpu = ctx.next();
    buffer.addFenceWithLock(gpu, Usage.WRITE);
    try {
      assertThatThrownBy(() -> ResourceSet.request().exclusive(buffer).acquire(SHORT))
          .isInstanceOf(TimeoutException.class)
          .hasMessageContaining("blocked by fb-fenced: waits for fence " + gpu.describe());
    } finally {
      gpu.signal();
    }
  }

  // -------------------------------------------------------------------------------------------
  // Waits

  /** A thread in ReservationObject.await is a waiter of every pending fence it waits for. */
  @Test
  void await_blocked_isWaiterOfEveryPendingFence() throws Exception {
    FenceTracking.enable(false);
    ReservationObject buffer = new ReservationObject("fb-await");
    Fence first = ctx.next();
    Fence second = ctx.next();
    buffer.addFenceWithLock(first, Usage.WRITE);
    buffer.addFenceWithLock(second, Usage.READ);
    AtomicBoolean result = new AtomicBoolean();
    Thread waiter =
        new Thread(
            () -> {
              try {
                result.set(buffer.await(Usage.READ, LONG));
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            },
            "resv-waiter");
    waiter.start();
    try {
      await().atMost(LONG).until(() -> waitersOf(first).contains(waiter));
      assertThat(waitersOf(second)).contains(waiter);
    } finally {
      first.signal();
      second.signal();
      waiter.join(LONG.toMillis());
    }
    assertThat(result).isTrue();
    assertThat(waitersOf(first)).isEmpty();
  }

  private static List<Thread> waitersOf(Fence fence) {
    for (PendingFence p : FenceTracking.pending()) {
      if (p.fence() == fence) {
        return p.waiters();
      }
    }
    return List.of();
  }

  // -------------------------------------------------------------------------------------------
  // JFR

  private List<RecordedEvent> record(String eventName, ThrowingRunnable body) throws Exception {
    Path file = dir.resolve("events.jfr");
    try (Recording recording = new Recording()) {
      recording.enable(eventName).withThreshold(Duration.ZERO);
      recording.start();
      body.run();
      recording.stop();
      recording.dump(file);
    }
    return RecordingFile.readAllEvents(file).stream()
        .filter(e -> e.getEventType().getName().equals(eventName))
        .collect(Collectors.toList());
  }

  interface ThrowingRunnable {
    void run() throws Exception;
  }

  /** ReservationObject.await is one FenceWait per call, naming its fences. */
  @Test
  void await_jfr_oneFenceWaitPerCall() throws Exception {
    ReservationObject buffer = new ReservationObject("fb-jfr");
    Fence first = ctx.next();
    Fence second = ctx.next();
    buffer.addFenceWithLock(first, Usage.WRITE);
    buffer.addFenceWithLock(second, Usage.READ);
    List<RecordedEvent> waits =
        record("org.fence4j.FenceWait", () -> buffer.await(Usage.READ, SHORT));
    assertThat(waits).hasSize(1);
    assertThat(waits.get(0).getString("fence"))
        .isEqualTo(first.describe() + ", " + second.describe() + " (2 fences)");
    assertThat(waits.get(0).getBoolean("timedOut")).isTrue();
  }

  /** With one fence pending, ReservationObject.await is one FenceWait naming that fence. */
  @Test
  void await_jfr_onePendingFence_oneFenceWaitNamingIt() throws Exception {
    assertOneTimedOutWaitNamingThePendingFence(
        "fb-jfr-one", buffer -> buffer.await(Usage.READ, SHORT));
  }

  /** With one fence pending, ReservationObject.awaitSuccess is one FenceWait naming that fence. */
  @Test
  void awaitSuccess_jfr_onePendingFence_oneFenceWaitNamingIt() throws Exception {
    assertOneTimedOutWaitNamingThePendingFence(
        "fb-jfr-success",
        buffer ->
            assertThatThrownBy(() -> buffer.awaitSuccess(Usage.READ, SHORT))
                .isInstanceOf(TimeoutException.class));
  }

  /** A wait on a buffer, for {@link #assertOneTimedOutWaitNamingThePendingFence}. */
  @FunctionalInterface
  interface BufferWait {
    void await(ReservationObject buffer) throws Exception;
  }

  /**
   * Runs {@code wait} on a buffer named {@code name} that holds a signaled WRITE fence and a
   * pending READ fence, and checks that it emitted one FenceWait, which names the pending fence and
   * timed out.
   */
  private void assertOneTimedOutWaitNamingThePendingFence(String name, BufferWait wait)
      throws Exception {
    ReservationObject buffer = new ReservationObject(name);
    Fence done = ctx.next();
    done.signal();
    Fence pending = ctx.next();
    buffer.addFenceWithLock(done, Usage.WRITE);
    buffer.addFenceWithLock(pending, Usage.READ);
    List<RecordedEvent> waits = record("org.fence4j.FenceWait", () -> wait.await(buffer));
    assertThat(waits).hasSize(1);
    assertThat(waits.get(0).getString("fence")).isEqualTo(pending.describe());
    assertThat(waits.get(0).getBoolean("timedOut")).isTrue();
  }

  /** A blocking acquire emits ResourceSetWait with the request and the time it blocked. */
  @Test
  void acquire_jfr_resourceSetWaitEvent() throws Exception {
    ReservationObject buffer = new ReservationObject("fb-set-jfr");
    ResourceSet holder = ResourceSet.request().exclusive(buffer).acquire(LONG);
    List<RecordedEvent> events;
    try {
      events =
          record(
              "org.fence4j.ResourceSetWait",
              () -> {
                try {
                  ResourceSet.request().exclusive(buffer).acquire(SHORT);
                } catch (TimeoutException expected) {
                  // the event is what this test looks at
                }
              });
    } finally {
      holder.release();
    }
    assertThat(events).hasSize(1);
    assertThat(events.get(0).getString("request"))
        .startsWith("ResourceSet.Request[exclusive fb-set-jfr[");
    assertThat(events.get(0).getDuration()).isGreaterThanOrEqualTo(Duration.ofMillis(25));
  }

  /** A back-off emits WwBackoff naming the contended mutex. */
  @Test
  void backoff_jfr_wwBackoffEvent() throws Exception {
    WwClass cls = WwClass.waitDie("backoff-jfr");
    WwMutex a = new WwMutex(cls);
    WwMutex b = new WwMutex(cls);
    CountDownLatch locked = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    Thread older =
        new Thread(
            () -> {
              try (WwAcquireContext old = new WwAcquireContext(cls)) {
                a.lock(old);
                locked.countDown();
                release.await();
                a.unlock();
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            },
            "older");
    older.start();
    List<RecordedEvent> events;
    try {
      assertThat(locked.await(20, TimeUnit.SECONDS)).isTrue();
      events =
          record(
              "org.fence4j.WwBackoff",
              () -> {
                try (WwAcquireContext young = new WwAcquireContext(cls)) {
                  b.lock(young);
                  try {
                    assertThatThrownBy(() -> a.lock(young)).isInstanceOf(WwDeadlockException.class);
                  } finally {
                    b.unlock();
                  }
                }
              });
    } finally {
      release.countDown();
      older.join(LONG.toMillis());
    }
    assertThat(events).hasSize(1);
    assertThat(events.get(0).getString("mutex"))
        .startsWith("WwMutex@")
        .contains("locked by WwAcquireContext[backoff-jfr");
  }
}
