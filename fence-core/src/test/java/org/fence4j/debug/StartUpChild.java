package org.fence4j.debug;

import java.util.List;
import org.fence4j.Fence;
import org.fence4j.FenceContext;

/** Run in a child JVM by FenceTrackingTest: prints what tracking sees from start-up. */
public final class StartUpChild {
  private StartUpChild() {}

  /**
   * Prints {@code enabled=<b> pending=<n> site=<b>}.
   *
   * @param args unused
   */
  public static void main(String[] args) {
    Fence fence = FenceContext.create("child", "child").next();
    List<PendingFence> pending = FenceTracking.pending();
    boolean site = !pending.isEmpty() && !pending.get(0).creationSite().isEmpty();
    System.out.println(
        "enabled="
            + FenceTracking.isEnabled()
            + " pending="
            + pending.size()
            + " site="
            + site
            + (fence.isSignaled() ? " signaled" : ""));
  }
}
