package org.fence4j.syncfile;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import java.util.concurrent.CompletableFuture;
import org.fence4j.Fence;
import org.fence4j.FenceCallback;
import org.fence4j.FenceContext;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

/**
 * jcstress tests of {@link SyncFile}'s state word. In the package of {@code SyncFile} to read its
 * callback, so that the arbiter can check that nothing of a closed file stays registered on the
 * fence.
 */
public final class SyncFileStress {
  private SyncFileStress() {}

  private static final FenceContext CONTEXT = FenceContext.create("jcstress", "sync-file");

  /** Future states reported by the arbiters. */
  static final int NONE = 0;

  static final int CANCELLED = 1;
  static final int PENDING = 2;
  static final int COMPLETED = 3;

  static int state(CompletableFuture<?> f) {
    if (f == null) {
      return NONE;
    }
    return f.isCancelled() ? CANCELLED : f.isDone() ? COMPLETED : PENDING;
  }

  /**
   * ready() racing close() on a pending fence: ready() either throws (closed first) or returns a
   * future that close() cancels; either way no callback of the file is left on the fence.
   */
  @JCStressTest
  @Outcome(id = "1, 1, 0", expect = ACCEPTABLE, desc = "ready first; close cancelled its future")
  @Outcome(id = "0, 0, 0", expect = ACCEPTABLE, desc = "close first; ready threw")
  @Outcome(expect = FORBIDDEN, desc = "a future left pending or completed, or a callback left")
  @State
  public static class ReadyVsClose {
    final Fence fence = CONTEXT.next();
    final SyncFile file = SyncFile.create(fence);
    CompletableFuture<SyncFile> future;

    @Actor
    public void ready(III_Result r) {
      try {
        future = file.ready();
        r.r1 = 1;
      } catch (IllegalStateException closed) {
        r.r1 = 0;
      }
    }

    @Actor
    public void close() {
      file.close();
    }

    @Arbiter
    public void arbiter(III_Result r) {
      r.r2 = state(future);
      FenceCallback cb = file.callback; // null if no ready() registered one
      r.r3 = cb != null && fence.removeCallback(cb) ? 1 : 0;
    }
  }

  /**
   * A holder cancelling its ready() future while another thread asks again: the file keeps exactly
   * the pending future, and signaling completes it.
   */
  @JCStressTest
  @Outcome(id = "1, 3, 1", expect = ACCEPTABLE, desc = "cancelled one unlinked, other completed")
  @Outcome(expect = FORBIDDEN, desc = "a cancelled future kept, or the pending one lost")
  @State
  public static class CancelVsReady {
    final Fence fence = CONTEXT.next();
    final SyncFile file = SyncFile.create(fence);
    final CompletableFuture<SyncFile> first = file.ready();
    CompletableFuture<SyncFile> second;

    @Actor
    public void cancel() {
      first.cancel(false);
    }

    @Actor
    public void ask() {
      second = file.ready();
    }

    @Arbiter
    public void arbiter(III_Result r) {
      r.r1 = file.stackedFutures();
      fence.signal();
      r.r2 = state(second);
      r.r3 = state(first);
    }
  }
}
