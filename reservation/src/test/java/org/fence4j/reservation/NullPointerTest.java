package org.fence4j.reservation;

import com.google.common.testing.NullPointerTester;
import java.time.Duration;
import org.fence4j.Fence;
import org.fence4j.reservation.ReservationObject.Usage;
import org.junit.jupiter.api.Test;

/** Every public constructor and method rejects a null reference argument with an NPE. */
class NullPointerTest {
  private final NullPointerTester tester =
      new NullPointerTester()
          .setDefault(WwClass.class, WwClass.waitDie("npe"))
          .setDefault(Fence.class, TestSupport.fence())
          .setDefault(ReservationObject.class, new ReservationObject())
          .setDefault(Usage.class, Usage.READ)
          .setDefault(Duration.class, Duration.ZERO);

  /** WwClass factories. */
  @Test
  void wwClass_nullArguments_throwNpe() {
    tester.testAllPublicStaticMethods(WwClass.class);
    tester.testAllPublicInstanceMethods(WwClass.waitDie("x"));
  }

  /** WwAcquireContext constructor and methods. */
  @Test
  void wwAcquireContext_nullArguments_throwNpe() {
    tester.testAllPublicConstructors(WwAcquireContext.class);
    tester.testAllPublicInstanceMethods(new WwAcquireContext(WwClass.waitDie("x")));
  }

  /** WwMutex constructor and methods. */
  @Test
  void wwMutex_nullArguments_throwNpe() {
    tester.testAllPublicConstructors(WwMutex.class);
    tester.testAllPublicInstanceMethods(new WwMutex(WwClass.waitDie("x")));
  }

  /** WwDeadlockException constructor. */
  @Test
  void wwDeadlockException_nullArguments_throwNpe() {
    tester.testAllPublicConstructors(WwDeadlockException.class);
  }

  /** ReservationObject constructors, statics and methods (including the nested Usage). */
  @Test
  void reservationObject_nullArguments_throwNpe() {
    tester.testAllPublicConstructors(ReservationObject.class);
    tester.testAllPublicStaticMethods(ReservationObject.class);
    tester.testAllPublicInstanceMethods(new ReservationObject());
    tester.testAllPublicStaticMethods(Usage.class);
  }

  /** ResourceSet, its Request builder and a granted set. */
  @Test
  void resourceSet_nullArguments_throwNpe() {
    tester.testAllPublicStaticMethods(ResourceSet.class);
    tester.testAllPublicInstanceMethods(ResourceSet.request());
    ResourceSet set = ResourceSet.request().exclusive(new ReservationObject()).tryAcquire().get();
    tester.testAllPublicInstanceMethods(set);
    set.release();
  }

  /** ReservationLocks and LockedReservations. */
  @Test
  void reservationLocks_nullArguments_throwNpe() {
    tester.testAllPublicStaticMethods(ReservationLocks.class);
    try (LockedReservations locked =
        ReservationLocks.lockAll(java.util.List.of(new ReservationObject()))) {
      tester.testAllPublicInstanceMethods(locked);
    }
  }
}
