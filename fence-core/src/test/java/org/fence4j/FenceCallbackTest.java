package org.fence4j;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The consumer side of a fence: callbacks, inline and on executors, and how they cascade. */
class FenceCallbackTest {
  /** Stack for threads that run deep cascades: far too small for any per-level recursion. */
  private static final long SMALL_STACK = 256 * 1024;

  private static final Duration LONG = Duration.ofSeconds(30);

  private final FenceContext ctx = FenceContext.create("test-driver", "ring0");
  private final List<Throwable> reported = new CopyOnWriteArrayList<>();

  @AfterEach
  void restoreHandler() {
    Fence.setCallbackExceptionHandler(null);
  }

  private void recordCallbackExceptions() {
    Fence.setCallbackExceptionHandler((thread, e) -> reported.add(e));
  }

  // -------------------------------------------------------------------------------------------
  // Registration and order

  /** A callback registered while pending runs exactly once, with the fence, on signal. */
  @Test
  void addCallback_pendingFence_runsOnceWithFence() {
    Fence fence = ctx.next();
    List<Fence> seen = new ArrayList<>();

    assertThat(fence.addCallback(seen::add)).isTrue();
    fence.signal();
    fence.signal();

    assertThat(seen).containsExactly(fence);
  }

  /**
   * Callbacks run in registration order (checked among those that ran on one thread: on a loaded
   * machine the stall monitor may move the ones behind a descheduled callback to a relay thread).
   */
  @Test
  void addCallback_manyCallbacks_runInRegistrationOrder() {
    Fence fence = ctx.next();
    CallbackRuns runs = new CallbackRuns(100);
    for (int i = 0; i < 100; i++) {
      fence.addCallback(runs.callback(i));
    }

    fence.signal();

    assertThat(runs.notRunExactlyOnce()).isEmpty();
    assertThat(runs.outOfOrderOnOneThread(0, 100)).isEmpty();
  }

  /**
   * A callback registered between signal()'s read of a state without callbacks and its claim is not
   * claimed by the path that fires nothing: signal() claims it through the dispatcher, and it runs
   * once, before signal() returns (made deterministic by the test seam).
   */
  @Test
  void signal_callbackAddedBeforeClaimOfEmptyState_runsOnce() {
    assertCallbackAddedBeforeClaimRunsOnce(Fence::signal);
  }

  /** The same for the signal variants that take an error or a timestamp. */
  @Test
  void signalWithError_callbackAddedBeforeClaimOfEmptyState_runsOnce() {
    assertCallbackAddedBeforeClaimRunsOnce(f -> f.signal(FenceError.EIO));
    assertCallbackAddedBeforeClaimRunsOnce(f -> f.signal(42L));
  }

  private void assertCallbackAddedBeforeClaimRunsOnce(Predicate<Fence> signal) {
    Dispatcher.Seam seam = Objects.requireNonNull(Dispatcher.SEAM, "testSeams");
    Fence fence = ctx.next();
    AtomicInteger runs = new AtomicInteger();
    seam.armAction(
        Thread.currentThread(),
        Dispatcher.Seam.PRE_CAS,
        () -> assertThat(fence.addCallback(f -> runs.incrementAndGet())).isTrue());
    try {
      assertThat(signal.test(fence)).isTrue();
    } finally {
      seam.disarm();
    }

    assertThat(runs).hasValue(1);
    assertThat(fence.isSignaled()).isTrue();
  }

  /** A callback runs after the fence is visibly signaled, in the signaling thread. */
  @Test
  void signal_callbackRuns_inSignalingThreadAfterFenceIsSignaled() {
    Fence fence = ctx.next();
    AtomicReference<Thread> ranIn = new AtomicReference<>();
    AtomicInteger statusSeen = new AtomicInteger(-999);
    fence.addCallback(
        f -> {
          ranIn.set(Thread.currentThread());
          statusSeen.set(f.status());
        });

    fence.signal(FenceError.EIO);

    assertThat(ranIn).hasValue(Thread.currentThread());
    assertThat(statusSeen).hasValue(FenceError.EIO.code());
  }

  /** addCallback on a signaled fence returns false and never runs the callback. */
  @Test
  void addCallback_signaledFence_returnsFalseAndNeverRuns() {
    Fence fence = ctx.next();
    fence.signal();
    AtomicInteger runs = new AtomicInteger();

    assertThat(fence.addCallback(f -> runs.incrementAndGet())).isFalse();

    assertThat(runs).hasValue(0);
  }

  /** The same callback instance registered twice on one fence runs twice. */
  @Test
  void addCallback_sameInstanceTwice_runsOncePerRegistration() {
    Fence fence = ctx.next();
    AtomicInteger runs = new AtomicInteger();
    FenceCallback cb = f -> runs.incrementAndGet();
    fence.addCallback(cb);
    fence.addCallback(cb);

    fence.signal();

    assertThat(runs).hasValue(2);
  }

  /** The same callback instance registered on two fences runs once for each. */
  @Test
  void addCallback_sameInstanceOnTwoFences_runsOncePerFence() {
    Fence a = ctx.next();
    Fence b = ctx.next();
    List<Fence> seen = new ArrayList<>();
    FenceCallback cb = seen::add;
    a.addCallback(cb);
    b.addCallback(cb);

    a.signal();
    b.signal();

    assertThat(seen).containsExactly(a, b);
  }

  // -------------------------------------------------------------------------------------------
  // Removal

  /** removeCallback of a queued callback returns true and the callback never runs. */
  @Test
  void removeCallback_queued_returnsTrueAndCallbackNeverRuns() {
    Fence fence = ctx.next();
    AtomicInteger runs = new AtomicInteger();
    FenceCallback cb = f -> runs.incrementAndGet();
    fence.addCallback(cb);

    assertThat(fence.removeCallback(cb)).isTrue();
    fence.signal();

    assertThat(runs).hasValue(0);
  }

  /** removeCallback after the signal returns false (the callback already ran). */
  @Test
  void removeCallback_afterSignal_returnsFalse() {
    Fence fence = ctx.next();
    AtomicInteger runs = new AtomicInteger();
    FenceCallback cb = f -> runs.incrementAndGet();
    fence.addCallback(cb);
    fence.signal();

    assertThat(fence.removeCallback(cb)).isFalse();
    assertThat(runs).hasValue(1);
  }

  /** removeCallback of a callback that was never added returns false. */
  @Test
  void removeCallback_neverAdded_returnsFalse() {
    Fence fence = ctx.next();
    fence.addCallback(f -> {});

    assertThat(fence.removeCallback(f -> {})).isFalse();
  }

  /** Removing one of two registrations of one instance leaves the other, which runs once. */
  @Test
  void removeCallback_oneOfTwoRegistrations_otherRunsOnce() {
    Fence fence = ctx.next();
    AtomicInteger runs = new AtomicInteger();
    FenceCallback cb = f -> runs.incrementAndGet();
    fence.addCallback(cb);
    fence.addCallback(cb);

    assertThat(fence.removeCallback(cb)).isTrue();
    fence.signal();

    assertThat(runs).hasValue(1);
  }

  /** Each removeCallback removes one registration; a third call after two finds none. */
  @Test
  void removeCallback_moreTimesThanRegistered_lastReturnsFalse() {
    Fence fence = ctx.next();
    FenceCallback cb = f -> {};
    fence.addCallback(cb);
    fence.addCallback(cb);

    assertThat(fence.removeCallback(cb)).isTrue();
    assertThat(fence.removeCallback(cb)).isTrue();
    assertThat(fence.removeCallback(cb)).isFalse();
    assertThat(Registrations.count(fence)).isZero();
  }

  /** Removing a callback from the middle keeps the others in registration order. */
  @Test
  void removeCallback_middleRegistration_othersRunInOrder() {
    Fence fence = ctx.next();
    CallbackRuns runs = new CallbackRuns(3);
    FenceCallback middle = runs.callback(1);
    fence.addCallback(runs.callback(0));
    fence.addCallback(middle);
    fence.addCallback(runs.callback(2));

    fence.removeCallback(middle);
    fence.signal();

    assertThat(runs.notRun()).containsExactly(1);
    assertThat(runs.runs()).isEqualTo(2);
    assertThat(runs.outOfOrderOnOneThread(0, 3)).isEmpty();
  }

  // -------------------------------------------------------------------------------------------
  // Races

  /** addCallback racing signal: the callback runs exactly once, or addCallback returned false. */
  @Test
  void addCallback_racingSignal_runsOnceOrReturnsFalse() throws Exception {
    class Round {
      final Fence fence = ctx.next();
      final AtomicInteger runs = new AtomicInteger();
      volatile boolean added;
    }
    Race.Party<Round> adder = r -> r.added = r.fence.addCallback(f -> r.runs.incrementAndGet());
    Race.Party<Round> signaler = r -> r.fence.signal();

    Race.run(
        2_000,
        Round::new,
        List.of(adder, signaler),
        r -> assertThat(r.runs).hasValue(r.added ? 1 : 0));
  }

  /** removeCallback racing signal: a removed callback never runs, a kept one runs once. */
  @Test
  void removeCallback_racingSignal_removedNeverRunsKeptRunsOnce() throws Exception {
    class Round {
      final Fence fence = ctx.next();
      final AtomicInteger runs = new AtomicInteger();
      final FenceCallback cb = f -> runs.incrementAndGet();
      volatile boolean removed;

      Round() {
        fence.addCallback(cb);
      }
    }
    Race.Party<Round> remover = r -> r.removed = r.fence.removeCallback(r.cb);
    Race.Party<Round> signaler = r -> r.fence.signal();

    Race.run(
        2_000,
        Round::new,
        List.of(remover, signaler),
        r -> assertThat(r.runs).hasValue(r.removed ? 0 : 1));
  }

  // -------------------------------------------------------------------------------------------
  // Exceptions

  /** A throwing callback does not stop the later callbacks or the signal. */
  @Test
  void signal_throwingCallback_laterCallbacksRunAndSignalSucceeds() {
    recordCallbackExceptions();
    Fence fence = ctx.next();
    CallbackRuns runs = new CallbackRuns(2);
    fence.addCallback(runs.callback(0));
    fence.addCallback(
        f -> {
          throw new IllegalStateException("boom");
        });
    fence.addCallback(runs.callback(1));

    assertThat(fence.signal()).isTrue();

    assertThat(fence.isSignaled()).isTrue();
    assertThat(runs.notRunExactlyOnce()).isEmpty();
  }

  /** A callback's exception goes to the handler set with setCallbackExceptionHandler. */
  @Test
  void signal_throwingCallback_exceptionReachesHandler() {
    recordCallbackExceptions();
    Fence fence = ctx.next();
    RuntimeException boom = new IllegalStateException("boom");
    fence.addCallback(
        f -> {
          throw boom;
        });

    fence.signal();

    assertThat(reported).containsExactly(boom);
  }

  /** Without a configured handler, a callback's exception goes to the default handler. */
  @Test
  void signal_throwingCallbackWithoutHandler_reachesDefaultUncaughtExceptionHandler() {
    Thread.UncaughtExceptionHandler saved = Thread.getDefaultUncaughtExceptionHandler();
    List<Throwable> defaultSaw = new CopyOnWriteArrayList<>();
    Thread.setDefaultUncaughtExceptionHandler((thread, e) -> defaultSaw.add(e));
    try {
      Fence fence = ctx.next();
      RuntimeException boom = new IllegalStateException("boom");
      fence.addCallback(
          f -> {
            throw boom;
          });

      fence.signal();

      assertThat(defaultSaw).containsExactly(boom);
    } finally {
      Thread.setDefaultUncaughtExceptionHandler(saved);
    }
  }

  /** A handler that itself throws does not stop the later callbacks or the signal. */
  @Test
  void signal_throwingHandler_laterCallbacksStillRun() {
    Fence.setCallbackExceptionHandler(
        (thread, e) -> {
          throw new IllegalStateException("handler failed too");
        });
    Fence fence = ctx.next();
    AtomicInteger later = new AtomicInteger();
    fence.addCallback(
        f -> {
          throw new IllegalStateException("boom");
        });
    fence.addCallback(f -> later.incrementAndGet());

    assertThat(fence.signal()).isTrue();

    assertThat(later).hasValue(1);
  }

  // -------------------------------------------------------------------------------------------
  // Executor callbacks

  /** A callback added with an executor runs there, once, with the fence. */
  @Test
  void addCallbackWithExecutor_signal_runsOnExecutorThread() throws Exception {
    ExecutorService executor = Executors.newSingleThreadExecutor(r -> new Thread(r, "cb-exec"));
    try {
      Fence fence = ctx.next();
      CompletableFuture<String> ranOn = new CompletableFuture<>();
      fence.addCallback(
          f -> ranOn.complete(Thread.currentThread().getName() + " " + (f == fence)), executor);

      fence.signal();

      assertThat(ranOn.get(10, TimeUnit.SECONDS)).isEqualTo("cb-exec true");
    } finally {
      executor.shutdown();
      assertThat(executor.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    }
  }

  /** addCallback with an executor on a pending fence returns true (registered). */
  @Test
  void addCallbackWithExecutor_pendingFence_returnsTrue() {
    Fence fence = ctx.next();

    assertThat(fence.addCallback(f -> {}, Runnable::run)).isTrue();
  }

  /** addCallback with an executor on a signaled fence returns false and submits nothing. */
  @Test
  void addCallbackWithExecutor_signaledFence_returnsFalseAndSubmitsNothing() {
    Fence fence = ctx.next();
    fence.signal();
    AtomicInteger submitted = new AtomicInteger();

    boolean added = fence.addCallback(f -> {}, task -> submitted.incrementAndGet());

    assertThat(added).isFalse();
    assertThat(submitted).hasValue(0);
  }

  /** A removed executor registration is never submitted. */
  @Test
  void removeCallback_executorRegistration_neverSubmitted() {
    Fence fence = ctx.next();
    AtomicInteger submitted = new AtomicInteger();
    FenceCallback cb = f -> {};
    fence.addCallback(cb, task -> submitted.incrementAndGet());

    assertThat(fence.removeCallback(cb)).isTrue();
    fence.signal();

    assertThat(submitted).hasValue(0);
  }

  /** An executor that rejects the task is reported like a throwing callback; others still run. */
  @Test
  void addCallbackWithExecutor_rejected_reportedAndOthersRun() {
    recordCallbackExceptions();
    Fence fence = ctx.next();
    AtomicInteger later = new AtomicInteger();
    fence.addCallback(
        f -> {},
        task -> {
          throw new RejectedExecutionException("full");
        });
    fence.addCallback(f -> later.incrementAndGet());

    assertThat(fence.signal()).isTrue();

    assertThat(reported).singleElement().isInstanceOf(RejectedExecutionException.class);
    assertThat(later).hasValue(1);
  }

  /** A callback that throws on an executor is reported to the handler. */
  @Test
  void addCallbackWithExecutor_throwingCallback_reportedToHandler() {
    recordCallbackExceptions();
    Fence fence = ctx.next();
    RuntimeException boom = new IllegalStateException("boom");
    fence.addCallback(
        f -> {
          throw boom;
        },
        Runnable::run);

    fence.signal();

    assertThat(reported).containsExactly(boom);
  }

  // -------------------------------------------------------------------------------------------
  // What a callback may do

  /** A callback may add and remove callbacks on other fences; both take effect. */
  @Test
  void callback_addsAndRemovesCallbacksOnOtherFences_takesEffect() {
    Fence trigger = ctx.next();
    Fence other = ctx.next();
    List<String> ran = new ArrayList<>();
    FenceCallback doomed = f -> ran.add("doomed");
    other.addCallback(doomed);
    AtomicBoolean removed = new AtomicBoolean();
    trigger.addCallback(
        f -> {
          other.addCallback(x -> ran.add("added"));
          removed.set(other.removeCallback(doomed));
        });

    trigger.signal();
    other.signal();

    assertThat(removed).isTrue();
    assertThat(ran).containsExactly("added");
  }

  /** A callback may signal another fence, whose callbacks run before the outer signal returns. */
  @Test
  void callback_signalsOtherFence_otherCallbacksRunBeforeOuterSignalReturns() {
    Fence first = ctx.next();
    Fence second = ctx.next();
    AtomicInteger secondRuns = new AtomicInteger();
    second.addCallback(f -> secondRuns.incrementAndGet());
    first.addCallback(f -> second.signal());

    first.signal();

    assertThat(second.isSignaled()).isTrue();
    assertThat(secondRuns).hasValue(1);
  }

  /** A callback adding a callback to its own, already signaled fence gets false. */
  @Test
  void callback_addsCallbackToOwnFence_returnsFalseAndNeverRuns() {
    Fence fence = ctx.next();
    AtomicInteger innerRuns = new AtomicInteger();
    AtomicReference<Boolean> added = new AtomicReference<>();
    fence.addCallback(f -> added.set(f.addCallback(x -> innerRuns.incrementAndGet())));

    fence.signal();

    assertThat(added).hasValue(false);
    assertThat(innerRuns).hasValue(0);
  }

  /** A callback runs outside any library lock: another thread can use the fence meanwhile. */
  @Test
  void callback_otherThreadUsesFencesMeanwhile_doesNotBlock() throws Exception {
    Fence fence = ctx.next();
    Fence other = ctx.next();
    AtomicReference<Object> outcome = new AtomicReference<>();
    List<Spawned<Boolean>> helpers = new ArrayList<>();
    fence.addCallback(
        f -> {
          Spawned<Boolean> helper =
              Spawned.start(
                  "helper",
                  () -> {
                    boolean added = f.addCallback(x -> {});
                    other.signal();
                    return added;
                  });
          helpers.add(helper);
          try {
            outcome.set(helper.join(Duration.ofSeconds(5)));
          } catch (Exception | AssertionError e) {
            outcome.set(e);
          }
        });

    try {
      fence.signal();
    } finally {
      for (Spawned<Boolean> helper : helpers) {
        helper.close();
      }
    }

    assertThat(outcome).hasValue(false);
    assertThat(other.isSignaled()).isTrue();
  }

  // -------------------------------------------------------------------------------------------
  // Cascades

  /**
   * A 100,000-deep cascade of fences signaling each other from callbacks completes without
   * StackOverflowError, and every fence is signaled when the outermost signal returns.
   */
  @Test
  void signal_100000DeepCascade_completesInConstantStackAndAllSignaled() throws Exception {
    int depth = 100_000;
    List<Fence> fences = new ArrayList<>(depth + 1);
    for (int i = 0; i <= depth; i++) {
      fences.add(ctx.next());
    }
    for (int i = 0; i < depth; i++) {
      Fence next = fences.get(i + 1);
      fences.get(i).addCallback(f -> next.signal());
    }
    AtomicInteger lastRuns = new AtomicInteger();
    fences.get(depth).addCallback(f -> lastRuns.incrementAndGet());

    try (Spawned<Long> signaler =
        Spawned.startWithStack(
            "cascade",
            SMALL_STACK,
            () -> {
              fences.get(0).signal();
              return fences.stream().filter(Fence::isSignaled).count();
            })) {
      assertThat(signaler.join()).isEqualTo(depth + 1L);
    }
    assertThat(lastRuns).hasValue(1);
  }

  /**
   * A 100,000-deep cascade through wait-all arrays (member signals, array signals, its callback
   * signals the next member) completes without StackOverflowError, all signaled on return.
   */
  @Test
  void signal_100000DeepCascadeThroughArrays_completesInConstantStackAndAllSignaled()
      throws Exception {
    int depth = 100_000;
    List<Fence> members = new ArrayList<>(depth + 1);
    for (int i = 0; i <= depth; i++) {
      members.add(ctx.next());
    }
    List<FenceArray> arrays = new ArrayList<>(depth);
    for (int i = 0; i < depth; i++) {
      FenceArray array = FenceArray.all(List.of(members.get(i)));
      Fence next = members.get(i + 1);
      array.addCallback(f -> next.signal());
      arrays.add(array);
    }

    try (Spawned<Boolean> signaler =
        Spawned.startWithStack(
            "cascade",
            SMALL_STACK,
            () -> {
              members.get(0).signal();
              return arrays.stream().allMatch(Fence::isSignaled)
                  && members.stream().allMatch(Fence::isSignaled);
            })) {
      assertThat(signaler.join()).isTrue();
    }
  }

  /**
   * A cascade that fans out (each callback signals many fences, which signal many more) runs every
   * callback exactly once, also when the stall monitor moves part of it to relay threads (65,641
   * fences: on a loaded machine a descheduled signaling thread looks like a callback running long).
   */
  @Test
  void signal_fanOutCascade_everyCallbackRunsExactlyOnce() {
    FanOut tree = new FanOut(ctx, 3, 40);

    tree.root.signal();

    Awaitility.await().atMost(LONG).until(tree::allRan);
    assertThat(tree.runs.notRunExactlyOnce()).isEmpty();
  }

  /**
   * The outermost signal of a fan-out cascade returns only after every callback has run, wherever
   * it ran: no callback here blocks, so the signal never stops waiting for work the stall monitor
   * moved to a relay thread.
   */
  @Test
  void signal_fanOutCascade_everyCallbackHasRunWhenSignalReturns() {
    FanOut tree = new FanOut(ctx, 3, 40);

    tree.root.signal();

    assertThat(tree.runs.notRun()).isEmpty();
  }

  /**
   * In a fan-out cascade, each fence's callbacks run in registration order: wherever two of them
   * ran on one thread, the one registered first ran first. (When the stall monitor moves the second
   * to a relay thread while the first runs, the two run concurrently; registration order is the
   * order in which they start, an order of execution only on one thread.)
   */
  @Test
  void signal_fanOutCascade_eachFencesCallbacksRunInRegistrationOrder() {
    FanOut tree = new FanOut(ctx, 3, 40);

    tree.root.signal();

    Awaitility.await().atMost(LONG).until(tree::allRan);
    assertThat(tree.outOfOrderOnOneThread()).isEmpty();
  }

  /**
   * A tree of fences whose first callback signals the fence's children and whose second callback
   * only records itself; fence k's callbacks are callbacks 2k and 2k + 1 of {@link #runs}.
   */
  private static final class FanOut {
    final Fence root;
    final CallbackRuns runs;
    private int fences;

    FanOut(FenceContext ctx, int depth, int fanOut) {
      int total = 0;
      for (int level = 0, width = 1; level <= depth; level++, width *= fanOut) {
        total += width;
      }
      runs = new CallbackRuns(2 * total);
      root = build(ctx, depth, fanOut);
    }

    private Fence build(FenceContext ctx, int depth, int fanOut) {
      Fence fence = ctx.next();
      int first = 2 * fences++;
      List<Fence> children = new ArrayList<>();
      if (depth > 0) {
        for (int i = 0; i < fanOut; i++) {
          children.add(build(ctx, depth - 1, fanOut));
        }
      }
      fence.addCallback(
          f -> {
            runs.record(first);
            children.forEach(Fence::signal);
          });
      fence.addCallback(runs.callback(first + 1));
      return fence;
    }

    /** Whether every callback has run (at least once). */
    boolean allRan() {
      return runs.runs() >= runs.callbacks();
    }

    /** Each fence's callbacks that ran on one thread out of registration order. */
    List<String> outOfOrderOnOneThread() {
      List<String> wrong = new ArrayList<>();
      for (int i = 0; i < runs.callbacks(); i += 2) {
        wrong.addAll(runs.outOfOrderOnOneThread(i, i + 2));
      }
      return wrong;
    }
  }

  /** A callback that throws deep inside a cascade is reported and the cascade goes on. */
  @Test
  void signal_throwingCallbackInCascade_reportedAndCascadeContinues() {
    recordCallbackExceptions();
    Fence first = ctx.next();
    Fence second = ctx.next();
    Fence third = ctx.next();
    RuntimeException boom = new IllegalStateException("boom");
    first.addCallback(f -> second.signal());
    second.addCallback(
        f -> {
          throw boom;
        });
    second.addCallback(f -> third.signal());

    first.signal();

    assertThat(third.isSignaled()).isTrue();
    assertThat(reported).containsExactly(boom);
  }

  /** A cascade started in one thread wakes a thread waiting on its last fence. */
  @Test
  void signal_cascadeEndingInWaitedFence_wakesWaiter() throws Exception {
    Fence first = ctx.next();
    Fence last = ctx.next();
    first.addCallback(f -> last.signal());
    CountDownLatch waiting = new CountDownLatch(1);
    try (Spawned<Boolean> waiter =
        Spawned.start(
            "waiter",
            () -> {
              waiting.countDown();
              return last.await(Spawned.JOIN_BOUND);
            })) {
      assertThat(waiting.await(10, TimeUnit.SECONDS)).isTrue();

      first.signal();

      assertThat(waiter.join()).isTrue();
    }
  }
}
