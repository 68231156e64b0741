package org.fence4j.reservation;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;

/**
 * The resource-set state of one buffer: its FIFO queue of requests and the sets waiting for its
 * lock to be released. Created lazily, on the first resource-set request that names the buffer.
 */
final class ResourceQueue {
  /*
   * Overview:
   * Everything here is guarded by "lock", one ReentrantLock per buffer, except the volatile
   * "hasUnlockWaiters" flag, which is the lock-free fast path of the buffer's unlock hook. The
   * lock is a leaf: while holding it nobody calls foreign code (no fence method, no future
   * completion, no buffer lock, no executor), only this class's bookkeeping.
   *
   * Lock order: a request placed on several buffers locks their queues in increasing "id" order
   * (ids are unique and never reused), holds them all while it appends its links, then releases
   * them. Every other operation holds one queue's lock at a time. So no cycle of queue locks
   * exists, and placement on several buffers is atomic (two-phase locking): two requests that
   * share buffers are in the same relative order on every one of them.
   *
   * Queue rule: a link "proceeds" when it is first, or when it and every link ahead of it are
   * shared. Links are appended at the tail and removed anywhere; neither can take the status away
   * from a link that has it, so "proceeding" is monotone and recorded once per link
   * (Link.proceeding, guarded by this lock). Each set counts its links that do not proceed yet
   * (ResourceSet.blocked, an atomic counter); the decrement that brings it to zero promotes the set.
   *
   * Unlock waiters: a set whose install step found the buffer locked (or that waits for a fence of
   * this buffer and wants to re-check when the buffer's fences may have changed) registers here
   * and sets the flag, then re-reads the buffer's lock; the unlock hook releases the buffer, then
   * reads the flag (Dekker on two volatiles: WwMutex's owner write is a full volatile write).
   */

  private static final AtomicLong IDS = new AtomicLong();

  /** Lock-order key: unique per queue, never reused. */
  final long id = IDS.incrementAndGet();

  final ReentrantLock lock = new ReentrantLock();

  // Guarded by lock.
  private final ArrayList<ResourceSet.Link> links = new ArrayList<>(4);
  private int exclusiveLinks;
  private ArrayList<ResourceSet> unlockWaiters = new ArrayList<>(2);

  /** Whether unlockWaiters may be non-empty; written under lock, read lock-free by the hook. */
  private volatile boolean hasUnlockWaiters;

  /** Whether a new link with this access would proceed at once (lock held). */
  boolean wouldProceed(boolean exclusive) {
    return links.isEmpty() || (!exclusive && exclusiveLinks == 0);
  }

  /** Appends {@code link}; returns whether it proceeds at once (lock held). */
  boolean append(ResourceSet.Link link) {
    boolean proceeds = wouldProceed(link.exclusive);
    link.proceeding = proceeds;
    links.add(link);
    if (link.exclusive) {
      exclusiveLinks++;
    }
    return proceeds;
  }

  /**
   * Removes {@code link} (if queued) and the set from the unlock waiters, then marks the links that
   * proceed now and adds to {@code promoted} each set whose last blocked link that was (lock held).
   * Returns {@code promoted}, or a new list if it was null and a set was promoted (so a removal
   * that promotes nobody allocates nothing).
   */
  @Nullable List<ResourceSet> remove(ResourceSet.Link link, @Nullable List<ResourceSet> promoted) {
    if (links.remove(link) && link.exclusive) {
      exclusiveLinks--;
    }
    if (hasUnlockWaiters) {
      unlockWaiters.remove(link.set);
    }
    // Only a prefix of the queue proceeds: the head, and the shared links after a shared head.
    for (int i = 0; i < links.size(); i++) {
      ResourceSet.Link l = links.get(i);
      if (i > 0 && (l.exclusive || links.get(0).exclusive)) {
        break;
      }
      if (!l.proceeding) {
        l.proceeding = true;
        if (l.set.linkProceeds()) {
          if (promoted == null) {
            promoted = new ArrayList<>(2);
          }
          promoted.add(l.set);
        }
      }
    }
    return promoted;
  }

  /**
   * The sets of the links ahead of {@code link} that keep it from proceeding (all of them for an
   * exclusive link, the exclusive ones for a shared link); empty when it proceeds or is gone.
   */
  List<ResourceSet> blockersOf(ResourceSet.Link link) {
    lock.lock();
    try {
      List<ResourceSet> ahead = new ArrayList<>();
      if (link.proceeding) {
        return ahead;
      }
      for (ResourceSet.Link l : links) {
        if (l == link) {
          return ahead;
        }
        if (link.exclusive || l.exclusive) {
          ahead.add(l.set);
        }
      }
      return new ArrayList<>(); // not queued (any more)
    } finally {
      lock.unlock();
    }
  }

  /** Registers {@code set} for a retry at the next unlock of the buffer. */
  void addUnlockWaiter(ResourceSet set) {
    lock.lock();
    try {
      if (!unlockWaiters.contains(set)) {
        unlockWaiters.add(set);
      }
      hasUnlockWaiters = true;
    } finally {
      lock.unlock();
    }
  }

  /** Unregisters {@code set} as an unlock waiter, if it is one. */
  void removeUnlockWaiter(ResourceSet set) {
    if (!hasUnlockWaiters) {
      return;
    }
    lock.lock();
    try {
      unlockWaiters.remove(set);
    } finally {
      lock.unlock();
    }
  }

  /**
   * Called by the buffer's unlock hook after the lock was released: returns the sets to retry (an
   * empty list if there are none). Lock-free when nobody waits.
   */
  List<ResourceSet> takeUnlockWaiters() {
    if (!hasUnlockWaiters) {
      return List.of();
    }
    lock.lock();
    try {
      hasUnlockWaiters = false;
      if (unlockWaiters.isEmpty()) {
        return List.of();
      }
      List<ResourceSet> taken = unlockWaiters;
      unlockWaiters = new ArrayList<>(2);
      return taken;
    } finally {
      lock.unlock();
    }
  }

  /** Number of queued links (for tests; takes the lock). */
  int queuedLinks() {
    lock.lock();
    try {
      return links.size();
    } finally {
      lock.unlock();
    }
  }

  /** Number of registered unlock waiters (for tests; takes the lock). */
  int unlockWaiterCount() {
    lock.lock();
    try {
      return unlockWaiters.size();
    } finally {
      lock.unlock();
    }
  }
}
