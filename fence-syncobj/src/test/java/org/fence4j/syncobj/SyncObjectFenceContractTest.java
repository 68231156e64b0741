package org.fence4j.syncobj;

import org.fence4j.FenceContext;
import org.fence4j.FenceError;
import org.fence4j.testlib.FenceContract;
import org.junit.jupiter.api.Nested;

/** The test kit run against the fences a syncobj makes: the fence of a timeline point. */
class SyncObjectFenceContractTest {

  /** Point 2 of a timeline, signaled once the fences of points 1 and 2 have. */
  @Nested
  class TimelinePoint extends FenceContract {
    @Override
    protected Subject newSubject() {
      FenceContext ctx = FenceContext.create("drv", "syncobj");
      var first = ctx.next();
      var second = ctx.next();
      SyncObject syncobj = SyncObject.create();
      syncobj.addPoint(1, first);
      syncobj.addPoint(2, second);
      return subject(
          syncobj.find(2).orElseThrow(),
          () -> {
            first.signal();
            second.signal();
          },
          () -> {
            first.signal(FenceError.EIO);
            second.signal();
            return FenceError.EIO;
          });
    }
  }
}
