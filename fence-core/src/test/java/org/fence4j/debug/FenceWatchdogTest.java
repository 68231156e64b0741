package org.fence4j.debug;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.fence4j.Fence;
import org.fence4j.FenceContext;
import org.fence4j.Spawned;
import org.fence4j.internal.Diagnostics;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@link FenceWatchdog}. */
class FenceWatchdogTest {
  private static final Duration THRESHOLD = Duration.ofMillis(30);

  private final FenceContext ctx = FenceContext.create("watchdog-driver", "watchdog-ring");
  private final List<PendingFence> reports = new CopyOnWriteArrayList<>();
  private final List<Throwable> handled = new CopyOnWriteArrayList<>();

  @AfterEach
  void reset() {
    Fence.setCallbackExceptionHandler(null);
    FenceTracking.disable();
  }

  /** The fences reported so far, in report order. */
  private List<Fence> reported() {
    List<Fence> fences = new ArrayList<>();
    for (PendingFence p : reports) {
      fences.add(p.fence());
    }
    return fences;
  }

  /**
   * Waits until a fence created now is reported: every fence older than it that was going to be
   * reported in the same or an earlier check has been.
   */
  private void awaitLaterCheck() {
    Fence marker = ctx.next();
    await().atMost(Support.LONG).until(() -> reported().contains(marker));
    marker.signal();
  }

  /** A fence pending past the threshold is reported, once, with its age and waiters. */
  @Test
  void start_fencePendingPastThreshold_reportedOnce() throws Exception {
    try (FenceWatchdog watchdog = FenceWatchdog.start(THRESHOLD, reports::add)) {
      Fence hung = ctx.next();
      try (Spawned<Boolean> waiter = Support.spawn("hung-waiter", () -> hung.await(Support.LONG))) {
        Support.awaitWaiter(waiter.thread(), hung);
        await().atMost(Support.LONG).until(() -> reported().contains(hung));
        awaitLaterCheck();
        awaitLaterCheck();
        assertThat(reported()).containsOnlyOnce(hung);
        PendingFence report = reports.get(reported().indexOf(hung));
        assertThat(report.age()).isGreaterThan(THRESHOLD);
        hung.signal();
        assertThat(waiter.join()).isTrue();
      }
    }
  }

  /** A report names the fence's waiters (those blocked at report time). */
  @Test
  void start_reportedFence_listsWaiter() throws Exception {
    Fence hung = ctx.next();
    try (Spawned<Boolean> waiter = Support.spawn("named-waiter", () -> hung.await(Support.LONG))) {
      FenceTracking.enable(false);
      Fence tracked = ctx.next();
      try (Spawned<Boolean> trackedWaiter =
              Support.spawn("tracked-waiter", () -> tracked.await(Support.LONG));
          FenceWatchdog watchdog = FenceWatchdog.start(THRESHOLD, reports::add)) {
        Support.awaitWaiter(trackedWaiter.thread(), tracked);
        await().atMost(Support.LONG).until(() -> reported().contains(tracked));
        PendingFence report = reports.get(reported().indexOf(tracked));
        assertThat(report.waiters()).contains(trackedWaiter.thread());
        tracked.signal();
        assertThat(trackedWaiter.join()).isTrue();
      }
      hung.signal();
      assertThat(waiter.join()).isTrue();
    }
  }

  /** A fence that signals before the threshold is not reported. */
  @Test
  void start_fenceSignaledBeforeThreshold_notReported() {
    try (FenceWatchdog watchdog = FenceWatchdog.start(Duration.ofMillis(200), reports::add)) {
      Fence quick = ctx.next();
      quick.signal();
      awaitLaterCheck();
      assertThat(reported()).doesNotContain(quick);
    }
  }

  /** A reporter that throws does not stop the watchdog; its exception goes to the handler. */
  @Test
  void start_reporterThrows_keepsReporting() {
    FenceTracking.enable(false);
    Fence.setCallbackExceptionHandler((t, e) -> handled.add(e));
    RuntimeException boom = new IllegalStateException("reporter broken");
    Fence first = ctx.next();
    try (FenceWatchdog watchdog =
        FenceWatchdog.start(
            THRESHOLD,
            p -> {
              reports.add(p);
              if (p.fence() == first) {
                throw boom;
              }
            })) {
      await().atMost(Support.LONG).until(() -> reported().contains(first));
      awaitLaterCheck();
      assertThat(handled).contains(boom);
    }
  }

  /** A fence whose describe() and names throw is still reported, and so is the next one. */
  @Test
  void start_describeAndNamesThrow_survives() {
    FenceTracking.enable(false);
    Support.DriverFence broken = new Support.DriverFence("broken");
    broken.throwFromDescribe = true;
    broken.throwFromNames = true;
    List<String> texts = new CopyOnWriteArrayList<>();
    try (FenceWatchdog watchdog =
        FenceWatchdog.start(
            THRESHOLD,
            p -> {
              reports.add(p);
              texts.add(FenceWatchdog.report(p));
            })) {
      await().atMost(Support.LONG).until(() -> reported().contains(broken));
      awaitLaterCheck();
      assertThat(String.join("\n", texts)).contains("describe() threw");
    }
  }

  /** The watchdog never signals a fence, never runs its peek hook or its callbacks. */
  @Test
  void start_reportedFence_neverSignaledOrPeeked() {
    FenceTracking.enable(false);
    Support.DriverFence driver = new Support.DriverFence("peeky");
    driver.peekResult = true;
    List<Fence> ran = new CopyOnWriteArrayList<>();
    Fence array = org.fence4j.FenceArray.all(List.of(driver));
    array.addCallback(ran::add);
    int peeks = driver.peekCalls.get();
    try (FenceWatchdog watchdog = FenceWatchdog.start(THRESHOLD, reports::add)) {
      await().atMost(Support.LONG).until(() -> reported().contains(driver));
      awaitLaterCheck();
    }
    assertThat(driver.peekCalls.get()).isEqualTo(peeks);
    assertThat(ran).isEmpty();
    assertThat(Diagnostics.access().isSignaledFlag(driver)).isFalse();
  }

  /** The default report holds the fence's timeline, its dump block and its age. */
  @Test
  void report_defaultText_holdsTimelineDescribeAndAge() {
    FenceTracking.enable(true);
    Fence hung = ctx.next();
    PendingFence p =
        FenceTracking.pending().stream().filter(x -> x.fence() == hung).findFirst().orElseThrow();
    String text = FenceWatchdog.report(p);
    assertThat(text)
        .startsWith("fence pending for ")
        .contains("on timeline \"watchdog-ring\" (driver \"watchdog-driver\", context ")
        .contains("  " + hung.describe() + ", age ")
        .contains("    created at:\n")
        .contains(FenceWatchdogTest.class.getName() + ".report_defaultText");
    assertThat(p.toString()).isEqualTo(text);
  }

  /** The watchdog runs in a daemon thread and turns tracking on. */
  @Test
  void start_runsDaemonThread_turnsTrackingOn() {
    try (FenceWatchdog watchdog = FenceWatchdog.start(THRESHOLD)) {
      assertThat(FenceTracking.isEnabled()).isTrue();
      assertThat(Thread.getAllStackTraces().keySet())
          .anyMatch(t -> t.getName().startsWith("fence4j-watchdog-") && t.isDaemon());
    }
  }

  /** close() stops the reports and turns tracking off, since this watchdog turned it on. */
  @Test
  void close_watchdogTurnedTrackingOn_stopsAndTurnsItOff() {
    FenceWatchdog watchdog = FenceWatchdog.start(THRESHOLD, reports::add);
    Fence hung = ctx.next();
    await().atMost(Support.LONG).until(() -> reported().contains(hung));
    watchdog.close();
    assertThat(FenceTracking.isEnabled()).isFalse();
    assertThat(Thread.getAllStackTraces().keySet())
        .noneMatch(t -> t.getName().startsWith("fence4j-watchdog-"));
    int count = reports.size();
    FenceTracking.enable(false);
    Fence later = ctx.next();
    assertThat(reports).hasSize(count);
    later.signal();
  }

  /** close() leaves tracking on when it was on before the watchdog started. */
  @Test
  void close_trackingWasOn_leavesItOn() {
    FenceTracking.enable(false);
    FenceWatchdog.start(THRESHOLD).close();
    assertThat(FenceTracking.isEnabled()).isTrue();
  }

  /** Tracking stays on until the last of two watchdogs closes. */
  @Test
  void close_twoWatchdogs_trackingOffAfterTheLast() {
    FenceWatchdog first = FenceWatchdog.start(THRESHOLD);
    FenceWatchdog second = FenceWatchdog.start(THRESHOLD);
    first.close();
    assertThat(FenceTracking.isEnabled()).isTrue();
    second.close();
    assertThat(FenceTracking.isEnabled()).isFalse();
  }

  /** A second close() does nothing. */
  @Test
  void close_twice_secondDoesNothing() {
    FenceWatchdog watchdog = FenceWatchdog.start(THRESHOLD);
    watchdog.close();
    FenceTracking.enable(false);
    watchdog.close();
    assertThat(FenceTracking.isEnabled()).isTrue();
  }

  /** A reporter may close its own watchdog. */
  @Test
  void close_fromReporter_stops() {
    FenceWatchdog[] holder = new FenceWatchdog[1];
    Fence hung = ctx.next();
    FenceTracking.disable();
    holder[0] =
        FenceWatchdog.start(
            Duration.ZERO,
            p -> {
              reports.add(p);
              holder[0].close();
            });
    Fence tracked = ctx.next();
    await()
        .atMost(Support.LONG)
        .until(
            () ->
                Thread.getAllStackTraces().keySet().stream()
                    .noneMatch(t -> t.getName().startsWith("fence4j-watchdog-")));
    assertThat(reports).hasSize(1);
    assertThat(reported()).containsExactly(tracked).doesNotContain(hung);
  }

  /** A negative threshold is rejected; nothing starts. */
  @Test
  void start_negativeThreshold_throws() {
    assertThatIllegalArgumentException()
        .isThrownBy(() -> FenceWatchdog.start(Duration.ofMillis(-1)));
    assertThat(FenceTracking.isEnabled()).isFalse();
  }

  /** Null arguments are rejected, naming the parameter. */
  @Test
  void start_nullArgument_throwsNamingIt() {
    assertThatNullPointerException()
        .isThrownBy(() -> FenceWatchdog.start(null))
        .withMessage("threshold");
    assertThatNullPointerException()
        .isThrownBy(() -> FenceWatchdog.start(THRESHOLD, null))
        .withMessage("onHung");
    assertThat(FenceTracking.isEnabled()).isFalse();
  }
}
