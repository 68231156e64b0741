package org.fence4j.reservation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.time.Duration;
import org.fence4j.Fence;
import org.fence4j.FenceContexts;
import org.fence4j.reservation.ReservationObject.Usage;
import org.fence4j.testlib.TestFence;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The per-frame paths of a pipeline allocate nothing in the reservation object: an add into a
 * reserved slot (no object per entry, no snapshot object), a wait with one fence pending (no array
 * of pending fences), and a multi-buffer transaction beyond its acquire context (no array of held
 * locks). Measured with the JVM's per-thread allocation counter (bytes, exact, unaffected by load);
 * each call is measured alone, after a warm-up, against the counter's own cost, and the average
 * over many calls must stay below the smallest object the old code made.
 */
class ReservationAllocationTest {
  private static final int WARM_UP = 2_000;
  private static final int CALLS = 2_000;

  /** Average bytes per call allowed: less than the smallest object (16 bytes) per call. */
  private static final double MAX_BYTES_PER_CALL = 8.0;

  private static final Duration TIMEOUT = Duration.ofSeconds(10);

  /** {@code com.sun.management.ThreadMXBean.getCurrentThreadAllocatedBytes()}, as (Object)long. */
  private static MethodHandle allocatedBytes;

  private static Object bean;

  @BeforeAll
  static void counter() throws Throwable {
    // Looked up reflectively: the module under test does not read java.management.
    Class<?> factory = Class.forName("java.lang.management.ManagementFactory");
    bean = factory.getMethod("getThreadMXBean").invoke(null);
    Class<?> sunBean;
    try {
      sunBean = Class.forName("com.sun.management.ThreadMXBean");
    } catch (ClassNotFoundException e) {
      sunBean = null;
    }
    assumeTrue(sunBean != null && sunBean.isInstance(bean), "no per-thread allocation counter");
    boolean supported =
        (boolean) sunBean.getMethod("isThreadAllocatedMemorySupported").invoke(bean)
            && (boolean) sunBean.getMethod("isThreadAllocatedMemoryEnabled").invoke(bean);
    assumeTrue(supported, "per-thread allocation counter off");
    allocatedBytes =
        MethodHandles.publicLookup()
            .findVirtual(
                sunBean, "getCurrentThreadAllocatedBytes", MethodType.methodType(long.class))
            .asType(MethodType.methodType(long.class, Object.class));
  }

  private static long allocated() throws Throwable {
    return (long) allocatedBytes.invokeExact(bean);
  }

  /** A fence whose peek hook reports it signaled from its second peek on. */
  private static final class SecondPeekFence extends TestFence {
    private int peeks;

    SecondPeekFence() {
      super(FenceContexts.allocate(1), 1, "test", "second-peek");
    }

    @Override
    protected boolean peekSignaled() {
      return ++peeks >= 2;
    }
  }

  /** What measuring an empty stretch reports (the counter's own cost), per call. */
  private static long baseline() throws Throwable {
    long total = 0;
    for (int i = 0; i < CALLS; i++) {
      long before = allocated();
      total += allocated() - before;
    }
    return total;
  }

  private static ReservationObject withPendingFence() {
    ReservationObject obj = new ReservationObject("alloc");
    obj.addFenceWithLock(new SecondPeekFence(), Usage.WRITE);
    return obj;
  }

  /** Bytes allocated by CALLS waits, each on a fresh object with one fence pending at the scan. */
  private static long awaitBytes(boolean success) throws Throwable {
    long total = 0;
    for (int i = 0; i < CALLS; i++) {
      ReservationObject obj = withPendingFence();
      long before = allocated();
      if (success) {
        obj.awaitSuccess(Usage.WRITE, TIMEOUT);
      } else {
        obj.await(Usage.WRITE, TIMEOUT);
      }
      total += allocated() - before;
    }
    return total;
  }

  @Test
  void await_onePendingFence_allocatesNothing() throws Throwable {
    awaitBytes(false); // warm-up (class loading, the first diagnosis lookups)
    long base = baseline();

    long bytes = awaitBytes(false) - base;

    assertThat((double) bytes / CALLS).isLessThan(MAX_BYTES_PER_CALL);
  }

  @Test
  void awaitSuccess_onePendingFence_allocatesNothing() throws Throwable {
    awaitBytes(true);
    long base = baseline();

    long bytes = awaitBytes(true) - base;

    assertThat((double) bytes / CALLS).isLessThan(MAX_BYTES_PER_CALL);
  }

  /** Bytes allocated by CALLS adds into reserved slots (appends), each measured alone. */
  private static long appendBytes() throws Throwable {
    long total = 0;
    for (int i = 0; i < CALLS; i++) {
      ReservationObject obj = new ReservationObject("alloc");
      Fence first = new SecondPeekFence();
      Fence second = new SecondPeekFence();
      obj.lock();
      try {
        obj.reserveFences(2);
        long before = allocated();
        obj.addFence(first, Usage.WRITE);
        obj.addFence(second, Usage.READ);
        total += allocated() - before;
      } finally {
        obj.unlock();
      }
    }
    return total;
  }

  private static final int PICK = 4;

  /** Keeps each measured context reachable, so that the compiler cannot elide its allocation. */
  private static final WwAcquireContext[] SINK = new WwAcquireContext[1];

  /**
   * Bytes allocated by CALLS transactions over PICK objects (lock all with one context, done,
   * unlock all in locking order, close), or by CALLS contexts created and closed alone.
   */
  private static long transactionBytes(ReservationObject[] objects, boolean lock) throws Throwable {
    long total = 0;
    for (int i = 0; i < CALLS; i++) {
      long before = allocated();
      WwAcquireContext ctx = new WwAcquireContext(ReservationObject.WW_CLASS);
      SINK[0] = ctx;
      if (lock) {
        for (ReservationObject obj : objects) {
          obj.lock(ctx);
        }
        ctx.done();
        for (ReservationObject obj : objects) {
          obj.unlock();
        }
      }
      ctx.close();
      total += allocated() - before;
    }
    return total;
  }

  @Test
  void transaction_uncontended_allocatesOnlyTheContext() throws Throwable {
    ReservationObject[] objects = new ReservationObject[PICK];
    for (int i = 0; i < PICK; i++) {
      objects[i] = new ReservationObject("alloc-" + i);
    }
    transactionBytes(objects, true); // warm-up
    transactionBytes(objects, false);
    long contextOnly = transactionBytes(objects, false);

    long bytes = transactionBytes(objects, true) - contextOnly;

    assertThat((double) bytes / CALLS).isLessThan(MAX_BYTES_PER_CALL);
  }

  @Test
  void addFence_appendIntoReservedSlots_allocatesNothing() throws Throwable {
    appendBytes();
    long base = baseline();

    long bytes = appendBytes() - base;

    assertThat((double) bytes / CALLS).isLessThan(MAX_BYTES_PER_CALL);
  }

  /**
   * Bytes allocated by CALLS adds that replace the entry of their context (the replacing add of a
   * pipeline frame), each measured alone, on objects of 2 and of 3 * INDEX_MIN entries.
   */
  private static long replaceBytes(int entries) throws Throwable {
    long total = 0;
    for (int i = 0; i < CALLS; i++) {
      ReservationObject obj = new ReservationObject("alloc");
      long first = FenceContexts.allocate(entries);
      obj.lock();
      try {
        obj.reserveFences(entries + 2);
        for (int e = 0; e < entries; e++) {
          obj.addFence(new TestFence(first + e, 1), Usage.READ);
        }
        obj.addFence(new TestFence(first, 2), Usage.READ); // builds the index if large
        Fence later = new TestFence(first + entries / 2, 2);
        long before = allocated();
        obj.addFence(later, Usage.READ);
        total += allocated() - before;
      } finally {
        obj.unlock();
      }
    }
    return total;
  }

  @Test
  void addFence_replacingOnSmallObject_allocatesNothing() throws Throwable {
    replaceBytes(2);
    long base = baseline();

    long bytes = replaceBytes(2) - base;

    assertThat((double) bytes / CALLS).isLessThan(MAX_BYTES_PER_CALL);
  }

  @Test
  void addFence_replacingOnLargeObject_allocatesNothing() throws Throwable {
    int entries = 3 * ReservationObject.INDEX_MIN;
    replaceBytes(entries);
    long base = baseline();

    long bytes = replaceBytes(entries) - base;

    assertThat((double) bytes / CALLS).isLessThan(MAX_BYTES_PER_CALL);
  }
}
