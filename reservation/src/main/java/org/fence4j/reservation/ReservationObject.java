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
 * #describe()}) never lock and never block writers: each reads the fences as they stood at one
 * instant (a consistent snapshot), so a reader racing a writer sees the set of fences before each
 * update or after it, never a mix. Waits cover the fences present when the call starts.
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
   * State is one volatile reference, "slots", to an array holding the entries interleaved: slot 2i
   * is entry i's fence, slot 2i+1 its usage (no object per entry). The stored entries are the
   * prefix of the array up to the first null fence slot (or its end). Readers scan that prefix
   * lock-free and validate the scan against a seqcount (below): never torn, never a mix.
   *
   * Publication, three ways. (1) Rebuilds (compaction, growth, exclusive add, copy, replaceFences,
   * and a replacement while a reader asked writers to copy) fill a fresh array completely and
   * publish it with the volatile write of "slots" (release/acquire: a reader that reads the new
   * array sees its contents); the old array is never written again. (2) An append (as the
   * kernel's RCU list) writes the two slots past the prefix of the current array: the usage, then
   * the fence with a release store; readers load fence slots with acquire, so a reader that sees
   * the fence sees its usage and everything the writer did before (the class's memory consistency
   * rule). An append only makes the slot right after the prefix non-null, so a scan that sees it
   * or not sees the entries as they stood at one instant, before or after it (the version is not
   * touched). (3) A replacement (addFence, addSharedFence) stores the entry in place, inside a
   * seqcount write section (storeInPlace): "version" is even while the entries are stable; the
   * writer makes it odd (opaque store), VarHandle.storeStoreFence, stores the usage (opaque) and
   * the fence (release), then makes it even again (release store). Nothing in between calls out
   * or can throw, so a writer cannot wedge readers (the kernel's seqcount, same rule).
   *
   * Readers (Boehm's seqlock reader): v = version with acquire (waiting out an odd value: spin,
   * then yield), read "slots", scan (fence slots acquire, usage slots opaque), then
   * VarHandle.loadLoadFence and read the version again; equal means no in-place store overlapped
   * the scan, so what it saw is the entries at one instant (appends aside, see (2)); else scan
   * again. Why it holds: a scan that read any slot written inside a write section read a value
   * stored after the writer's odd store and storeStoreFence; the reader's loadLoadFence orders
   * its version re-read after that load, so the re-read sees the odd value or later, never v.
   * A write section that ended before the first read is seen whole (acquire on the even store).
   * Scans call fence code (isSignaled, status) only for answers they throw away when invalid;
   * everything with effects (waiting, setDeadline, describe, throwing a failure) runs after the
   * validation on what the valid scan collected. So a consumer that sees producer 2's
   * replacement also sees producer 1's earlier one, and never a new fence with an old usage.
   * Progress: a reader whose scan fails OPTIMISTIC_READS times (a large object under a stream
   * of replacements) increments "copyReaders"; a writer reads it (volatile) before each
   * replacement and, while it is non-zero, rebuilds instead (1). By the total order of volatile
   * accesses, only a replacement that read it before the increment can still store in place, at
   * most one (writers are serialized), so the reader finishes within two more scans; it
   * decrements when done. Invariants: a non-null fence slot never becomes null again in the same
   * array, fence slots become non-null in index order, and only lock holders write slots.
   *
   * Writers hold the WwMutex (checked: owner thread == current thread) and keep "count" (entries
   * in the current array) and "reserved" (free reserved slots) in plain fields: only the lock
   * holder touches them, and the WwMutex hand-off orders successive holders. Writers read the
   * slots plainly (they wrote them, or took them over with the lock).
   *
   * Capacity invariant (under the lock): slots.length / 2 >= count + reserved, so adding a fence
   * after reserveFences() never allocates (a replacement stores in place) unless a reader has
   * asked writers to copy, or the add builds the context index (see below).
   *
   * Storage follows the live entries: reserveFences drops signaled entries and rebuilds the
   * array when it must compact, grow, or is more than SHRINK_FACTOR times too long for the live
   * entries plus the reservation; a rebuilt array holds at most twice that (doubling the old
   * length when growing, so appends stay amortized O(1)). Unlock shrinks an array left
   * oversized by an unused reservation (a copy, no fence code). So after a burst has signaled,
   * the next reserveFences brings the object back to the size of a fresh one with the same live
   * fences, and every later add costs what it costs there.
   *
   * No per-add cost grows with count (amortized). The liveness pass (isSignaled on every entry:
   * one cache miss per fence object) runs only when the array must grow or shrink anyway, or
   * once "credit" (reserveFences calls and adds since the last pass) reaches count; a burst is
   * count adds, so the reservation after it still runs the pass. addFence scans all entries
   * only up to INDEX_MIN of them; above, it looks at two: the entry "index" (a writer-side
   * context -> entry map, built lazily, dropped by publish() whenever entries move or change
   * context) gives for the fence's context, then one round-robin "probe" entry, replaced only if
   * signaled. Invariant: index.get(c) == i implies entry i's fence has context c.
   *
   * Readers' answers: the unsignaled fences of one state for a usage can only shrink (signaled is
   * final), so fences(usage) keeps its answer in "answers" (by usage ordinal) and returns it again
   * while it is current: computed from the current array at the current version (nothing stored
   * in place since: the version is a long, it never wraps), no entry appended past the prefix it
   * saw, none of its fences signaled since. The cache is racy: readers store answers with plain
   * writes, and a reader that misses another's answer computes its own; safe because an answer is
   * immutable with final fields. An answer keeps the array it was computed from reachable, so
   * writers clear the cache where the storage shrinks (compaction, unlock, exclusive add, copy),
   * never on the common paths (append, replacement: those arrays are no longer than the current
   * one), so writers and readers do not write the same line for every update. A reader racing a
   * clear may store a stale answer again: it fails the check and the next query replaces it.
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
      return stored.compareTo(this) <= 0; // declaration order is strength order
    }

    String label() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /**
   * One answer of {@code fences(usage)}, and the list handed out: immutable (AbstractList's
   * mutators throw), so any reader may reuse it while valid. One object over the array, which
   * records the state it was computed from (the array and the length of its prefix).
   */
  private static final class Unsignaled extends AbstractList<Fence> implements RandomAccess {
    private static final Unsignaled NONE =
        new Unsignaled(new Fence[0], new @Nullable Object[0], 0, -1L);

    final Fence[] fences; // never written after construction
    final @Nullable Object[] source;
    final int stored;
    final long version;

    Unsignaled(Fence[] fences, @Nullable Object[] source, int stored, long version) {
      this.fences = fences;
      this.source = source;
      this.stored = stored;
      this.version = version;
    }

    /**
     * Still the answer for {@code slots} at version {@code v}: same array, nothing replaced in
     * place, nothing appended, nothing signaled.
     */
    boolean isCurrentFor(@Nullable Object[] slots, long v) {
      return source == slots
          && version == v
          && (stored == slots.length >> 1 || fenceAt(slots, stored) == null)
          && isCurrent();
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

  private static final @Nullable Object[] EMPTY = new @Nullable Object[0];

  /** Access to the fence slots of an entries array: release stores, acquire loads. */
  private static final VarHandle SLOTS = MethodHandles.arrayElementVarHandle(Object[].class);

  private static final VarHandle RESOURCE_QUEUE;
  private static final VarHandle VERSION;
  private static final VarHandle COPY_READERS;

  static {
    try {
      MethodHandles.Lookup lookup = MethodHandles.lookup();
      RESOURCE_QUEUE =
          lookup.findVarHandle(ReservationObject.class, "resourceQueue", ResourceQueue.class);
      VERSION = lookup.findVarHandle(ReservationObject.class, "version", long.class);
      COPY_READERS = lookup.findVarHandle(ReservationObject.class, "copyReaders", int.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private static final int USAGES = Usage.values().length;
  private static final int MIN_CAPACITY = 2;

  /** Up to this many entries, addFence scans them all; above, it uses the context index. */
  static final int INDEX_MIN = 8;

  /** Scans a reader validates optimistically before it asks writers to copy instead. */
  private static final int OPTIMISTIC_READS = 4;

  /** Spins of a reader waiting out an in-place store before it yields instead. */
  private static final int SPINS = 64;

  /** An array longer than this many times what it must hold is reallocated smaller. */
  private static final int SHRINK_FACTOR = 4;

  private static final int MAX_CAPACITY = (Integer.MAX_VALUE - 16) / 2;

  private final WwMutex mutex;

  /** The entries, interleaved (fence, usage); see the overview. */
  private volatile @Nullable Object[] slots = EMPTY;

  /**
   * The seqcount of in-place replacements (through VERSION only): even while the entries are
   * stable, odd while a writer stores one entry in place; see the overview.
   */
  @SuppressWarnings("UnusedVariable") // accessed through VERSION
  private long version;

  /**
   * Readers that failed to validate OPTIMISTIC_READS scans in a row and asked writers to replace by
   * copying until they are done (through COPY_READERS; writers read it as a volatile).
   */
  @SuppressWarnings("UnusedVariable") // accessed through COPY_READERS
  private int copyReaders;

  private int count; // guarded by mutex; entries stored in slots
  private int reserved; // guarded by mutex; free reserved slots

  /**
   * Guarded by mutex: reserveFences calls and adds since the last liveness pass (saturating); a
   * pass is due once it reaches {@code count}, so the passes cost amortized O(1) per operation.
   */
  private int credit;

  /** Guarded by mutex: the entry addFence probes next for having signaled (round-robin). */
  private int probe;

  /**
   * Guarded by mutex: context to entry, built when an add finds more than INDEX_MIN entries, null
   * again whenever the entries are rebuilt; see addFence.
   */
  private @Nullable ContextIndex index;

  /** Readers' answers by usage ordinal, racy (see the overview); null until the first one. */
  private @Nullable Unsignaled @Nullable [] answers;

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
    long wanted = (long) reserved + n;
    if (wanted + count > MAX_CAPACITY) {
      throw new IllegalArgumentException(
          "cannot reserve " + n + " more fence slots (" + reserved + " already reserved)");
    }
    @Nullable Object[] a = slots;
    int length = a.length >> 1;
    int entries = count;
    if (credit < Integer.MAX_VALUE) {
      credit++;
    }
    boolean grow = length < entries + wanted;
    if (grow || credit >= entries || oversized(length, entries + wanted)) {
      // The liveness pass: it looks at every entry, so it runs only when the array is rebuilt
      // anyway (grow, shrink) or once there were as many reservations and adds since the last
      // one as there are entries (amortized O(1) each). In between, signaled entries wait
      // (readers skip them) or are replaced by addFence.
      credit = 0;
      int live = liveCount(a, entries);
      long needed = live + wanted;
      if (live < entries || grow || oversized(length, needed)) {
        compact(a, capacityFor(needed, length));
      }
    }
    reserved = (int) wanted;
  }

  /**
   * Adds {@code fence} with {@code usage}, using one reserved slot. An entry qualifies for
   * replacement if it has the same context, a usage that is not stronger than {@code usage} and a
   * fence that is not later than {@code fence}, or if its fence has signaled. So a same-context
   * WRITE fence replaces a READ one, but a READ fence never replaces a WRITE one (both are kept).
   *
   * <p>Which entry is replaced, exactly: while the object holds at most 8 entries, the first
   * qualifying entry in storage order, and the fence is appended if none qualifies. Above 8 entries
   * the search looks at two entries, so that an add costs the same whatever the number of entries:
   * the object remembers one entry per context (the entry a fence of that context was last written
   * to; after the entries were compacted or rebuilt, the last one of that context in storage order;
   * a context whose remembered entry was taken over by another context is forgotten until then).
   * The remembered entry of {@code fence}'s context is replaced if it qualifies; otherwise the
   * entry at a round-robin probe position is replaced if its fence has signaled; otherwise the
   * fence is appended. An older entry of the same context can then stay beside the new one; it
   * costs a slot until it signals, never correctness (waiting for it is never wrong), and it is
   * dropped once signaled.
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
    @Nullable Object[] a = slots;
    int n = count;
    if (n > INDEX_MIN) {
      addIndexed(a, n, fence, usage);
      return;
    }
    for (int i = 0; i < n; i++) {
      if (replaceable(a, i, fence, usage)) {
        replaceAt(a, i, fence, usage);
        return;
      }
    }
    append(a, fence, usage);
  }

  /**
   * Whether entry {@code i} may take {@code fence}: same context, usage not stronger, fence not
   * later, or its fence has signaled.
   */
  private static boolean replaceable(@Nullable Object[] a, int i, Fence fence, Usage usage) {
    Fence old = storedFence(a, i);
    return (old.context() == fence.context()
            && storedUsage(a, i).compareTo(usage) >= 0
            && !old.isLaterThan(fence))
        || old.isSignaled();
  }

  /**
   * addFence on more than INDEX_MIN entries: looks at two entries, whatever their number (see
   * addFence's rule): the indexed entry of the fence's context, then the probed one.
   */
  private void addIndexed(@Nullable Object[] a, int n, Fence fence, Usage usage) {
    ContextIndex idx = index;
    if (idx == null) {
      idx = new ContextIndex(n);
      for (int i = 0; i < n; i++) {
        idx.put(storedFence(a, i).context(), i); // the last in storage order wins
      }
      index = idx;
    }
    long context = fence.context();
    int mine = idx.get(context);
    if (mine >= 0 && replaceable(a, mine, fence, usage)) {
      replaceAt(a, mine, fence, usage); // the mapping stays
      return;
    }
    int p = probe < n ? probe : 0;
    probe = p + 1;
    if (p != mine) {
      Fence old = storedFence(a, p);
      if (old.isSignaled()) {
        long oldContext = old.context();
        if (oldContext != context && idx.get(oldContext) == p) {
          idx.remove(oldContext); // that context's other entries, if any, are not found again
        }
        replaceAt(a, p, fence, usage);
        idx.put(context, p);
        return;
      }
    }
    append(a, fence, usage);
    idx.put(context, n);
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
    @Nullable Object[] a = slots;
    @Nullable Object[] fresh = null;
    for (int i = 0; i < count; i++) {
      if (storedFence(a, i).context() == context) {
        if (fresh == null) {
          fresh = Arrays.copyOf(a, a.length);
        }
        fresh[i << 1] = replacement;
        fresh[(i << 1) + 1] = usage;
      }
    }
    if (fresh != null) {
      publish(fresh, count);
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
    boolean watch = strict;
    @Nullable Object[] a = slots;
    int n = count;
    int kept = 0;
    List<Fence> replaced = null; // only in strict mode
    for (int i = 0; i < n; i++) {
      Usage u = storedUsage(a, i);
      if (u == Usage.WRITE || u == Usage.READ) {
        Fence old = storedFence(a, i);
        if (watch && old != fence && !old.isSignaled()) {
          if (replaced == null) {
            replaced = new ArrayList<>();
          }
          replaced.add(old);
        }
      } else {
        kept++;
      }
    }
    @Nullable Object[] fresh = new @Nullable Object[Math.max(MIN_CAPACITY, kept + reserved) << 1];
    int j = 0;
    for (int i = 0; i < n; i++) {
      Usage u = storedUsage(a, i);
      if (u != Usage.WRITE && u != Usage.READ) {
        fresh[j << 1] = a[i << 1];
        fresh[(j << 1) + 1] = u;
        j++;
      }
    }
    fresh[j << 1] = fence;
    fresh[(j << 1) + 1] = Usage.WRITE;
    publish(fresh, j + 1);
    dropAnswers();
    reserved--;
    if (replaced != null) {
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
    index =
        null; // this scan keeps no index up to date (rebuilt by the next addFence that needs it)
    @Nullable Object[] a = slots;
    for (int i = 0, n = count; i < n; i++) {
      Fence old = storedFence(a, i);
      if ((storedUsage(a, i) == Usage.READ && old.context() == fence.context())
          || old.isSignaled()) {
        replaceAt(a, i, fence, Usage.READ);
        return;
      }
    }
    append(a, fence, Usage.READ);
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
    @Nullable Object[] from = snapshot(src); // read as a reader: src may be written meanwhile
    int n = from.length >> 1;
    @Nullable Object[] live = new @Nullable Object[n << 1];
    int j = 0;
    for (int i = 0; i < n; i++) {
      Fence f = storedFence(from, i);
      if (!f.isSignaled()) {
        live[j << 1] = f;
        live[(j << 1) + 1] = storedUsage(from, i);
        j++;
      }
    }
    publish(Arrays.copyOf(live, Math.max(MIN_CAPACITY, j + reserved) << 1), j);
    dropAnswers();
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
   * snapshot. Lock-free. The answer is kept with the object, so asking again while nothing has been
   * added or signaled returns the same list without allocating; a returned list never changes.
   *
   * @param usage the weakest usage to include
   * @return an unmodifiable list, in storage order
   * @throws NullPointerException if {@code usage} is null
   */
  public List<Fence> fences(Usage usage) {
    Objects.requireNonNull(usage, "usage");
    return unsignaled(usage);
  }

  /** The answer of {@code fences(usage)}, kept while current. */
  @SuppressWarnings("EnumOrdinal") // answers are indexed by usage, USAGES = Usage.values().length
  private Unsignaled unsignaled(Usage usage) {
    int attempt = 0;
    try {
      for (; ; attempt++) {
        long v = beginRead(attempt);
        @Nullable Object[] a = slots;
        @Nullable Unsignaled @Nullable [] known = answers;
        if (known != null) {
          Unsignaled answer = known[usage.ordinal()];
          if (answer != null && answer.isCurrentFor(a, v)) {
            return answer; // computed at version v: nothing stored in place since
          }
        }
        int n = stored(a); // the state answered: this prefix, whatever is appended meanwhile
        Fence[] out = new Fence[n];
        int m = 0;
        for (int i = 0; i < n; i++) {
          Fence f = fenceAt(a, i);
          if (f != null && usage.covers(usageAt(a, i)) && !f.isSignaled()) {
            out[m++] = f;
          }
        }
        if (!validRead(v)) {
          continue;
        }
        if (m == 0) {
          return Unsignaled.NONE; // not kept: checking it would cost what computing it costs
        }
        Unsignaled answer = new Unsignaled(m == n ? out : Arrays.copyOf(out, m), a, n, v);
        if (known == null) {
          known = new Unsignaled[USAGES];
          answers = known;
        }
        known[usage.ordinal()] = answer;
        return answer;
      }
    } finally {
      endRead(attempt);
    }
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
    int attempt = 0;
    try {
      for (; ; attempt++) {
        long v = beginRead(attempt);
        @Nullable Object[] a = slots;
        Fence only = null;
        boolean more = false;
        for (int i = 0, n = a.length >> 1; i < n; i++) {
          Fence f = fenceAt(a, i);
          if (f == null) {
            break;
          }
          if (usage.covers(usageAt(a, i)) && !f.isSignaled()) {
            if (only != null) {
              more = true;
              break;
            }
            only = f;
          }
        }
        if (more) {
          return several(unsignaled(usage)); // a later snapshot; some may have signaled since
        }
        if (validRead(v)) {
          return only; // none or one: no allocation
        }
      }
    } finally {
      endRead(attempt);
    }
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
    return firstUnsignaled(usage) == null;
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
    Object set = waitSet(usage, false);
    if (set instanceof Fence) {
      ((Fence) set).setDeadline(deadlineNanos);
    } else if (set instanceof Fence[]) {
      for (Fence f : (Fence[]) set) {
        f.setDeadline(deadlineNanos);
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
    List<Fence> writes = storedFences(Usage.WRITE, true);
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
    return Collections.unmodifiableList(storedFences(Usage.READ, true));
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
    @Nullable Object[] entries = snapshot(this);
    int n = entries.length >> 1;
    StringBuilder sb = new StringBuilder(name).append(": ");
    sb.append(n == 0 ? "no" : String.valueOf(n)).append(n == 1 ? " fence" : " fences");
    appendLockState(sb);
    for (int i = 0; i < n; i++) {
      Fence f = storedFence(entries, i);
      sb.append("\n  ").append(storedUsage(entries, i).label()).append(" fence: ");
      sb.append(f.describe());
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
    StringBuilder sb = new StringBuilder(name).append("[fences=").append(stored(slots));
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
   * testSignaled and for ResourceSet's install step, which needs only whether something is pending
   * and one fence).
   */
  @Nullable Fence firstUnsignaled(Usage usage) {
    int attempt = 0;
    try {
      for (; ; attempt++) {
        long v = beginRead(attempt);
        @Nullable Object[] a = slots;
        Fence first = null;
        for (int i = 0, n = a.length >> 1; i < n; i++) {
          Fence f = fenceAt(a, i);
          if (f == null) {
            break;
          }
          if (usage.covers(usageAt(a, i)) && !f.isSignaled()) {
            first = f;
            break;
          }
        }
        if (validRead(v)) {
          return first;
        }
      }
    } finally {
      endRead(attempt);
    }
  }

  /**
   * The stored fences covered by {@code usage}, signaled or not, without running any fence code
   * (for diagnosis: the caller reads their flags).
   */
  List<Fence> storedFences(Usage usage) {
    return storedFences(usage, false);
  }

  /**
   * The stored fences with usage {@code usage} ({@code exactly}) or covered by it, signaled or not,
   * from one consistent snapshot, without running any fence code.
   */
  private List<Fence> storedFences(Usage usage, boolean exactly) {
    int attempt = 0;
    try {
      for (; ; attempt++) {
        long v = beginRead(attempt);
        @Nullable Object[] a = slots;
        List<Fence> out = new ArrayList<>();
        for (int i = 0, n = a.length >> 1; i < n; i++) {
          Fence f = fenceAt(a, i);
          if (f == null) {
            break;
          }
          Usage u = usageAt(a, i);
          if (exactly ? u == usage : usage.covers(u)) {
            out.add(f);
          }
        }
        if (validRead(v)) {
          return out;
        }
      }
    } finally {
      endRead(attempt);
    }
  }

  /**
   * The entries of {@code obj} as they stood at one instant, interleaved (fence, usage) in a
   * completely filled array, signaled ones included, without running any fence code.
   */
  private static @Nullable Object[] snapshot(ReservationObject obj) {
    int attempt = 0;
    try {
      for (; ; attempt++) {
        long v = obj.beginRead(attempt);
        @Nullable Object[] a = obj.slots;
        int n = stored(a);
        @Nullable Object[] copy = new @Nullable Object[n << 1];
        for (int i = 0; i < n; i++) {
          copy[i << 1] = fenceAt(a, i); // non-null below the prefix length read
          copy[(i << 1) + 1] = usageAt(a, i);
        }
        if (obj.validRead(v)) {
          return copy;
        }
      }
    } finally {
      obj.endRead(attempt);
    }
  }

  /** Number of stored entries, signaled ones included (for tests). */
  int storedCount() {
    return stored(slots);
  }

  /** Free reserved slots (for tests; lock holder only). */
  int reservedSlots() {
    return reserved;
  }

  /** Length of the current entries array: the slots retained, used or not (for tests). */
  int capacity() {
    return slots.length >> 1;
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

  // Entry access. Readers: fenceAt (acquire; null past the prefix), then usageAt. Writers (lock
  // held, below count): storedFence and storedUsage, plain.

  /** Entry {@code i}'s fence in {@code a}, or {@code null} past the stored prefix; acquire. */
  private static @Nullable Fence fenceAt(@Nullable Object[] a, int i) {
    return (Fence) SLOTS.getAcquire(a, i << 1);
  }

  /**
   * Entry {@code i}'s usage, for a reader that has seen the entry's fence through fenceAt (never
   * null then); opaque, as the in-place store (see the overview).
   */
  private static Usage usageAt(@Nullable Object[] a, int i) {
    return (Usage) Objects.requireNonNull(SLOTS.getOpaque(a, (i << 1) + 1));
  }

  /** Entry {@code i}'s fence, for the writer ({@code i < count}). */
  private static Fence storedFence(@Nullable Object[] a, int i) {
    return (Fence) Objects.requireNonNull(a[i << 1]);
  }

  /** Entry {@code i}'s usage, for the writer ({@code i < count}). */
  private static Usage storedUsage(@Nullable Object[] a, int i) {
    return (Usage) Objects.requireNonNull(a[(i << 1) + 1]);
  }

  /** The length of the stored prefix of {@code a} now (a reader's count). */
  private static int stored(@Nullable Object[] a) {
    int n = 0;
    int max = a.length >> 1;
    while (n < max && fenceAt(a, n) != null) {
      n++;
    }
    return n;
  }

  private static int liveCount(@Nullable Object[] a, int n) {
    int live = 0;
    for (int i = 0; i < n; i++) {
      if (!storedFence(a, i).isSignaled()) {
        live++;
      }
    }
    return live;
  }

  /**
   * Publishes a fresh array holding {@code a}'s unsignaled entries, in order, with room for {@code
   * capacity} entries.
   */
  private void compact(@Nullable Object[] a, int capacity) {
    @Nullable Object[] fresh = new @Nullable Object[capacity << 1];
    int j = 0;
    for (int i = 0, n = count; i < n; i++) {
      Fence f = storedFence(a, i);
      if (!f.isSignaled()) {
        fresh[j << 1] = f;
        fresh[(j << 1) + 1] = a[(i << 1) + 1];
        j++;
      }
    }
    publish(fresh, j);
    dropAnswers();
  }

  /**
   * Writer: makes {@code fresh}, completely filled with {@code n} entries, the current array. The
   * entries may have moved or changed context: the context index is dropped (rebuilt when needed).
   */
  private void publish(@Nullable Object[] fresh, int n) {
    index = null;
    publishKeepingIndex(fresh, n);
  }

  /**
   * Writer: like {@link #publish}, for an array whose entries stay where they were with the same
   * contexts (the context index stays valid).
   */
  private void publishKeepingIndex(@Nullable Object[] fresh, int n) {
    count = n;
    slots = fresh; // volatile: readers that read it see its contents
  }

  /**
   * Writer, after publishing an array that may be much smaller than the old one: drops the readers'
   * answers, which would keep the old array alive (see the overview).
   */
  private void dropAnswers() {
    @Nullable Unsignaled @Nullable [] known = answers;
    if (known != null) {
      Arrays.fill(known, null);
    }
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
    @Nullable Object[] a = slots;
    if (oversized(a.length >> 1, count)) {
      publishKeepingIndex(Arrays.copyOf(a, capacityFor(count, count) << 1), count);
      dropAnswers();
    }
  }

  private boolean awaitNanos(Usage usage, long nanos) throws InterruptedException {
    if (Thread.interrupted()) {
      throw new InterruptedException();
    }
    Object set = waitSet(usage, false); // the fences pending at one instant of the call's start
    if (set == null) {
      return true;
    }
    if (nanos == 0L) { // a poll: each pending fence polled (never blocks, no diagnosis)
      for (int i = 0, n = sizeOf(set); i < n; i++) {
        if (!memberOf(set, i).await(0L, TimeUnit.NANOSECONDS)) {
          return false;
        }
      }
      return true;
    }
    if (set instanceof Fence) {
      // One fence: its own wait is the call's one diagnosed wait (one JFR event), no array.
      return ((Fence) set).await(nanos, TimeUnit.NANOSECONDS);
    }
    long deadline = System.nanoTime() + nanos; // read the clock only when something is pending
    // One blocking wait for the whole call, fence-core's wait-for-all loop: one signaling-path
    // check, the thread a waiter of each pending fence, one JFR event.
    return Diagnostics.access().awaitAll((Fence[]) set, nanos, deadline);
  }

  private void awaitSuccessNanos(Usage usage, long nanos)
      throws InterruptedException, TimeoutException {
    if (Thread.interrupted()) {
      throw new InterruptedException();
    }
    Object set = waitSet(usage, true);
    if (set == null) {
      return;
    }
    if (set instanceof FenceErrorException) {
      throw (FenceErrorException) set; // a failure already there is reported before any wait
    }
    // Each pending fence is waited for in turn with its own wait (one diagnosed wait, one JFR
    // event, per fence that blocks; a zero timeout polls), so a failure ends the call as soon as
    // the fence it waits for fails. With one fence pending that is one wait, allocation-free.
    long deadline = nanos == 0L ? 0L : System.nanoTime() + nanos; // the clock only if needed
    for (int i = 0, n = sizeOf(set); i < n; i++) {
      Fence f = memberOf(set, i);
      if (!f.isSignaled()) {
        long remaining = nanos == 0L ? 0L : Math.max(0L, deadline - System.nanoTime());
        if (!f.await(remaining, TimeUnit.NANOSECONDS)) {
          throw timeout(usage, nanos, f);
        }
      }
      if (f.status() < 0) {
        throw failure(f);
      }
    }
  }

  /**
   * The wait set of await, awaitSuccess and setDeadline, from one consistent scan: the covered
   * fences pending in the entries as they stood at one instant. {@code null} if none is pending,
   * the fence itself if one is (no allocation), else a {@code Fence[]} of those still pending when
   * collected (at least the first). With {@code failFast} (awaitSuccess), a covered fence already
   * failed ends the scan and the answer is its {@link FenceErrorException}, and the array also
   * keeps fences that failed since the scan (the caller checks each one's status).
   */
  private @Nullable Object waitSet(Usage usage, boolean failFast) {
    int attempt = 0;
    try {
      for (; ; attempt++) {
        long v = beginRead(attempt);
        @Nullable Object[] a = slots; // scanned, not copied
        int n = 0; // the prefix scanned now: entries appended later are not waited for
        int pending = 0;
        int firstPending = -1;
        Fence failed = null;
        for (int max = a.length >> 1; n < max; n++) {
          Fence f = fenceAt(a, n);
          if (f == null) {
            break;
          }
          if (!usage.covers(usageAt(a, n))) {
            continue;
          }
          int status = failFast ? f.status() : f.isSignaled() ? 1 : 0;
          if (status < 0) {
            failed = f;
            break;
          }
          if (status == 0) {
            if (firstPending < 0) {
              firstPending = n;
            }
            pending++;
          }
        }
        Object set;
        if (failed != null) {
          set = failed;
        } else if (pending <= 1) {
          set = pending == 0 ? null : storedFence(a, firstPending);
        } else {
          set = pendingFences(a, n, usage, firstPending, pending, failFast);
        }
        if (validRead(v)) {
          return failed != null ? failure(failed) : set;
        }
      }
    } finally {
      endRead(attempt);
    }
  }

  /** The number of fences in a wait set of more than none (a fence or an array). */
  private static int sizeOf(Object set) {
    return set instanceof Fence ? 1 : ((Fence[]) set).length;
  }

  /** Fence {@code i} of a wait set of more than none. */
  private static Fence memberOf(Object set, int i) {
    return set instanceof Fence ? (Fence) set : ((Fence[]) set)[i];
  }

  /**
   * The {@code pending} covered fences found pending among the first {@code n} entries of {@code
   * a}, the first of them at {@code firstPending}, that are still pending now (at least that one),
   * or with {@code failFast} not signaled without error now.
   */
  private static Fence[] pendingFences(
      @Nullable Object[] a, int n, Usage usage, int firstPending, int pending, boolean failFast) {
    Fence[] waited = new Fence[pending];
    waited[0] = storedFence(a, firstPending); // seen non-null by the caller
    int m = 1;
    for (int i = firstPending + 1; i < n && m < pending; i++) {
      Fence f = fenceAt(a, i);
      if (f != null
          && usage.covers(usageAt(a, i))
          && (failFast ? f.status() <= 0 : !f.isSignaled())) {
        waited[m++] = f;
      }
    }
    return m == pending ? waited : Arrays.copyOf(waited, m);
  }

  private TimeoutException timeout(Usage usage, long nanos, Fence pending) {
    return new TimeoutException(
        this
            + ": the "
            + usage.label()
            + " fences have not all signaled within "
            + Duration.ofNanos(nanos)
            + "; still pending: "
            + safeDescribe(pending));
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

  /** Appends to the current array {@code a}, using a reserved slot; see the overview. */
  private void append(@Nullable Object[] a, Fence fence, Usage usage) {
    int at = count << 1; // the capacity invariant guarantees room past the prefix
    a[at + 1] = usage;
    SLOTS.setRelease(a, at, fence); // the entry exists from here on, with its usage
    count++;
    reserved--;
    spend();
  }

  /** Counts an add towards the next liveness pass (see reserveFences). */
  private void spend() {
    if (credit < Integer.MAX_VALUE) {
      credit++;
    }
  }

  /**
   * Replaces entry {@code at} of the current array {@code a}, using a reserved slot: in place,
   * inside a seqcount write section (see the overview), or, while a reader has asked writers to
   * copy, in a fresh copy of {@code a}. The copy is sized for the entries and the reservation
   * including the slot used (one spare entry), which the capacity invariant allows; it is never
   * longer than {@code a}.
   */
  private void replaceAt(@Nullable Object[] a, int at, Fence fence, Usage usage) {
    if ((int) COPY_READERS.getVolatile(this) == 0) {
      storeInPlace(a, at, fence, usage);
    } else {
      int capacity = Math.max(MIN_CAPACITY, count + reserved); // <= a.length / 2 (invariant)
      @Nullable Object[] fresh = Arrays.copyOf(a, capacity << 1);
      fresh[at << 1] = fence;
      fresh[(at << 1) + 1] = usage;
      publishKeepingIndex(fresh, count);
    }
    reserved--;
    spend();
  }

  /**
   * The seqcount write section: makes the version odd, stores the entry, makes it even again.
   * Nothing in between calls out or can throw, so no reader waits on it for longer than two stores
   * (unless the writer's thread is descheduled right there; readers then yield).
   */
  private void storeInPlace(@Nullable Object[] a, int at, Fence fence, Usage usage) {
    long v = (long) VERSION.getOpaque(this); // only lock holders write it: the last write
    VERSION.setOpaque(this, v + 1); // odd: readers validating now retry
    VarHandle.storeStoreFence(); // the odd version is visible before either slot store
    SLOTS.setOpaque(a, (at << 1) + 1, usage);
    SLOTS.setRelease(a, at << 1, fence); // a reader that sees the fence sees what came before
    VERSION.setRelease(this, v + 2); // even, after both slot stores
  }

  // Reader side of the seqcount (see the overview). Every reader scan is
  //   int attempt = 0;
  //   try { for (;; attempt++) { long v = beginRead(attempt); scan slots; if (validRead(v)) use; }
  // }
  //   finally { endRead(attempt); }
  // and calls no fence code that matters on what it saw before validRead says it was consistent.

  /**
   * Reader: the (even) version a scan validates against; waits out a writer inside its write
   * section (spins, then yields). From the OPTIMISTIC_READS-th attempt on, the reader has asked
   * writers to copy, so at most one more in-place store (one already past its check) can fail it.
   */
  @SuppressWarnings("ThreadPriorityCheck") // yield: the writer was descheduled mid-store
  private long beginRead(int attempt) {
    if (attempt == OPTIMISTIC_READS) {
      COPY_READERS.getAndAdd(this, 1);
    }
    for (int spins = 0; ; spins++) {
      long v = (long) VERSION.getAcquire(this); // the entries stored before it are visible
      if ((v & 1) == 0) {
        return v;
      }
      if (spins < SPINS) {
        Thread.onSpinWait();
      } else {
        Thread.yield();
      }
    }
  }

  /** Reader: whether no entry was stored in place since {@code beginRead} returned {@code v}. */
  private boolean validRead(long v) {
    VarHandle.loadLoadFence(); // the scan's loads before the version's
    return (long) VERSION.getOpaque(this) == v;
  }

  /** Reader: withdraws the request to copy, if {@code attempt} made one. */
  private void endRead(int attempt) {
    if (attempt >= OPTIMISTIC_READS) {
      COPY_READERS.getAndAdd(this, -1);
    }
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
