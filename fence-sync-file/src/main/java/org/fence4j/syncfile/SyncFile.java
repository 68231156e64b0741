package org.fence4j.syncfile;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.fence4j.Fence;
import org.fence4j.FenceCallback;
import org.fence4j.FenceError;
import org.fence4j.FenceErrorException;
import org.fence4j.Fences;
import org.fence4j.internal.Timeouts;
import org.jspecify.annotations.Nullable;

/**
 * An explicit handle on one fence, passed from a producer module to a consumer module; the Java
 * counterpart of the Linux kernel's {@code sync_file}.
 *
 * <p>A producer that starts asynchronous work wraps the work's {@link Fence} in a sync file and
 * hands the file to whoever consumes the result. The consumer needs nothing but the file: it can
 * {@linkplain #awaitSuccess(Duration) wait} for the work (throwing if it failed or timed out), be
 * told when it is {@linkplain #ready() ready}, {@linkplain #info() inspect} the fences under it,
 * {@linkplain #merge(String, SyncFile) merge} it with other files into one that is ready when all
 * of them are, and pass a {@linkplain #setDeadline(long) deadline} hint back to the producer.
 *
 * <pre>{@code
 * // producer module
 * SyncFile done = SyncFile.create(renderFence, "frame-42");
 * sink.accept(frame, done);
 *
 * // consumer module
 * try (SyncFile file = done) {
 *   file.awaitSuccess(Duration.ofMillis(50)); // FenceErrorException if rendering failed,
 *   scanOut(frame);                            // TimeoutException if it is late
 * }
 * }</pre>
 *
 * <p>{@link #await(Duration)} is the non-throwing form: {@code false} on timeout, {@code true} once
 * the fence has signaled, also with an error (then {@link #info()} shows it).
 *
 * <p><b>Immutability and closing.</b> The fence and the name of a file never change. A file is
 * {@link AutoCloseable}: {@link #close()} releases everything the file holds &mdash; it cancels the
 * futures returned by {@link #ready()} that have not completed, removes the file's callback from
 * the fence and drops the file's reference to the fence, so that a closed file keeps neither the
 * fence nor its producer's state reachable. After {@code close()}, every method except {@code
 * close()}, {@link #name()}, {@code toString()}, {@code equals} and {@code hashCode} throws {@link
 * IllegalStateException}. Closing a file never affects the fence itself, other files on the same
 * fence, or files merged from this one.
 *
 * <p><b>Thread safety.</b> Every method may be called from any thread, concurrently with any other,
 * including {@code close()}. The file is lock-free: no method blocks except the waits ({@link
 * #await(Duration)}, {@link #awaitSuccess(Duration)} and its {@code TimeUnit} form).
 *
 * <p><b>Memory consistency effects:</b> actions of the producer before it signals the fence
 * happen-before actions after {@link #await(Duration)} returns {@code true} or {@link
 * #awaitSuccess(Duration)} returns, and actions of a stage that depends on a future returned by
 * {@link #ready()}.
 *
 * <p><b>Bad input.</b> Every reference parameter is non-null; a {@code null} fails with {@link
 * NullPointerException} naming the parameter, and a failed call leaves the file unchanged.
 */
public final class SyncFile implements AutoCloseable {

  /*
   * Overview
   * --------
   * A sync file has two mutable fields that carry its state, and a lazily built name; everything
   * else is final.
   *
   *  name     the given name, or null until the default name is first asked for (then built from
   *           the fence's identity; racing builders store equal strings). close() keeps the
   *           fence's identity (names, context, seqno: no string built) in plain fields before it
   *           nulls the fence, so the name can always be built from one of the two.
   *
   *  callback the fence callback, made and published (volatile) only by the ready() that
   *           registers it; see registerCallback for its race with close().
   *
   *  fence    the wrapped fence; set by the constructor, set to null (volatile write) by the one
   *           close() that wins, and never written again. Nulling it is what lets a closed file
   *           stop pinning the fence and, through the fence, the producer's state.
   *
   *  waiters  the readiness word, read and written only through the WAITERS VarHandle with
   *           volatile semantics (getVolatile, compareAndSet, getAndSet). Values:
   *             null      no ready() call has pushed a future yet; no callback is registered.
   *             Waiter    a Treiber stack of the futures returned by ready() and not completed
   *                       by the file yet. The ready() call whose push replaced null owns the
   *                       callback registration on the fence.
   *             NO_WAITERS  the stack is empty again (every pushed future was completed or
   *                       cancelled by its caller and unlinked); the callback stays registered.
   *             SIGNALED  the fence signaled while the file was open; every pushed future has
   *                       been completed. ready() answers with a completed future.
   *             CLOSED    terminal: close() has won. Every pushed future has been cancelled
   *                       (or completed, if the fence won the race for it).
   *           Transitions: {null, NO_WAITERS, Waiter} -> Waiter (push), Waiter -> {Waiter,
   *           NO_WAITERS} (unlinking done futures), {null, NO_WAITERS, Waiter} -> SIGNALED (the
   *           callback, or ready() finding the fence signaled), anything -> CLOSED (close()).
   *           The word never goes back to null, so at most one push ever sees null, and the
   *           callback is registered at most once.
   *
   * Linearization points: close() at its getAndSet(CLOSED); ready() at its successful push or at
   * its read of SIGNALED/CLOSED; every other method at its read of `waiters` in requireOpen().
   * close() writes CLOSED before it nulls `fence`, so a caller that reads a non-CLOSED word and
   * then a non-null fence has linearized before the close; one that reads null throws as if it
   * came after it.
   *
   * Claiming futures exactly once: both the fence callback (to complete) and close() (to cancel)
   * detach the whole stack with one atomic swap of `waiters`; whoever detaches a node owns it.
   *
   * The registration race: ready() may push, lose the CPU, and call fence.addCallback only after
   * close() has already tried removeCallback. After a successful addCallback, ready() therefore
   * re-reads `waiters`; on CLOSED it removes the callback itself. Both the removal in close() and
   * the re-check in ready() are ordered by the volatile accesses (and by the fence's own
   * synchronization of its callback list), so at least one of them sees the registration; a
   * second removal is a harmless no-op returning false.
   *
   * Unlinking (storage follows the pending futures): a future returned by ready() is a
   * ReadyFuture, whose completion methods (cancel, complete, completeExceptionally, obtrude*,
   * completeAsync; orTimeout and completeOnTimeout go through them) unlink every done future
   * from the stack once they have completed it. Nodes are immutable, so unlinking rebuilds the
   * part of the stack above the deepest done node (sharing the rest) and installs it with one
   * CAS of `waiters`, retried while pushes race it, abandoned once the word is SIGNALED or
   * CLOSED (then the detaching thread owns the stack). It is exact: a successful CAS removes
   * every future done when the stack was read, and no later install can bring one back (a push
   * builds on the current head, a competing rebuild on a stale head fails its CAS). A push also
   * skips the done futures at the top. So a caller that keeps asking and cancelling leaves at
   * most its pending futures on the stack, whatever the order. Completing or cancelling a
   * future again is a no-op; the file's own completions (signal, close) find the word SIGNALED
   * or CLOSED and unlink nothing.
   */

  /** Terminal value of {@link #waiters}: the file is closed. */
  private static final Object CLOSED = new Object();

  /** Value of {@link #waiters}: the fence signaled while the file was open. */
  private static final Object SIGNALED = new Object();

  /** Value of {@link #waiters}: the callback is registered and no future is pending. */
  private static final Object NO_WAITERS = new Object();

  /**
   * The file's name: the given one, else the kernel's default rule, built from the fence's identity
   * on first use (most files are never asked for their name, and building it is most of what
   * creating a file costs). Null until then. A plain field: racing readers build equal strings (a
   * String is safely published by its final fields).
   */
  private @Nullable String name;

  /**
   * The fence's identity, kept by {@link #close()} when the default name has not been built yet, so
   * that {@link #name()} can build it after the fence is dropped without close() building a string
   * nobody may ask for. Plain fields written before close()'s volatile write of {@link #fence}: a
   * reader that sees the fence gone sees them.
   */
  private @Nullable String closedDriverName;

  private @Nullable String closedTimelineName;
  private long closedContext;
  private long closedSeqno;

  /**
   * The callback registered on the fence by the first {@link #ready()} on a pending fence; null
   * until then (most files never register one). Volatile for the registration race: see {@link
   * #registerCallback(Fence)}. Package access for the jcstress test that checks that nothing of a
   * closed file stays registered.
   */
  volatile @Nullable FenceCallback callback;

  /** The fence; {@code null} once closed. Written only by the constructor and {@link #close()}. */
  private volatile @Nullable Fence fence;

  /** The readiness word; see the overview. Accessed only through {@link #WAITERS}. */
  @SuppressWarnings("UnusedVariable") // read and written through the WAITERS VarHandle
  private volatile @Nullable Object waiters;

  private SyncFile(Fence fence, @Nullable String name) {
    this.name = name;
    this.fence = fence;
  }

  /**
   * Creates an open sync file on {@code f}, named by the default rule (see {@link #name()}).
   *
   * <p>Creating a file does not enable signaling on the fence and registers nothing on it.
   *
   * @param f the fence to wrap
   * @return a new open sync file
   * @throws NullPointerException if {@code f} is null
   */
  public static SyncFile create(Fence f) {
    Objects.requireNonNull(f, "f");
    return new SyncFile(f, null);
  }

  /**
   * Creates an open sync file on {@code f} with the given name.
   *
   * <p>As in the kernel, an empty name means "no name": the file is then named by the default rule
   * (see {@link #name()}). Any other string, of any length, is kept as is.
   *
   * @param f the fence to wrap
   * @param name the file's name; empty for the default name
   * @return a new open sync file
   * @throws NullPointerException if {@code f} or {@code name} is null
   */
  public static SyncFile create(Fence f, String name) {
    Objects.requireNonNull(f, "f");
    Objects.requireNonNull(name, "name");
    return new SyncFile(f, name.isEmpty() ? null : name);
  }

  /**
   * Returns the fence this file wraps.
   *
   * @return the fence, never null
   * @throws IllegalStateException if this file is closed
   */
  public Fence fence() {
    return requireOpen();
  }

  /**
   * Returns the name of this file: the name given at creation or merge, else the kernel's default
   * {@code "<driver>-<timeline><context>-<seqno>"} built from the fence's {@link
   * Fence#driverName()}, {@link Fence#timelineName()}, {@link Fence#context()} and {@link
   * Fence#seqno()} (context and seqno in signed decimal), for example {@code "sw_sync-gpu3-17"}.
   *
   * <p>The name is fixed when the file is created and stays available after {@link #close()}.
   *
   * @return the name, never null
   */
  public String name() {
    String n = name;
    if (n == null) {
      // The default name, built on first use from the fence's immutable identity (racing callers
      // build equal strings). Once the fence is dropped, close() has stored the name first.
      Fence f = fence;
      if (f != null) {
        n = defaultName(f);
      } else {
        n = name; // close() may have stored a fallback
        if (n == null) {
          n = defaultName(closedDriverName, closedTimelineName, closedContext, closedSeqno);
        }
      }
      name = n;
    }
    return n;
  }

  /**
   * Returns a new open sync file whose fence is {@link Fences#merge(Fence...)} of this file's fence
   * and {@code other}'s: it signals when both have signaled, and holds one fence per context (the
   * later one) of the leaves of both.
   *
   * <p>Both inputs stay open and unchanged; the new file is independent of them (closing either
   * does not close it). {@code other} may be this file. If every leaf has already signaled, the new
   * file's fence is an already signaled fence.
   *
   * @param name the new file's name; empty for the default name (see {@link #create(Fence,
   *     String)})
   * @param other the file to merge with; may be {@code this}
   * @return a new open sync file
   * @throws NullPointerException if {@code name} or {@code other} is null
   * @throws IllegalStateException if this file or {@code other} is closed
   */
  public SyncFile merge(String name, SyncFile other) {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(other, "other");
    Fence mine = requireOpen();
    Fence theirs = other.requireOpen();
    return create(Fences.merge(mine, theirs), name);
  }

  /**
   * Returns a snapshot of this file: its name, the status of its fence, and one entry per leaf of
   * the fence ({@link Fences#unwrap(Fence)}), in unwrap order.
   *
   * <p>The file's status is read before its leaves, so a snapshot whose status is non-zero shows
   * every leaf of a merged file as signaled. Statuses are those of {@link Fence#status()}: 0
   * pending, 1 signaled without error, a negative error code otherwise. Reading a status may signal
   * a fence whose {@code peekSignaled()} hook says it is done, as {@code Fence.status()} does; it
   * does not enable signaling.
   *
   * @return a new immutable snapshot
   * @throws IllegalStateException if this file is closed
   */
  public SyncFileInfo info() {
    Fence f = requireOpen();
    int status = f.status();
    List<Fence> leaves = Fences.unwrap(f);
    List<SyncFenceInfo> infos = new ArrayList<>(leaves.size());
    for (Fence leaf : leaves) {
      infos.add(SyncFenceInfo.of(leaf));
    }
    return new SyncFileInfo(name(), status, infos);
  }

  /**
   * Waits until the fence has signaled, with or without error, or the timeout elapses.
   *
   * <p>A zero timeout polls. A wait that is in progress when another thread closes the file keeps
   * waiting on the fence; closing does not wake it.
   *
   * @param timeout the longest time to wait; zero to poll
   * @return {@code true} if the fence has signaled, {@code false} on timeout
   * @throws NullPointerException if {@code timeout} is null
   * @throws IllegalArgumentException if {@code timeout} is negative
   * @throws IllegalStateException if this file is closed
   * @throws InterruptedException if the thread is interrupted while waiting
   */
  public boolean await(Duration timeout) throws InterruptedException {
    long nanos = Timeouts.toNanos(timeout);
    return requireOpen().await(nanos, TimeUnit.NANOSECONDS);
  }

  /**
   * Waits until the fence has signaled and returns normally if it signaled without error: the
   * throwing twin of {@link #await(Duration)}, like {@link CompletableFuture#get} for a future.
   *
   * <p>A zero timeout polls. As with {@code await}, a wait in progress when another thread closes
   * the file keeps waiting on the fence.
   *
   * @param timeout the longest time to wait; zero to poll
   * @throws FenceErrorException if the fence signaled with an error; it carries the fence's {@link
   *     Fence#error() error} and {@link Fence#cause() cause} (if any), and the message names the
   *     file and the fence
   * @throws TimeoutException if the fence is still pending when the timeout elapses; the message
   *     names the file and the fence
   * @throws InterruptedException if the thread is interrupted before or while waiting
   * @throws IllegalArgumentException if {@code timeout} is negative
   * @throws IllegalStateException if this file is closed
   * @throws NullPointerException if {@code timeout} is null
   */
  public void awaitSuccess(Duration timeout) throws InterruptedException, TimeoutException {
    long nanos = Timeouts.toNanos(timeout);
    awaitSuccessNanos(requireOpen(), nanos);
  }

  /**
   * Waits like {@link #awaitSuccess(Duration)}; the {@code Duration} form should be preferred.
   *
   * @param timeout the longest time to wait, in {@code unit}; zero to poll
   * @param unit the unit of {@code timeout}
   * @throws FenceErrorException if the fence signaled with an error (with its cause, if any)
   * @throws TimeoutException if the fence is still pending when the timeout elapses
   * @throws InterruptedException if the thread is interrupted before or while waiting
   * @throws IllegalArgumentException if {@code timeout} is negative
   * @throws IllegalStateException if this file is closed
   * @throws NullPointerException if {@code unit} is null
   */
  public void awaitSuccess(long timeout, TimeUnit unit)
      throws InterruptedException, TimeoutException {
    long nanos = Timeouts.toNanos(timeout, unit);
    awaitSuccessNanos(requireOpen(), nanos);
  }

  /**
   * Returns a future that completes normally, with this file, once the fence has signaled &mdash;
   * with or without an error, like poll readiness in the kernel; the error shows in {@link
   * #info()}.
   *
   * <p>Each call returns a new future, so cancelling or completing one does not affect the others
   * or the fence. The file keeps only the futures still pending: one its caller cancels or
   * completes is dropped by that call, so asking again and cancelling the previous future, any
   * number of times, holds no more memory than the futures pending at the moment. If the fence has
   * already signaled the future is already complete. The first call on a pending fence registers
   * one callback on it (and so enables signaling); later calls share it. {@link #close()} cancels
   * every returned future that is still pending and removes that callback.
   *
   * <p>The futures complete in the thread that signals the fence; dependent stages attached with
   * the non-async methods of {@link CompletableFuture} run in that thread too, so attach heavy work
   * with the {@code *Async} variants.
   *
   * @return a future completing with this file when the fence signals
   * @throws IllegalStateException if this file is closed
   */
  public CompletableFuture<SyncFile> ready() {
    Fence f = requireOpen();
    ReadyFuture future = new ReadyFuture(this);
    Object head;
    for (; ; ) {
      head = waitersVolatile();
      if (head == CLOSED) {
        throw closedException();
      }
      if (head == SIGNALED) {
        future.complete(this);
        return future;
      }
      if (head == null && f.isSignaled()) {
        // Nothing registered and nothing to register: remember the signal, answer at once.
        casWaiters(null, SIGNALED);
        continue;
      }
      Waiter node = new Waiter(future, head instanceof Waiter ? pruneDone((Waiter) head) : null);
      if (casWaiters(head, node)) {
        break;
      }
    }
    if (head == null) {
      registerCallback(f);
    }
    return future;
  }

  /**
   * Passes a deadline hint to the fence: a waiter needs it signaled by {@code deadlineNanos} on the
   * {@link System#nanoTime()} clock. Forwarded to {@link Fence#setDeadline(long)}; ignored by a
   * fence that has signaled. Any value is accepted; a deadline in the past means "as soon as
   * possible".
   *
   * @param deadlineNanos the deadline on the {@code System.nanoTime()} clock
   * @throws IllegalStateException if this file is closed
   */
  public void setDeadline(long deadlineNanos) {
    requireOpen().setDeadline(deadlineNanos);
  }

  /**
   * Closes this file: cancels every future returned by {@link #ready()} that is still pending,
   * removes the file's callback from the fence and drops the file's reference to the fence. The
   * fence itself is not touched: it stays pending or signaled as it was, and other files on it are
   * unaffected.
   *
   * <p>Idempotent and thread-safe: of concurrent calls exactly one does the work, and every call
   * returns after the file counts as closed. Never throws.
   */
  @Override
  public void close() {
    Object head = WAITERS.getAndSet(this, CLOSED);
    if (head == CLOSED) {
      return;
    }
    Fence f = fence;
    if (name == null && f != null) {
      keepIdentity(f); // before dropping the fence: name() needs one of the two
    }
    fence = null;
    FenceCallback cb = callback;
    if (head != null && f != null && cb != null) {
      // A callback may be registered (or about to be; see the registration race above).
      f.removeCallback(cb);
    }
    if (head instanceof Waiter) {
      for (CompletableFuture<SyncFile> future : inCallOrder((Waiter) head)) {
        future.cancel(false);
      }
    }
  }

  /**
   * Returns a debug description: the name, and the fence's {@link Fence#describe()} while open or
   * {@code "closed"} after {@link #close()}. The format may change.
   *
   * @return a one-line description
   */
  @Override
  public String toString() {
    Fence f = fence;
    return "SyncFile[" + name() + ", " + (f == null ? "closed" : f.describe()) + "]";
  }

  // ---------------------------------------------------------------------------------------------
  // Internals

  static String defaultName(Fence f) {
    return f.driverName() + '-' + f.timelineName() + f.context() + '-' + f.seqno();
  }

  static String defaultName(
      @Nullable String driverName, @Nullable String timelineName, long context, long seqno) {
    return driverName + '-' + timelineName + context + '-' + seqno;
  }

  /**
   * For close(), which never throws: keeps what the default name is built from, or, should the
   * fence's names throw, stores the bare identity as the name.
   */
  private void keepIdentity(Fence f) {
    closedContext = f.context();
    closedSeqno = f.seqno();
    try {
      closedDriverName = f.driverName();
      closedTimelineName = f.timelineName();
    } catch (RuntimeException e) {
      name = "sync_file-" + f.context() + '-' + f.seqno();
    }
  }

  private void awaitSuccessNanos(Fence f, long nanos)
      throws InterruptedException, TimeoutException {
    if (!f.await(nanos, TimeUnit.NANOSECONDS)) {
      throw new TimeoutException(
          "sync file '"
              + name()
              + "': fence "
              + safeDescribe(f)
              + " not signaled within "
              + Duration.ofNanos(nanos));
    }
    if (f.status() < 0) {
      FenceError error = f.error().orElse(FenceError.EIO); // signaled with an error: present
      throw new FenceErrorException(
          error,
          "sync file '" + name() + "': fence " + safeDescribe(f) + " signaled with error " + error,
          f.cause().orElse(null));
    }
  }

  /** {@link Fence#describe()}, or the bare identity should a subclass's describe throw. */
  private static String safeDescribe(Fence f) {
    try {
      return f.describe();
    } catch (RuntimeException e) {
      return f.context() + ":" + f.seqno();
    }
  }

  /** Returns the fence, or throws if the file is closed. See the overview for the ordering. */
  private Fence requireOpen() {
    if (waitersVolatile() == CLOSED) {
      throw closedException();
    }
    Fence f = fence;
    if (f == null) {
      throw closedException();
    }
    return f;
  }

  private IllegalStateException closedException() {
    return new IllegalStateException("sync file '" + name() + "' is closed");
  }

  /**
   * Registers the file's callback; called once, by the ready() whose push replaced null. The
   * callback is published in the volatile field before it is added and the word is re-read after:
   * close() swaps the word and then reads the field, so either close() sees the callback and
   * removes it, or this re-read sees CLOSED and removes it here (both may; the second is a no-op).
   */
  private void registerCallback(Fence f) {
    FenceCallback cb = signaled -> onFenceSignaled();
    callback = cb;
    if (!f.addCallback(cb)) {
      // Already signaled: the callback will never run, so do its work here.
      onFenceSignaled();
    } else if (waitersVolatile() == CLOSED) {
      // close() ran between our push and our registration and may have missed it.
      f.removeCallback(cb);
    }
  }

  /** The callback's body: complete every pushed future, unless close() got there first. */
  private void onFenceSignaled() {
    for (; ; ) {
      Object head = waitersVolatile();
      if (head == CLOSED || head == SIGNALED) {
        return;
      }
      if (casWaiters(head, SIGNALED)) {
        if (head instanceof Waiter) {
          for (CompletableFuture<SyncFile> future : inCallOrder((Waiter) head)) {
            future.complete(this);
          }
        }
        return;
      }
    }
  }

  /**
   * Unlinks every done future from the stack (run after a caller completed or cancelled one); see
   * the overview.
   */
  @SuppressWarnings("NullAway") // deepestDone is on the stack below top: the walk reaches it
  void unlinkDone() {
    for (; ; ) {
      Object head = waitersVolatile();
      if (!(head instanceof Waiter)) {
        return; // nothing pushed, or SIGNALED/CLOSED: the detaching thread owns the stack
      }
      Waiter top = (Waiter) head;
      Waiter deepestDone = null;
      int above = 0; // nodes above deepestDone
      int depth = 0;
      for (Waiter w = top; w != null; w = w.next) {
        if (w.future.isDone()) {
          deepestDone = w;
          above = depth;
        }
        depth++;
      }
      if (deepestDone == null) {
        return;
      }
      Waiter[] kept = new Waiter[above];
      int n = 0;
      for (Waiter w = top; w != deepestDone; w = w.next) {
        if (!w.future.isDone()) {
          kept[n++] = w;
        }
      }
      Waiter rebuilt = deepestDone.next;
      for (int i = n - 1; i >= 0; i--) {
        rebuilt = new Waiter(kept[i].future, rebuilt);
      }
      if (casWaiters(head, rebuilt == null ? NO_WAITERS : rebuilt)) {
        return;
      }
    }
  }

  /** Number of futures on the stack, done or not (for tests). */
  int stackedFutures() {
    Object head = waitersVolatile();
    int n = 0;
    for (Waiter w = head instanceof Waiter ? (Waiter) head : null; w != null; w = w.next) {
      n++;
    }
    return n;
  }

  /** Skips the done futures at the top of the stack (cancelled or completed by their callers). */
  private static @Nullable Waiter pruneDone(@Nullable Waiter head) {
    Waiter w = head;
    while (w != null && w.future.isDone()) {
      w = w.next;
    }
    return w;
  }

  /** The futures of a detached stack, oldest first. */
  private static List<CompletableFuture<SyncFile>> inCallOrder(Waiter head) {
    List<CompletableFuture<SyncFile>> futures = new ArrayList<>();
    for (Waiter w = head; w != null; w = w.next) {
      futures.add(w.future);
    }
    Collections.reverse(futures);
    return futures;
  }

  /**
   * A future returned by {@link #ready()}: any completion by its holder unlinks it (and any other
   * done future) from the file's stack, so cancelled futures do not pile up on a pending fence.
   * Dependent futures are plain {@code CompletableFuture}s.
   */
  private static final class ReadyFuture extends CompletableFuture<SyncFile> {
    // Needed only until the first completion (to unlink), then dropped so that a done future
    // held by a caller does not pin the file. Plain field: a racing reader that still sees the
    // file just unlinks once more, a no-op.
    private @Nullable SyncFile file;

    ReadyFuture(SyncFile file) {
      this.file = file;
    }

    /**
     * After a completion by anyone: unlinks done futures from the file's stack, then forgets it.
     */
    private void completed() {
      SyncFile f = file;
      if (f != null) {
        file = null;
        f.unlinkDone();
      }
    }

    @Override
    public <U> CompletableFuture<U> newIncompleteFuture() {
      return new CompletableFuture<>();
    }

    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
      boolean cancelled = super.cancel(mayInterruptIfRunning);
      completed();
      return cancelled;
    }

    @Override
    public boolean complete(SyncFile value) {
      boolean completed = super.complete(value);
      completed();
      return completed;
    }

    @Override
    public boolean completeExceptionally(Throwable ex) {
      boolean completed = super.completeExceptionally(ex);
      completed();
      return completed;
    }

    @Override
    public void obtrudeValue(SyncFile value) {
      super.obtrudeValue(value);
      completed();
    }

    @Override
    public void obtrudeException(Throwable ex) {
      super.obtrudeException(ex);
      completed();
    }

    /** Like any {@code CompletableFuture}, but completes through {@link #complete}. */
    @Override
    public CompletableFuture<SyncFile> completeAsync(
        Supplier<? extends SyncFile> supplier, Executor executor) {
      Objects.requireNonNull(supplier, "supplier");
      Objects.requireNonNull(executor, "executor");
      executor.execute(
          () -> {
            if (isDone()) {
              return;
            }
            try {
              complete(supplier.get());
            } catch (Throwable t) {
              completeExceptionally(t);
            }
          });
      return this;
    }
  }

  /** A node of the stack of futures returned by {@link #ready()}; immutable once published. */
  private static final class Waiter {
    final CompletableFuture<SyncFile> future;
    final @Nullable Waiter next;

    Waiter(CompletableFuture<SyncFile> future, @Nullable Waiter next) {
      this.future = future;
      this.next = next;
    }
  }

  private @Nullable Object waitersVolatile() {
    return WAITERS.getVolatile(this);
  }

  private boolean casWaiters(@Nullable Object expected, Object value) {
    return WAITERS.compareAndSet(this, expected, value);
  }

  // VarHandle mechanics
  private static final VarHandle WAITERS;

  static {
    try {
      WAITERS = MethodHandles.lookup().findVarHandle(SyncFile.class, "waiters", Object.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }
}
