package org.fence4j;

import org.jetbrains.lincheck.datastructures.IntGen;
import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Param;
import org.junit.jupiter.api.Test;

/**
 * Linearizability of a three-link {@link FenceChain} (Lincheck, model checking and stress):
 * signaling the link fences (with or without error) concurrently with {@code findSeqno}, {@code
 * prev()} (which collects signaled links), {@code isSignaled()} and {@code status()} of the links.
 * Sequentially, a link is signaled once its fence and every earlier one are, with its own error or
 * else the newest earlier failure; {@code findSeqno} and {@code prev} answer from which fences have
 * signaled. Every concurrent history must match some sequential order.
 */
@Param(name = "link", gen = IntGen.class, conf = "0:2")
@Param(name = "point", gen = IntGen.class, conf = "1:3")
public class FenceChainLincheckTest {
  private static final int LINKS = 3;

  private final FenceContext ctx = FenceContext.create("lincheck", "chain");
  private final Fence[] fences = new Fence[LINKS];
  private final FenceChain[] links = new FenceChain[LINKS];

  /** A fresh chain per invocation: links 0, 1, 2 at seqnos 1, 2, 3. */
  public FenceChainLincheckTest() {
    FenceChain head = null;
    for (int i = 0; i < LINKS; i++) {
      fences[i] = ctx.next();
      head = FenceChain.create(head, fences[i], i + 1);
      links[i] = head;
    }
  }

  /** Signals the fence of link {@code i} without error. */
  @Operation
  public boolean signal(@Param(name = "link") int i) {
    return fences[i].signal();
  }

  /** Signals the fence of link {@code i} with EIO. */
  @Operation
  public boolean fail(@Param(name = "link") int i) {
    return fences[i].signal(FenceError.EIO);
  }

  /** Which link (or "done") findSeqno on the head answers for {@code point}. */
  @Operation
  public String findSeqno(@Param(name = "point") int point) {
    return name(FenceChain.findSeqno(links[LINKS - 1], point));
  }

  /** Which link (or "none") prev() of link {@code i} answers, collecting as it goes. */
  @Operation
  public String prev(@Param(name = "link") int i) {
    Fence prev = links[i].prev();
    return prev == null ? "none" : name(prev);
  }

  /** Whether link {@code i} is signaled. */
  @Operation
  public boolean isSignaled(@Param(name = "link") int i) {
    return links[i].isSignaled();
  }

  /** The status of link {@code i}. */
  @Operation
  public int status(@Param(name = "link") int i) {
    return links[i].status();
  }

  private String name(Fence f) {
    for (int i = 0; i < LINKS; i++) {
      if (f == links[i]) {
        return "link" + i;
      }
    }
    return f.isSignaled() ? "done" : "unknown " + f;
  }

  @Test
  void modelChecking() {
    LincheckSupport.modelChecking().check(getClass());
  }

  @Test
  void stress() {
    LincheckSupport.stress().check(getClass());
  }

  /**
   * The race of issue 9 item 4, explored deterministically: link 0 failed and every fence has
   * signaled; prev() on link 1 collects link 0 while status() of link 2 walks (and collects) the
   * chain. In every interleaving link 2 must report link 0's error.
   */
  @Test
  void modelChecking_prevOfMiddleLinkRacingStatusOfHead_headKeepsEarlierError() {
    new ModelCheckingOptions()
        .iterations(0)
        .invocationsPerIteration(200)
        .addCustomScenario(
            LincheckSupport.scenario(
                getClass(),
                new String[] {"fail:0", "signal:1", "signal:2"},
                new String[] {"prev:1"},
                new String[] {"status:2"}))
        .check(getClass());
  }
}
