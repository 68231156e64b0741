package org.fence4j.syncfile;

import com.google.common.testing.NullPointerTester;
import java.time.Duration;
import org.fence4j.Fence;
import org.fence4j.testlib.TestFence;
import org.junit.jupiter.api.Test;

/** Every public reference parameter of the package rejects null with NullPointerException. */
class NullPointerTest {

  private static NullPointerTester tester() {
    return new NullPointerTester()
        .setDefault(Fence.class, new TestFence(TestSupport.freshContext(), 1))
        .setDefault(SyncFile.class, SyncFile.create(new TestFence(TestSupport.freshContext(), 1)))
        .setDefault(Duration.class, Duration.ZERO)
        .setDefault(String.class, "name");
  }

  /** SyncFile's factories. */
  @Test
  void syncFile_staticMethods_rejectNulls() {
    tester().testAllPublicStaticMethods(SyncFile.class);
  }

  /** SyncFile's instance methods, on an open file. */
  @Test
  void syncFile_instanceMethods_rejectNulls() {
    tester()
        .testAllPublicInstanceMethods(
            SyncFile.create(new TestFence(TestSupport.freshContext(), 1)));
  }

  /** SyncFileInfo's constructor. */
  @Test
  void syncFileInfo_constructor_rejectsNulls() {
    tester().testAllPublicConstructors(SyncFileInfo.class);
  }

  /** SyncFenceInfo's constructor. */
  @Test
  void syncFenceInfo_constructor_rejectsNulls() {
    tester().testAllPublicConstructors(SyncFenceInfo.class);
  }

  /** SyncDebug has no reference parameter to check, and no public constructor. */
  @Test
  void syncDebug_staticMethods_rejectNulls() {
    tester().testAllPublicStaticMethods(SyncDebug.class);
  }
}
