package org.fence4j.internal;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/**
 * JFR event {@code org.fence4j.SignalingViolation}: a blocking wait on a signaling path (inside a
 * fence callback or a {@code SignalingSection}).
 */
@Name("org.fence4j.SignalingViolation")
@Label("Signaling Violation")
@Category("fence4j")
@Description("A blocking fence4j wait inside a fence callback or a SignalingSection")
@StackTrace(true)
final class SignalingViolationEvent extends jdk.jfr.Event {
  @Label("Fence")
  @Description("describe() of the fence waited for")
  String fence = "";

  @Label("Message")
  @Description("The violation report")
  String message = "";

  static void emit(String fence, String message) {
    SignalingViolationEvent event = new SignalingViolationEvent();
    if (event.shouldCommit()) {
      event.fence = fence;
      event.message = message;
      event.commit();
    }
  }
}
