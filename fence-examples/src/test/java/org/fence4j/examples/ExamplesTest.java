package org.fence4j.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Runs every example's main method, so the README's demo and the examples keep working. */
@Timeout(60)
class ExamplesTest {

  /** Runs {@code main} with standard output captured and returns what it printed. */
  private static String run(ThrowingMain main) throws Exception {
    PrintStream original = System.out;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    try {
      main.run(new String[0]);
    } finally {
      System.setOut(original);
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  @FunctionalInterface
  interface ThrowingMain {
    void run(String[] args) throws Exception;
  }

  /**
   * The README's demo runs the pipeline to the end and prints the summary and the files (the
   * pipeline itself is checked by PipelineDemoTest).
   */
  @Test
  void demo_runsToCompletion() throws Exception {
    String out = run(Demo::main);
    assertThat(out)
        .contains("frame 120/120 on screen")
        .contains("recovered: render 75 signaled with ETIME")
        .contains("frames: 118 shown, 2 dropped")
        .contains("pipeline-trace.json")
        .contains("pipeline-timeline.svg");
  }

  /** The basics example runs to the end and shows the producer, wait-any and array parts. */
  @Test
  void basicsExample_runsToCompletion() throws Exception {
    String out = run(BasicsExample::main);
    assertThat(out)
        .contains("consumer: frame 3 ready")
        .contains("first done: index 1 (cpu)")
        .contains("frame status -2, error ENOENT")
        .contains("display: showing frame 4 from buffer 0")
        .contains("basics finished");
  }

  /** The explicit-synchronization example runs to the end. */
  @Test
  void explicitSyncExample_runsToCompletion() throws Exception {
    assertThat(run(org.fence4j.examples.explicit.ExplicitSyncExample::main)).isNotEmpty();
  }

  /** The implicit-synchronization (reservation object) example runs to the end. */
  @Test
  void implicitSyncExample_runsToCompletion() throws Exception {
    assertThat(run(ImplicitSyncExample::main)).isNotEmpty();
  }

  /** The KDS-style resource set example runs to the end. */
  @Test
  void resourceSetExample_runsToCompletion() throws Exception {
    assertThat(run(ResourceSetExample::main)).isNotEmpty();
  }

  /**
   * The timeline (syncobj) example runs to the end: the display starts waiting before frame 1 is
   * submitted and shows every frame; both timelines end at the last frame.
   */
  @Test
  void timelineExample_runsToCompletion() throws Exception {
    String out = run(TimelineExample::main);
    assertThat(out)
        .contains("display: waiting for frame 1; frames submitted so far: 0")
        .contains("display: showing frame 6 from buffer 1")
        .contains("(future) last frame 6 submitted")
        .contains("done: acquire at 6, release at 6");
  }
}
