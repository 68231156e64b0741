package org.fence4j;

/**
 * Run in a child JVM by FenceRobustnessTest: the first signals with callbacks in this JVM happen
 * while the stack unwinds from a StackOverflowError; afterwards a signal at a normal depth must
 * still run its callback. Prints {@code ok} or what went wrong.
 */
public final class StackLimitChild {
  private static final FenceContext CTX = FenceContext.create("child", "child");
  private static final Fence[] FENCES = new Fence[2000];
  private static int next;

  private StackLimitChild() {}

  private static void recurse() {
    try {
      recurse();
    } catch (StackOverflowError e) {
      // the deepest frame: signal on the way up
    }
    int k = next++;
    if (k < FENCES.length) {
      try {
        FENCES[k].signal();
      } catch (StackOverflowError e) {
        // expected near the limit
      }
    }
  }

  /**
   * Signals near the stack limit, then checks that the library still works.
   *
   * @param args unused
   */
  public static void main(String[] args) {
    for (int i = 0; i < FENCES.length; i++) {
      FENCES[i] = CTX.next();
      FENCES[i].addCallback(f -> {});
    }
    recurse();
    try {
      Fence fence = CTX.next();
      int[] ran = new int[1];
      fence.addCallback(f -> ran[0]++);
      fence.signal();
      System.out.println(ran[0] == 1 ? "ok" : "callback ran " + ran[0] + " times");
    } catch (Throwable t) {
      System.out.println("broken: " + t);
    }
  }
}
