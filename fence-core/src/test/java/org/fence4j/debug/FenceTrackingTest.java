package org.fence4j.debug;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;
import static org.awaitility.Awaitility.await;

import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.fence4j.ChildJvm;
import org.fence4j.Fence;
import org.fence4j.FenceArray;
import org.fence4j.FenceChain;
import org.fence4j.FenceContext;
import org.fence4j.Fences;
import org.fence4j.SoftwareTimeline;
import org.fence4j.Spawned;
import org.fence4j.internal.Diagnostics;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@link FenceTracking} and {@link PendingFence}. */
class FenceTrackingTest {
  private final FenceContext ctx = FenceContext.create("tracking-driver", "tracking-ring");

  @BeforeEach
  void on() {
    FenceTracking.enable(false);
  }

  @AfterEach
  void off() {
    FenceTracking.disable();
  }

  // -------------------------------------------------------------------------------------------
  // On, off, what is tracked

  /** Tracking is off unless turned on (the test JVM has no -Dfence4j.tracking). */
  @Test
  void isEnabled_byDefault_false() {
    FenceTracking.disable();
    assertThat(FenceTracking.isEnabled()).isFalse();
    Fence fence = ctx.next();
    assertThat(FenceTracking.pending()).noneMatch(p -> p.fence() == fence);
  }

  /** A fence constructed while tracking is on is listed while pending. */
  @Test
  void pending_fenceConstructedWhileOn_isListed() {
    Fence fence = ctx.next();
    assertThat(FenceTracking.isEnabled()).isTrue();
    assertThat(Support.isListed(fence)).isTrue();
  }

  /** Every subclass is tracked: timeline points, arrays, chains, drivers' own fences. */
  @Test
  void pending_everySubclass_isListed() {
    try (SoftwareTimeline timeline = SoftwareTimeline.create("tracked-timeline")) {
      Fence point = timeline.createFence(5);
      Fence a = ctx.next();
      Fence b = ctx.next();
      FenceArray array = FenceArray.all(List.of(a, b));
      FenceChain chain = FenceChain.create(null, a, 1);
      Support.DriverFence driver = new Support.DriverFence("driver-timeline");
      for (Fence f : List.of(point, a, b, array, chain, driver)) {
        assertThat(Support.isListed(f)).as(f.describe()).isTrue();
      }
    }
  }

  /** A fence constructed before tracking was turned on is not tracked. */
  @Test
  void pending_fenceConstructedBeforeEnable_isNotListed() {
    FenceTracking.disable();
    Fence before = ctx.next();
    FenceTracking.enable(false);
    assertThat(Support.isListed(before)).isFalse();
  }

  /** A signaled fence is not listed. */
  @Test
  void pending_signaledFence_isNotListed() {
    Fence fence = ctx.next();
    fence.signal();
    assertThat(Support.isListed(fence)).isFalse();
  }

  /** pending() lists the oldest fence first. */
  @Test
  void pending_severalFences_oldestFirst() {
    FenceContext other = FenceContext.create("tracking-driver", "other-ring");
    Fence first = ctx.next();
    Fence second = other.next();
    Fence third = ctx.next();
    List<Fence> listed = new ArrayList<>();
    for (PendingFence p : FenceTracking.pending()) {
      if (p.fence() == first || p.fence() == second || p.fence() == third) {
        listed.add(p.fence());
      }
    }
    assertThat(listed).containsExactly(first, second, third);
    List<PendingFence> all = FenceTracking.pending();
    for (int i = 1; i < all.size(); i++) {
      assertThat(all.get(i - 1).age()).isGreaterThanOrEqualTo(all.get(i).age());
    }
  }

  /** The age is the time since construction. */
  @Test
  void pending_age_growsFromConstruction() {
    long before = System.nanoTime();
    Fence fence = ctx.next();
    await().atMost(Support.LONG).until(() -> System.nanoTime() - before > 5_000_000L);
    PendingFence p = find(fence);
    long bound = System.nanoTime() - before;
    assertThat(p.age().toNanos()).isBetween(1L, bound);
  }

  /** disable() forgets every tracked fence, and pending() is empty. */
  @Test
  void disable_forgetsEveryTrackedFence() {
    Fence fence = ctx.next();
    FenceTracking.disable();
    assertThat(FenceTracking.pending()).isEmpty();
    FenceTracking.enable(false);
    assertThat(Support.isListed(fence)).isFalse();
    assertThat(fence.isSignaled()).isFalse();
  }

  // -------------------------------------------------------------------------------------------
  // Weak: never keeps a fence alive, registry bounded

  /** A pending fence nobody references disappears from pending(). */
  @Test
  void pending_unreferencedPendingFence_disappears() {
    WeakReference<Fence> ref = new WeakReference<>(ctx.next());
    assertThat(FenceTracking.pending()).anyMatch(p -> p.fence() == ref.get());
    Support.awaitCollected(ref);
    assertThat(FenceTracking.pending()).noneMatch(p -> p.fence() == null || p.fence() == ref.get());
  }

  /** The registry does not grow with fences that signal. */
  @Test
  void registry_manySignaledFences_staysBounded() {
    for (int i = 0; i < 200_000; i++) {
      ctx.next().signal();
    }
    assertThat(Diagnostics.trackedEntries()).isLessThan(5_000);
  }

  /** The registry does not grow with pending fences that are collected. */
  @Test
  void registry_manyCollectedFences_staysBounded() {
    WeakReference<Fence> last = null;
    for (int i = 0; i < 200_000; i++) {
      last = new WeakReference<>(ctx.next());
    }
    Support.awaitCollected(last);
    await() // the reference handler enqueues cleared references asynchronously
        .atMost(Support.LONG)
        .until(
            () -> {
              System.gc();
              ctx.next(); // an insertion drains the collected references
              return Diagnostics.trackedEntries() < 5_000;
            });
  }

  // -------------------------------------------------------------------------------------------
  // Creation sites

  /** With creation sites, the site's first frame is the call that constructed the fence. */
  @Test
  void enableTrue_creationSite_startsAtTheConstructingCall() {
    FenceTracking.enable(true);
    Fence fence = ctx.next();
    List<StackTraceElement> site = find(fence).creationSite();
    assertThat(site).isNotEmpty();
    assertThat(site.get(0).getClassName()).isEqualTo(FenceContext.class.getName());
    assertThat(site.get(0).getMethodName()).isEqualTo("next");
    assertThat(site.get(1).getClassName()).isEqualTo(FenceTrackingTest.class.getName());
    assertThat(site.get(1).getMethodName())
        .isEqualTo("enableTrue_creationSite_startsAtTheConstructingCall");
  }

  /** Without creation sites, the site is empty. */
  @Test
  void enableFalse_creationSite_isEmpty() {
    Fence fence = ctx.next();
    assertThat(find(fence).creationSite()).isEmpty();
  }

  /** enable(true) after enable(false) captures sites for fences constructed from then on. */
  @Test
  void enableTrueAfterFalse_capturesSitesFromThenOn() {
    Fence before = ctx.next();
    FenceTracking.enable(true);
    Fence after = ctx.next();
    assertThat(find(before).creationSite()).isEmpty();
    assertThat(find(after).creationSite()).isNotEmpty();
  }

  // -------------------------------------------------------------------------------------------
  // Waiters

  /** A thread blocked in await() is a waiter while blocked, and is removed when it returns. */
  @Test
  void waiters_await_listedWhileBlocked_removedAfter() throws Exception {
    Fence fence = ctx.next();
    try (Spawned<Void> waiter =
        Support.spawn(
            "await-waiter",
            () -> {
              fence.await();
              return null;
            })) {
      Support.awaitWaiter(waiter.thread(), fence);
      fence.signal();
      waiter.join();
    }
    assertThat(Diagnostics.waits()).noneMatch(w -> w.isOn(fence));
  }

  /** A timed wait that times out removes its waiter. */
  @Test
  void waiters_timedOutAwait_removed() throws Exception {
    Fence fence = ctx.next();
    try (Spawned<Boolean> waiter =
        Support.spawn("timed-waiter", () -> fence.await(Duration.ofMillis(50)))) {
      assertThat(waiter.join()).isFalse();
    }
    assertThat(Support.waitersOf(fence)).isEmpty();
    assertThat(Diagnostics.waits()).noneMatch(w -> w.isOn(fence));
  }

  /** An interrupted wait removes its waiter. */
  @Test
  void waiters_interruptedAwait_removed() throws Exception {
    Fence fence = ctx.next();
    Spawned<Boolean> waiter =
        Support.spawn(
            "interrupted-waiter",
            () -> {
              try {
                fence.await(Support.LONG);
                return false;
              } catch (InterruptedException e) {
                return true;
              }
            });
    Support.awaitWaiter(waiter.thread(), fence);
    waiter.thread().interrupt();
    assertThat(waiter.join()).isTrue();
    assertThat(Support.waitersOf(fence)).isEmpty();
  }

  /** awaitUninterruptibly, await(long, TimeUnit) and a wait on an array: all visible. */
  @Test
  void waiters_everyAwaitVariant_listed() throws Exception {
    Fence a = ctx.next();
    Fence b = ctx.next();
    Fence member = ctx.next();
    FenceArray array = FenceArray.all(List.of(member));
    try (Spawned<Boolean> w1 =
            Support.spawn("uninterruptible", () -> a.awaitUninterruptibly(Support.LONG));
        Spawned<Boolean> w2 = Support.spawn("time-unit", () -> b.await(20, TimeUnit.SECONDS));
        Spawned<Boolean> w3 = Support.spawn("array", () -> array.await(Support.LONG))) {
      Support.awaitWaiter(w1.thread(), a);
      Support.awaitWaiter(w2.thread(), b);
      Support.awaitWaiter(w3.thread(), array);
      a.signal();
      b.signal();
      member.signal();
      assertThat(w1.join()).isTrue();
      assertThat(w2.join()).isTrue();
      assertThat(w3.join()).isTrue();
    }
  }

  /** A thread in Fences.waitAny is a waiter of every fence in the list. */
  @Test
  void waiters_waitAny_listedOnEveryFence() throws Exception {
    Fence a = ctx.next();
    Fence b = ctx.next();
    try (Spawned<Integer> waiter =
        Support.spawn("wait-any", () -> Fences.waitAny(List.of(a, b), Support.LONG))) {
      Support.awaitWaiter(waiter.thread(), a);
      Support.awaitWaiter(waiter.thread(), b);
      b.signal();
      assertThat(waiter.join()).isEqualTo(1);
    }
    assertThat(Support.waitersOf(a)).isEmpty();
  }

  /** A thread in Fences.waitAll is a waiter of every fence still pending. */
  @Test
  void waiters_waitAll_listedOnEveryFence() throws Exception {
    Fence a = ctx.next();
    Fence b = ctx.next();
    try (Spawned<Boolean> waiter =
        Support.spawn("wait-all", () -> Fences.waitAll(List.of(a, b), Support.LONG))) {
      Support.awaitWaiter(waiter.thread(), a);
      Support.awaitWaiter(waiter.thread(), b);
      a.signal();
      b.signal();
      assertThat(waiter.join()).isTrue();
    }
    assertThat(Diagnostics.waits()).noneMatch(w -> w.isOn(a) || w.isOn(b));
  }

  // -------------------------------------------------------------------------------------------
  // Containers

  /** An array's waitingOn is its members still pending. */
  @Test
  void waitingOn_array_pendingMembers() {
    Fence a = ctx.next();
    Fence b = ctx.next();
    Fence c = ctx.next();
    FenceArray array = FenceArray.all(List.of(a, b, c));
    a.signal();
    assertThat(find(array).waitingOn()).containsExactly(b, c);
  }

  /** A chain link's waitingOn is its own fence and its previous link, when pending. */
  @Test
  void waitingOn_chain_ownFenceAndPreviousLink() {
    Fence a = ctx.next();
    Fence b = ctx.next();
    FenceChain first = FenceChain.create(null, a, 1);
    FenceChain second = FenceChain.create(first, b, 2);
    assertThat(find(second).waitingOn()).containsExactly(b, first);
    assertThat(find(first).waitingOn()).containsExactly(a);
  }

  /** A plain fence waits on nothing. */
  @Test
  void waitingOn_plainFence_empty() {
    assertThat(find(ctx.next()).waitingOn()).isEmpty();
  }

  // -------------------------------------------------------------------------------------------
  // Safety: no side effects, hostile subclasses

  /**
   * The constructor hook calls none of the fence's methods: a subclass whose names fail before its
   * fields are set constructs fine, and its hooks were not called.
   */
  @Test
  void constructorHook_callsNoMethodOfTheFence() {
    FenceTracking.enable(true);
    Support.DriverFence fence = new Support.DriverFence("hook-timeline");
    assertThat(fence.hookCalls.get()).isZero();
    assertThat(Support.isListed(fence)).isTrue();
  }

  /** pending() and dump() never signal a fence, never consult its peek hook or enable it. */
  @Test
  void pendingAndDump_neverSignalOrRunHooks() {
    Support.DriverFence fence = new Support.DriverFence("peek-timeline");
    fence.peekResult = true; // isSignaled() would signal it
    List<Fence> ran = new ArrayList<>();
    Fence array = FenceArray.all(List.of(fence));
    array.addCallback(ran::add); // the array registers on the fence: enables it once
    int peeksBefore = fence.peekCalls.get();
    FenceTracking.pending();
    assertThat(FenceTracking.dump()).contains(fence.context() + ":1 peek-timeline");
    assertThat(fence.peekCalls.get()).isEqualTo(peeksBefore);
    assertThat(fence.enableCalls.get()).isEqualTo(1);
    assertThat(ran).isEmpty();
    assertThat(Diagnostics.access().isSignaledFlag(fence)).isFalse();
    assertThat(Support.isListed(fence)).isTrue();
  }

  /** A fence whose describe() throws is listed with a line naming the exception. */
  @Test
  void dump_describeThrows_listsFallbackLine() {
    Support.DriverFence fence = new Support.DriverFence("broken-describe");
    fence.throwFromDescribe = true;
    String dump = FenceTracking.dump();
    assertThat(dump)
        .contains(fence.context() + ":1 " + Support.DriverFence.class.getName())
        .contains("describe() threw java.lang.IllegalStateException: describe broken");
  }

  /** A fence whose names throw is listed with placeholders naming the exception. */
  @Test
  void dump_namesThrow_listsPlaceholders() {
    Support.DriverFence fence = new Support.DriverFence("broken-names");
    fence.throwFromNames = true;
    String dump = FenceTracking.dump();
    assertThat(dump).contains("timelineName() threw java.lang.IllegalStateException");
    assertThat(dump).contains(fence.context() + ":1 ");
  }

  // -------------------------------------------------------------------------------------------
  // dump()

  /** dump() gives one block per timeline, each fence line with its describe() and age. */
  @Test
  void dump_oneBlockPerTimeline_withDescribeAndAge() {
    FenceContext other = FenceContext.create("other-driver", "other-timeline");
    Fence a1 = ctx.next();
    Fence b1 = other.next();
    Fence a2 = ctx.next();
    String dump = FenceTracking.dump();
    String header =
        "timeline \"tracking-ring\" (driver \"tracking-driver\", context " + ctx.context();
    assertThat(dump).containsOnlyOnce(header);
    assertThat(dump).containsOnlyOnce("timeline \"other-timeline\" (driver \"other-driver\"");
    int block = dump.indexOf(header);
    int next = dump.indexOf("\ntimeline ", block + 1);
    String ctxBlock = dump.substring(block, next < 0 ? dump.length() : next);
    assertThat(ctxBlock)
        .contains("  " + a1.describe() + ", age ")
        .contains("  " + a2.describe() + ", age ")
        .doesNotContain(b1.describe());
    assertThat(ctxBlock.indexOf(a1.describe())).isLessThan(ctxBlock.indexOf(a2.describe()));
  }

  /** Below a fence's line: its waiters, what it waits on, and its creation site. */
  @Test
  void dump_fenceBlock_listsWaitersWaitingOnAndSite() throws Exception {
    FenceTracking.enable(true);
    Fence member = ctx.next();
    FenceArray array = FenceArray.all(List.of(member));
    try (Spawned<Boolean> waiter = Support.spawn("dump-waiter", () -> array.await(Support.LONG))) {
      Support.awaitWaiter(waiter.thread(), array);
      String dump = FenceTracking.dump();
      assertThat(dump)
          .contains("    waiter: thread \"dump-waiter\" #" + waiter.thread().getId())
          .contains("    waits on: " + member.describe())
          .contains("    created at:\n")
          .contains("      " + FenceTrackingTest.class.getName() + ".dump_fenceBlock")
          .contains("      org.fence4j.FenceArray.all(FenceArray.java:");
      member.signal();
      assertThat(waiter.join()).isTrue();
    }
  }

  /** dump() while tracking is off says so. */
  @Test
  void dump_trackingOff_saysSo() {
    FenceTracking.disable();
    assertThat(FenceTracking.dump()).startsWith("fence4j: tracking is off");
  }

  /** PendingFence rejects null components and copies its lists. */
  @Test
  void pendingFence_nullComponent_throwsNamingIt() {
    Fence fence = ctx.next();
    assertThatNullPointerException()
        .isThrownBy(() -> new PendingFence(fence, null, List.of(), List.of(), List.of()))
        .withMessage("age");
    List<Thread> waiters = new ArrayList<>();
    PendingFence p = new PendingFence(fence, Duration.ZERO, List.of(), waiters, List.of());
    waiters.add(Thread.currentThread());
    assertThat(p.waiters()).isEmpty();
  }

  // -------------------------------------------------------------------------------------------
  // Start-up property

  /** -Dfence4j.tracking=sites turns tracking on from start-up, with creation sites. */
  @Test
  void systemProperty_sites_tracksFromStartUp() throws Exception {
    assertThat(runChild("sites")).isEqualTo("enabled=true pending=1 site=true");
  }

  /** -Dfence4j.tracking=true turns tracking on from start-up, without creation sites. */
  @Test
  void systemProperty_true_tracksFromStartUp() throws Exception {
    assertThat(runChild("true")).isEqualTo("enabled=true pending=1 site=false");
  }

  private static String runChild(String value) throws Exception {
    ChildJvm.Result child = ChildJvm.run(StartUpChild.class, "-Dfence4j.tracking=" + value);
    assertThat(child.exitValue()).as(child.output()).isZero();
    return child.output().trim();
  }

  private static PendingFence find(Fence fence) {
    return FenceTracking.pending().stream()
        .filter(p -> p.fence() == fence)
        .findFirst()
        .orElseThrow(() -> new AssertionError("not listed: " + fence.describe()));
  }
}
