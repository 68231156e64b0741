package org.fence4j.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.fence4j.debug.PendingFence;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The hung-pipeline example: the watchdog names the lost fence and who waits on it. */
@Timeout(60)
class HungPipelineExampleTest {

  /**
   * The watchdog names the lost fence, its timeline, its age, its creation site and the waiting
   * render thread; the dump shows both stuck fences; the example then recovers.
   */
  @Test
  void run_watchdogNamesTheLostFence() throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    HungPipelineExample.Outcome outcome =
        HungPipelineExample.run(
            new PrintStream(bytes, true, StandardCharsets.UTF_8), Duration.ofMillis(100));
    String out = bytes.toString(StandardCharsets.UTF_8);

    PendingFence lost =
        outcome.reports().stream()
            .filter(p -> p.fence() == outcome.lostFrame())
            .findFirst()
            .orElseThrow();
    assertThat(lost.age()).isGreaterThan(Duration.ofMillis(100));
    assertThat(lost.waiters()).extracting(Thread::getName).containsExactly("render-stage");
    assertThat(lost.creationSite().get(1).getMethodName()).isEqualTo("decode");
    String lostLine = outcome.lostFrame().context() + ":2 decode vdec unsignaled, age ";
    assertThat(out)
        .contains("[watchdog] fence pending for ")
        .contains("on timeline \"decode\" (driver \"vdec\", context ")
        .contains(lostLine)
        .contains("waiter: thread \"render-stage\"")
        .contains("waiter: thread \"display\"")
        .contains("created at:")
        .contains("org.fence4j.examples.HungPipelineExample.decode(HungPipelineExample.java:")
        .contains("display: last frame ended with status -62");
    String renderLine = outcome.stuckRender().context() + ":2 render gpu unsignaled";
    assertThat(outcome.dump())
        .contains(lostLine)
        .contains(renderLine + ", age ")
        .contains(outcome.displayed().context() + ":1 unbound fence_array unsignaled, age ")
        .contains("    waits on: " + renderLine + "\n");
    assertThat(outcome.reports())
        .extracting(PendingFence::fence)
        .containsExactly(outcome.lostFrame(), outcome.stuckRender(), outcome.displayed());
  }
}
