package org.fence4j.syncobj;

/**
 * Options of {@link SyncObject#waitAny} and {@link SyncObject#waitAll}, the kernel's {@code
 * DRM_SYNCOBJ_WAIT_FLAGS_*} (wait-all is a method of its own, not a flag).
 */
public enum WaitFlag {
  /**
   * Wait for submission too: a point with nothing submitted yet is waited for until a fence appears
   * for it (the first fence that appears is the one waited on). Without this flag such a point
   * fails the call at once with {@link IllegalStateException}.
   */
  FOR_SUBMIT,

  /**
   * A point counts as done once it is submitted (a fence exists for it), signaled or not. Combine
   * with {@link #FOR_SUBMIT} to wait until points exist.
   */
  AVAILABLE
}
