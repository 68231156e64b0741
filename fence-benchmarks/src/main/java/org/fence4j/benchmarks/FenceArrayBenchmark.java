package org.fence4j.benchmarks;

import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.ListenableFuture;
import com.google.common.util.concurrent.SettableFuture;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.fence4j.Fence;
import org.fence4j.FenceArray;
import org.fence4j.FenceContext;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

/**
 * Pair 5: a wait-all over 1,024 members, built and then signaled member by member.
 *
 * <p>One operation: create the 1,024 pending members, combine them, signal them one after the
 * other, and check that the combination is done. fence4j builds {@link FenceArray#all(List)} and
 * enables signaling on it, as the first waiter would (the peers' combinators hook their inputs
 * eagerly); the peers use {@code CompletableFuture.allOf} and Guava's {@code Futures.allAsList}. An
 * operation that ends with the combination not done throws, so a broken build fails loudly instead
 * of measuring nothing.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class FenceArrayBenchmark {

  static final int MEMBERS = 1024;

  private final FenceContext context = FenceContext.create("bench", "fence-array");

  @Benchmark
  public Fence fence4j() {
    return fence4j(context, MEMBERS);
  }

  @Benchmark
  public CompletableFuture<Void> completableFuture() {
    return completableFuture(MEMBERS);
  }

  @Benchmark
  public ListenableFuture<List<Boolean>> settableFuture() {
    return settableFuture(MEMBERS);
  }

  /** One fence4j operation over {@code n} members (also the {@code fenceArray} series). */
  static Fence fence4j(FenceContext context, int n) {
    Fence[] members = new Fence[n];
    for (int i = 0; i < n; i++) {
      members[i] = context.next();
    }
    FenceArray all = FenceArray.all(Arrays.asList(members));
    all.enableSignaling();
    for (Fence member : members) {
      member.signal();
    }
    return check(all.isSignaled(), all);
  }

  /** One {@code allOf} operation over {@code n} members. */
  static CompletableFuture<Void> completableFuture(int n) {
    @SuppressWarnings({"unchecked", "rawtypes"})
    CompletableFuture<Boolean>[] members = new CompletableFuture[n];
    for (int i = 0; i < n; i++) {
      members[i] = new CompletableFuture<>();
    }
    CompletableFuture<Void> all = CompletableFuture.allOf(members);
    for (CompletableFuture<Boolean> member : members) {
      member.complete(Boolean.TRUE);
    }
    return check(all.isDone(), all);
  }

  /** One {@code Futures.allAsList} operation over {@code n} members. */
  static ListenableFuture<List<Boolean>> settableFuture(int n) {
    @SuppressWarnings({"unchecked", "rawtypes"})
    SettableFuture<Boolean>[] members = new SettableFuture[n];
    for (int i = 0; i < n; i++) {
      members[i] = SettableFuture.create();
    }
    ListenableFuture<List<Boolean>> all = Futures.allAsList(Arrays.asList(members));
    for (SettableFuture<Boolean> member : members) {
      member.set(Boolean.TRUE);
    }
    return check(all.isDone(), all);
  }

  static <T> T check(boolean done, T combination) {
    if (!done) {
      throw new AssertionError("the combination of all members is not done: " + combination);
    }
    return combination;
  }
}
