package org.fence4j.internal;

import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.fence4j.SoftwareTimeline;

/**
 * The live software timelines, for debug dumps ({@code SyncDebug} in the sync-file module). Not
 * API: this package is exported only to the other fence4j modules.
 *
 * <p>Timelines are held weakly: one that is no longer referenced disappears from {@link #live()}
 * once collected. Thread-safe and lock-free.
 */
public final class TimelineRegistry {
  private static final Set<Ref> REFS = ConcurrentHashMap.newKeySet();
  private static final ReferenceQueue<SoftwareTimeline> CLEARED = new ReferenceQueue<>();

  private TimelineRegistry() {}

  /**
   * Adds a timeline; called by {@link SoftwareTimeline#create(String)}.
   *
   * @param timeline the new timeline
   */
  public static void register(SoftwareTimeline timeline) {
    Objects.requireNonNull(timeline, "timeline");
    purge();
    REFS.add(new Ref(timeline));
  }

  /**
   * Returns the timelines that are still reachable, oldest context first.
   *
   * @return a snapshot list
   */
  public static List<SoftwareTimeline> live() {
    purge();
    List<SoftwareTimeline> result = new ArrayList<>();
    for (Ref ref : REFS) {
      SoftwareTimeline t = ref.get();
      if (t != null) {
        result.add(t);
      }
    }
    result.sort((a, b) -> Long.compare(a.context(), b.context()));
    return result;
  }

  private static void purge() {
    for (Object r; (r = CLEARED.poll()) != null; ) {
      REFS.remove(r);
    }
  }

  /** Identity-keyed weak reference. */
  private static final class Ref extends WeakReference<SoftwareTimeline> {
    Ref(SoftwareTimeline timeline) {
      super(timeline, CLEARED);
    }
  }
}
