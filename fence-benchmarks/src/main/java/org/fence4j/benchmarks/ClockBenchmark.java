package org.fence4j.benchmarks;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;

/**
 * One read of {@link System#nanoTime()}: the signal timestamp every fence4j signal takes and the
 * peers do not. The report writes it as the row {@code clock-nanoTime} and takes one such read per
 * signal off fence4j's side when it judges the signal pairs against their target.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class ClockBenchmark {

  @Benchmark
  public long nanoTime() {
    return System.nanoTime();
  }
}
