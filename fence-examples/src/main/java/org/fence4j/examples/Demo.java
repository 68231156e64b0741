package org.fence4j.examples;

import org.fence4j.examples.pipeline.PipelineDemo;

/**
 * The README's demo: a render → compose → display pipeline over three shared buffers, 120 frames,
 * one GPU hang found by the watchdog and survived; it writes a Perfetto trace and an SVG timeline
 * of the run (see {@link PipelineDemo}).
 *
 * <p>Run it with {@code ./mvnw -q -pl fence-examples -am package -DskipTests -Pdemo}. The smaller
 * examples of this package run with {@code -Ddemo.mainClass=<class>}, e.g. {@link BasicsExample}.
 */
public final class Demo {
  private Demo() {}

  /**
   * Runs the pipeline demo.
   *
   * @param args unused
   * @throws Exception if the pipeline fails
   */
  public static void main(String[] args) throws Exception {
    PipelineDemo.main(args);
  }
}
