package org.fence4j.syncobj;

import static org.assertj.core.api.Assertions.assertThat;

import org.fence4j.Fence;
import org.fence4j.FenceContext;
import org.fence4j.internal.Diagnostics;
import org.fence4j.syncfile.SyncDebug;
import org.junit.jupiter.api.Test;

/** Sync objects in {@link SyncDebug#dump()}. */
class SyncObjectDebugTest {
  private final FenceContext ctx = FenceContext.create("syncobj-debug", "syncobj-debug-ring");

  private static String block(SyncObject o) {
    String dump = SyncDebug.dump();
    String header = "syncobj@" + Integer.toHexString(System.identityHashCode(o)) + ": ";
    int start = dump.indexOf(header);
    assertThat(start).as(dump).isNotNegative();
    StringBuilder sb = new StringBuilder();
    for (String line : dump.substring(start).split("\n", -1)) {
      if (sb.length() > 0 && !line.startsWith("  ")) {
        break;
      }
      sb.append(line).append('\n');
    }
    return sb.toString();
  }

  /** A timeline syncobj lists its pending points, newest first, with their fences. */
  @Test
  void dump_timeline_listsPendingPoints() {
    SyncObject timeline = SyncObject.create();
    Fence first = ctx.next();
    Fence second = ctx.next();
    Fence third = ctx.next();
    timeline.addPoint(1, first);
    timeline.addPoint(2, second);
    timeline.addPoint(3, third);
    first.signal();
    assertThat(block(timeline))
        .isEqualTo(
            "syncobj@"
                + Integer.toHexString(System.identityHashCode(timeline))
                + ": timeline submitted=3\n"
                + "  point active: 3 "
                + third.describe()
                + "\n  point active: 2 "
                + second.describe()
                + "\n");
  }

  /** A binary syncobj lists its fence while it is pending, and nothing once it signaled. */
  @Test
  void dump_binary_listsPendingFence() {
    SyncObject binary = SyncObject.create();
    Fence fence = ctx.next();
    binary.replace(fence);
    assertThat(block(binary)).endsWith(": binary\n  fence active: " + fence.describe() + "\n");
    fence.signal();
    assertThat(block(binary)).endsWith(": binary\n");
  }

  /** An empty syncobj is one line. */
  @Test
  void dump_empty_oneLine() {
    SyncObject empty = SyncObject.create();
    assertThat(block(empty)).endsWith(": empty\n");
  }

  /** Dumping never signals a point, even one whose fences have all signaled. */
  @Test
  void dump_signaledFences_doesNotSignalLinks() {
    SyncObject timeline = SyncObject.create();
    Fence fence = ctx.next();
    timeline.addPoint(1, fence);
    Fence link = timeline.find(1).orElseThrow();
    fence.signal();
    assertThat(Diagnostics.access().isSignaledFlag(link)).isFalse(); // lazy: nobody asked yet
    block(timeline);
    assertThat(Diagnostics.access().isSignaledFlag(link)).isFalse();
  }
}
