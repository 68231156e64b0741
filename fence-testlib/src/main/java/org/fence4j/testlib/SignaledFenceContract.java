package org.fence4j.testlib;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.fence4j.Fence;
import org.fence4j.FenceError;
import org.junit.jupiter.api.Test;

/**
 * The contract of a fence that is born signaled without error (a stub, or a driver's "already done"
 * fence), as JUnit Jupiter tests. Extend it with one factory method, {@link #newSignaledFence()}:
 *
 * <pre>{@code
 * class StubContractTest extends SignaledFenceContract {
 *   @Override
 *   protected Fence newSignaledFence() {
 *     return Fence.stub();
 *   }
 * }
 * }</pre>
 *
 * <p>The rules checked: the fence is signaled with status 1, no error and a timestamp; {@code
 * addCallback} returns {@code false} and never runs the callback; waits return {@code true} at
 * once, a zero timeout included; a further signal is a no-op returning {@code false}; {@code
 * setError} is an {@link IllegalStateException}; the {@link CompletableFuture} view is already
 * complete with the fence; {@code describe()} ends with {@code signaled}.
 */
public abstract class SignaledFenceContract {
  /** For subclasses. */
  protected SignaledFenceContract() {}

  /**
   * Returns a fence that is already signaled without error; called once by each test.
   *
   * @return the fence under test
   */
  protected abstract Fence newSignaledFence();

  /** The fence is signaled, with status 1 and no error. */
  @Test
  public void isSignaled_newFence_isTrueWithStatusOne() {
    Fence f = newSignaledFence();

    assertThat(f.isSignaled()).isTrue();
    assertThat(f.status()).isOne();
    assertThat(f.error()).isEmpty();
  }

  /** The timestamp can be read and lies on the nanoTime clock, not after its read. */
  @Test
  public void timestampNanos_newFence_isNotAfterRead() {
    Fence f = newSignaledFence();

    long stamp = f.timestampNanos();

    assertThat(System.nanoTime() - stamp).isNotNegative();
  }

  /** addCallback returns false and never runs the callback. */
  @Test
  public void addCallback_newFence_returnsFalseAndNeverRuns() {
    Fence f = newSignaledFence();
    AtomicInteger runs = new AtomicInteger();

    boolean added = f.addCallback(fence -> runs.incrementAndGet());

    assertThat(added).isFalse();
    assertThat(runs).hasValue(0);
  }

  /**
   * Waits return true at once, a zero timeout included.
   *
   * @throws InterruptedException never expected: the fence is signaled
   */
  @Test
  public void await_newFence_returnsTrue() throws InterruptedException {
    Fence f = newSignaledFence();

    assertThat(f.await(Duration.ZERO)).isTrue();
    assertThat(f.await(0, TimeUnit.SECONDS)).isTrue();
    assertThat(f.await(Duration.ofSeconds(10))).isTrue();
  }

  /** A further signal is a no-op returning false; the status stays 1. */
  @Test
  public void signal_newFence_returnsFalseAndKeepsStatus() {
    Fence f = newSignaledFence();

    assertThat(f.signal()).isFalse();
    assertThat(f.signal(FenceError.EIO)).isFalse();
    assertThat(f.status()).isOne();
  }

  /** setError is an IllegalStateException and changes nothing. */
  @Test
  public void setError_newFence_throwsIllegalStateAndKeepsStatus() {
    Fence f = newSignaledFence();

    assertThatIllegalStateException().isThrownBy(() -> f.setError(FenceError.EIO));
    assertThat(f.status()).isOne();
  }

  /** The future is already complete with the fence. */
  @Test
  public void toCompletableFuture_newFence_isCompleteWithFence() {
    Fence f = newSignaledFence();

    CompletableFuture<Fence> future = f.toCompletableFuture();

    assertThat(future).isCompletedWithValue(f);
  }

  /** describe() starts with context:seqno and ends with the state. */
  @Test
  public void describe_newFence_showsIdentityAndSignaled() {
    Fence f = newSignaledFence();

    assertThat(f.describe()).startsWith(f.context() + ":" + f.seqno() + " ").endsWith(" signaled");
  }
}
