package org.fence4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.InstanceOfAssertFactories.STRING;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** FenceContext (a producer's timeline), FenceContexts (context ids) and StrictMode. */
class FenceContextTest {
  private final List<String> violations = new CopyOnWriteArrayList<>();

  @AfterEach
  void restoreViolationHandler() {
    StrictMode.setViolationHandler(null);
  }

  private void recordViolations() {
    StrictMode.setViolationHandler(violations::add);
  }

  // -------------------------------------------------------------------------------------------
  // FenceContext

  /** next() hands out pending fences with seqnos 1, 2, 3 on the context's id. */
  @Test
  void next_calledThreeTimes_seqnosOneTwoThree() {
    FenceContext ctx = FenceContext.create("drv", "tl");

    Fence first = ctx.next();
    Fence second = ctx.next();
    Fence third = ctx.next();

    assertThat(List.of(first.seqno(), second.seqno(), third.seqno())).containsExactly(1L, 2L, 3L);
    assertThat(List.of(first, second, third))
        .allMatch(f -> f.context() == ctx.context() && !f.isSignaled());
  }

  /** lastSeqno is 0 before the first next() and then the last seqno handed out. */
  @Test
  void lastSeqno_afterNext_isLastHandedOut() {
    FenceContext ctx = FenceContext.create("drv", "tl");
    assertThat(ctx.lastSeqno()).isZero();

    ctx.next();
    ctx.next();

    assertThat(ctx.lastSeqno()).isEqualTo(2L);
  }

  /** Fences from next() report the context's driver and timeline names. */
  @Test
  void next_fence_reportsContextNames() {
    FenceContext ctx = FenceContext.create("gpu", "render-ring");

    Fence fence = ctx.next();

    assertThat(fence.driverName()).isEqualTo("gpu");
    assertThat(fence.timelineName()).isEqualTo("render-ring");
    assertThat(ctx.driverName()).isEqualTo("gpu");
    assertThat(ctx.timelineName()).isEqualTo("render-ring");
  }

  /** Each context gets its own fresh, positive id. */
  @Test
  void create_twoContexts_distinctPositiveIds() {
    FenceContext a = FenceContext.create("d", "a");
    FenceContext b = FenceContext.create("d", "b");

    assertThat(a.context()).isPositive().isNotEqualTo(b.context());
  }

  /** Concurrent next() calls hand out unique seqnos with no gap. */
  @Test
  void next_concurrentCallers_uniqueSeqnos() throws Exception {
    int perThread = 5_000;
    class Round {
      final FenceContext ctx = FenceContext.create("d", "race");
      final Set<Long> seqnos = ConcurrentHashMap.newKeySet();
    }
    Race.Party<Round> caller =
        r -> {
          for (int i = 0; i < perThread; i++) {
            r.seqnos.add(r.ctx.next().seqno());
          }
        };

    Race.run(
        20,
        Round::new,
        List.of(caller, caller, caller, caller),
        r -> {
          assertThat(r.seqnos).hasSize(4 * perThread);
          assertThat(r.ctx.lastSeqno()).isEqualTo(4L * perThread);
        });
  }

  /** describe() names the context, timeline, driver and last seqno. */
  @Test
  void describe_afterNext_listsIdNamesAndLastSeqno() {
    FenceContext ctx = FenceContext.create("drv", "tl");
    ctx.next();

    assertThat(ctx.describe()).isEqualTo(ctx.context() + " tl drv last=1");
    assertThat(ctx).hasToString(ctx.describe());
  }

  // -------------------------------------------------------------------------------------------
  // Strict mode

  /** Strict mode is off by default. */
  @Test
  void isStrict_newContext_isFalse() {
    assertThat(FenceContext.create("d", "t").isStrict()).isFalse();
  }

  /** setStrict switches strict mode on and off again. */
  @Test
  void isStrict_afterSetStrict_reflectsTheLastCall() {
    FenceContext ctx = FenceContext.create("d", "t");

    ctx.setStrict(true);
    assertThat(ctx.isStrict()).isTrue();
    ctx.setStrict(false);
    assertThat(ctx.isStrict()).isFalse();
  }

  /** In strict mode, a fence signaled before an earlier one is reported as a violation. */
  @Test
  void signal_strictOutOfOrder_reportsViolation() {
    recordViolations();
    FenceContext ctx = FenceContext.create("d", "strict");
    ctx.setStrict(true);
    Fence first = ctx.next();
    Fence second = ctx.next();

    second.signal();

    assertThat(violations)
        .singleElement(STRING)
        .contains(second.context() + ":2")
        .contains(first.context() + ":1");
  }

  /** In strict mode, fences signaled in seqno order report nothing. */
  @Test
  void signal_strictInOrder_reportsNothing() {
    recordViolations();
    FenceContext ctx = FenceContext.create("d", "strict");
    ctx.setStrict(true);
    Fence first = ctx.next();
    Fence second = ctx.next();

    first.signal();
    second.signal();

    assertThat(violations).isEmpty();
  }

  /** Without strict mode, out-of-order signals are not reported. */
  @Test
  void signal_notStrictOutOfOrder_reportsNothing() {
    recordViolations();
    FenceContext ctx = FenceContext.create("d", "lax");
    ctx.next();
    Fence second = ctx.next();

    second.signal();

    assertThat(violations).isEmpty();
  }

  /** reportViolation hands the message to the installed handler. */
  @Test
  void reportViolation_customHandler_receivesMessage() {
    recordViolations();

    StrictMode.reportViolation("driver bug");

    assertThat(violations).containsExactly("driver bug");
  }

  /** setViolationHandler(null) restores the default handler, which does not throw. */
  @Test
  void setViolationHandler_null_restoresDefault() {
    recordViolations();

    StrictMode.setViolationHandler(null);
    StrictMode.reportViolation("expected test violation: the default handler logs it");

    assertThat(violations).isEmpty();
  }

  // -------------------------------------------------------------------------------------------
  // FenceContexts

  /** allocate(0) is an IllegalArgumentException. */
  @Test
  void allocate_zero_throwsIllegalArgument() {
    assertThatIllegalArgumentException().isThrownBy(() -> FenceContexts.allocate(0));
    assertThatIllegalArgumentException().isThrownBy(() -> FenceContexts.allocate(-3));
  }

  /** allocate(n) reserves n consecutive ids: the next allocation starts after them. */
  @Test
  void allocate_block_nextAllocationStartsAfterIt() {
    long first = FenceContexts.allocate(5);
    long next = FenceContexts.allocate(1);

    assertThat(first).isPositive();
    assertThat(next).isGreaterThanOrEqualTo(first + 5);
  }

  /** Context ids from concurrent allocations never repeat. */
  @Test
  void allocate_concurrentCallers_idsNeverRepeat() throws Exception {
    int perThread = 2_000;
    Set<Long> ids = ConcurrentHashMap.newKeySet();
    Race.Party<Set<Long>> allocator =
        s -> {
          List<Long> mine = new ArrayList<>();
          for (int i = 0; i < perThread; i++) {
            long block = FenceContexts.allocate(3);
            mine.add(block);
            mine.add(block + 1);
            mine.add(block + 2);
          }
          s.addAll(mine);
        };

    Race.run(
        1,
        () -> ids,
        List.of(allocator, allocator, allocator, allocator),
        s -> assertThat(s).hasSize(4 * perThread * 3));

    assertThat(new HashSet<>(ids)).doesNotContain(0L);
  }

  /**
   * Ranges of every size (inside a thread's block, across its end, as large as a block or larger)
   * allocated from several threads at once never overlap.
   */
  @Test
  void allocate_mixedSizesConcurrently_rangesNeverOverlap() throws Exception {
    int[] sizes = {1, 3, FenceContexts.BLOCK - 1, 1, FenceContexts.BLOCK, 2, 5_000, 1};
    int rounds = 50;
    List<long[]> ranges = new CopyOnWriteArrayList<>();
    Race.Party<List<long[]>> allocator =
        r -> {
          List<long[]> mine = new ArrayList<>();
          for (int i = 0; i < rounds; i++) {
            for (int n : sizes) {
              long first = FenceContexts.allocate(n);
              mine.add(new long[] {first, first + n});
            }
          }
          r.addAll(mine);
        };

    Race.run(
        1,
        () -> ranges,
        List.of(allocator, allocator, allocator, allocator),
        r -> assertNoOverlap(r));

    assertThat(ranges).hasSize(4 * rounds * sizes.length);
  }

  /** The ids one thread gets increase, whatever the sizes it asks for. */
  @Test
  void allocate_sameThread_idsIncrease() {
    long end = 0;
    for (int n :
        new int[] {1, 7, FenceContexts.BLOCK + 1, 1, FenceContexts.BLOCK - 1, 2, 3_000, 1}) {
      long first = FenceContexts.allocate(n);

      assertThat(first).isGreaterThanOrEqualTo(end).isPositive();
      end = first + n;
    }
  }

  /**
   * A thread's small allocations come from its own block: another thread allocating in between
   * takes nothing from it (the two share no counter), so the thread's ids stay consecutive.
   */
  @Test
  void allocate_otherThreadAllocatesInBetween_sameThreadIdsStayConsecutive() throws Exception {
    long[] seen = new long[2];
    Thread mine =
        new Thread(
            () -> {
              seen[0] = FenceContexts.allocate(1); // a fresh thread: takes a fresh block
              Thread other = new Thread(() -> FenceContexts.allocate(1));
              other.start();
              try {
                other.join();
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
              seen[1] = FenceContexts.allocate(1);
            });
    mine.start();
    mine.join();

    assertThat(seen[1]).isEqualTo(seen[0] + 1);
  }

  private static void assertNoOverlap(List<long[]> ranges) {
    List<long[]> sorted = new ArrayList<>(ranges);
    sorted.sort((a, b) -> Long.compare(a[0], b[0]));
    assertThat(sorted.get(0)[0]).isPositive();
    for (int i = 1; i < sorted.size(); i++) {
      assertThat(sorted.get(i)[0])
          .as("range %d starts after the previous one ends", i)
          .isGreaterThanOrEqualTo(sorted.get(i - 1)[1]);
    }
  }
}
