package org.fence4j.reservation;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/** JFR event {@code org.fence4j.ResourceSetWait}: a blocking {@code ResourceSet} acquire. */
@Name("org.fence4j.ResourceSetWait")
@Label("Resource Set Wait")
@Category("fence4j")
@Description(
    "A thread blocked in ResourceSet.Request.acquire until granted, timed out or interrupted")
@StackTrace(true)
final class ResourceSetWaitEvent extends jdk.jfr.Event {
  @Label("Request")
  @Description("The request: each buffer and its access")
  String request = "";
}
