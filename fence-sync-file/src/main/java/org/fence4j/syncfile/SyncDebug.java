package org.fence4j.syncfile;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.fence4j.Fence;
import org.fence4j.FenceContext;
import org.fence4j.SoftwareTimeline;
import org.fence4j.debug.FenceTracking;
import org.fence4j.debug.PendingFence;
import org.fence4j.internal.Diagnostics;
import org.fence4j.internal.TimelineRegistry;
import org.jspecify.annotations.Nullable;

/**
 * Debug view of every live timeline, in the spirit of the kernel's debugfs file {@code sync/info}:
 * software timelines, fence contexts, syncobjs, and (while {@link FenceTracking} is on) every other
 * timeline with pending fences: chains, arrays, drivers' own fences.
 *
 * <p>{@link #dump()} lists every timeline that is still strongly reachable, with its pending
 * fences. The library holds timelines only weakly for this purpose: a timeline that nothing
 * references any more drops out of the dump once the garbage collector has cleared it, and the dump
 * never keeps one alive. The dump never signals a fence and never runs a callback.
 *
 * <p>Thread-safe; a dump may run concurrently with timelines being created, incremented and closed.
 */
public final class SyncDebug {

  private SyncDebug() {}

  /**
   * Returns a text dump of every live timeline.
   *
   * <p>Format: lines end with {@code '\n'} on every platform; numbers are signed decimal. First
   * every software timeline, in creation order (ascending {@link SoftwareTimeline#context()}):
   *
   * <pre>
   * &lt;name&gt;: &lt;value&gt;
   *   fence &lt;state&gt;: &lt;seqno&gt; / &lt;value&gt;
   *   ...
   * </pre>
   *
   * <p>The first line gives the timeline's {@link SoftwareTimeline#name()} (printed as is) and its
   * current {@link SoftwareTimeline#value()}. Then comes one line, indented by two spaces, per
   * point that was pending when the timeline was read, in ascending value order: its state, its
   * seqno (the value it waits for) and the timeline's value again. The state is {@code active}
   * while the point is pending, {@code signaled} if it signaled without error since, or {@code
   * error(<code>)} with the negative error code, for example {@code error(-2)} for a point signaled
   * with {@code ENOENT} by a closing timeline. A timeline with no pending point has only its first
   * line. Example:
   *
   * <pre>
   * compositor: 3
   *   fence active: 5 / 3
   *   fence active: 8 / 3
   * video-decoder: 12
   * </pre>
   *
   * <p>Then every live {@link FenceContext}, in creation order, as {@code <timeline> (<driver>,
   * context <n>): last <seqno>} (the last seqno handed out); then every live syncobj (a block of
   * the same shape, written by the syncobj module); then, for each other context that has pending
   * tracked fences (chains, arrays, fences from futures, drivers' own fences), {@code <timeline>
   * (<driver>, context <n>)}. Pending fences of these timelines are known only while {@link
   * FenceTracking} is on, and are then listed below their timeline's line as {@code fence active:
   * <seqno>, age <seconds>s}, followed by {@code , waiters: "<thread>", ...} when threads are
   * blocked on them. Example:
   *
   * <pre>
   * render (gpu, context 7): last 12
   *   fence active: 12, age 2.015s, waiters: "display"
   * unbound (fence_chain, context 9)
   *   fence active: 3, age 2.010s
   * </pre>
   *
   * <p>With no live timeline the dump is the empty string. The dump is not an atomic snapshot
   * across timelines; for each software timeline the value is read before its pending points, so a
   * point listed as {@code active} waits for a value above the printed one unless the timeline
   * advanced in between.
   *
   * @return the dump, possibly empty
   */
  public static String dump() {
    List<SoftwareTimeline> timelines = new ArrayList<>(TimelineRegistry.live());
    timelines.sort(Comparator.comparingLong(SoftwareTimeline::context));
    StringBuilder out = new StringBuilder();
    Set<Long> listed = new HashSet<>();
    for (SoftwareTimeline timeline : timelines) {
      listed.add(timeline.context());
      long value = timeline.value();
      out.append(timeline.name()).append(": ").append(value).append('\n');
      for (Fence point : timeline.pendingPoints()) {
        out.append("  fence ")
            .append(state(point.status()))
            .append(": ")
            .append(point.seqno())
            .append(" / ")
            .append(value)
            .append('\n');
      }
    }
    Map<Long, List<PendingFence>> tracked = trackedByContext();
    for (FenceContext context : TimelineRegistry.liveContexts()) {
      listed.add(context.context());
      out.append(context.timelineName())
          .append(" (")
          .append(context.driverName())
          .append(", context ")
          .append(context.context())
          .append("): last ")
          .append(context.lastSeqno())
          .append('\n');
      appendTracked(out, tracked.get(context.context()));
    }
    TimelineRegistry.dumpRegistered(out);
    for (Map.Entry<Long, List<PendingFence>> e : tracked.entrySet()) {
      if (listed.contains(e.getKey())) {
        continue;
      }
      Fence first = e.getValue().get(0).fence();
      out.append(Diagnostics.safeName(first, true))
          .append(" (")
          .append(Diagnostics.safeName(first, false))
          .append(", context ")
          .append(e.getKey())
          .append(")\n");
      appendTracked(out, e.getValue());
    }
    return out.toString();
  }

  /** The pending tracked fences by context, contexts in order of their oldest pending fence. */
  private static Map<Long, List<PendingFence>> trackedByContext() {
    Map<Long, List<PendingFence>> byContext = new LinkedHashMap<>();
    for (PendingFence p : FenceTracking.pending()) {
      byContext.computeIfAbsent(p.fence().context(), c -> new ArrayList<>()).add(p);
    }
    for (List<PendingFence> fences : byContext.values()) {
      fences.sort(Comparator.comparingLong(p -> p.fence().seqno()));
    }
    return byContext;
  }

  private static void appendTracked(StringBuilder out, @Nullable List<PendingFence> fences) {
    if (fences == null) {
      return;
    }
    for (PendingFence p : fences) {
      long millis = p.age().toMillis();
      out.append("  fence active: ")
          .append(p.fence().seqno())
          .append(String.format(Locale.ROOT, ", age %d.%03ds", millis / 1000, millis % 1000));
      String separator = ", waiters: ";
      for (Thread t : p.waiters()) {
        out.append(separator).append('"').append(t.getName()).append('"');
        separator = ", ";
      }
      out.append('\n');
    }
  }

  static String state(int status) {
    if (status == 0) {
      return "active";
    }
    if (status == 1) {
      return "signaled";
    }
    return "error(" + status + ")";
  }
}
