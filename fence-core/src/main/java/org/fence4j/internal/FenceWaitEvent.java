package org.fence4j.internal;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;
import jdk.jfr.Timespan;
import org.jspecify.annotations.Nullable;

/** JFR event {@code org.fence4j.FenceWait}: one blocking fence4j wait call, from park to return. */
@Name("org.fence4j.FenceWait")
@Label("Fence Wait")
@Category("fence4j")
@Description(
    "A thread blocked in a fence4j wait (one event per wait call, also for waitAny and waitAll)")
@StackTrace(true)
final class FenceWaitEvent extends jdk.jfr.Event {
  @Label("Fence")
  @Description("describe() of the fence waited for, or of the first three of several and a count")
  @Nullable String fence;

  @Label("Timeout")
  @Description("The wait's timeout (Long.MAX_VALUE ns: none)")
  @Timespan(Timespan.NANOSECONDS)
  long timeout;

  @Label("Timed Out")
  @Description("Whether the wait returned because its timeout elapsed")
  boolean timedOut;

  /** Returns a begun event if JFR records FenceWait now, else {@code null}; allocates only then. */
  static @Nullable FenceWaitEvent beginIfEnabled() {
    FenceWaitEvent event = new FenceWaitEvent();
    if (!event.isEnabled()) {
      return null;
    }
    event.begin();
    return event;
  }
}
