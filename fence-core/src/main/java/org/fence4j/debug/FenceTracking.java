package org.fence4j.debug;

import java.time.Duration;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.fence4j.Fence;
import org.fence4j.internal.Diagnostics;
import org.jspecify.annotations.Nullable;

/**
 * Global registry of the fences constructed while it is on, to find the ones that never signal.
 *
 * <p>Off by default. Turn it on with {@link #enable(boolean)}, or from start-up with the system
 * property {@code -Dfence4j.tracking=true} ({@code =sites} also captures creation sites). While it
 * is on, every fence constructed (every subclass, fence4j's own and drivers') is tracked
 * <em>weakly</em>: tracking never keeps a fence alive, and a pending fence that nothing else
 * references disappears from {@link #pending()} once collected. Signaled fences leave it too, so
 * the registry stays proportional to the pending fences.
 *
 * <pre>{@code
 * FenceTracking.enable(true);          // with creation sites
 * ...
 * System.err.print(FenceTracking.dump());
 * }</pre>
 *
 * <p>Cost: while off, a fence constructor reads one flag and nothing else changes. While on, each
 * fence constructed costs a weak reference and a registry insertion, plus a stack capture with
 * creation sites (see the project's BENCHMARKS.md for numbers).
 *
 * <p>Reading the registry ({@link #pending()}, {@link #dump()}) never signals a fence and never
 * runs a hook or callback: the signaled flag is read without the {@link Fence#isSignaled() peek
 * hook}, so a fence whose driver would report it done on the next poll may still be listed. An
 * overridden {@code describe()}, {@code driverName()} or {@code timelineName()} is called, and a
 * fence whose methods throw is listed with a line naming the exception.
 *
 * <p>Thread-safe; all methods may be called from any thread at any time.
 */
public final class FenceTracking {
  /** Frames shown per creation site in {@link #dump()}. */
  private static final int SITE_FRAMES_SHOWN = 8;

  private FenceTracking() {}

  /**
   * Turns tracking on for fences constructed from now on (fences that already exist are not
   * tracked). If it is already on, only changes whether creation sites are captured for fences
   * constructed from now on.
   *
   * @param captureCreationSites whether to record each new fence's creation stack (costs a stack
   *     capture per fence)
   */
  public static void enable(boolean captureCreationSites) {
    Diagnostics.enable(captureCreationSites);
    FenceWatchdog.trackingSwitchedByHand();
  }

  /**
   * Turns tracking off and forgets every tracked fence: {@link #pending()} is then empty.
   * Idempotent.
   */
  public static void disable() {
    Diagnostics.disable();
    FenceWatchdog.trackingSwitchedByHand();
  }

  /**
   * Returns whether tracking is on.
   *
   * @return {@code true} while fences constructed now are tracked
   */
  public static boolean isEnabled() {
    return Diagnostics.isTracking();
  }

  /**
   * Returns the tracked fences that are still pending, oldest first.
   *
   * @return a new list, a snapshot (not atomic across fences); empty while tracking is off
   */
  public static List<PendingFence> pending() {
    List<PendingFence> result = new ArrayList<>();
    for (Entry e : snapshot(0L)) {
      result.add(e.pending);
    }
    return result;
  }

  /**
   * Returns the pending tracked fences, human-readable: one block per timeline (context), the block
   * of the timeline with the oldest pending fence first. Each fence's line holds its {@code
   * describe()} (so its {@code <context>:<seqno>}) and its age; below it, the threads blocked on
   * it, what it waits on (for arrays and chains) and its creation site when captured. Example:
   *
   * <pre>
   * fence4j: 2 pending fences on 2 timelines
   * timeline "render" (driver "gpu", context 3): 1 pending
   *   3:1 render gpu unsignaled, age 2.015s
   *     waiter: thread "compose" #21 (WAITING)
   *     created at:
   *       org.fence4j.FenceContext.next(FenceContext.java:81)
   *       com.example.Pipeline.render(Pipeline.java:40)
   * ...
   * </pre>
   *
   * Lines end with {@code '\n'}.
   *
   * @return the dump; says so when tracking is off or nothing is pending
   */
  public static String dump() {
    if (!isEnabled()) {
      return "fence4j: tracking is off (FenceTracking.enable(boolean) or"
          + " -Dfence4j.tracking=true|sites)\n";
    }
    List<Entry> entries = snapshot(0L);
    if (entries.isEmpty()) {
      return "fence4j: no pending fences\n";
    }
    Map<Long, List<PendingFence>> byContext = new LinkedHashMap<>(); // oldest fence's block first
    for (Entry e : entries) {
      byContext.computeIfAbsent(e.pending.fence().context(), c -> new ArrayList<>()).add(e.pending);
    }
    StringBuilder sb = new StringBuilder();
    sb.append("fence4j: ")
        .append(entries.size())
        .append(entries.size() == 1 ? " pending fence on " : " pending fences on ")
        .append(byContext.size())
        .append(byContext.size() == 1 ? " timeline\n" : " timelines\n");
    for (List<PendingFence> block : byContext.values()) {
      appendTimelineHeader(sb, block.get(0).fence()).append(": ").append(block.size());
      sb.append(" pending\n");
      for (PendingFence p : block) {
        appendFence(sb, p, "  ");
      }
    }
    return sb.toString();
  }

  // ---------------------------------------------------------------------------------------------
  // Shared with FenceWatchdog

  /** A pending fence with its registry entry (identity, for "reported once"). */
  static final class Entry {
    final Diagnostics.Tracked tracked;
    final PendingFence pending;
    final long ageNanos;

    Entry(Diagnostics.Tracked tracked, PendingFence pending, long ageNanos) {
      this.tracked = tracked;
      this.pending = pending;
      this.ageNanos = ageNanos;
    }
  }

  /** The pending tracked fences at least {@code minAgeNanos} old, oldest first. */
  static List<Entry> snapshot(long minAgeNanos) {
    List<Diagnostics.Tracked> tracked = Diagnostics.pendingTracked();
    if (tracked.isEmpty()) {
      return new ArrayList<>();
    }
    long now = System.nanoTime();
    Map<Fence, List<Thread>> waiters = null;
    Diagnostics.Access access = Diagnostics.access();
    List<Entry> result = new ArrayList<>();
    for (Diagnostics.Tracked t : tracked) {
      long age = now - t.createdNanos();
      if (age < minAgeNanos) {
        break; // oldest first: the rest are younger
      }
      Fence f = t.get();
      if (f == null) {
        continue;
      }
      if (waiters == null) {
        waiters = waitersByFence();
      }
      List<Fence> waitingOn;
      try {
        waitingOn = access.waitingOn(f);
      } catch (RuntimeException | LinkageError e) {
        waitingOn = List.of(); // a container read mid-construction by another thread
      }
      PendingFence p =
          new PendingFence(
              f,
              Duration.ofNanos(Math.max(0L, age)),
              creationSite(t.site()),
              waiters.getOrDefault(f, List.of()),
              waitingOn);
      result.add(new Entry(t, p, age));
    }
    return result;
  }

  private static Map<Fence, List<Thread>> waitersByFence() {
    IdentityHashMap<Fence, List<Thread>> byFence = new IdentityHashMap<>();
    for (Diagnostics.Wait w : Diagnostics.waits()) {
      for (Fence f : w.fences()) {
        List<Thread> threads = byFence.computeIfAbsent(f, k -> new ArrayList<>(1));
        if (!threads.contains(w.thread())) {
          threads.add(w.thread());
        }
      }
    }
    return byFence;
  }

  /** The creation stack without the constructor frames (tracking hook, Fence and subclasses). */
  private static List<StackTraceElement> creationSite(@Nullable Throwable site) {
    if (site == null) {
      return List.of();
    }
    StackTraceElement[] frames = site.getStackTrace();
    int first = 0;
    while (first < frames.length
        && (frames[first].getClassName().equals(Diagnostics.class.getName())
            || frames[first].getMethodName().equals("<init>"))) {
      first++;
    }
    List<StackTraceElement> result = new ArrayList<>(frames.length - first);
    for (int i = first; i < frames.length; i++) {
      result.add(frames[i]);
    }
    return result;
  }

  /** Appends {@code timeline "<name>" (driver "<driver>", context <n>)}. */
  static StringBuilder appendTimelineHeader(StringBuilder sb, Fence f) {
    return sb.append("timeline \"")
        .append(Diagnostics.safeName(f, true))
        .append("\" (driver \"")
        .append(Diagnostics.safeName(f, false))
        .append("\", context ")
        .append(f.context())
        .append(')');
  }

  /** Appends a fence's block: its line, then its waiters, what it waits on, its creation site. */
  static void appendFence(StringBuilder sb, PendingFence p, String indent) {
    sb.append(indent)
        .append(Diagnostics.describe(p.fence()))
        .append(", age ")
        .append(formatAge(p.age()))
        .append('\n');
    for (Thread t : p.waiters()) {
      sb.append(indent)
          .append("  waiter: thread \"")
          .append(t.getName())
          .append("\" #")
          .append(t.getId())
          .append(" (")
          .append(t.getState())
          .append(")\n");
    }
    for (Fence f : p.waitingOn()) {
      sb.append(indent).append("  waits on: ").append(Diagnostics.describe(f)).append('\n');
    }
    List<StackTraceElement> site = p.creationSite();
    if (!site.isEmpty()) {
      sb.append(indent).append("  created at:\n");
      int shown = Math.min(site.size(), SITE_FRAMES_SHOWN);
      for (int i = 0; i < shown; i++) {
        appendFrame(sb.append(indent).append("    "), site.get(i)).append('\n');
      }
      if (site.size() > shown) {
        sb.append(indent).append("    ... ").append(site.size() - shown).append(" more\n");
      }
    }
  }

  /** {@code com.example.Pipeline.render(Pipeline.java:40)}: the frame without its module. */
  private static StringBuilder appendFrame(StringBuilder sb, StackTraceElement frame) {
    sb.append(frame.getClassName()).append('.').append(frame.getMethodName()).append('(');
    String file = frame.getFileName();
    if (frame.isNativeMethod()) {
      sb.append("Native Method");
    } else if (file == null) {
      sb.append("Unknown Source");
    } else {
      sb.append(file);
      if (frame.getLineNumber() >= 0) {
        sb.append(':').append(frame.getLineNumber());
      }
    }
    return sb.append(')');
  }

  /** {@code 2.015s}, {@code 0.003s}: seconds with milliseconds. */
  static String formatAge(Duration age) {
    long millis = age.toMillis();
    return String.format(java.util.Locale.ROOT, "%d.%03ds", millis / 1000, millis % 1000);
  }
}
