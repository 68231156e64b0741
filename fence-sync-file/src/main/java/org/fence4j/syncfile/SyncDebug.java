package org.fence4j.syncfile;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.fence4j.Fence;
import org.fence4j.SoftwareTimeline;
import org.fence4j.internal.TimelineRegistry;

/**
 * Debug view of the live {@link SoftwareTimeline}s, in the spirit of the kernel's debugfs file
 * {@code sync/info}.
 *
 * <p>{@link #dump()} lists every software timeline that is still strongly reachable, with its value
 * and its pending points. The library holds timelines only weakly for this purpose: a timeline that
 * nothing references any more drops out of the dump once the garbage collector has cleared it, and
 * the dump never keeps one alive.
 *
 * <p>Thread-safe; a dump may run concurrently with timelines being created, incremented and closed.
 */
public final class SyncDebug {

  private SyncDebug() {}

  /**
   * Returns a text dump of every live software timeline.
   *
   * <p>Format: lines end with {@code '\n'} on every platform; numbers are signed decimal. For each
   * timeline, in creation order (ascending {@link SoftwareTimeline#context()}):
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
   * line; with no live timeline the dump is the empty string. Example:
   *
   * <pre>
   * compositor: 3
   *   fence active: 5 / 3
   *   fence active: 8 / 3
   * video-decoder: 12
   * </pre>
   *
   * <p>The dump is not an atomic snapshot across timelines; for each timeline the value is read
   * before its pending points, so a point listed as {@code active} waits for a value above the
   * printed one unless the timeline advanced in between.
   *
   * @return the dump, possibly empty
   */
  public static String dump() {
    List<SoftwareTimeline> timelines = new ArrayList<>(TimelineRegistry.live());
    timelines.sort(Comparator.comparingLong(SoftwareTimeline::context));
    StringBuilder out = new StringBuilder();
    for (SoftwareTimeline timeline : timelines) {
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
    return out.toString();
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
