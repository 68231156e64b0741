package org.fence4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * The contract every kind of fence keeps, whatever makes it signal: run once per implementation (a
 * {@link FenceContext} fence, a software-timeline point, wait-all and wait-any arrays, a chain
 * link), each supplying the producer action that completes or fails its fence.
 */
class FenceContractTest {

  /** A fence under test and the producer actions that make it signal. */
  interface Subject {
    /** The fence under test, still pending. */
    Fence fence();

    /** Makes the fence signal without error. */
    void complete();

    /** Makes the fence signal with an error and returns the error it must report. */
    FenceError fail();
  }

  /**
   * The contract tests; subclasses say how to build a subject. Arrays and chains signal lazily:
   * once their work is done, the first observation ({@code isSignaled()}, a callback, a wait) sets
   * the flag, so tests about an already signaled fence observe it first.
   */
  abstract static class Contract {
    /** Returns a new subject whose fence is pending. */
    abstract Subject newSubject();

    /** A new fence is pending. */
    @Test
    void isSignaled_newFence_isFalse() {
      Subject s = newSubject();

      assertThat(s.fence().isSignaled()).isFalse();
    }

    /** A pending fence has status 0. */
    @Test
    void status_newFence_isZero() {
      Subject s = newSubject();

      assertThat(s.fence().status()).isZero();
    }

    /** Reading the timestamp of a pending fence is an IllegalStateException. */
    @Test
    void timestampNanos_newFence_throwsIllegalState() {
      Subject s = newSubject();

      assertThatIllegalStateException().isThrownBy(() -> s.fence().timestampNanos());
    }

    /** Completing the producer's work signals the fence with status 1 and no error. */
    @Test
    void complete_pendingFence_signalsWithStatusOne() {
      Subject s = newSubject();

      s.complete();

      assertThat(s.fence().isSignaled()).isTrue();
      assertThat(s.fence().status()).isOne();
      assertThat(s.fence().error()).isEmpty();
    }

    /** Failing the producer's work signals the fence with that error as a negative status. */
    @Test
    void fail_pendingFence_signalsWithErrorStatus() {
      Subject s = newSubject();

      FenceError expected = s.fail();

      assertThat(s.fence().error()).contains(expected);
      assertThat(s.fence().status()).isEqualTo(expected.code());
    }

    /** The timestamp lies on the nanoTime clock between the completion and its first read. */
    @Test
    void timestampNanos_completed_liesBetweenCompletionAndRead() {
      Subject s = newSubject();
      long before = System.nanoTime();

      s.complete();
      long stamp = s.fence().timestampNanos();

      assertThat(stamp - before).isNotNegative();
      assertThat(System.nanoTime() - stamp).isNotNegative();
    }

    /** A callback registered while pending runs once, with the fence, when it signals. */
    @Test
    void addCallback_pendingFence_runsOnceWithFenceOnSignal() {
      Subject s = newSubject();
      List<Fence> seen = new CopyOnWriteArrayList<>();

      assertThat(s.fence().addCallback(seen::add)).isTrue();
      s.complete();
      s.fence().signal(); // a second signal must not run it again

      assertThat(seen).containsExactly(s.fence());
    }

    /** Callbacks run in the order they were registered. */
    @Test
    void addCallback_severalCallbacks_runInRegistrationOrder() {
      Subject s = newSubject();
      List<Integer> order = new CopyOnWriteArrayList<>();
      for (int i = 0; i < 5; i++) {
        int index = i;
        s.fence().addCallback(f -> order.add(index));
      }

      s.complete();

      assertThat(order).containsExactly(0, 1, 2, 3, 4);
    }

    /** addCallback on a signaled fence returns false and never runs the callback. */
    @Test
    void addCallback_signaledFence_returnsFalseAndNeverRuns() {
      Subject s = newSubject();
      s.complete();
      AtomicInteger runs = new AtomicInteger();

      boolean added = s.fence().addCallback(f -> runs.incrementAndGet());

      assertThat(added).isFalse();
      assertThat(runs).hasValue(0);
    }

    /** A callback removed before the signal never runs. */
    @Test
    void removeCallback_beforeSignal_callbackNeverRuns() {
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
    void removeCallback_afterSignal_returnsFalse() {
      Subject s = newSubject();
      FenceCallback cb = f -> {};
      s.fence().addCallback(cb);
      s.complete();

      assertThat(s.fence().removeCallback(cb)).isFalse();
    }

    /** A thread waiting without timeout returns once another thread completes the work. */
    @Test
    void await_completedByAnotherThread_returns() throws Exception {
      Subject s = newSubject();
      try (Spawned<Void> producer =
          Spawned.start(
              "producer",
              () -> {
                s.complete();
                return null;
              })) {
        s.fence().await();
        producer.join();
      }

      assertThat(s.fence().isSignaled()).isTrue();
    }

    /** A zero timeout polls: false while pending. */
    @Test
    void await_zeroTimeoutWhilePending_returnsFalse() throws Exception {
      Subject s = newSubject();

      assertThat(s.fence().await(Duration.ZERO)).isFalse();
      assertThat(s.fence().await(0, TimeUnit.SECONDS)).isFalse();
    }

    /** A timed wait returns true once the fence is signaled, even with an error. */
    @Test
    void await_failedFence_returnsTrue() throws Exception {
      Subject s = newSubject();
      s.fail();

      assertThat(s.fence().await(Duration.ofSeconds(10))).isTrue();
    }

    /** A second signal on a signaled fence is a no-op that returns false. */
    @Test
    void signal_signaledFence_returnsFalseAndKeepsStatus() {
      Subject s = newSubject();
      s.complete();
      assertThat(s.fence().isSignaled()).isTrue();

      assertThat(s.fence().signal()).isFalse();
      assertThat(s.fence().signal(FenceError.EIO)).isFalse();
      assertThat(s.fence().status()).isOne();
    }

    /** setError after the signal is an IllegalStateException and changes nothing. */
    @Test
    void setError_signaledFence_throwsIllegalStateAndKeepsStatus() {
      Subject s = newSubject();
      s.complete();
      assertThat(s.fence().isSignaled()).isTrue();

      assertThatIllegalStateException().isThrownBy(() -> s.fence().setError(FenceError.EIO));
      assertThat(s.fence().status()).isOne();
    }

    /** The future of a fence that completes completes with the fence. */
    @Test
    void toCompletableFuture_completed_completesWithFence() throws Exception {
      Subject s = newSubject();
      CompletableFuture<Fence> future = s.fence().toCompletableFuture();

      s.complete();

      assertThat(future.get(10, TimeUnit.SECONDS)).isSameAs(s.fence());
    }

    /** The future of a fence that fails completes exceptionally with its FenceError. */
    @Test
    void toCompletableFuture_failed_completesWithFenceErrorException() {
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
    void describe_pendingThenSignaled_showsIdentityAndState() {
      Subject s = newSubject();
      Fence f = s.fence();
      String prefix = f.context() + ":" + f.seqno() + " ";

      assertThat(f.describe()).startsWith(prefix).endsWith(" unsignaled");
      s.complete();
      assertThat(f.isSignaled()).isTrue();
      assertThat(f.describe()).startsWith(prefix).endsWith(" signaled");
    }
  }

  /** A fence from FenceContext.next(), signaled by its producer. */
  @Nested
  class ContextFence extends Contract {
    @Override
    Subject newSubject() {
      Fence fence = FenceContext.create("drv", "ring").next();
      return new Subject() {
        @Override
        public Fence fence() {
          return fence;
        }

        @Override
        public void complete() {
          fence.signal();
        }

        @Override
        public FenceError fail() {
          fence.signal(FenceError.EIO);
          return FenceError.EIO;
        }
      };
    }
  }

  /** A software-timeline point, signaled by increments and failed by close(). */
  @Nested
  class TimelinePoint extends Contract {
    @Override
    Subject newSubject() {
      SoftwareTimeline timeline = SoftwareTimeline.create("contract");
      Fence point = timeline.createFence(2);
      return new Subject() {
        @Override
        public Fence fence() {
          return point;
        }

        @Override
        public void complete() {
          timeline.increment(1);
          timeline.increment(1);
        }

        @Override
        public FenceError fail() {
          timeline.close();
          return FenceError.ENOENT;
        }
      };
    }
  }

  /** A wait-all array of two fences, signaled by its members. */
  @Nested
  class WaitAllArray extends Contract {
    @Override
    Subject newSubject() {
      Fence a = FenceContext.create("drv", "a").next();
      Fence b = FenceContext.create("drv", "b").next();
      FenceArray array = FenceArray.all(List.of(a, b));
      return new Subject() {
        @Override
        public Fence fence() {
          return array;
        }

        @Override
        public void complete() {
          a.signal();
          b.signal();
        }

        @Override
        public FenceError fail() {
          a.signal(FenceError.ETIME);
          b.signal();
          return FenceError.ETIME;
        }
      };
    }
  }

  /** A wait-any array of two fences, signaled by its second member. */
  @Nested
  class WaitAnyArray extends Contract {
    @Override
    Subject newSubject() {
      Fence a = FenceContext.create("drv", "a").next();
      Fence b = FenceContext.create("drv", "b").next();
      FenceArray array = FenceArray.any(List.of(a, b));
      return new Subject() {
        @Override
        public Fence fence() {
          return array;
        }

        @Override
        public void complete() {
          b.signal();
        }

        @Override
        public FenceError fail() {
          b.signal(FenceError.ECANCELED);
          return FenceError.ECANCELED;
        }
      };
    }
  }

  /** The head of a two-link chain, signaled by the fences of both links. */
  @Nested
  class ChainLink extends Contract {
    @Override
    Subject newSubject() {
      FenceContext ctx = FenceContext.create("drv", "chain");
      Fence first = ctx.next();
      Fence second = ctx.next();
      FenceChain head = FenceChain.create(FenceChain.create(null, first, 1), second, 2);
      return new Subject() {
        @Override
        public Fence fence() {
          return head;
        }

        @Override
        public void complete() {
          first.signal();
          second.signal();
        }

        @Override
        public FenceError fail() {
          first.signal(FenceError.EIO);
          second.signal();
          return FenceError.EIO;
        }
      };
    }
  }
}
