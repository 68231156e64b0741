package org.fence4j.jcstress;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.fence4j.Fence;
import org.fence4j.FenceCallback;
import org.fence4j.FenceContext;
import org.fence4j.FenceError;
import org.fence4j.Fences;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;
import org.openjdk.jcstress.infra.results.IJ_Result;
import org.openjdk.jcstress.infra.results.ZI_Result;
import org.openjdk.jcstress.infra.results.ZZ_Result;

/** jcstress tests of {@link Fence}'s state machine; one nested test per property. */
public final class FenceStress {
  private FenceStress() {}

  private static final FenceContext CONTEXT = FenceContext.create("jcstress", "stress");

  /**
   * A callback added while the fence signals runs exactly once, or addCallback returns false and it
   * never runs.
   */
  @JCStressTest
  @Outcome(id = "true, 1", expect = ACCEPTABLE, desc = "registered before the signal, ran once")
  @Outcome(id = "false, 0", expect = ACCEPTABLE, desc = "already signaled, not run")
  @Outcome(expect = FORBIDDEN, desc = "lost or duplicated callback")
  @State
  public static class SignalVsAddCallback {
    final Fence fence = CONTEXT.next();
    final AtomicInteger runs = new AtomicInteger();

    @Actor
    public void signaler() {
      fence.signal();
    }

    @Actor
    public void adder(ZI_Result r) {
      r.r1 = fence.addCallback(f -> runs.incrementAndGet());
    }

    @Arbiter
    public void arbiter(ZI_Result r) {
      r.r2 = runs.get();
    }
  }

  /** Of two racing signals, exactly one returns true. */
  @JCStressTest
  @Outcome(
      id = {"true, false", "false, true"},
      expect = ACCEPTABLE,
      desc = "one winner")
  @Outcome(expect = FORBIDDEN, desc = "no winner or two winners")
  @State
  public static class SignalVsSignal {
    final Fence fence = CONTEXT.next();

    @Actor
    public void first(ZZ_Result r) {
      r.r1 = fence.signal();
    }

    @Actor
    public void second(ZZ_Result r) {
      r.r2 = fence.signal();
    }
  }

  /**
   * A callback removed while the fence signals either is removed (true) and never runs, or was
   * already claimed by the signal (false) and runs exactly once.
   */
  @JCStressTest
  @Outcome(id = "true, 0", expect = ACCEPTABLE, desc = "removed before the signal")
  @Outcome(id = "false, 1", expect = ACCEPTABLE, desc = "the signal claimed it; it ran once")
  @Outcome(expect = FORBIDDEN, desc = "removed and ran, or neither")
  @State
  public static class SignalVsRemoveCallback {
    final Fence fence = CONTEXT.next();
    final AtomicInteger runs = new AtomicInteger();
    final FenceCallback callback = f -> runs.incrementAndGet();

    {
      fence.addCallback(callback);
    }

    @Actor
    public void signaler() {
      fence.signal();
    }

    @Actor
    public void remover(ZI_Result r) {
      r.r1 = fence.removeCallback(callback);
    }

    @Arbiter
    public void arbiter(ZI_Result r) {
      r.r2 = runs.get();
    }
  }

  /** A thread that sees the fence signaled sees its error and its timestamp. */
  @JCStressTest
  @Outcome(id = "0, -1", expect = ACCEPTABLE, desc = "not signaled yet")
  @Outcome(id = "-5, 42", expect = ACCEPTABLE, desc = "signaled: error and timestamp visible")
  @Outcome(expect = FORBIDDEN, desc = "signaled flag seen without its error or timestamp")
  @State
  public static class ErrorAndTimestampPublication {
    final Fence fence = CONTEXT.next();

    {
      fence.setError(FenceError.EIO);
    }

    @Actor
    public void signaler() {
      fence.signal(42L);
    }

    @Actor
    public void observer(IJ_Result r) {
      if (fence.isSignaled()) {
        r.r1 = fence.error().map(FenceError::code).orElse(1);
        r.r2 = fence.timestampNanos();
      } else {
        r.r1 = 0;
        r.r2 = -1L;
      }
    }
  }

  /** An error signaled atomically with signal(FenceError) is seen with the signaled flag. */
  @JCStressTest
  @Outcome(id = "0", expect = ACCEPTABLE, desc = "not signaled yet")
  @Outcome(id = "-62", expect = ACCEPTABLE, desc = "signaled with its error")
  @Outcome(expect = FORBIDDEN, desc = "signaled without its error")
  @State
  public static class SignalWithErrorPublication {
    final Fence fence = CONTEXT.next();

    @Actor
    public void signaler() {
      fence.signal(FenceError.ETIME);
    }

    @Actor
    public void observer(org.openjdk.jcstress.infra.results.I_Result r) {
      r.r1 = fence.status();
    }
  }

  /**
   * What the producer wrote before signaling is visible to a thread that {@code Fences.waitAny}
   * (polling, on its fast path over an already signaled member) reports signaled.
   */
  @JCStressTest
  @Outcome(id = "-1, 0", expect = ACCEPTABLE, desc = "not signaled yet")
  @Outcome(id = "-1, 42", expect = ACCEPTABLE, desc = "not signaled yet, the write seen early")
  @Outcome(id = "0, 42", expect = ACCEPTABLE, desc = "signaled: the producer's write visible")
  @Outcome(expect = FORBIDDEN, desc = "signaled seen without the write before it")
  @State
  public static class WaitAnyPublication {
    final Fence fence = CONTEXT.next();
    final List<Fence> fences = List.of(fence);
    int payload;

    @Actor
    public void producer() {
      payload = 42;
      fence.signal();
    }

    @Actor
    public void consumer(II_Result r) {
      try {
        r.r1 = Fences.waitAny(fences, Duration.ZERO);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        r.r1 = -2;
      }
      r.r2 = payload;
    }
  }

  /*
   * The claimed-but-unpublished window. A signal claims the fence with one CAS that also publishes
   * "signaled" and the error; only the timestamp is stored after it. Every reader below meets the
   * signal at any point of that sequence: none may block past it, and each answer must agree with
   * the fence's final state.
   */

  /**
   * A reader that sees the fence signaled gets its error and timestamp without blocking, also when
   * it reads between the claim and the timestamp store.
   */
  @JCStressTest
  @Outcome(id = "0, -1", expect = ACCEPTABLE, desc = "not signaled yet")
  @Outcome(id = "-62, 42", expect = ACCEPTABLE, desc = "signaled: error and timestamp visible")
  @Outcome(expect = FORBIDDEN, desc = "signaled without its error or timestamp")
  @State
  public static class ClaimWindowReader {
    final Fence fence = CONTEXT.next();

    @Actor
    public void signaler() {
      fence.setError(FenceError.ETIME);
      fence.signal(42L);
    }

    @Actor
    public void reader(IJ_Result r) {
      int status = fence.status();
      if (status != 0) {
        r.r1 = status;
        r.r2 = fence.timestampNanos();
      } else {
        r.r1 = 0;
        r.r2 = -1L;
      }
    }
  }

  /**
   * setError racing signal either lands before the signal (and the fence fails with it) or throws
   * IllegalStateException because the fence is signaled; it never waits for the signal to finish.
   */
  @JCStressTest
  @Outcome(id = "true, -5", expect = ACCEPTABLE, desc = "setError first: the signal used it")
  @Outcome(id = "false, 1", expect = ACCEPTABLE, desc = "signal first: setError rejected")
  @Outcome(expect = FORBIDDEN, desc = "error lost, or rejected yet applied")
  @State
  public static class ClaimWindowSetError {
    final Fence fence = CONTEXT.next();

    @Actor
    public void signaler() {
      fence.signal();
    }

    @Actor
    public void setter(ZI_Result r) {
      try {
        fence.setError(FenceError.EIO);
        r.r1 = true;
      } catch (IllegalStateException e) {
        r.r1 = false;
      }
    }

    @Arbiter
    public void arbiter(ZI_Result r) {
      r.r2 = fence.status();
    }
  }

  /**
   * A poll (zero-timeout await) racing signal returns at once, and agrees with addCallback right
   * after it: once the poll saw the fence signaled, the callback is refused.
   */
  @JCStressTest
  @Outcome(id = "true, false", expect = ACCEPTABLE, desc = "signaled before the poll")
  @Outcome(id = "false, false", expect = ACCEPTABLE, desc = "signaled between poll and add")
  @Outcome(id = "false, true", expect = ACCEPTABLE, desc = "both before the signal")
  @Outcome(expect = FORBIDDEN, desc = "a poll that saw the signal, then a registration")
  @State
  public static class ClaimWindowPoll {
    final Fence fence = CONTEXT.next();

    @Actor
    public void signaler() {
      fence.signal();
    }

    @Actor
    public void poller(ZZ_Result r) {
      try {
        r.r1 = fence.await(Duration.ZERO);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      r.r2 = fence.addCallback(f -> {});
    }
  }
}
