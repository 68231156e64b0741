package org.fence4j.reservation;

import jdk.jfr.FlightRecorder;
import org.fence4j.internal.Diagnostics;
import org.jspecify.annotations.Nullable;

/**
 * The reservation module's JFR events, behind one gate: no event class is loaded (the first load of
 * a JFR event class costs about half a second) until the Flight Recorder has been initialized in
 * this JVM; then both classes are registered at once, so that the first event of each is recorded.
 */
final class ReservationEvents {
  private static volatile boolean registered;

  private ReservationEvents() {}

  private static boolean active() {
    if (!Diagnostics.jfrActive()) {
      return false;
    }
    if (!registered) {
      if (Diagnostics.onVirtualThread()) {
        return false; // loading the classes would pin the carrier; a platform thread registers
      }
      FlightRecorder.register(WwBackoffEvent.class);
      FlightRecorder.register(ResourceSetWaitEvent.class);
      registered = true;
    }
    return true;
  }

  /** Emits {@code org.fence4j.WwBackoff} for {@code contended} if recorded; never throws. */
  static void backoff(WwMutex contended) {
    try {
      if (!active()) {
        return;
      }
      WwBackoffEvent event = new WwBackoffEvent();
      if (event.shouldCommit()) {
        event.mutex = String.valueOf(contended);
        event.commit();
      }
    } catch (Throwable t) {
      Diagnostics.access().reportException(t);
    }
  }

  /** A begun {@code org.fence4j.ResourceSetWait} if recorded, else {@code null}; never throws. */
  static @Nullable Object beginSetWait() {
    try {
      if (!active()) {
        return null;
      }
      ResourceSetWaitEvent event = new ResourceSetWaitEvent();
      if (!event.isEnabled()) {
        return null;
      }
      event.begin();
      return event;
    } catch (Throwable t) {
      Diagnostics.access().reportException(t);
      return null;
    }
  }

  /** Ends and commits an event from {@link #beginSetWait()} (if any); never throws. */
  static void endSetWait(@Nullable Object begun, Object request) {
    if (begun == null) {
      return;
    }
    try {
      ResourceSetWaitEvent event = (ResourceSetWaitEvent) begun;
      event.end();
      if (event.shouldCommit()) {
        event.request = String.valueOf(request);
        event.commit();
      }
    } catch (Throwable t) {
      Diagnostics.access().reportException(t);
    }
  }
}
