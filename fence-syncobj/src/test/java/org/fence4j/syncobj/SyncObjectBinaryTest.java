package org.fence4j.syncobj;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import org.fence4j.Fence;
import org.fence4j.FenceChain;
import org.fence4j.testlib.TestFence;
import org.junit.jupiter.api.Test;

/** The binary view: one fence, replaced by each submission; point 0; switching views. */
class SyncObjectBinaryTest {

  @Test
  void create_holdsNoFence() {
    SyncObject obj = SyncObject.create();

    assertThat(obj.fence()).isEmpty();
    assertThat(obj.find(0)).isEmpty();
    assertThat(obj.lastSubmittedPoint()).isZero();
    assertThat(obj.lastSignaledPoint()).isZero();
  }

  @Test
  void createSignaled_holdsSignaledFence() {
    SyncObject obj = SyncObject.create();
    SyncObject signaled = SyncObject.createSignaled();

    assertThat(signaled.fence()).hasValueSatisfying(f -> assertThat(f.isSignaled()).isTrue());
    assertThat(signaled.lastSignaledPoint()).isZero();
    assertThat(obj.fence()).isEmpty();
  }

  @Test
  void replace_makesFenceCurrent() {
    SyncObject obj = SyncObject.create();
    Fence f = new TestFence();

    obj.replace(f);

    assertThat(obj.fence()).containsSame(f);
    assertThat(obj.find(0)).containsSame(f);
  }

  @Test
  void replace_again_replacesFence() {
    SyncObject obj = SyncObject.create();
    Fence first = new TestFence();
    Fence second = new TestFence();
    obj.replace(first);

    obj.replace(second);

    assertThat(obj.fence()).containsSame(second);
  }

  @Test
  void replace_chain_isAcceptedInBinaryView() {
    SyncObject obj = SyncObject.create();
    FenceChain chain = FenceChain.create(null, new TestFence(), 7);

    obj.replace(chain);

    assertThat(obj.fence()).containsSame(chain);
    assertThat(obj.lastSubmittedPoint()).isZero();
  }

  @Test
  void reset_emptiesSlot() {
    SyncObject obj = SyncObject.createSignaled();

    obj.reset();

    assertThat(obj.fence()).isEmpty();
  }

  @Test
  void signal_installsSignaledFence() {
    SyncObject obj = SyncObject.create();
    obj.replace(new TestFence());

    obj.signal();

    assertThat(obj.fence()).hasValueSatisfying(f -> assertThat(f.isSignaled()).isTrue());
  }

  @Test
  void signalPointZero_isSignal() throws Exception {
    SyncObject obj = SyncObject.create();

    obj.signal(0);

    assertThat(obj.fence()).hasValueSatisfying(f -> assertThat(f.isSignaled()).isTrue());
    assertThat(obj.lastSubmittedPoint()).isZero();
    assertThat(SyncObject.waitAll(List.of(obj.at(0)), Duration.ZERO)).isTrue();
  }

  @Test
  void replace_onTimeline_makesObjectBinaryAgain() {
    SyncObject obj = SyncObject.create();
    obj.signal(5);
    Fence f = new TestFence();

    obj.replace(f);

    assertThat(obj.lastSubmittedPoint()).isZero();
    assertThat(obj.lastSignaledPoint()).isZero();
    assertThat(obj.find(1)).isEmpty();
    assertThat(obj.find(0)).containsSame(f);
  }

  @Test
  void signal_onTimeline_makesObjectBinaryAgain() {
    SyncObject obj = SyncObject.create();
    obj.signal(5);

    obj.signal();

    assertThat(obj.lastSubmittedPoint()).isZero();
    assertThat(obj.lastSignaledPoint()).isZero();
    assertThat(obj.fence()).hasValueSatisfying(f -> assertThat(f.isSignaled()).isTrue());
  }

  @Test
  void reset_onTimeline_startsTimelineOver() {
    SyncObject obj = SyncObject.create();
    obj.signal(5);

    obj.reset();
    obj.addPoint(1, new TestFence());

    assertThat(obj.lastSubmittedPoint()).isEqualTo(1);
    assertThat(obj.lastSignaledPoint()).isZero();
  }

  @Test
  void addPoint_afterBinaryFence_pointWaitsForBinaryFence() {
    SyncObject obj = SyncObject.create();
    Fence binary = new TestFence();
    obj.replace(binary);
    Fence work = new TestFence();

    obj.addPoint(1, work);
    work.signal();

    assertThat(obj.find(1)).hasValueSatisfying(f -> assertThat(f.isSignaled()).isFalse());
    assertThat(obj.lastSignaledPoint()).isZero();
    binary.signal();
    assertThat(obj.find(1)).hasValueSatisfying(f -> assertThat(f.isSignaled()).isTrue());
    assertThat(obj.lastSignaledPoint()).isEqualTo(1);
  }

  @Test
  void addPoint_afterBinaryFenceWithHighSeqno_pointNumbersAreTheObjects() {
    SyncObject obj = SyncObject.create();
    FenceChain binary = FenceChain.create(null, new TestFence(), 1_000);
    obj.replace(binary);

    obj.addPoint(3, new TestFence());

    assertThat(obj.lastSubmittedPoint()).isEqualTo(3);
    assertThat(obj.fence()).hasValueSatisfying(f -> assertThat(f.seqno()).isEqualTo(3));
  }

  @Test
  void addPoint_afterBinaryChainFence_pointWaitsForChainLeaves() {
    SyncObject obj = SyncObject.create();
    Fence leaf = new TestFence();
    obj.replace(FenceChain.create(null, leaf, 9));

    obj.signal(1);

    assertThat(obj.lastSignaledPoint()).isZero();
    leaf.signal();
    assertThat(obj.lastSignaledPoint()).isEqualTo(1);
  }

  @Test
  void fence_ofTimeline_isHeadLinkSignalingWithLastPoint() {
    SyncObject obj = SyncObject.create();
    Fence first = new TestFence();
    Fence second = new TestFence();
    obj.addPoint(1, first);
    obj.addPoint(2, second);

    Fence head = obj.fence().orElseThrow();
    second.signal();

    assertThat(head.seqno()).isEqualTo(2);
    assertThat(head.isSignaled()).isFalse();
    first.signal();
    assertThat(head.isSignaled()).isTrue();
  }

  @Test
  void describe_namesViewAndState() {
    SyncObject empty = SyncObject.create();
    SyncObject binary = SyncObject.createSignaled();
    SyncObject timeline = SyncObject.create();
    timeline.signal(4);
    timeline.addPoint(6, new TestFence());

    assertThat(empty.describe()).contains("empty");
    assertThat(binary.describe()).contains("binary").contains("signaled");
    assertThat(timeline.describe()).contains("submitted=6").contains("signaled=4");
    assertThat(timeline).hasToString(timeline.describe());
  }
}
