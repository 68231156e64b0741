package org.fence4j.debug;

import org.fence4j.StrictMode;
import org.fence4j.internal.Diagnostics;

/**
 * Marks the current thread as on a <em>signaling path</em>: code that other threads wait for to
 * signal fences, and that must therefore never block on a fence itself (the kernel's {@code
 * dma_fence_begin_signalling} / {@code dma_fence_end_signalling} annotations).
 *
 * <pre>{@code
 * try (SignalingSection section = SignalingSection.begin()) {
 *   finishWork();
 *   done.signal();
 * }
 * }</pre>
 *
 * <p>A <em>blocking</em> fence4j wait started on a thread inside a section is reported to {@link
 * StrictMode}'s violation handler (the message holds the waited fence's {@code describe()}, or the
 * first three of several and a count) and to the JFR event {@code org.fence4j.SignalingViolation},
 * and then proceeds as usual. A wait is blocking when its timeout is above zero and, at the call,
 * what it waits for is not yet done; polls and waits on signaled fences are not reported. Every
 * wait kind of every fence4j module is checked ({@code Fence.await*}, {@code Fences.waitAny/
 * waitAll}, reservation-object, sync-file and syncobj waits). Inline fence callbacks run as inside
 * a section, so a callback that blocks on a fence is reported too, section or not; callbacks run on
 * an executor run outside (unless the executor runs them in the signaling thread itself, which is a
 * signaling path).
 *
 * <p>Sections nest: the thread is on a signaling path until every section it began is closed. A
 * violation handler that throws does not stop the wait: its exception goes to the callback
 * exception handler.
 *
 * <p>A section belongs to the thread that began it: {@link #close()} from another thread is an
 * {@link IllegalStateException}. Not thread-safe otherwise (it is confined to its thread).
 */
public final class SignalingSection implements AutoCloseable {
  private final Thread owner;
  private boolean closed;

  private SignalingSection(Thread owner) {
    this.owner = owner;
  }

  /**
   * Begins a section on the current thread.
   *
   * @return the section; close it (try-with-resources) on the same thread to end it
   */
  public static SignalingSection begin() {
    Diagnostics.enterSection();
    return new SignalingSection(Thread.currentThread());
  }

  /**
   * Ends this section. A second call does nothing.
   *
   * @throws IllegalStateException if called from a thread other than the one that began it (the
   *     section stays open)
   */
  @Override
  public void close() {
    if (Thread.currentThread() != owner) {
      throw new IllegalStateException(
          "a signaling section is closed by the thread that began it (\""
              + owner.getName()
              + "\"), not \""
              + Thread.currentThread().getName()
              + "\"");
    }
    if (closed) {
      return;
    }
    closed = true;
    Diagnostics.exitSection();
  }
}
