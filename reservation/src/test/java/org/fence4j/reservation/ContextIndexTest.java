package org.fence4j.reservation;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The writer-side context index: a map from context to entry, checked against HashMap. */
class ContextIndexTest {
  private static final int ITERATIONS = 50_000;

  @Test
  void get_absentContext_isMinusOne() {
    assertThat(new ContextIndex(4).get(42)).isEqualTo(-1);
  }

  @Test
  void put_existingContext_replacesItsEntry() {
    ContextIndex idx = new ContextIndex(4);
    idx.put(7, 1);

    idx.put(7, 3);

    assertThat(idx.get(7)).isEqualTo(3);
    assertThat(idx.size()).isEqualTo(1);
  }

  @Test
  void randomOperations_sameAnswersAsHashMap() {
    SplittableRandom random = new SplittableRandom(15);
    ContextIndex idx = new ContextIndex(2);
    Map<Long, Integer> expected = new HashMap<>();
    for (int i = 0; i < ITERATIONS; i++) {
      long context = random.nextInt(512) * 1024L; // colliding keys, probe runs that wrap
      int op = random.nextInt(3);
      if (op == 0) {
        int entry = random.nextInt(1 << 20);
        idx.put(context, entry);
        expected.put(context, entry);
      } else if (op == 1) {
        idx.remove(context);
        expected.remove(context);
      } else {
        assertThat(idx.get(context)).isEqualTo(expected.getOrDefault(context, -1));
      }
    }
    for (Map.Entry<Long, Integer> e : expected.entrySet()) {
      assertThat(idx.get(e.getKey())).isEqualTo(e.getValue());
    }
    assertThat(idx.size()).isEqualTo(expected.size());
  }
}
