package org.fence4j.examples.pipeline;

/**
 * One frame's way through the pipeline, in ticks of the scripted clock ({@code -1}: not reached).
 * Each field is written by one stage and read by the driver after the run.
 */
final class Frame {
  final int number;
  final int buffer;
  volatile long submitted = -1;
  volatile long rendered = -1;
  volatile long composed = -1;
  volatile long shown = -1;
  volatile String fate = "pending";

  Frame(int number, int buffers) {
    this.number = number;
    this.buffer = (number - 1) % buffers;
  }
}
