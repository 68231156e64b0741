package org.fence4j.examples.explicit;

import org.fence4j.syncfile.SyncFile;

/**
 * The only channel between the producer and the consumer of frames: explicit synchronization with
 * sync files, in both directions.
 *
 * <ul>
 *   <li>The producer passes a frame <em>before</em> it is drawn, with a sync file that signals once
 *       drawing is done (the acquire fence): the consumer must not read the buffer before.
 *   <li>The consumer answers with a sync file that signals once it no longer reads the buffer (the
 *       release fence): the producer must not draw into the buffer again before.
 * </ul>
 *
 * <p>Neither side blocks in {@link #present}: the waiting is expressed by the files and happens
 * where the work happens.
 */
public interface FrameSink {

  /**
   * Queues {@code frame} for display once {@code renderDone} has signaled.
   *
   * @param frame the frame; its buffer may still be being drawn
   * @param renderDone signals when the frame is drawn (with an error if drawing failed); the sink
   *     takes ownership and closes it
   * @return a file that signals when the sink no longer reads the frame's buffer; the caller owns
   *     it and must close it
   */
  SyncFile present(Frame frame, SyncFile renderDone);
}
