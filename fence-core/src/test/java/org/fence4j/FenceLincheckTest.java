package org.fence4j;

import java.util.concurrent.atomic.AtomicInteger;
import org.jetbrains.lincheck.datastructures.IntGen;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Param;
import org.jetbrains.lincheck.datastructures.Validate;
import org.junit.jupiter.api.Test;

/**
 * Linearizability of one {@link Fence} (Lincheck, model checking and stress): {@code signal},
 * {@code signal(error)}, {@code setError}, {@code addCallback}, {@code removeCallback}, {@code
 * isSignaled} and {@code status}, with two callback instances that may each be registered several
 * times. Every concurrent history must match some sequential order; after each run, every callback
 * registration still in place when the fence signaled has run exactly once, and none ran on a fence
 * that did not signal.
 */
@Param(name = "cb", gen = IntGen.class, conf = "0:1")
public class FenceLincheckTest {
  private final Fence fence = FenceContext.create("lincheck", "fence").next();
  private final AtomicInteger[] runs = {new AtomicInteger(), new AtomicInteger()};
  private final AtomicInteger[] registered = {new AtomicInteger(), new AtomicInteger()};
  private final FenceCallback[] callbacks = {
    f -> runs[0].incrementAndGet(), f -> runs[1].incrementAndGet()
  };

  /** A fresh pending fence per invocation (Lincheck needs a public no-argument constructor). */
  public FenceLincheckTest() {}

  @Operation
  public boolean signal() {
    return fence.signal();
  }

  @Operation
  public boolean signalWithError() {
    return fence.signal(FenceError.EIO);
  }

  /** "set", or "signaled" when setError was refused because the fence had signaled. */
  @Operation
  public String setError() {
    try {
      fence.setError(FenceError.ENOENT);
      return "set";
    } catch (IllegalStateException e) {
      return "signaled";
    }
  }

  @Operation
  public boolean addCallback(@Param(name = "cb") int i) {
    boolean added = fence.addCallback(callbacks[i]);
    if (added) {
      registered[i].incrementAndGet();
    }
    return added;
  }

  @Operation
  public boolean removeCallback(@Param(name = "cb") int i) {
    boolean removed = fence.removeCallback(callbacks[i]);
    if (removed) {
      registered[i].decrementAndGet();
    }
    return removed;
  }

  @Operation
  public boolean isSignaled() {
    return fence.isSignaled();
  }

  @Operation
  public int status() {
    return fence.status();
  }

  /** Each registration left in place ran once if the fence signaled, and none ran otherwise. */
  @Validate
  public void callbacksRanOncePerRegistration() {
    for (int i = 0; i < callbacks.length; i++) {
      int expected = fence.isSignaled() ? registered[i].get() : 0;
      if (runs[i].get() != expected) {
        throw new IllegalStateException(
            "callback " + i + " ran " + runs[i] + " times, expected " + expected);
      }
    }
  }

  @Test
  void modelChecking() {
    LincheckSupport.modelChecking().check(getClass());
  }

  @Test
  void stress() {
    LincheckSupport.stress().check(getClass());
  }
}
