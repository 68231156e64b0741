package org.fence4j.syncfile;

import org.fence4j.FenceContext;
import org.fence4j.FenceError;
import org.fence4j.testlib.FenceContract;
import org.junit.jupiter.api.Nested;

/** The test kit run against the fences sync files make: the fence of a merge of two files. */
class SyncFileFenceContractTest {

  /** The merge of two files on different contexts, signaled by both fences. */
  @Nested
  class MergedFence extends FenceContract {
    @Override
    protected Subject newSubject() {
      var a = FenceContext.create("drv", "a").next();
      var b = FenceContext.create("drv", "b").next();
      try (SyncFile fa = SyncFile.create(a);
          SyncFile fb = SyncFile.create(b);
          SyncFile merged = fa.merge("merged", fb)) {
        return subject(
            merged.fence(),
            () -> {
              a.signal();
              b.signal();
            },
            () -> {
              a.signal(FenceError.EIO);
              b.signal();
              return FenceError.EIO;
            });
      }
    }
  }
}
