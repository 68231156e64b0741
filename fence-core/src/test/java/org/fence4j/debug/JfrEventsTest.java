package org.fence4j.debug;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.fence4j.Fence;
import org.fence4j.FenceContext;
import org.fence4j.Fences;
import org.fence4j.Spawned;
import org.fence4j.StrictMode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The JFR events of fence-core, read back with {@link RecordingFile}. */
class JfrEventsTest {
  private static final Duration SHORT = Duration.ofMillis(5);

  @TempDir Path dir;

  private final FenceContext ctx = FenceContext.create("jfr-driver", "jfr-ring");

  @AfterEach
  void reset() {
    StrictMode.setViolationHandler(null);
    FenceTracking.disable();
  }

  /** Runs {@code body} under a recording of the fence4j events and returns them. */
  private List<RecordedEvent> record(ThrowingRunnable body) throws Exception {
    Path file = dir.resolve("events.jfr");
    try (Recording recording = new Recording()) {
      for (String name :
          List.of(
              "org.fence4j.FenceWait", "org.fence4j.FenceHung", "org.fence4j.SignalingViolation")) {
        recording.enable(name).withThreshold(Duration.ZERO);
      }
      recording.start();
      body.run();
      recording.stop();
      recording.dump(file);
    }
    return RecordingFile.readAllEvents(file).stream()
        .filter(e -> e.getEventType().getName().startsWith("org.fence4j."))
        .collect(Collectors.toList());
  }

  private static List<RecordedEvent> named(List<RecordedEvent> events, String name) {
    return events.stream()
        .filter(e -> e.getEventType().getName().equals(name))
        .collect(Collectors.toList());
  }

  interface ThrowingRunnable {
    void run() throws Exception;
  }

  /** A blocking wait that times out is one FenceWait with the fence, the timeout and timedOut. */
  @Test
  void fenceWait_timedOut_oneEventWithFields() throws Exception {
    Fence fence = ctx.next();
    List<RecordedEvent> events = record(() -> fence.await(SHORT));
    List<RecordedEvent> waits = named(events, "org.fence4j.FenceWait");
    assertThat(waits).hasSize(1);
    RecordedEvent e = waits.get(0);
    assertThat(e.getString("fence")).isEqualTo(fence.describe());
    assertThat(e.getDuration("timeout")).isEqualTo(SHORT);
    assertThat(e.getBoolean("timedOut")).isTrue();
    assertThat(e.getDuration()).isGreaterThanOrEqualTo(Duration.ofMillis(4));
    assertThat(e.getEventType().getField("timeout").getAnnotation(jdk.jfr.Timespan.class))
        .isNotNull();
  }

  /** A wait that returns because the fence signaled has timedOut false. */
  @Test
  void fenceWait_signaled_timedOutFalse() throws Exception {
    Fence fence = ctx.next();
    List<RecordedEvent> events =
        record(
            () -> {
              try (Spawned<Boolean> waiter =
                  Support.spawn("jfr-waiter", () -> fence.await(Support.LONG))) {
                await()
                    .atMost(Support.LONG)
                    .until(() -> waiter.thread().getState() == Thread.State.TIMED_WAITING);
                fence.signal();
                assertThat(waiter.join()).isTrue();
              }
            });
    List<RecordedEvent> waits = named(events, "org.fence4j.FenceWait");
    assertThat(waits).hasSize(1);
    assertThat(waits.get(0).getBoolean("timedOut")).isFalse();
    assertThat(waits.get(0).getDuration("timeout")).isEqualTo(Support.LONG);
  }

  /** Polls and waits on signaled fences are not blocking: no event. */
  @Test
  void fenceWait_pollAndSignaled_noEvent() throws Exception {
    Fence pending = ctx.next();
    Fence done = ctx.next();
    done.signal();
    List<RecordedEvent> events =
        record(
            () -> {
              pending.await(Duration.ZERO);
              done.await(Support.LONG);
              Fences.waitAny(List.of(pending), Duration.ZERO);
              Fences.waitAll(List.of(done), Support.LONG);
            });
    assertThat(named(events, "org.fence4j.FenceWait")).isEmpty();
  }

  /** waitAny and waitAll give one event per call, naming the first three fences and a count. */
  @Test
  void fenceWait_waitAnyWaitAll_oneEventPerCall() throws Exception {
    List<Fence> fences = List.of(ctx.next(), ctx.next(), ctx.next(), ctx.next());
    List<RecordedEvent> events =
        record(
            () -> {
              Fences.waitAny(fences, SHORT);
              Fences.waitAll(fences, SHORT);
            });
    List<RecordedEvent> waits = named(events, "org.fence4j.FenceWait");
    assertThat(waits).hasSize(2);
    for (RecordedEvent e : waits) {
      assertThat(e.getString("fence"))
          .startsWith(fences.get(0).describe() + ", " + fences.get(1).describe() + ", ")
          .contains(fences.get(2).describe())
          .doesNotContain(fences.get(3).describe())
          .endsWith(" and 1 more (4 fences)");
      assertThat(e.getBoolean("timedOut")).isTrue();
    }
  }

  /** A blocking wait on a signaling path emits SignalingViolation with the fence and message. */
  @Test
  void signalingViolation_waitInSection_event() throws Exception {
    StrictMode.setViolationHandler(m -> {});
    Fence fence = ctx.next();
    List<RecordedEvent> events =
        record(
            () -> {
              try (SignalingSection section = SignalingSection.begin()) {
                fence.await(SHORT);
              }
            });
    List<RecordedEvent> violations = named(events, "org.fence4j.SignalingViolation");
    assertThat(violations).hasSize(1);
    assertThat(violations.get(0).getString("fence")).isEqualTo(fence.describe());
    assertThat(violations.get(0).getString("message")).contains(fence.describe());
  }

  /** Every watchdog report emits FenceHung with the fence and its age. */
  @Test
  void fenceHung_watchdogReport_event() throws Exception {
    List<PendingFence> reports = new java.util.concurrent.CopyOnWriteArrayList<>();
    Fence[] hung = new Fence[1];
    List<RecordedEvent> events =
        record(
            () -> {
              try (FenceWatchdog watchdog =
                  FenceWatchdog.start(Duration.ofMillis(20), reports::add)) {
                hung[0] = ctx.next();
                await()
                    .atMost(Support.LONG)
                    .until(() -> reports.stream().anyMatch(p -> p.fence() == hung[0]));
              }
            });
    List<RecordedEvent> hungEvents =
        named(events, "org.fence4j.FenceHung").stream()
            .filter(e -> e.getString("fence").equals(hung[0].describe()))
            .collect(Collectors.toList());
    assertThat(hungEvents).hasSize(1);
    assertThat(hungEvents.get(0).getDuration("age")).isGreaterThan(Duration.ofMillis(20));
  }

  /** The events are in the "fence4j" category (how JDK Mission Control groups them). */
  @Test
  void events_category_fence4j() throws Exception {
    Fence fence = ctx.next();
    List<RecordedEvent> events = record(() -> fence.await(SHORT));
    assertThat(events).isNotEmpty();
    assertThat(events.get(0).getEventType().getCategoryNames()).containsExactly("fence4j");
    assertThat(Files.size(dir.resolve("events.jfr"))).isPositive();
  }
}
