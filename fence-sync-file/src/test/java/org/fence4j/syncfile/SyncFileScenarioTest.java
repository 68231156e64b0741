package org.fence4j.syncfile;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.fence4j.Fence;
import org.fence4j.SoftwareTimeline;
import org.junit.jupiter.api.Test;

/**
 * The classic sync-file scenarios (those the kernel's sync-file self-tests exercise), re-expressed
 * against this library.
 */
class SyncFileScenarioTest {

  /** Merging three points of one timeline keeps one fence, which signals only with the last. */
  @Test
  void merge_threePointsOfOneTimeline_signalsOnlyWithTheLast() throws InterruptedException {
    try (SoftwareTimeline timeline = SoftwareTimeline.create("one")) {
      SyncFile a = SyncFile.create(timeline.createFence(3));
      SyncFile b = SyncFile.create(timeline.createFence(5));
      SyncFile c = SyncFile.create(timeline.createFence(8));

      SyncFile merged = a.merge("ab", b).merge("abc", c);

      assertThat(merged.info().fences()).hasSize(1);
      assertThat(merged.fence()).isSameAs(c.fence());
      timeline.increment(3);
      assertThat(merged.await(Duration.ZERO)).as("at 3").isFalse();
      timeline.increment(2);
      assertThat(merged.await(Duration.ZERO)).as("at 5").isFalse();
      timeline.increment(2);
      assertThat(merged.await(Duration.ZERO)).as("at 7").isFalse();
      timeline.increment(1);
      assertThat(merged.await(Duration.ZERO)).as("at 8").isTrue();
    }
  }

  /**
   * Merging points of three timelines gives a file that signals only when all three are reached.
   */
  @Test
  void merge_pointsOfThreeTimelines_signalsOnlyWhenAllThreeReached() throws InterruptedException {
    try (SoftwareTimeline t1 = SoftwareTimeline.create("t1");
        SoftwareTimeline t2 = SoftwareTimeline.create("t2");
        SoftwareTimeline t3 = SoftwareTimeline.create("t3")) {
      SyncFile merged =
          SyncFile.create(t1.createFence(1))
              .merge("12", SyncFile.create(t2.createFence(2)))
              .merge("123", SyncFile.create(t3.createFence(3)));

      assertThat(merged.info().fences()).hasSize(3);
      t1.increment(1);
      assertThat(merged.await(Duration.ZERO)).as("t1 reached").isFalse();
      t3.increment(3);
      assertThat(merged.await(Duration.ZERO)).as("t1 and t3 reached").isFalse();
      t2.increment(1);
      assertThat(merged.await(Duration.ZERO)).as("t2 one short").isFalse();
      t2.increment(1);
      assertThat(merged.await(Duration.ZERO)).as("all reached").isTrue();
    }
  }

  /** A file merged with itself waits on the same fence and signals with it. */
  @Test
  void merge_fileWithItself_waitsOnTheSameFence() throws InterruptedException {
    try (SoftwareTimeline timeline = SoftwareTimeline.create("self")) {
      SyncFile file = SyncFile.create(timeline.createFence(1));

      SyncFile merged = file.merge("self", file);

      assertThat(merged.fence()).isSameAs(file.fence());
      assertThat(merged.await(Duration.ZERO)).isFalse();
      timeline.increment(1);
      assertThat(merged.await(Duration.ZERO)).isTrue();
    }
  }

  /** info() follows each increment: leaf by leaf, then the whole file. */
  @Test
  void info_beforeAndAfterEachIncrement_tracksEveryLeaf() {
    try (SoftwareTimeline a = SoftwareTimeline.create("a");
        SoftwareTimeline b = SoftwareTimeline.create("b")) {
      Fence a2 = a.createFence(2);
      SyncFile merged = SyncFile.create(a2).merge("m", SyncFile.create(b.createFence(1)));

      assertThat(statuses(merged.info())).containsExactly(0, 0);
      assertThat(merged.info().status()).isZero();

      a.increment(1);
      assertThat(statuses(merged.info())).as("a at 1 of 2").containsExactly(0, 0);
      assertThat(merged.info().status()).isZero();

      a.increment(1);
      assertThat(statuses(merged.info())).as("a reached").containsExactly(1, 0);
      assertThat(merged.info().status()).isZero();
      assertThat(merged.info().fences().get(0).timestampNanos()).isEqualTo(a2.timestampNanos());
      assertThat(merged.info().fences().get(1).timestampNanos()).isZero();

      b.increment(1);
      assertThat(statuses(merged.info())).as("both reached").containsExactly(1, 1);
      assertThat(merged.info().status()).isEqualTo(1);
    }
  }

  /**
   * A consumer thread waiting on a file made by a producer thread wakes when the producer signals.
   */
  @Test
  void await_consumerThreadOnFileFromProducerThread_seesProducerWrites() throws Exception {
    SynchronousQueue<SyncFile> channel = new SynchronousQueue<>();
    CountDownLatch consumerWaiting = new CountDownLatch(1);
    AtomicReference<Throwable> failure = new AtomicReference<>();
    AtomicReference<String> seen = new AtomicReference<>();
    String[] frame = new String[1]; // written by the producer before it signals, read after await

    Thread producer =
        new Thread(
            () -> {
              try (SoftwareTimeline timeline = SoftwareTimeline.create("producer")) {
                channel.put(SyncFile.create(timeline.createFence(1), "frame"));
                assertThat(
                        consumerWaiting.await(
                            TestSupport.LONG_WAIT.toMillis(), TimeUnit.MILLISECONDS))
                    .isTrue();
                frame[0] = "rendered";
                timeline.increment(1);
              } catch (Throwable t) {
                failure.compareAndSet(null, t);
              }
            },
            "producer");
    Thread consumer =
        new Thread(
            () -> {
              try (SyncFile file =
                  channel.poll(TestSupport.LONG_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
                assertThat(file).isNotNull();
                consumerWaiting.countDown();
                assertThat(file.await(TestSupport.LONG_WAIT)).isTrue();
                seen.set(frame[0]);
              } catch (Throwable t) {
                failure.compareAndSet(null, t);
              }
            },
            "consumer");

    consumer.start();
    producer.start();
    producer.join(TestSupport.LONG_WAIT.toMillis());
    consumer.join(TestSupport.LONG_WAIT.toMillis());

    assertThat(producer.isAlive() || consumer.isAlive()).as("threads finished").isFalse();
    assertThat(failure.get()).isNull();
    assertThat(seen.get()).isEqualTo("rendered");
  }

  private static List<Integer> statuses(SyncFileInfo info) {
    return info.fences().stream().map(SyncFenceInfo::status).toList();
  }
}
