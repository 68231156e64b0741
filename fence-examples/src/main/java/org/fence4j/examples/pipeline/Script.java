package org.fence4j.examples.pipeline;

/**
 * What happens in a run, fixed in advance: frame count, vsync period and the GPU time of every job,
 * in ticks of the scripted clock (one tick stands for one millisecond).
 *
 * @param frames how many frames the renderer draws
 * @param vsyncPeriod ticks between two vsyncs (16: about 60 Hz)
 * @param renderTicks the render job's usual length: faster than a vsync period, so the renderer
 *     runs ahead until no buffer is free
 * @param slowFrame a frame whose render takes {@code slowTicks}: the display shows the previous
 *     frame again
 * @param slowTicks the slow frame's render length
 * @param fastTicks the render length of the two frames after the slow one: both finish within one
 *     vsync period, so the older is dropped (the display shows the newest ready frame)
 * @param composeTicks the compose job's length
 * @param hungFrame the frame whose render job never ends
 * @param hangTimeout ticks after which the timeout handler ends a hung job (once the watchdog has
 *     named its fence)
 */
record Script(
    int frames,
    int vsyncPeriod,
    int renderTicks,
    int slowFrame,
    int slowTicks,
    int fastTicks,
    int composeTicks,
    int hungFrame,
    int hangTimeout) {

  /** The demo's script: 120 frames, one slow frame and its catch-up, one GPU hang. */
  static Script standard() {
    return new Script(120, 16, 20, 30, 40, 4, 3, 75, 48);
  }

  /** A short script without a hang (frame 0 never exists), to warm the JVM up. */
  static Script warmUp() {
    return new Script(40, 16, 20, 10, 40, 4, 3, 0, 48);
  }

  /** The render job's length for {@code frame} ({@link GpuRing#NEVER} for the hung frame). */
  long renderTicks(int frame) {
    if (frame == hungFrame) {
      return GpuRing.NEVER;
    }
    if (frame == slowFrame) {
      return slowTicks;
    }
    if (frame == slowFrame + 1 || frame == slowFrame + 2) {
      return fastTicks;
    }
    return renderTicks;
  }
}
