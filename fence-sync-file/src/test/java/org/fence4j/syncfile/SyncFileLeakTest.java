package org.fence4j.syncfile;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.ref.WeakReference;
import java.util.concurrent.CompletableFuture;
import org.fence4j.Fence;
import org.fence4j.SoftwareTimeline;
import org.fence4j.testlib.TestFence;
import org.junit.jupiter.api.Test;

/**
 * A closed file holds nothing alive: it does not pin the fence (nor, through it, the producer's
 * state), and the fence does not pin it. Checked with weak references and a bounded GC loop.
 */
class SyncFileLeakTest {

  /** What a producer built for one piece of work, seen only through weak references. */
  private record Producer(WeakReference<SoftwareTimeline> timeline, WeakReference<Fence> point) {}

  /** Creates a timeline and a point wrapped in {@code out[0]}; returns only weak references. */
  private static Producer producerBehind(SyncFile[] out, boolean callReady) {
    SoftwareTimeline timeline = SoftwareTimeline.create(TestSupport.uniqueName("leak"));
    Fence point = timeline.createFence(1);
    out[0] = SyncFile.create(point);
    if (callReady) {
      out[0].ready();
    }
    return new Producer(new WeakReference<>(timeline), new WeakReference<>(point));
  }

  /** A closed file no longer keeps its fence and the producer's timeline reachable. */
  @Test
  void close_fileStillReferenced_releasesFenceAndProducerState() {
    SyncFile[] file = new SyncFile[1];
    Producer producer = producerBehind(file, true);

    file[0].close();

    TestSupport.awaitCleared(producer.point());
    TestSupport.awaitCleared(producer.timeline());
    assertThat(file[0].name()).startsWith("sw_sync-");
  }

  /** A closed file on which ready() was never called releases the fence as well. */
  @Test
  void close_withoutReady_releasesFence() {
    SyncFile[] file = new SyncFile[1];
    Producer producer = producerBehind(file, false);

    file[0].close();

    TestSupport.awaitCleared(producer.point());
  }

  /** A cancelled ready() future held by the consumer does not keep the fence reachable either. */
  @Test
  void close_cancelledFutureStillReferenced_releasesFence() {
    SyncFile[] file = new SyncFile[1];
    Producer producer = producerBehind(file, false);
    CompletableFuture<SyncFile> ready = file[0].ready();

    file[0].close();

    TestSupport.awaitCleared(producer.point());
    assertThat(ready).isCancelled();
  }

  private static WeakReference<SyncFile> fileWithReadyOn(Fence fence) {
    SyncFile file = SyncFile.create(fence);
    file.ready();
    file.close();
    return new WeakReference<>(file);
  }

  /** After close, the file's callback is gone from the fence: the fence does not pin the file. */
  @Test
  void close_fenceStillReferenced_fileBecomesUnreachable() {
    Fence fence = new TestFence(TestSupport.freshContext(), 1);

    WeakReference<SyncFile> file = fileWithReadyOn(fence);

    TestSupport.awaitCleared(file);
    assertThat(fence.isSignaled()).isFalse();
  }

  private static WeakReference<SyncFile> openFileWithReadyOn(Fence fence) {
    SyncFile file = SyncFile.create(fence);
    file.ready();
    return new WeakReference<>(file);
  }

  /**
   * Control for the test above: an open file waiting for readiness is pinned by its callback on the
   * pending fence, so the weak-reference check does observe registrations.
   */
  @Test
  void ready_openFileOnPendingFence_staysReachableThroughFence() {
    Fence fence = new TestFence(TestSupport.freshContext(), 1);

    WeakReference<SyncFile> file = openFileWithReadyOn(fence);
    for (int i = 0; i < 3; i++) {
      System.gc();
    }

    assertThat(file.get()).isNotNull();
    fence.signal();
    TestSupport.awaitCleared(file);
  }
}
