package org.fence4j.syncfile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.fence4j.Fence;
import org.fence4j.FenceChain;
import org.fence4j.FenceContext;
import org.fence4j.SoftwareTimeline;
import org.fence4j.debug.FenceTracking;
import org.fence4j.internal.TimelineRegistry;
import org.junit.jupiter.api.Test;

/**
 * {@link SyncDebug#dump()}. Other tests' timelines may show up too, so each test uses unique names.
 */
class SyncDebugTest {

  /** The lines of {@code timeline}'s section of the dump: its header, then its point lines. */
  private static List<String> section(String dump, String name) {
    List<String> lines = List.of(dump.split("\n", -1));
    int start =
        lines.indexOf(
            lines.stream()
                .filter(l -> l.startsWith(name + ": "))
                .findFirst()
                .orElseThrow(() -> new AssertionError(name + " not in dump:\n" + dump)));
    List<String> out = new ArrayList<>();
    out.add(lines.get(start));
    for (int i = start + 1; i < lines.size() && lines.get(i).startsWith("  "); i++) {
      out.add(lines.get(i));
    }
    return out;
  }

  /** A live timeline is listed with its name and value. */
  @Test
  void dump_liveTimeline_listsNameAndValue() {
    String name = TestSupport.uniqueName("live");
    try (SoftwareTimeline timeline = SoftwareTimeline.create(name)) {
      timeline.increment(3);

      assertThat(section(SyncDebug.dump(), name)).containsExactly(name + ": 3");
    }
  }

  /** Pending points are listed in value order, with state, seqno and timeline value. */
  @Test
  void dump_pendingPoints_listedInValueOrder() {
    String name = TestSupport.uniqueName("points");
    try (SoftwareTimeline timeline = SoftwareTimeline.create(name)) {
      timeline.increment(2);
      Fence late = timeline.createFence(12);
      Fence early = timeline.createFence(5);

      assertThat(section(SyncDebug.dump(), name))
          .containsExactly(name + ": 2", "  fence active: 5 / 2", "  fence active: 12 / 2");
      assertThat(early.isSignaled() || late.isSignaled()).isFalse();
    }
  }

  /** Points reached by an increment are no longer listed. */
  @Test
  void dump_afterIncrement_omitsReachedPoints() {
    String name = TestSupport.uniqueName("reached");
    try (SoftwareTimeline timeline = SoftwareTimeline.create(name)) {
      timeline.createFence(1);
      timeline.createFence(3);

      timeline.increment(2);

      assertThat(section(SyncDebug.dump(), name))
          .containsExactly(name + ": 2", "  fence active: 3 / 2");
    }
  }

  /** Seqnos are printed in decimal, including large ones. */
  @Test
  void dump_largeSeqno_printedInDecimal() {
    String name = TestSupport.uniqueName("large");
    try (SoftwareTimeline timeline = SoftwareTimeline.create(name)) {
      timeline.createFence(Long.MAX_VALUE);

      assertThat(section(SyncDebug.dump(), name))
          .contains("  fence active: " + Long.MAX_VALUE + " / 0");
    }
  }

  /** A closed timeline that is still referenced is listed without points. */
  @Test
  void dump_closedTimeline_listsNoPoints() {
    String name = TestSupport.uniqueName("closed");
    SoftwareTimeline timeline = SoftwareTimeline.create(name);
    timeline.createFence(4);

    timeline.close();

    assertThat(section(SyncDebug.dump(), name)).containsExactly(name + ": 0");
  }

  /** Timelines come in creation order. */
  @Test
  void dump_severalTimelines_listedInCreationOrder() {
    String first = TestSupport.uniqueName("first");
    String second = TestSupport.uniqueName("second");
    try (SoftwareTimeline a = SoftwareTimeline.create(first);
        SoftwareTimeline b = SoftwareTimeline.create(second)) {
      String dump = SyncDebug.dump();

      assertThat(dump.indexOf(a.name() + ": "))
          .isNotNegative()
          .isLessThan(dump.indexOf(b.name() + ": "));
    }
  }

  /** The state words: active, signaled, and error with the code. */
  @Test
  void state_eachStatus_hasItsWord() {
    assertThat(SyncDebug.state(0)).isEqualTo("active");
    assertThat(SyncDebug.state(1)).isEqualTo("signaled");
    assertThat(SyncDebug.state(-2)).isEqualTo("error(-2)");
  }

  private static WeakReference<SoftwareTimeline> timelineIn(
      SoftwareTimeline[] holder, String name) {
    holder[0] = SoftwareTimeline.create(name);
    holder[0].createFence(7);
    holder[0].increment(1);
    return new WeakReference<>(holder[0]);
  }

  /** A timeline nobody references drops out of the dump; the dump does not keep it alive. */
  @Test
  void dump_unreferencedTimeline_disappears() {
    String name = TestSupport.uniqueName("dropped");
    SoftwareTimeline[] holder = new SoftwareTimeline[1];
    WeakReference<SoftwareTimeline> ref = timelineIn(holder, name);
    assertThat(SyncDebug.dump()).contains(name + ": 1");

    holder[0] = null;

    TestSupport.awaitCleared(ref);
    await()
        .atMost(TestSupport.LONG_WAIT)
        .pollInterval(Duration.ofMillis(20))
        .until(() -> !SyncDebug.dump().contains(name + ": "));
  }

  // -------------------------------------------------------------------------------------------
  // Every timeline kind

  /** A live fence context is listed with its names, context and last seqno. */
  @Test
  void dump_fenceContext_listedWithLastSeqno() {
    String name = TestSupport.uniqueName("ctx");
    FenceContext context = FenceContext.create("ctx-driver", name);
    context.next();
    context.next();
    assertThat(section(SyncDebug.dump(), name + " (ctx-driver, context " + context.context() + ")"))
        .isNotNull();
    assertThat(SyncDebug.dump())
        .contains(name + " (ctx-driver, context " + context.context() + "): last 2\n");
  }

  /** While tracking is on, a context's pending fences are listed with their age and waiters. */
  @Test
  void dump_fenceContextWhileTracking_listsPendingFencesAndWaiters() throws Exception {
    FenceTracking.enable(false);
    try {
      String name = TestSupport.uniqueName("tracked");
      FenceContext context = FenceContext.create("ctx-driver", name);
      Fence done = context.next();
      Fence hung = context.next();
      done.signal();
      Thread waiter =
          new Thread(
              () -> {
                try {
                  hung.await(Duration.ofSeconds(20));
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                }
              },
              "sync-debug-waiter");
      waiter.start();
      try {
        String header = name + " (ctx-driver, context " + context.context() + "): last 2";
        await()
            .atMost(TestSupport.LONG_WAIT)
            .until(() -> SyncDebug.dump().contains("waiters: \"sync-debug-waiter\""));
        List<String> lines = section(SyncDebug.dump(), header.substring(0, header.indexOf(": ")));
        assertThat(lines).hasSize(2);
        assertThat(lines.get(1))
            .startsWith("  fence active: 2, age ")
            .endsWith(", waiters: \"sync-debug-waiter\"");
      } finally {
        hung.signal();
        waiter.join(20_000);
      }
    } finally {
      FenceTracking.disable();
    }
  }

  /** While tracking is on, chains and other containers with pending fences are listed. */
  @Test
  void dump_chainWhileTracking_listed() {
    FenceTracking.enable(false);
    try {
      FenceContext context = FenceContext.create("ctx-driver", TestSupport.uniqueName("leaf"));
      FenceChain link = FenceChain.create(null, context.next(), 5);
      assertThat(SyncDebug.dump())
          .contains(
              "unbound (fence_chain, context " + link.context() + ")\n  fence active: 5, age ");
    } finally {
      FenceTracking.disable();
    }
  }

  /** A timeline of another module registered with a dumper is listed by its dumper. */
  @Test
  void dump_registeredTimeline_writtenByItsDumper() {
    String name = TestSupport.uniqueName("syncobj");
    Object timeline = new Object();
    TimelineRegistry.registerTimeline(
        timeline, (t, out) -> out.append(name).append(": 4\n  fence active: 5 / 4\n"));
    assertThat(section(SyncDebug.dump(), name))
        .containsExactly(name + ": 4", "  fence active: 5 / 4");
    assertThat(timeline).isNotNull();
  }

  /** A dumper that throws leaves one line naming the exception; the rest of the dump follows. */
  @Test
  void dump_dumperThrows_lineNamesException() {
    String name = TestSupport.uniqueName("after");
    Object broken = new BrokenTimeline();
    TimelineRegistry.registerTimeline(
        broken,
        (t, out) -> {
          out.append("half a line");
          throw new IllegalStateException("dumper broken");
        });
    try (SoftwareTimeline after = SoftwareTimeline.create(name)) {
      String dump = SyncDebug.dump();
      assertThat(dump)
          .contains("BrokenTimeline: <dump threw java.lang.IllegalStateException: dumper broken>\n")
          .doesNotContain("half a line")
          .contains(name + ": 0");
    }
    assertThat(broken).isNotNull();
  }

  /** A fence context nobody references drops out of the dump. */
  @Test
  void dump_unreferencedFenceContext_disappears() {
    String name = TestSupport.uniqueName("dropped-ctx");
    WeakReference<FenceContext> ref = new WeakReference<>(FenceContext.create("d", name));
    assertThat(SyncDebug.dump()).contains(name + " (d, context ");
    TestSupport.awaitCleared(ref);
    await()
        .atMost(TestSupport.LONG_WAIT)
        .pollInterval(Duration.ofMillis(20))
        .until(() -> !SyncDebug.dump().contains(name + " (d, context "));
  }

  private static final class BrokenTimeline {}
}
