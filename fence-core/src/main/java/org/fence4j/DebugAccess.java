package org.fence4j;

import java.util.ArrayList;
import java.util.List;
import org.fence4j.internal.Diagnostics;
import org.jspecify.annotations.Nullable;

/**
 * The side-effect-free reads that {@code org.fence4j.debug} needs from fences (installed into
 * {@link Diagnostics} by {@link Fence}'s static initializer). Nothing here runs a hook, signals a
 * fence or runs a callback.
 */
final class DebugAccess implements Diagnostics.Access {
  @Override
  public boolean isSignaledFlag(Fence fence) {
    return fence.isSignaledFlag();
  }

  @Override
  public List<Fence> waitingOn(Fence fence) {
    List<Fence> result = new ArrayList<>();
    if (fence instanceof FenceArray) {
      for (Fence member : ((FenceArray) fence).fences()) {
        if (!member.isSignaledFlag()) {
          result.add(member);
        }
      }
    } else if (fence instanceof FenceChain) {
      FenceChain link = (FenceChain) fence;
      if (!link.fence().isSignaledFlag()) {
        result.add(link.fence());
      }
      Fence prev = link.prevForDebug();
      if (prev != null && !prev.isSignaledFlag()) {
        result.add(prev);
      }
    }
    return result;
  }

  @Override
  public @Nullable List<Fence> members(Fence fence) {
    if (fence instanceof FenceArray) {
      return new ArrayList<>(((FenceArray) fence).fences());
    }
    if (fence instanceof FenceChain) {
      FenceChain link = (FenceChain) fence;
      List<Fence> result = new ArrayList<>();
      result.add(link.fence());
      Fence prev = link.prevForDebug();
      if (prev != null) {
        result.add(prev);
      }
      return result;
    }
    return null;
  }

  @Override
  public boolean awaitAll(Fence[] fences, long nanos, long deadline) throws InterruptedException {
    return Fences.awaitEach(fences, 0, nanos, deadline);
  }

  @Override
  public boolean inInlineCallback() {
    return Dispatcher.inCallback();
  }

  @Override
  public void reportException(Throwable t) {
    Dispatcher.report(t);
  }
}
