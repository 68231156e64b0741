package org.fence4j.syncfile;

import java.util.List;
import java.util.Objects;

/**
 * A snapshot of a {@link SyncFile}, as returned by {@link SyncFile#info()}; the counterpart of the
 * kernel's {@code struct sync_file_info} with its array of {@link SyncFenceInfo}.
 *
 * <p>Immutable and thread-safe: the constructor copies {@code fences} into an unmodifiable list.
 *
 * @param name the file's {@link SyncFile#name()}
 * @param status the status of the file's fence: 0 pending, 1 signaled without error, the error's
 *     negative code (in [-4095, -1]) otherwise
 * @param fences one entry per leaf of the file's fence ({@link org.fence4j.Fences#unwrap}), in
 *     unwrap order
 */
public record SyncFileInfo(String name, int status, List<SyncFenceInfo> fences) {

  /**
   * Checks the components and copies {@code fences}.
   *
   * @param name the file's name
   * @param status 0 pending, 1 signaled, or a negative error code in [-4095, -1]
   * @param fences the leaves; copied
   * @throws NullPointerException if {@code name}, {@code fences} or an element of it is null
   * @throws IllegalArgumentException if {@code status} is out of range
   */
  public SyncFileInfo {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(fences, "fences");
    checkStatus(status);
    fences = List.copyOf(fences);
  }

  static void checkStatus(int status) {
    if (status > 1 || status < -4095) {
      throw new IllegalArgumentException(
          "status must be 0, 1 or an error code in [-4095, -1], got " + status);
    }
  }
}
