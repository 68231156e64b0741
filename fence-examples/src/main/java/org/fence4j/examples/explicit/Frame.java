package org.fence4j.examples.explicit;

import java.util.Arrays;

/**
 * A frame: one of the producer's pixel buffers, tagged with the number of the frame drawn into it.
 *
 * <p>The buffer is shared between the producer (who writes it) and the consumer (who reads it);
 * nothing in this class synchronizes access. The sync files exchanged through {@link FrameSink} do:
 * the consumer reads only after the producer's render file has signaled, and the producer writes
 * again only after the consumer's release file has signaled.
 */
public final class Frame {

  private final int bufferId;
  private final int[] pixels;
  private long number;

  /**
   * Creates a frame buffer.
   *
   * @param bufferId which of the producer's buffers this is
   * @param size the number of pixels
   */
  public Frame(int bufferId, int size) {
    this.bufferId = bufferId;
    this.pixels = new int[size];
  }

  /**
   * Returns which of the producer's buffers this is.
   *
   * @return the buffer id
   */
  public int bufferId() {
    return bufferId;
  }

  /**
   * Returns the number of the frame drawn (or being drawn) into this buffer.
   *
   * @return the frame number
   */
  public long number() {
    return number;
  }

  /**
   * Starts a new frame in this buffer. Producer side; the buffer must have been released.
   *
   * @param frameNumber the new frame's number
   */
  public void begin(long frameNumber) {
    this.number = frameNumber;
  }

  /** Draws the frame: fills every pixel from the frame number. Producer side. */
  public void draw() {
    Arrays.setAll(pixels, i -> (int) (number * 31 + i));
  }

  /**
   * Reads the whole buffer. Consumer side; the frame must have been rendered.
   *
   * @return a checksum of the pixels
   */
  public int checksum() {
    return Arrays.hashCode(pixels);
  }
}
