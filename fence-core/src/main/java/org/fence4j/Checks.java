package org.fence4j;

/** Argument checks: list elements (timeouts: {@link org.fence4j.internal.Timeouts}). */
final class Checks {
  private Checks() {}

  /**
   * Returns {@code element}, or throws {@link NullPointerException} naming {@code list[index]}. The
   * message is built only on failure: this runs once per element on hot paths.
   */
  static <T> T element(@org.jspecify.annotations.Nullable T element, String list, int index) {
    if (element == null) {
      throw new NullPointerException(list + "[" + index + "]");
    }
    return element;
  }
}
