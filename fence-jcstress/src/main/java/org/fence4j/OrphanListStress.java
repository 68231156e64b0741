package org.fence4j;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import java.util.ArrayList;
import java.util.List;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

/**
 * A dispatcher's own orphan list (package {@code org.fence4j}, for its package-private hooks): its
 * thread pushes records with plain bytecodes (link, then a volatile store of the head) while the
 * picker takes them (marking each taken record) without ever writing the head. Whatever the
 * interleaving, after a last take by the picker each record has been taken exactly once.
 */
@JCStressTest
@Outcome(id = "1, 1", expect = ACCEPTABLE, desc = "each record taken exactly once")
@Outcome(expect = FORBIDDEN, desc = "a record lost or taken twice")
@State
public class OrphanListStress {
  final Dispatcher dispatcher = Dispatcher.forOrphanStress();
  final Object[] first = {null, Orphans.CHAIN, null, null};
  final Object[] second = {null, Orphans.CHAIN, null, null};
  final List<Object[]> taken = new ArrayList<>();

  @Actor
  public void owner() {
    dispatcher.pushOrphanForStress(first);
    dispatcher.pushOrphanForStress(second);
  }

  @Actor
  public void picker() {
    Dispatcher.takeOrphansOf(dispatcher, taken);
  }

  @Arbiter
  public void arbiter(II_Result r) {
    Dispatcher.takeOrphansOf(dispatcher, taken);
    int a = 0;
    int b = 0;
    for (Object[] t : taken) {
      if (t == first) {
        a++;
      } else if (t == second) {
        b++;
      }
    }
    r.r1 = a;
    r.r2 = b;
  }
}
