package org.fence4j;

/**
 * Code to run once when a fence signals; registered with {@link Fence#addCallback(FenceCallback)}.
 *
 * <p>An inline callback runs in the thread that signals the fence, after the fence is visibly
 * signaled and never while fence4j holds a lock. It may add or remove callbacks, signal other
 * fences, or release the resources it guards. It should be short and must not block: it delays
 * every callback queued after it. A callback that throws does not stop the others; the exception
 * goes to the handler set with {@link Fence#setCallbackExceptionHandler}.
 */
@FunctionalInterface
public interface FenceCallback {
  /**
   * Called once when the fence signals.
   *
   * @param fence the fence that signaled (the one the callback was registered on)
   */
  void onSignaled(Fence fence);
}
