package org.fence4j.testlib;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.fence4j.Fence;
import org.fence4j.FenceCallback;
import org.fence4j.FenceError;
import org.fence4j.FenceErrorException;
import org.junit.jupiter.api.Test;

/**
 * The contract every {@link Fence} keeps, whatever makes it signal, as JUnit Jupiter tests. A
 * driver author (or anyone with a new kind of fence) extends this class with one factory method,
 * {@link #newSubject()}, that returns a fresh pending fence and the producer actions that signal
 * it; every test of this class then runs against that fence kind:
 *
 * <pre>{@code
 * class MyFenceContractTest extends FenceContract {
 *   @Override
 *   protected Subject newSubject() {
 *     MyFence fence = new MyFence();
 *     return subject(fence, fence::signal, () -> {
 *       fence.signal(FenceError.EIO);
 *       return FenceError.EIO;
 *     });
 *   }
 * }
 * }</pre>
 *
 * <p>The rules checked: a new fence is pending with status 0 and no timestamp; completing it
 * signals it once with status 1, a timestamp on the {@link System#nanoTime()} clock and no error;
 * failing it signals it with the error as its (negative) status; callbacks registered while pending
 * run exactly once, in registration order, and never after removal; {@code addCallback} on a
 * signaled fence returns {@code false} and never runs the callback; a zero-timeout wait polls; a
 * waiter is woken by a producer in another thread; a second signal is a no-op returning {@code
 * false}; {@code setError} after the signal is an {@link IllegalStateException}; the {@link
 * CompletableFuture} view completes with the fence or with a {@link FenceErrorException}; {@code
 * describe()} shows {@code context:seqno} and the state.
 *
 * <p>Fences that signal lazily (arrays, chains: the flag is set by the first observation once their
 * work is done) pass too: tests about an already signaled fence observe it first. For a fence that
 * is born signaled (a stub), use {@link SignaledFenceContract}.
 *
 * <p>Each test calls {@link #newSubject()} once and runs on the JUnit thread, except the one that
 * completes the fence from another thread (joined, bounded by {@link #JOIN_BOUND}).
 */
public abstract class FenceContract {
  /** Bound on a wait the contract expects to finish; only reached when something hangs. */
  protected static final Duration JOIN_BOUND = Duration.ofSeconds(20);

  /** For subclasses. */
  protected FenceContract() {}

  /**
   * A fence under test and the producer actions that make it signal. Implementations need not be
   * thread-safe beyond what the fence itself is: {@link #complete()} may run on another thread than
   * the one that created the subject.
   */
  public interface Subject {
    /**
     * Returns the fence under test (the same fence on every call).
     *
     * @return the fence, pending until {@link #complete()} or {@link #fail()}
     */
    Fence fence();

    /** Makes the fence signal without error (directly, or through the fences it depends on). */
    void complete();

    /**
     * Makes the fence signal with an error.
     *
     * @return the error the fence must then report
     */
    FenceError fail();
  }

  /**
   * Returns a new subject whose fence is pending; called once by each test.
   *
   * @return a fresh subject, never shared between tests
   */
  protected abstract Subject newSubject();

  /**
   * Builds a subject from a fence and two actions.
   *
   * @param fence the fence under test, pending
   * @param complete makes {@code fence} signal without error
   * @param fail makes {@code fence} signal with an error and returns that error
   * @return the subject
   * @throws NullPointerException if an argument is null
   */
  protected static Subject subject(Fence fence, Runnable complete, Supplier<FenceError> fail) {
    Objects.requireNonNull(fence, "fence");
    Objects.requireNonNull(complete, "complete");
    Objects.requireNonNull(fail, "fail");
    return new Subject() {
      @Override
      public Fence fence() {
        return fence;
      }

      @Override
      public void complete() {
        complete.run();
      }

      @Override
      public FenceError fail() {
        return fail.get();
      }
    };
  }

  /** A new fence is pending. */
  @Test
  public void isSignaled_newFence_isFalse() {
    Subject s = newSubject();

    assertThat(s.fence().isSignaled()).isFalse();
  }

  /** A pending fence has status 0. */
  @Test
  public void status_newFence_isZero() {
    Subject s = newSubject();

    assertThat(s.fence().status()).isZero();
  }

  /** Reading the timestamp of a pending fence is an IllegalStateException. */
  @Test
  public void timestampNanos_newFence_throwsIllegalState() {
    Subject s = newSubject();

    assertThatIllegalStateException().isThrownBy(() -> s.fence().timestampNanos());
  }

  /** Completing the producer's work signals the fence with status 1 and no error. */
  @Test
  public void complete_pendingFence_signalsWithStatusOne() {
    Subject s = newSubject();

    s.complete();

    assertThat(s.fence().isSignaled()).isTrue();
    assertThat(s.fence().status()).isOne();
    assertThat(s.fence().error()).isEmpty();
  }

  /** Failing the producer's work signals the fence with that error as a negative status. */
  @Test
  public void fail_pendingFence_signalsWithErrorStatus() {
    Subject s = newSubject();

    FenceError expected = s.fail();

    assertThat(s.fence().error()).contains(expected);
    assertThat(s.fence().status()).isEqualTo(expected.code());
  }

  /** The timestamp lies on the nanoTime clock between the completion and its first read. */
  @Test
  public void timestampNanos_completed_liesBetweenCompletionAndRead() {
    Subject s = newSubject();
    long before = System.nanoTime();

    s.complete();
    long stamp = s.fence().timestampNanos();

    assertThat(stamp - before).isNotNegative();
    assertThat(System.nanoTime() - stamp).isNotNegative();
  }

  /** A callback registered while pending runs once, with the fence, when it signals. */
  @Test
  public void addCallback_pendingFence_runsOnceWithFenceOnSignal() {
    Subject s = newSubject();
    List<Fence> seen = new CopyOnWriteArrayList<>();

    assertThat(s.fence().addCallback(seen::add)).isTrue();
    s.complete();
    s.fence().signal(); // a second signal must not run it again

    assertThat(seen).containsExactly(s.fence());
  }

  /**
   * Callbacks run in the order they were registered: each runs once, and those that ran on one
   * thread ran in that order. (A callback that stalls, or whose thread is descheduled for a while
   * on a loaded machine, may have the callbacks behind it moved to another thread, where they run
   * concurrently with it: registration order is the order in which callbacks start.)
   */
  @Test
  public void addCallback_severalCallbacks_runInRegistrationOrder() {
    Subject s = newSubject();
    List<Map.Entry<Thread, Integer>> runs = new CopyOnWriteArrayList<>();
    for (int i = 0; i < 5; i++) {
      int index = i;
      s.fence().addCallback(f -> runs.add(Map.entry(Thread.currentThread(), index)));
    }

    s.complete();

    assertThat(runs).extracting(Map.Entry::getValue).containsExactlyInAnyOrder(0, 1, 2, 3, 4);
    Map<Thread, List<Integer>> byThread = new LinkedHashMap<>();
    for (Map.Entry<Thread, Integer> run : runs) {
      byThread.computeIfAbsent(run.getKey(), t -> new ArrayList<>()).add(run.getValue());
    }
    assertThat(byThread.values()).allSatisfy(order -> assertThat(order).isSorted());
  }

  /** addCallback on a signaled fence returns false and never runs the callback. */
  @Test
  public void addCallback_signaledFence_returnsFalseAndNeverRuns() {
    Subject s = newSubject();
    s.complete();
    AtomicInteger runs = new AtomicInteger();

    boolean added = s.fence().addCallback(f -> runs.incrementAndGet());

    assertThat(added).isFalse();
    assertThat(runs).hasValue(0);
  }

  /** A callback removed before the signal never runs. */
  @Test
  public void removeCallback_beforeSignal_callbackNeverRuns() {
    Subject s = newSubject();
    AtomicInteger runs = new AtomicInteger();
    FenceCallback cb = f -> runs.incrementAndGet();
    s.fence().addCallback(cb);

    assertThat(s.fence().removeCallback(cb)).isTrue();
    s.complete();

    assertThat(runs).hasValue(0);
  }

  /** removeCallback after the signal returns false. */
  @Test
  public void removeCallback_afterSignal_returnsFalse() {
    Subject s = newSubject();
    FenceCallback cb = f -> {};
    s.fence().addCallback(cb);
    s.complete();

    assertThat(s.fence().removeCallback(cb)).isFalse();
  }

  /**
   * A thread waiting without timeout returns once another thread completes the work.
   *
   * @throws Exception if the fence fails the rule in an unexpected way
   */
  @Test
  public void await_completedByAnotherThread_returns() throws Exception {
    Subject s = newSubject();
    Thread producer = new Thread(s::complete, "fence-contract-producer");
    producer.setDaemon(true);
    producer.start();
    try {
      s.fence().await();
    } finally {
      producer.join(JOIN_BOUND.toMillis());
    }

    assertThat(producer.isAlive()).as("producer thread finished").isFalse();

    assertThat(s.fence().isSignaled()).isTrue();
  }

  /**
   * A zero timeout polls: false while pending.
   *
   * @throws Exception if the fence fails the rule in an unexpected way
   */
  @Test
  public void await_zeroTimeoutWhilePending_returnsFalse() throws Exception {
    Subject s = newSubject();

    assertThat(s.fence().await(Duration.ZERO)).isFalse();
    assertThat(s.fence().await(0, TimeUnit.SECONDS)).isFalse();
  }

  /**
   * A timed wait returns true once the fence is signaled, even with an error.
   *
   * @throws Exception if the fence fails the rule in an unexpected way
   */
  @Test
  public void await_failedFence_returnsTrue() throws Exception {
    Subject s = newSubject();
    s.fail();

    assertThat(s.fence().await(Duration.ofSeconds(10))).isTrue();
  }

  /** A second signal on a signaled fence is a no-op that returns false. */
  @Test
  public void signal_signaledFence_returnsFalseAndKeepsStatus() {
    Subject s = newSubject();
    s.complete();
    assertThat(s.fence().isSignaled()).isTrue();

    assertThat(s.fence().signal()).isFalse();
    assertThat(s.fence().signal(FenceError.EIO)).isFalse();
    assertThat(s.fence().status()).isOne();
  }

  /** setError after the signal is an IllegalStateException and changes nothing. */
  @Test
  public void setError_signaledFence_throwsIllegalStateAndKeepsStatus() {
    Subject s = newSubject();
    s.complete();
    assertThat(s.fence().isSignaled()).isTrue();

    assertThatIllegalStateException().isThrownBy(() -> s.fence().setError(FenceError.EIO));
    assertThat(s.fence().status()).isOne();
  }

  /**
   * The future of a fence that completes completes with the fence.
   *
   * @throws Exception if the fence fails the rule in an unexpected way
   */
  @Test
  public void toCompletableFuture_completed_completesWithFence() throws Exception {
    Subject s = newSubject();
    CompletableFuture<Fence> future = s.fence().toCompletableFuture();

    s.complete();

    assertThat(future.get(10, TimeUnit.SECONDS)).isSameAs(s.fence());
  }

  /** The future of a fence that fails completes exceptionally with its FenceError. */
  @Test
  public void toCompletableFuture_failed_completesWithFenceErrorException() {
    Subject s = newSubject();
    CompletableFuture<Fence> future = s.fence().toCompletableFuture();

    FenceError expected = s.fail();

    assertThat(future)
        .failsWithin(Duration.ofSeconds(10))
        .withThrowableOfType(ExecutionException.class)
        .havingCause()
        .isInstanceOfSatisfying(
            FenceErrorException.class, e -> assertThat(e.error()).isEqualTo(expected));
  }

  /** describe() starts with context:seqno and ends with the state. */
  @Test
  public void describe_pendingThenSignaled_showsIdentityAndState() {
    Subject s = newSubject();
    Fence f = s.fence();
    String prefix = f.context() + ":" + f.seqno() + " ";

    assertThat(f.describe()).startsWith(prefix).endsWith(" unsignaled");
    s.complete();
    assertThat(f.isSignaled()).isTrue();
    assertThat(f.describe()).startsWith(prefix).endsWith(" signaled");
  }
}
