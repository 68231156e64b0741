package org.fence4j.syncfile;

import java.util.Objects;
import org.fence4j.Fence;

/**
 * A snapshot of one leaf fence of a {@link SyncFile}, as reported by {@link SyncFile#info()}; the
 * counterpart of the kernel's {@code struct sync_fence_info}.
 *
 * <p>Immutable and thread-safe. The constructor checks its arguments, so every instance obeys the
 * rules below; the kernel's always-zero {@code flags} field has no counterpart.
 *
 * @param timelineName the fence's {@link Fence#timelineName()}
 * @param driverName the fence's {@link Fence#driverName()}
 * @param status the fence's {@link Fence#status()}: 0 pending, 1 signaled without error, the
 *     error's negative code (in [-4095, -1]) otherwise
 * @param timestampNanos the signal time on the {@link System#nanoTime()} clock ({@link
 *     Fence#timestampNanos()}); 0 while {@code status} is 0
 */
public record SyncFenceInfo(
    String timelineName, String driverName, int status, long timestampNanos) {

  /**
   * Checks the components.
   *
   * @param timelineName the fence's timeline name
   * @param driverName the fence's driver name
   * @param status 0 pending, 1 signaled, or a negative error code in [-4095, -1]
   * @param timestampNanos the signal time; must be 0 when {@code status} is 0
   * @throws NullPointerException if {@code timelineName} or {@code driverName} is null
   * @throws IllegalArgumentException if {@code status} is out of range, or it is 0 and {@code
   *     timestampNanos} is not
   */
  public SyncFenceInfo {
    Objects.requireNonNull(timelineName, "timelineName");
    Objects.requireNonNull(driverName, "driverName");
    SyncFileInfo.checkStatus(status);
    if (status == 0 && timestampNanos != 0) {
      throw new IllegalArgumentException(
          "a pending fence has no timestamp, got timestampNanos=" + timestampNanos);
    }
  }

  /** Snapshots {@code fence}: its status first, then (if it has signaled) its timestamp. */
  static SyncFenceInfo of(Fence fence) {
    int status = fence.status();
    long timestamp = status == 0 ? 0L : fence.timestampNanos();
    return new SyncFenceInfo(fence.timelineName(), fence.driverName(), status, timestamp);
  }
}
