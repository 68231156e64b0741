package org.fence4j.reservation;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.AbstractList;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.RandomAccess;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.fence4j.Fence;
import org.fence4j.FenceArray;
import org.fence4j.FenceCallback;
import org.fence4j.FenceChain;
import org.fence4j.FenceError;
import org.fence4j.FenceErrorException;
import org.fence4j.Fences;
import org.fence4j.StrictMode;
import org.fence4j.internal.Diagnostics;
import org.fence4j.internal.Timeouts;
import org.jspecify.annotations.Nullable;

/**
 * The fences of one shared buffer, for implicit synchronization: the kernel's {@code dma_resv}.
 *
 * <p>Every fence is stored with a {@link Usage}. Whoever accesses the buffer waits for the fences
 * its access must follow ({@link Usage#forAccess(boolean)}) and publishes the fence of its own
 * work. The shortest correct form, for a thread that may block and a buffer it alone writes:
 *
 * <pre>{@code
 * // producer (a renderer writing the buffer)
 * buffer.awaitSuccess(Usage.forAccess(true), timeout); // readers and writers so far; throws if one failed
 * Fence done = ring.next();
 * buffer.addFenceWithLock(done, Usage.WRITE);          // before the buffer is handed over
 * display.present(buffer);                             // the display adds its READ fence in there
 * draw(buffer);
 * done.signal();
 *
 * // consumer (a display reading it), any thread, no lock
 * buffer.awaitSuccess(Usage.forAccess(false), timeout); // the writers; throws if one failed
 * }</pre>
 *
 * <p>{@link #awaitSuccess(Usage, Duration)} needs no {@code null} check (unlike {@link
 * #singleton(Usage)}) and no error check (unlike {@link #await(Usage, Duration)}). When several
 * producers may submit at once, or the work is queued without blocking, collect the fences to
 * follow and add your own in one critical section instead: lock the object, {@linkplain
 * #singleton(Usage) collect} what the access must follow (make the work wait for it), {@linkplain
 * #reserveFences(int) reserve} a slot, {@linkplain #addFence(Fence, Usage) add} the fence of the
 * work and unlock:
 *
 * <pre>{@code
 * // producer (a renderer writing the buffer)
 * buffer.lock();
 * try {
 *   Fence before = buffer.singleton(Usage.forAccess(true)); // readers and writers so far
 *   Fence done = renderer.submit(before);                   // work that starts after "before"
 *   buffer.reserveFences(1);
 *   buffer.addFence(done, Usage.WRITE);
 * } finally {
 *   buffer.unlock();
 * }
 * }</pre>
 *
 * <p><b>The read-fence rule: fence a read when the buffer is handed over.</b> A consumer that will
 * read the buffer later (a display scanning out a presented frame, a compositor) must put its
 * {@link Usage#READ} fence on the buffer in the hand-over itself (the present or commit call, on
 * the presenting thread, before the producer can come back to the buffer), not when its read
 * starts. The fence may signal much later (when the frame leaves the screen); what matters is that
 * it is on the buffer from the hand-over on. Implicit sync orders only what is on the buffer: a
 * read fence added at scan-out leaves a window between hand-over and scan-out in which the
 * producer's next write finds no reader to wait for and draws over the frame before it is shown (or
 * while it is). Likewise a producer publishes its {@link Usage#WRITE} fence before it hands the
 * buffer over.
 *
 * <p><b>Two models on one object.</b> The usage API ({@link #addFence(Fence, Usage)}, {@link
 * #fences(Usage)}) is the kernel's current model: fences are never evicted by other fences, only
 * replaced by a later fence of the same context or once signaled. The classic exclusive + shared
 * API ({@link #addExclusiveFence(Fence)}, {@link #addSharedFence(Fence)}, {@link
 * #exclusiveFence()}, {@link #sharedFences()}) is a view on the same entries: the exclusive fence
 * is the {@link Usage#WRITE} entry and the shared fences are the {@link Usage#READ} entries, and
 * {@link #addExclusiveFence(Fence)} keeps the old barrier semantics (it drops every READ and WRITE
 * entry). See {@code docs/reservation.md} for when to use which.
 *
 * <p><b>Locking.</b> Writers must hold the object's lock, a {@link WwMutex} of class {@link
 * #wwClass()}: through {@link #lock()}, {@link #lock(WwAcquireContext)}, {@link
 * #lockSlow(WwAcquireContext)}, {@link #tryLock()}, {@link ReservationLocks}, or {@link #mutex()}
 * directly; all are the same lock, owned by the locking thread. Every method that adds a fence
 * needs one reserved slot per fence; reservations accumulate until the lock is released and are
 * void afterwards.
 *
 * <p><b>Readers</b> ({@link #fences(Usage)}, {@link #singleton(Usage)}, {@link
 * #testSignaled(Usage)}, {@link #await(Usage, Duration)}, {@link #awaitSuccess(Usage, Duration)},
 * {@link #setDeadline(Usage, long)}, {@link #exclusiveFence()}, {@link #sharedFences()}, {@link
 * #describe()}) never lock and never block writers: each reads one immutable snapshot, so a reader
 * racing a writer sees the set of fences before the update or after it, never a mix.
 *
 * <p>Bad input (null, a container fence, a missing lock or slot) fails at the call with an
 * exception and leaves the object unchanged and usable.
 *
 * <p>Memory consistency effects: actions of a writer before it adds a fence happen-before the
 * actions of a reader after it observes that fence in a snapshot.
 */
public final class ReservationObject {
  /*
   * Overview:
   * State is one volatile reference, "snapshot", to an immutable-looking Snapshot (entries array
   * + count). Readers read it once and work on that snapshot only: lock-free, never torn.
   *
   * Readers' answers: the unsignaled fences of a snapshot for a usage can only shrink (signaled is
   * final), so fences(usage) keeps its answer in the snapshot (Snapshot.answers) and returns it
   * again while none of its fences has signaled. Those fields are written by readers with plain
   * stores and read racily by other readers: safe because an Unsignaled is immutable with final
   * fields (its array is filled before the constructor ends), the fences themselves were
   * published by the volatile read of "snapshot", and a reader that misses another's answer just
   * computes its own. Writers never read them.
   *
   * Writers hold the WwMutex (checked: owner thread == current thread) and publish a new Snapshot
   * object with a volatile write after filling in its entries, so a reader that sees the new
   * snapshot also sees its entries (release/acquire via the volatile field).
   *
   * Array sharing (to keep appends cheap, as the kernel does): an append writes entries[count] of
   * the current array and publishes Snapshot(array, count + 1). That slot lies beyond the count
   * of every snapshot published before, so no earlier reader can see it change. Every other
   * update (replacement, removal, compaction, copy) builds a fresh array. Invariant: no slot
   * below the count of any published snapshot of an array is ever written again.
   *
   * Capacity invariant (under the lock): snapshot.entries.length >= snapshot.count + reserved,
   * so adding a fence after reserveFences() never needs to allocate.
   *
   * Storage follows the live entries: reserveFences drops signaled entries and rebuilds the
   * array when it must compact, grow, or is more than SHRINK_FACTOR times too long for the live
   * entries plus the reservation; a rebuilt array holds at most twice that (doubling the old
   * length when growing, so appends stay amortized O(1)). Unlock shrinks an array left
   * oversized by an unused reservation (a copy, no fence code). So after a burst has signaled,
   * the next reserveFences brings the object back to the size of a fresh one with the same live
   * fences, and every later add costs what it costs there.
   *
   * "reserved" is a plain field: it is only touched by the lock holder, and the WwMutex hand-off
   * orders successive holders. The unlock hook zeroes it before the lock is released.
   *
   * ResourceSet keeps its per-buffer state (queue, unlock waiters) in a ResourceQueue, created
   * lazily with one CAS on "resourceQueue" and guarded by its own lock; the unlock hook reads it
   * without locking and only hands work to ResourceSet (never runs a grant itself).
   */

  /**
   * The shared Wait-Die class of reservation objects created with {@link #ReservationObject()}, the
   * equivalent of the kernel's {@code reservation_ww_class}.
   */
  public static final WwClass WW_CLASS = WwClass.waitDie("reservation_ww_class");

  /**
   * How a fence uses the buffer, ordered from strongest to weakest. A query with usage {@code U}
   * covers every fence whose usage is {@code U} or stronger (declared earlier).
   */
  public enum Usage {
    /** Kernel-style memory management (moves, clears): everyone always waits for these. */
    KERNEL,
    /** An implicitly synced write. */
    WRITE,
    /** An implicitly synced read. */
    READ,
    /**
     * Tracked but not implicitly synced (explicitly synced work, bookkeeping); only a {@code
     * BOOKKEEP} query sees it.
     */
    BOOKKEEP;

    /**
     * Returns the usage a new access must wait for: {@link #READ} for a write (wait for readers and
     * writers), {@link #WRITE} for a read (wait for writers only).
     *
     * @param write whether the new access writes the buffer
     * @return the usage to query
     */
    public static Usage forAccess(boolean write) {
      return write ? READ : WRITE;
    }

    /** Whether a query with this usage covers a fence stored with {@code stored}. */
    boolean covers(Usage stored) {
      return stored.ordinal() <= ordinal();
    }

    String label() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  private static final class Entry {
    final Fence fence;
    final Usage usage;

    Entry(Fence fence, Usage usage) {
      this.fence = fence;
      this.usage = usage;
    }
  }

  private static final class Snapshot {
    final Entry[] entries; // slots [0, count) are final for this snapshot
    final int count;

    /**
     * Readers' answers for this snapshot, by usage ordinal: created and filled by readers, racily
     * (see the overview); null until the first {@code fences(usage)} on this snapshot.
     */
    @Nullable Unsignaled @Nullable [] answers;

    Snapshot(Entry[] entries, int count) {
      this.entries = entries;
      this.count = count;
    }
  }

  /**
   * One answer of {@code fences(usage)}, and the list handed out: immutable (AbstractList's
   * mutators throw), so any reader may reuse it while valid. One object over the array.
   */
  private static final class Unsignaled extends AbstractList<Fence> implements RandomAccess {
    private static final Unsignaled NONE = new Unsignaled(new Fence[0]);

    final Fence[] fences; // never written after construction

    Unsignaled(Fence[] fences) {
      this.fences = fences;
    }

    @Override
    public Fence get(int index) {
      return fences[index];
    }

    @Override
    public int size() {
      return fences.length;
    }

    /** Still the right answer: signaled is final, so only a newly signaled member changes it. */
    boolean isCurrent() {
      for (Fence f : fences) {
        if (f.isSignaled()) {
          return false;
        }
      }
      return true;
    }
  }

  private static final Snapshot EMPTY = new Snapshot(new Entry[0], 0);
  private static final VarHandle RESOURCE_QUEUE;

  static {
    try {
      RESOURCE_QUEUE =
          MethodHandles.lookup()
              .findVarHandle(ReservationObject.class, "resourceQueue", ResourceQueue.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private static final int USAGES = Usage.values().length;
  private static final int MIN_CAPACITY = 4;

  /** An array longer than this many times what it must hold is reallocated smaller. */
  private static final int SHRINK_FACTOR = 4;

  private static final int MAX_CAPACITY = Integer.MAX_VALUE - 16;

  private final WwMutex mutex;
  private volatile Snapshot snapshot = EMPTY;
  private int reserved; // guarded by mutex; free reserved slots
  private volatile boolean strict;

  // ResourceSet's state for this buffer: created on first use (CAS), then final.
  private volatile @Nullable ResourceQueue resourceQueue;

  /** Numbers the default names {@code resv-<n>}. */
  private static final AtomicLong NAMES = new AtomicLong();

  private final String name;

  /**
   * Creates an empty reservation object named {@code resv-<n>}, locked through the shared {@link
   * #WW_CLASS}.
   */
  public ReservationObject() {
    this(WW_CLASS);
  }

  /**
   * Creates an empty reservation object named {@code resv-<n>} whose lock belongs to {@code
   * wwClass}.
   *
   * @param wwClass the wound/wait class of its lock
   * @throws NullPointerException if {@code wwClass} is null
   */
  public ReservationObject(WwClass wwClass) {
    this("resv-" + NAMES.incrementAndGet(), Objects.requireNonNull(wwClass, "wwClass"));
  }

  /**
   * Creates an empty reservation object with a name, locked through the shared {@link #WW_CLASS}.
   * The name appears in {@link #describe()}, {@link #toString()}, exception messages and timeouts.
   *
   * @param name the name, e.g. the buffer's ({@code "framebuffer-0"}); need not be unique
   * @throws NullPointerException if {@code name} is null
   */
  public ReservationObject(String name) {
    this(name, WW_CLASS);
  }

  /**
   * Creates an empty reservation object with a name whose lock belongs to {@code wwClass}.
   *
   * @param name the name; need not be unique
   * @param wwClass the wound/wait class of its lock
   * @throws NullPointerException if an argument is null
   */
  public ReservationObject(String name, WwClass wwClass) {
    this.name = Objects.requireNonNull(name, "name");
    Objects.requireNonNull(wwClass, "wwClass");
    this.mutex = new WwMutex(wwClass, new UnlockHook());
  }

  /**
   * Returns the name: the one given at construction, else {@code resv-<n>}.
   *
   * @return the name
   */
  public String name() {
    return name;
  }

  // ---------------------------------------------------------------------------------------------
  // Locking

  /**
   * Returns the wound/wait class of this object's lock.
   *
   * @return the class
   */
  public WwClass wwClass() {
    return mutex.wwClass();
  }

  /**
   * Returns this object's lock; holding it by any of its methods is holding the object's lock.
   *
   * @return the lock
   */
  public WwMutex mutex() {
    return mutex;
  }

  /**
   * Locks the object as part of the transaction {@code ctx}; see {@link
   * WwMutex#lock(WwAcquireContext)}.
   *
   * @param ctx the acquire context
   * @return {@code true} if acquired, {@code false} if {@code ctx} already holds it
   * @throws WwDeadlockException if {@code ctx} must back off
   * @throws IllegalArgumentException if {@code ctx} is of another class
   * @throws IllegalStateException if {@code ctx} is closed, done or of another thread
   * @throws NullPointerException if {@code ctx} is null
   */
  public boolean lock(WwAcquireContext ctx) {
    return mutex.lock(ctx);
  }

  /**
   * Interruptible {@link #lock(WwAcquireContext)}; see {@link
   * WwMutex#lockInterruptibly(WwAcquireContext)}.
   *
   * @param ctx the acquire context
   * @return {@code true} if acquired, {@code false} if {@code ctx} already holds it
   * @throws InterruptedException if interrupted before or while waiting
   * @throws WwDeadlockException if {@code ctx} must back off
   * @throws IllegalArgumentException if {@code ctx} is of another class
   * @throws IllegalStateException if {@code ctx} is closed, done or of another thread
   * @throws NullPointerException if {@code ctx} is null
   */
  public boolean lockInterruptibly(WwAcquireContext ctx) throws InterruptedException {
    return mutex.lockInterruptibly(ctx);
  }

  /**
   * The back-off acquire after a {@link WwDeadlockException}; see {@link
   * WwMutex#lockSlow(WwAcquireContext)}.
   *
   * @param ctx the acquire context, holding no lock
   * @throws IllegalStateException if {@code ctx} holds a lock, is closed, done or of another thread
   * @throws IllegalArgumentException if {@code ctx} is of another class
   * @throws NullPointerException if {@code ctx} is null
   */
  public void lockSlow(WwAcquireContext ctx) {
    mutex.lockSlow(ctx);
  }

  /**
   * Locks the object without a context (a single object), waiting uninterruptibly.
   *
   * @throws IllegalStateException if the current thread already holds the lock
   */
  public void lock() {
    mutex.lock();
  }

  /**
   * Locks the object without a context if it is free now.
   *
   * @return whether the lock was acquired
   */
  public boolean tryLock() {
    return mutex.tryLock();
  }

  /**
   * Unlocks the object. Unused reserved slots are void afterwards.
   *
   * @throws IllegalStateException if the current thread does not hold the lock
   */
  public void unlock() {
    mutex.unlock();
  }

  /**
   * Tells whether anyone holds the lock (a racy snapshot).
   *
   * @return whether the object is locked
   */
  public boolean isLocked() {
    return mutex.isLocked();
  }

  // ---------------------------------------------------------------------------------------------
  // Writers (lock held)

  /**
   * Reserves {@code n} more slots for fences to be added before the lock is released. Reservations
   * accumulate; adding a fence uses one; unlocking voids the rest. Signaled fences are compacted
   * away (readers never see them anyway), and storage is allocated here so that adding a fence
   * never needs to. Storage follows the unsignaled fences and the reservation: after a burst of
   * fences has signaled, this call shrinks the object back to what a fresh object with the same
   * unsignaled fences holds, and a large reservation left unused is given back at unlock.
   *
   * @param n the number of slots, at least 1
   * @throws IllegalArgumentException if {@code n < 1} or the total would be absurdly large
   * @throws IllegalStateException if the current thread does not hold the lock
   */
  public void reserveFences(int n) {
    if (n < 1) {
      throw new IllegalArgumentException("n must be at least 1, got " + n);
    }
    checkLocked();
    Snapshot s = snapshot;
    long wanted = (long) reserved + n;
    if (wanted + s.count > MAX_CAPACITY) {
      throw new IllegalArgumentException(
          "cannot reserve " + n + " more fence slots (" + reserved + " already reserved)");
    }
    int live = liveCount(s);
    long needed = live + wanted;
    if (live < s.count // compact
        || s.entries.length < s.count + wanted // grow
        || oversized(s.entries.length, needed)) { // shrink
      snapshot = rebuilt(s, capacityFor(needed, s.entries.length));
    }
    reserved = (int) wanted;
  }

  /**
   * Adds {@code fence} with {@code usage}, using one reserved slot. The first stored entry that
   * either has the same context, a usage that is not stronger than {@code usage} and a fence that
   * is not later than {@code fence}, or whose fence has signaled, is replaced; otherwise the fence
   * is appended. So a same-context WRITE fence replaces a READ one, but a READ fence never replaces
   * a WRITE one (both are kept).
   *
   * @param fence a plain fence (add the leaves of arrays and chains one by one)
   * @param usage how the fence uses the buffer
   * @throws IllegalArgumentException if {@code fence} is a {@link FenceArray} or {@link FenceChain}
   * @throws IllegalStateException if the current thread does not hold the lock, or no slot is
   *     reserved
   * @throws NullPointerException if an argument is null
   */
  public void addFence(Fence fence, Usage usage) {
    Objects.requireNonNull(fence, "fence");
    Objects.requireNonNull(usage, "usage");
    checkWritable(fence);
    Snapshot s = snapshot;
    for (int i = 0; i < s.count; i++) {
      Entry old = s.entries[i];
      if ((old.fence.context() == fence.context()
              && old.usage.ordinal() >= usage.ordinal()
              && !old.fence.isLaterThan(fence))
          || old.fence.isSignaled()) {
        replaceAt(s, i, new Entry(fence, usage));
        reserved--;
        return;
      }
    }
    append(s, new Entry(fence, usage));
  }

  /**
   * Replaces every entry of context {@code context} by {@code replacement} with {@code usage}.
   * Valid only when the old work no longer touches the buffer once {@code replacement} has signaled
   * (for example, a preemption fence replaced by a page-table update fence). Needs the lock but no
   * reserved slot; does nothing if no entry has that context.
   *
   * @param context the context whose entries are replaced
   * @param replacement the new fence, not a container
   * @param usage the usage of the replaced entries
   * @throws IllegalArgumentException if {@code replacement} is a {@link FenceArray} or {@link
   *     FenceChain}
   * @throws IllegalStateException if the current thread does not hold the lock
   * @throws NullPointerException if {@code replacement} or {@code usage} is null
   */
  public void replaceFences(long context, Fence replacement, Usage usage) {
    Objects.requireNonNull(replacement, "replacement");
    Objects.requireNonNull(usage, "usage");
    checkLocked();
    checkNotContainer(replacement, "replacement");
    Snapshot s = snapshot;
    Entry[] fresh = null;
    for (int i = 0; i < s.count; i++) {
      if (s.entries[i].fence.context() == context) {
        if (fresh == null) {
          fresh = Arrays.copyOf(s.entries, s.entries.length);
        }
        fresh[i] = new Entry(replacement, usage);
      }
    }
    if (fresh != null) {
      snapshot = new Snapshot(fresh, s.count);
    }
  }

  /**
   * Classic API: makes {@code fence} the exclusive ({@link Usage#WRITE}) fence and drops every
   * shared ({@link Usage#READ}) and previous exclusive fence; {@link Usage#KERNEL} and {@link
   * Usage#BOOKKEEP} entries are kept. Uses one reserved slot.
   *
   * <p>Barrier semantics: the caller guarantees that {@code fence} signals only after every fence
   * it replaces. {@code fence} itself must be a plain fence (containers are rejected), so make the
   * new work wait for the old fences and signal {@code fence} when it is done:
   *
   * <pre>{@code
   * buffer.lock();
   * try {
   *   Fence before = buffer.singleton(Usage.READ); // every reader and writer so far, or null
   *   Fence done = writer.submit(before);          // a plain fence, signaled after "before"
   *   buffer.reserveFences(1);
   *   buffer.addExclusiveFence(done);
   * } finally {
   *   buffer.unlock();
   * }
   * }</pre>
   *
   * <p>With {@linkplain #setStrict(boolean) strict mode} on, a fence that signals while one of the
   * fences it replaced is still pending is reported through {@link
   * StrictMode#reportViolation(String)}; strict mode registers a callback on {@code fence}, which
   * enables its signaling.
   *
   * @param fence the new exclusive fence, not a container
   * @throws IllegalArgumentException if {@code fence} is a {@link FenceArray} or {@link FenceChain}
   * @throws IllegalStateException if the current thread does not hold the lock, or no slot is
   *     reserved
   * @throws NullPointerException if {@code fence} is null
   */
  public void addExclusiveFence(Fence fence) {
    Objects.requireNonNull(fence, "fence");
    checkWritable(fence);
    Snapshot s = snapshot;
    int kept = 0;
    List<Fence> replaced = new ArrayList<>();
    for (int i = 0; i < s.count; i++) {
      Entry e = s.entries[i];
      if (e.usage == Usage.WRITE || e.usage == Usage.READ) {
        if (e.fence != fence && !e.fence.isSignaled()) {
          replaced.add(e.fence);
        }
      } else {
        kept++;
      }
    }
    Entry[] fresh = new Entry[Math.max(MIN_CAPACITY, kept + reserved)];
    int j = 0;
    for (int i = 0; i < s.count; i++) {
      Entry e = s.entries[i];
      if (e.usage != Usage.WRITE && e.usage != Usage.READ) {
        fresh[j++] = e;
      }
    }
    fresh[j++] = new Entry(fence, Usage.WRITE);
    snapshot = new Snapshot(fresh, j);
    reserved--;
    if (strict && !replaced.isEmpty()) {
      watchBarrier(fence, replaced);
    }
  }

  /**
   * Classic API: adds {@code fence} as a shared ({@link Usage#READ}) fence, replacing the first
   * shared fence of the same context (whatever their order) or the first signaled entry, else
   * appending it. Uses one reserved slot. The exclusive fence is kept.
   *
   * @param fence the new shared fence, not a container
   * @throws IllegalArgumentException if {@code fence} is a {@link FenceArray} or {@link FenceChain}
   * @throws IllegalStateException if the current thread does not hold the lock, or no slot is
   *     reserved
   * @throws NullPointerException if {@code fence} is null
   */
  public void addSharedFence(Fence fence) {
    Objects.requireNonNull(fence, "fence");
    checkWritable(fence);
    Snapshot s = snapshot;
    for (int i = 0; i < s.count; i++) {
      Entry old = s.entries[i];
      if ((old.usage == Usage.READ && old.fence.context() == fence.context())
          || old.fence.isSignaled()) {
        replaceAt(s, i, new Entry(fence, Usage.READ));
        reserved--;
        return;
      }
    }
    append(s, new Entry(fence, Usage.READ));
  }

  /**
   * Replaces this object's fences by a copy of {@code src}'s unsignaled fences, keeping each
   * fence's usage. {@code src} is read lock-free (one snapshot); this object's lock must be held.
   * Needs no reserved slot and keeps the current reservations.
   *
   * @param src the object to copy from (may be this object, which just drops signaled fences)
   * @throws IllegalStateException if the current thread does not hold this object's lock
   * @throws NullPointerException if {@code src} is null
   */
  public void copyFencesFrom(ReservationObject src) {
    Objects.requireNonNull(src, "src");
    checkLocked();
    Snapshot from = src.snapshot;
    List<Entry> live = new ArrayList<>(from.count);
    for (int i = 0; i < from.count; i++) {
      Entry e = from.entries[i];
      if (!e.fence.isSignaled()) {
        live.add(e);
      }
    }
    Entry[] fresh = new Entry[Math.max(MIN_CAPACITY, live.size() + reserved)];
    for (int i = 0; i < live.size(); i++) {
      fresh[i] = live.get(i);
    }
    snapshot = new Snapshot(fresh, live.size());
  }

  /**
   * Turns strict mode on or off (off by default). In strict mode, {@link #addExclusiveFence(Fence)}
   * checks its barrier promise: if the new exclusive fence signals while a fence it replaced is
   * still pending, the violation is reported through {@link StrictMode#reportViolation(String)}.
   * Thread-safe; applies to fences added afterwards.
   *
   * @param strict whether to check
   */
  public void setStrict(boolean strict) {
    this.strict = strict;
  }

  /**
   * Tells whether strict mode is on.
   *
   * @return whether strict mode is on
   */
  public boolean isStrict() {
    return strict;
  }

  // ---------------------------------------------------------------------------------------------
  // Conveniences for the single-buffer path

  /**
   * Publishes one fence on this buffer in one call: locks the object (without an acquire context,
   * waiting uninterruptibly), reserves one slot, {@linkplain #addFence(Fence, Usage) adds} {@code
   * fence} with {@code usage} and unlocks, also when adding throws. Equivalent to
   *
   * <pre>{@code
   * lock();
   * try {
   *   reserveFences(1);
   *   addFence(fence, usage);
   * } finally {
   *   unlock();
   * }
   * }</pre>
   *
   * <p>For a single buffer and a fence that depends on nothing read under the same lock. When the
   * new work must follow the fences already on the buffer and several parties may submit at once,
   * collect them ({@link #singleton(Usage)}) and add yours in one critical section instead.
   *
   * <p><b>Not inside a transaction.</b> This method takes the lock itself, so it refuses to run
   * where taking it could deadlock: when the current thread already holds this object's lock (by
   * any method), or holds any lock taken with a {@link WwAcquireContext} (a multi-buffer
   * transaction in progress, in which a context-less wait would sit outside the wound/wait
   * protocol). It then throws {@link IllegalStateException} before touching anything; use {@link
   * #reserveFences(int)} and {@link #addFence(Fence, Usage)} under the lock you hold.
   *
   * @param fence a plain fence (add the leaves of arrays and chains one by one)
   * @param usage how the fence uses the buffer
   * @throws IllegalArgumentException if {@code fence} is a {@link FenceArray} or {@link FenceChain}
   * @throws IllegalStateException if the current thread already holds this object's lock or holds
   *     locks through an acquire context; nothing was changed
   * @throws NullPointerException if an argument is null
   */
  public void addFenceWithLock(Fence fence, Usage usage) {
    Objects.requireNonNull(fence, "fence");
    Objects.requireNonNull(usage, "usage");
    checkNotContainer(fence, "fence");
    if (mutex.isHeldByCurrentThread()) {
      throw new IllegalStateException(
          "addFenceWithLock: the current thread already holds the lock of "
              + this
              + "; inside a critical section call reserveFences(1) and addFence(fence, usage)");
    }
    String transaction = WwAcquireContext.transactionOnCurrentThread();
    if (transaction != null) {
      throw new IllegalStateException(
          "addFenceWithLock on "
              + this
              + " inside a multi-buffer transaction ("
              + transaction
              + " holds locks on this thread): lock this object with that context and call"
              + " reserveFences(1) and addFence(fence, usage)");
    }
    mutex.lock();
    try {
      reserveFences(1);
      addFence(fence, usage);
    } finally {
      mutex.unlock();
    }
  }

  /**
   * Waits until every fence covered by {@code usage} has signaled without error: the throwing twin
   * of {@link #await(Usage, Duration)}, and the usual way to wait for a buffer (no {@code null}
   * check, unlike {@link #singleton(Usage)}; no separate error check, unlike {@code await}).
   *
   * <p>It covers the fences stored with usage {@code usage} or stronger when the call starts, those
   * already signaled included: a failed fence is reported as long as the object stores it (a
   * signaled entry is dropped when a writer reserves slots or replaces it). If one of them has
   * already failed, it throws at once; otherwise it waits for the pending ones one after the other,
   * in storage order, with the remaining time, and throws as soon as the fence it waited for turns
   * out failed (so it may have waited for others first). Fences added after the call started are
   * not waited for. Lock-free; the caller may hold the lock. A zero timeout polls.
   *
   * @param usage the weakest usage to wait for
   * @param timeout the maximum time to wait, not negative
   * @throws FenceErrorException if a covered fence signaled with an error: the first failed one
   *     found, with its {@link Fence#error() error} and its {@link Fence#cause() cause}, if any;
   *     the message names this object and the fence
   * @throws TimeoutException if a covered fence is still pending when the timeout elapses; the
   *     message names this object and that fence
   * @throws InterruptedException if interrupted before or while waiting
   * @throws IllegalArgumentException if {@code timeout} is negative
   * @throws NullPointerException if an argument is null
   */
  public void awaitSuccess(Usage usage, Duration timeout)
      throws InterruptedException, TimeoutException {
    Objects.requireNonNull(usage, "usage");
    awaitSuccessNanos(usage, Timeouts.toNanos(timeout));
  }

  /**
   * Waits like {@link #awaitSuccess(Usage, Duration)}; the {@code Duration} form should be
   * preferred.
   *
   * @param usage the weakest usage to wait for
   * @param timeout the maximum time to wait, not negative
   * @param unit the unit of {@code timeout}
   * @throws FenceErrorException if a covered fence signaled with an error (see {@link
   *     #awaitSuccess(Usage, Duration)})
   * @throws TimeoutException if a covered fence is still pending when the timeout elapses
   * @throws InterruptedException if interrupted before or while waiting
   * @throws IllegalArgumentException if {@code timeout} is negative
   * @throws NullPointerException if {@code usage} or {@code unit} is null
   */
  public void awaitSuccess(Usage usage, long timeout, TimeUnit unit)
      throws InterruptedException, TimeoutException {
    Objects.requireNonNull(usage, "usage");
    awaitSuccessNanos(usage, Timeouts.toNanos(timeout, unit));
  }

  // ---------------------------------------------------------------------------------------------
  // Readers (lock-free)

  /**
   * Returns the unsignaled fences whose usage is {@code usage} or stronger, from one consistent
   * snapshot. Lock-free. The answer is kept with the snapshot, so asking again while nothing has
   * been added or signaled returns the same list without allocating; a returned list never changes.
   *
   * @param usage the weakest usage to include
   * @return an unmodifiable list, in storage order
   * @throws NullPointerException if {@code usage} is null
   */
  public List<Fence> fences(Usage usage) {
    Objects.requireNonNull(usage, "usage");
    return unsignaled(snapshot, usage);
  }

  /** The answer of {@code fences(usage)} for snapshot {@code s}, kept with it. */
  private static Unsignaled unsignaled(Snapshot s, Usage usage) {
    @Nullable Unsignaled @Nullable [] answers = s.answers;
    if (answers != null) {
      Unsignaled known = answers[usage.ordinal()];
      if (known != null && known.isCurrent()) {
        return known;
      }
    }
    Fence[] out = new Fence[s.count];
    int n = 0;
    for (int i = 0; i < s.count; i++) {
      Entry e = s.entries[i];
      if (usage.covers(e.usage) && !e.fence.isSignaled()) {
        out[n++] = e.fence;
      }
    }
    Unsignaled answer =
        n == 0 ? Unsignaled.NONE : new Unsignaled(n == out.length ? out : Arrays.copyOf(out, n));
    if (answers == null) {
      answers = new Unsignaled[USAGES];
      s.answers = answers;
    }
    answers[usage.ordinal()] = answer;
    return answer;
  }

  /**
   * Returns one fence standing for {@link #fences(Usage) fences(usage)}: {@code null} if there is
   * none, the fence itself if there is one, else a new wait-all {@link FenceArray} (never add it
   * back to a reservation object: it is a container). Lock-free. As in the kernel, nothing pending
   * gives {@code null}: to wait for the buffer, use {@link #awaitSuccess(Usage, Duration)}, which
   * needs no {@code null} check; this method is for handing the fences to work that waits elsewhere
   * (a GPU job, a callback). Allocates nothing when at most one fence is pending.
   *
   * @param usage the weakest usage to include
   * @return {@code null}, the only fence, or a wait-all array
   * @throws NullPointerException if {@code usage} is null
   */
  public @Nullable Fence singleton(Usage usage) {
    Objects.requireNonNull(usage, "usage");
    Snapshot s = snapshot;
    Fence only = null;
    for (int i = 0; i < s.count; i++) {
      Entry e = s.entries[i];
      if (usage.covers(e.usage) && !e.fence.isSignaled()) {
        if (only != null) {
          return several(unsignaled(s, usage)); // same snapshot; some may have signaled since
        }
        only = e.fence;
      }
    }
    return only; // none or one: no allocation
  }

  private static @Nullable Fence several(List<Fence> fences) {
    switch (fences.size()) {
      case 0:
        return null;
      case 1:
        return fences.get(0);
      default:
        return FenceArray.all(fences);
    }
  }

  /**
   * Tells whether every fence with usage {@code usage} or stronger has signaled. Lock-free.
   *
   * @param usage the weakest usage to include
   * @return {@code true} if nothing covered by {@code usage} is pending
   * @throws NullPointerException if {@code usage} is null
   */
  public boolean testSignaled(Usage usage) {
    Objects.requireNonNull(usage, "usage");
    Snapshot s = snapshot;
    for (int i = 0; i < s.count; i++) {
      Entry e = s.entries[i];
      if (usage.covers(e.usage) && !e.fence.isSignaled()) {
        return false;
      }
    }
    return true;
  }

  /**
   * Waits until every fence with usage {@code usage} or stronger, present when the call starts, has
   * signaled (with or without error), or the timeout elapses. Lock-free; the caller may hold the
   * lock. A zero timeout polls.
   *
   * @param usage the weakest usage to wait for
   * @param timeout the maximum time to wait, not negative
   * @return {@code true} if they all signaled, {@code false} on timeout
   * @throws InterruptedException if interrupted before or while waiting
   * @throws IllegalArgumentException if {@code timeout} is negative
   * @throws NullPointerException if an argument is null
   */
  public boolean await(Usage usage, Duration timeout) throws InterruptedException {
    Objects.requireNonNull(usage, "usage");
    return awaitNanos(usage, Timeouts.toNanos(timeout));
  }

  /**
   * Waits like {@link #await(Usage, Duration)}; the {@code Duration} form should be preferred.
   *
   * @param usage the weakest usage to wait for
   * @param timeout the maximum time to wait, not negative
   * @param unit the unit of {@code timeout}
   * @return {@code true} if they all signaled, {@code false} on timeout
   * @throws InterruptedException if interrupted before or while waiting
   * @throws IllegalArgumentException if {@code timeout} is negative
   * @throws NullPointerException if {@code usage} or {@code unit} is null
   */
  public boolean await(Usage usage, long timeout, TimeUnit unit) throws InterruptedException {
    Objects.requireNonNull(usage, "usage");
    return awaitNanos(usage, Timeouts.toNanos(timeout, unit));
  }

  /**
   * Passes a deadline hint to every unsignaled fence with usage {@code usage} or stronger; see
   * {@link Fence#setDeadline(long)}. Lock-free.
   *
   * @param usage the weakest usage to include
   * @param deadlineNanos the deadline on the {@link System#nanoTime()} clock
   * @throws NullPointerException if {@code usage} is null
   */
  public void setDeadline(Usage usage, long deadlineNanos) {
    Objects.requireNonNull(usage, "usage");
    Snapshot s = snapshot;
    for (int i = 0; i < s.count; i++) {
      Entry e = s.entries[i];
      if (usage.covers(e.usage) && !e.fence.isSignaled()) {
        e.fence.setDeadline(deadlineNanos);
      }
    }
  }

  /**
   * Classic API: the exclusive fence, that is the stored {@link Usage#WRITE} entry (signaled or
   * not), or {@code null} if there is none. Should several WRITE entries exist (added through
   * {@link #addFence(Fence, Usage)}), returns a fence that signals once all of them have ({@link
   * Fences#merge(List)}). Lock-free.
   *
   * @return the exclusive fence, or {@code null}
   */
  public @Nullable Fence exclusiveFence() {
    Snapshot s = snapshot;
    List<Fence> writes = new ArrayList<>(1);
    for (int i = 0; i < s.count; i++) {
      if (s.entries[i].usage == Usage.WRITE) {
        writes.add(s.entries[i].fence);
      }
    }
    switch (writes.size()) {
      case 0:
        return null;
      case 1:
        return writes.get(0);
      default:
        return Fences.merge(writes);
    }
  }

  /**
   * Classic API: the stored shared ({@link Usage#READ}) fences, signaled or not (signaled ones
   * disappear when they are compacted or replaced). Lock-free.
   *
   * @return an unmodifiable list, in storage order
   */
  public List<Fence> sharedFences() {
    Snapshot s = snapshot;
    List<Fence> out = new ArrayList<>(s.count);
    for (int i = 0; i < s.count; i++) {
      if (s.entries[i].usage == Usage.READ) {
        out.add(s.entries[i].fence);
      }
    }
    return Collections.unmodifiableList(out);
  }

  /**
   * Describes the object: a first line {@code "<name>: <n> fences"} (with {@code ", locked by
   * <holder>"} while its lock is held), then every stored fence, one line each, indented by two
   * spaces: its usage, then {@link Fence#describe()}, e.g. {@code " write fence: ..."}. Unlike the
   * kernel, BOOKKEEP entries are listed too. Lock-free.
   *
   * @return the description
   */
  public String describe() {
    Snapshot s = snapshot;
    StringBuilder sb = new StringBuilder(name).append(": ");
    sb.append(s.count == 0 ? "no" : String.valueOf(s.count))
        .append(s.count == 1 ? " fence" : " fences");
    appendLockState(sb);
    for (int i = 0; i < s.count; i++) {
      Entry e = s.entries[i];
      sb.append("\n  ").append(e.usage.label()).append(" fence: ").append(e.fence.describe());
    }
    return sb.toString();
  }

  /**
   * Returns a short debug string: name, number of stored fences and lock state, e.g. {@code
   * "framebuffer-0[fences=2, locked by thread main]"}.
   *
   * @return a debug string
   */
  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder(name).append("[fences=").append(snapshot.count);
    appendLockState(sb);
    return sb.append(']').toString();
  }

  /** Appends {@code ", locked by <holder>"} while the lock is held. */
  private void appendLockState(StringBuilder sb) {
    String m = mutex.toString(); // "WwMutex@...[unlocked]" or "WwMutex@...[locked by ...]"
    int at = m.indexOf("[locked by ");
    if (at >= 0) {
      sb.append(", ").append(m, at + 1, m.length() - 1);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Internals

  /** This buffer's resource-set state, created on first use. */
  ResourceQueue resourceQueue() {
    ResourceQueue q = resourceQueue;
    if (q != null) {
      return q;
    }
    ResourceQueue fresh = new ResourceQueue();
    Object witness = RESOURCE_QUEUE.compareAndExchange(this, null, fresh);
    return witness == null ? fresh : (ResourceQueue) witness;
  }

  /**
   * The first fence of {@link #fences(Usage) fences(usage)}, or {@code null} if there is none: the
   * same answer from one snapshot (peek hooks run the same way), without allocating (for
   * ResourceSet's install step, which needs only whether something is pending and one fence).
   */
  @Nullable Fence firstUnsignaled(Usage usage) {
    Snapshot s = snapshot;
    for (int i = 0; i < s.count; i++) {
      Entry e = s.entries[i];
      if (usage.covers(e.usage) && !e.fence.isSignaled()) {
        return e.fence;
      }
    }
    return null;
  }

  /**
   * The stored fences covered by {@code usage}, signaled or not, without running any fence code
   * (for diagnosis: the caller reads their flags).
   */
  List<Fence> storedFences(Usage usage) {
    Snapshot s = snapshot;
    List<Fence> out = new ArrayList<>();
    for (int i = 0; i < s.count; i++) {
      if (usage.covers(s.entries[i].usage)) {
        out.add(s.entries[i].fence);
      }
    }
    return out;
  }

  /** Number of stored entries, signaled ones included (for tests). */
  int storedCount() {
    return snapshot.count;
  }

  /** Free reserved slots (for tests; lock holder only). */
  int reservedSlots() {
    return reserved;
  }

  /** Length of the current entries array: the slots retained, used or not (for tests). */
  int capacity() {
    return snapshot.entries.length;
  }

  /**
   * The length of a rebuilt array that must hold {@code needed} entries (live ones plus reserved
   * slots) and replaces one of length {@code length}: room for {@code needed}; when growing, up to
   * twice the old length (appends amortized), but never more than twice {@code needed}, so the
   * storage follows what is live rather than what once was.
   */
  private static int capacityFor(long needed, int length) {
    long capacity = Math.max(needed, Math.min(2L * length, 2L * needed));
    return (int) Math.min(MAX_CAPACITY, Math.max(MIN_CAPACITY, capacity));
  }

  /** Whether an array of {@code length} is far too big for {@code needed} entries. */
  private static boolean oversized(int length, long needed) {
    return length > SHRINK_FACTOR * Math.max(MIN_CAPACITY, needed);
  }

  private static int liveCount(Snapshot s) {
    int live = 0;
    for (int i = 0; i < s.count; i++) {
      if (!s.entries[i].fence.isSignaled()) {
        live++;
      }
    }
    return live;
  }

  /**
   * A new snapshot of {@code s}'s unsignaled entries, in order, in an array of {@code capacity}.
   */
  private static Snapshot rebuilt(Snapshot s, int capacity) {
    Entry[] fresh = new Entry[capacity];
    int j = 0;
    for (int i = 0; i < s.count; i++) {
      Entry e = s.entries[i];
      if (!e.fence.isSignaled()) {
        fresh[j++] = e;
      }
    }
    return new Snapshot(fresh, j);
  }

  /**
   * Unlock: voids the reservations, and gives back the room that only they used (a large
   * reservation left unused). O(1) unless the array is oversized, and then a plain copy of the
   * stored entries, which that reservation paid for. Runs no fence code (no isSignaled: its peek
   * hook and the callbacks a signal runs are user code, never run inside unlock); signaled entries
   * go at the next reserveFences.
   */
  private void voidReservations() {
    if (reserved != 0) {
      reserved = 0; // skip the store when already 0: the line stays shared between lockers
    }
    Snapshot s = snapshot;
    if (oversized(s.entries.length, s.count)) {
      snapshot = new Snapshot(Arrays.copyOf(s.entries, capacityFor(s.count, s.count)), s.count);
    }
  }

  private boolean awaitNanos(Usage usage, long nanos) throws InterruptedException {
    if (Thread.interrupted()) {
      throw new InterruptedException();
    }
    Snapshot s = snapshot; // the fences present when the call starts; scanned, not copied
    if (nanos == 0L) {
      for (int i = 0; i < s.count; i++) { // a poll: each covered fence polled (never blocks)
        Entry e = s.entries[i];
        if (usage.covers(e.usage) && !e.fence.await(0L, TimeUnit.NANOSECONDS)) {
          return false;
        }
      }
      return true;
    }
    Fence[] pending = null;
    int count = 0;
    for (int i = 0; i < s.count; i++) {
      Entry e = s.entries[i];
      if (usage.covers(e.usage) && !e.fence.isSignaled()) {
        if (pending == null) {
          pending = new Fence[s.count - i];
        }
        pending[count++] = e.fence;
      }
    }
    if (pending == null) {
      return true;
    }
    long deadline = System.nanoTime() + nanos; // read the clock only when something is pending
    Fence[] waited = count == pending.length ? pending : Arrays.copyOf(pending, count);
    // One blocking wait for the whole call, fence-core's wait-for-all loop: one signaling-path
    // check, the thread a waiter of each pending fence, one JFR event.
    return Diagnostics.access().awaitAll(waited, nanos, deadline);
  }

  private void awaitSuccessNanos(Usage usage, long nanos)
      throws InterruptedException, TimeoutException {
    if (Thread.interrupted()) {
      throw new InterruptedException();
    }
    Snapshot s = snapshot; // the fences present when the call starts; scanned, not copied
    for (int i = 0; i < s.count; i++) { // a failure already there is reported before any wait
      Entry e = s.entries[i];
      if (usage.covers(e.usage) && e.fence.status() < 0) {
        throw failure(e.fence);
      }
    }
    long deadline = 0L;
    boolean started = false;
    for (int i = 0; i < s.count; i++) {
      Entry e = s.entries[i];
      if (!usage.covers(e.usage)) {
        continue;
      }
      Fence f = e.fence;
      if (!f.isSignaled()) {
        if (!started) {
          deadline = System.nanoTime() + nanos; // read the clock only when something is pending
          started = true;
        }
        long remaining = Math.max(0, deadline - System.nanoTime());
        if (!f.await(remaining, TimeUnit.NANOSECONDS)) {
          throw new TimeoutException(
              this
                  + ": the "
                  + usage.label()
                  + " fences have not all signaled within "
                  + Duration.ofNanos(nanos)
                  + "; still pending: "
                  + safeDescribe(f));
        }
      }
      if (f.status() < 0) {
        throw failure(f);
      }
    }
  }

  /** The exception for a covered fence that signaled with an error: its error and cause. */
  private FenceErrorException failure(Fence f) {
    FenceError error = f.error().orElse(FenceError.EIO); // signaled with an error: present
    return new FenceErrorException(
        error,
        this + ": fence " + safeDescribe(f) + " signaled with error " + error,
        f.cause().orElse(null));
  }

  /** {@link Fence#describe()}, or the bare identity should a subclass's describe throw. */
  private static String safeDescribe(Fence f) {
    try {
      return f.describe();
    } catch (RuntimeException e) {
      return f.context() + ":" + f.seqno();
    }
  }

  private void checkLocked() {
    if (!mutex.isHeldByCurrentThread()) {
      throw new IllegalStateException(
          "the lock of " + this + " is not held by the current thread; lock it first");
    }
  }

  /** Checks shared by every add method, before anything changes. */
  private void checkWritable(Fence fence) {
    checkLocked();
    checkNotContainer(fence, "fence");
    if (reserved < 1) {
      throw new IllegalStateException(
          "no reserved fence slot on " + this + ": call reserveFences(n) after locking");
    }
  }

  private static void checkNotContainer(Fence fence, String name) {
    if (fence instanceof FenceArray || fence instanceof FenceChain) {
      throw new IllegalArgumentException(
          name
              + " is a container ("
              + fence.getClass().getSimpleName()
              + "); add its leaf fences one by one (Fences.unwrap)");
    }
  }

  private void append(Snapshot s, Entry e) {
    // The capacity invariant guarantees room; slot s.count is beyond every published count.
    s.entries[s.count] = e;
    snapshot = new Snapshot(s.entries, s.count + 1);
    reserved--;
  }

  private void replaceAt(Snapshot s, int index, Entry e) {
    Entry[] fresh = Arrays.copyOf(s.entries, s.entries.length);
    fresh[index] = e;
    snapshot = new Snapshot(fresh, s.count);
  }

  private static void watchBarrier(Fence exclusive, List<Fence> replaced) {
    FenceCallback check =
        signaled -> {
          List<Fence> early = new ArrayList<>();
          for (Fence f : replaced) {
            if (!f.isSignaled()) {
              early.add(f);
            }
          }
          if (!early.isEmpty()) {
            StringBuilder sb = new StringBuilder();
            sb.append("exclusive fence [")
                .append(exclusive.describe())
                .append("] signaled before ")
                .append(early.size())
                .append(" fence(s) it replaced:");
            for (Fence f : early) {
              sb.append(" [").append(f.describe()).append(']');
            }
            StrictMode.reportViolation(sb.toString());
          }
        };
    if (!exclusive.addCallback(check)) {
      check.onSignaled(exclusive);
    }
  }

  /** Voids reservations on unlock and lets waiting resource sets retry. */
  private final class UnlockHook implements WwMutex.UnlockListener {
    @Override
    public void beforeUnlock() {
      voidReservations();
    }

    @Override
    public void afterUnlock() {
      ResourceQueue q = resourceQueue;
      if (q != null) {
        ResourceSet.afterBufferUnlock(q);
      }
    }
  }
}
