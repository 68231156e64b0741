package org.fence4j.reservation;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/** JFR event {@code org.fence4j.WwBackoff}: an acquire context had to back off on a mutex. */
@Name("org.fence4j.WwBackoff")
@Label("Wound/Wait Back-off")
@Category("fence4j")
@Description("An acquire context had to back off (WwDeadlockException) on a contended mutex")
@StackTrace(true)
final class WwBackoffEvent extends jdk.jfr.Event {
  @Label("Mutex")
  @Description("The contended mutex and its holder")
  String mutex = "";
}
