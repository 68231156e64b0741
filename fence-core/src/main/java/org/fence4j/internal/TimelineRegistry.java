package org.fence4j.internal;

import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;
import org.fence4j.FenceContext;
import org.fence4j.SoftwareTimeline;
import org.jspecify.annotations.Nullable;

/**
 * The live timelines of every kind, for debug dumps ({@code SyncDebug} in the sync-file module):
 * software timelines, fence contexts, and timelines of other modules (syncobjs) registered with a
 * dumper. Not API: this package is exported only to the other fence4j modules.
 *
 * <p>Timelines are held weakly: one that is no longer referenced disappears once collected, and the
 * registry never keeps one alive. Thread-safe and lock-free.
 */
public final class TimelineRegistry {
  private static final Set<Ref> REFS = ConcurrentHashMap.newKeySet();
  private static final ReferenceQueue<Object> CLEARED = new ReferenceQueue<>();
  private static final AtomicLong ORDER = new AtomicLong();

  private TimelineRegistry() {}

  /**
   * Adds a software timeline; called by {@link SoftwareTimeline#create(String)}.
   *
   * @param timeline the new timeline
   */
  public static void register(SoftwareTimeline timeline) {
    Objects.requireNonNull(timeline, "timeline");
    add(new Ref(timeline, null));
  }

  /**
   * Adds a fence context; called by {@link FenceContext#create(String, String)}.
   *
   * @param context the new context
   */
  public static void registerContext(FenceContext context) {
    Objects.requireNonNull(context, "context");
    add(new Ref(context, null));
  }

  /**
   * Adds a timeline of another kind (e.g. a syncobj) to the dumps. The dumper appends the
   * timeline's block to the dump: a header line, then one line per pending fence indented by two
   * spaces, each line ending with {@code '\n'}. It must not hold {@code timeline} strongly (use a
   * static method reference), must not block, and should not throw (an exception is reported in the
   * dump).
   *
   * @param <T> the timeline's type
   * @param timeline the timeline, held weakly
   * @param dumper appends {@code timeline}'s block
   */
  @SuppressWarnings("unchecked")
  public static <T> void registerTimeline(T timeline, BiConsumer<? super T, StringBuilder> dumper) {
    Objects.requireNonNull(timeline, "timeline");
    Objects.requireNonNull(dumper, "dumper");
    add(new Ref(timeline, (BiConsumer<Object, StringBuilder>) dumper));
  }

  private static void add(Ref ref) {
    purge();
    REFS.add(ref);
  }

  /**
   * Returns the software timelines that are still reachable, in context id order (creation order
   * within a thread).
   *
   * @return a snapshot list
   */
  public static List<SoftwareTimeline> live() {
    List<SoftwareTimeline> result = new ArrayList<>();
    for (Object o : liveOf(SoftwareTimeline.class)) {
      result.add((SoftwareTimeline) o);
    }
    result.sort((a, b) -> Long.compare(a.context(), b.context()));
    return result;
  }

  /**
   * Returns the fence contexts that are still reachable, in context id order (creation order within
   * a thread).
   *
   * @return a snapshot list
   */
  public static List<FenceContext> liveContexts() {
    List<FenceContext> result = new ArrayList<>();
    for (Object o : liveOf(FenceContext.class)) {
      result.add((FenceContext) o);
    }
    result.sort((a, b) -> Long.compare(a.context(), b.context()));
    return result;
  }

  /**
   * Appends the block of every live timeline registered with a dumper, in registration order. A
   * dumper that throws leaves a line naming the exception.
   *
   * @param out where to append
   */
  public static void dumpRegistered(StringBuilder out) {
    purge();
    List<Ref> refs = new ArrayList<>();
    for (Ref r : REFS) {
      if (r.dumper != null) {
        refs.add(r);
      }
    }
    refs.sort((a, b) -> Long.compare(a.order, b.order));
    for (Ref r : refs) {
      Object timeline = r.get();
      BiConsumer<Object, StringBuilder> dumper = r.dumper;
      if (timeline == null || dumper == null) {
        continue;
      }
      int mark = out.length();
      try {
        dumper.accept(timeline, out);
      } catch (Throwable t) {
        out.setLength(mark);
        out.append(timeline.getClass().getSimpleName())
            .append(": <dump threw ")
            .append(t)
            .append(">\n");
      }
    }
  }

  private static List<Object> liveOf(Class<?> type) {
    purge();
    List<Object> result = new ArrayList<>();
    for (Ref ref : REFS) {
      Object t = ref.get();
      if (t != null && ref.dumper == null && type.isInstance(t)) {
        result.add(t);
      }
    }
    return result;
  }

  private static void purge() {
    for (Object r; (r = CLEARED.poll()) != null; ) {
      REFS.remove(r);
    }
  }

  /** Identity-keyed weak reference, with the dumper of a registered kind. */
  private static final class Ref extends WeakReference<Object> {
    final @Nullable BiConsumer<Object, StringBuilder> dumper;
    final long order = ORDER.incrementAndGet();

    Ref(Object timeline, @Nullable BiConsumer<Object, StringBuilder> dumper) {
      super(timeline, CLEARED);
      this.dumper = dumper;
    }
  }
}
