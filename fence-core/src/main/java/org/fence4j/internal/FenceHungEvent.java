package org.fence4j.internal;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;
import jdk.jfr.Timespan;

/**
 * JFR event {@code org.fence4j.FenceHung}: a watchdog found a fence pending past its threshold. Not
 * API.
 */
@Name("org.fence4j.FenceHung")
@Label("Fence Hung")
@Category("fence4j")
@Description("A FenceWatchdog found a fence still pending after its threshold")
@StackTrace(false)
public final class FenceHungEvent extends jdk.jfr.Event {
  @Label("Fence")
  @Description("describe() of the hung fence")
  String fence = "";

  @Label("Age")
  @Description("How long the fence had been pending")
  @Timespan(Timespan.NANOSECONDS)
  long age;

  /** Creates an uncommitted event; {@link #emit} is the one way the library uses it. */
  public FenceHungEvent() {}

  /**
   * Emits the event if JFR records it.
   *
   * @param fence the fence's description
   * @param ageNanos how long it has been pending
   */
  public static void emit(String fence, long ageNanos) {
    FenceHungEvent event = new FenceHungEvent();
    if (event.shouldCommit()) {
      event.fence = fence;
      event.age = ageNanos;
      event.commit();
    }
  }
}
