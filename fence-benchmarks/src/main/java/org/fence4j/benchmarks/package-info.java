/**
 * JMH benchmarks of fence4j side by side with what a Java developer would otherwise use ({@link
 * java.util.concurrent.CompletableFuture}, Guava's {@link
 * com.google.common.util.concurrent.SettableFuture}, hand-written locking), plus the JOL footprint
 * program ({@link org.fence4j.benchmarks.Footprint}) and the report that turns one JMH run into
 * {@code ratios.csv} ({@link org.fence4j.benchmarks.RatioReport}).
 *
 * <p>Conventions: one class per pair; in each, the method {@code fence4j} (or {@code fence4j...})
 * is measured against methods named after the peer ({@code completableFuture}, {@code
 * settableFuture}, ...). Everything a benchmark method does besides the measured operation
 * (creating the objects it signals, the callbacks' work) is the same on both sides. Every benchmark
 * is average time in nanoseconds per operation. Run them all with {@code fence-benchmarks/run.sh};
 * {@code docs/BENCHMARKS.md} explains each pair.
 *
 * <p>Series: the classes named {@code *SeriesBenchmark} run one operation over {@code n} elements
 * ({@code @Param n} = 1, 8, 64, 512, 4096); {@link org.fence4j.benchmarks.RatioReport} reports them
 * per element and draws each as an SVG line chart ({@link org.fence4j.benchmarks.SeriesChart}).
 * {@code run.sh} runs them only with {@code --series} or {@code --full}.
 */
package org.fence4j.benchmarks;
