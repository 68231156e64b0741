package org.fence4j.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.fence4j.Fence;
import org.fence4j.FenceContext;
import org.fence4j.reservation.ReservationObject;
import org.fence4j.reservation.ReservationObject.Usage;
import org.fence4j.reservation.ResourceSet;
import org.fence4j.syncfile.SyncFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * README.md's Java snippets are the regions of {@link ReadmeSnippets} and {@link
 * MyFenceContractTest}, letter for letter (so they compile and cannot drift), and each runs and
 * does what the README says.
 */
@Timeout(60)
class ReadmeSnippetsTest {
  private static final Path SNIPPETS = Path.of("src", "test", "java", "org", "fence4j", "examples");
  private static final Pattern JAVA_BLOCK = Pattern.compile("```java\n(.*?)\n```", Pattern.DOTALL);
  private static final Pattern START = Pattern.compile("^\\s*// README: (\\S+)$");
  private static final Pattern END = Pattern.compile("^\\s*// README end$");

  private final ReadmeSnippets snippets = new ReadmeSnippets();

  // --- the README quotes the regions

  /** Every Java block of the README is a region of the snippet classes. */
  @Test
  void readme_everyJavaBlock_isASnippetRegion() throws IOException {
    Map<String, String> regions = regions();
    List<String> blocks = readmeJavaBlocks();

    assertThat(blocks).isNotEmpty();
    for (int i = 0; i < blocks.size(); i++) {
      assertThat(regions.values())
          .as("README Java block %d is not a region of the snippet classes (copy it from there)", i)
          .contains(blocks.get(i));
    }
  }

  /** Every region of the snippet classes is shown in the README. */
  @Test
  void snippetRegions_areAllInTheReadme() throws IOException {
    List<String> blocks = readmeJavaBlocks();

    regions()
        .forEach(
            (name, region) ->
                assertThat(blocks).as("region %s is not in the README", name).contains(region));
  }

  /** The README points at the Javadoc where the build writes it. */
  @Test
  void readme_javadocPath_isWhereTheBuildWritesIt() throws IOException {
    assertThat(readme()).contains("target/reports/apidocs").doesNotContain("target/site/apidocs");
  }

  // --- usage

  /** A frame that renders is shown once (status 1) and nothing is logged. */
  @Test
  void usage_frameRenders_isShownAndNothingLogged() throws Exception {
    snippets.usage();

    assertThat(snippets.display.shown).containsExactly(1);
    assertThat(snippets.log.warnings).isEmpty();
  }

  /** A frame whose rendering fails is shown as failed, and both waits report the failure. */
  @Test
  void usage_renderFails_bothWaitsReportTheError() throws Exception {
    snippets.buffer.broken = true;

    snippets.usage();

    assertThat(snippets.display.shown).singleElement().satisfies(s -> assertThat(s).isNegative());
    assertThat(snippets.log.warnings)
        .hasSize(2)
        .allSatisfy(w -> assertThat(w).startsWith("frame failed: EIO"));
  }

  // --- explicit synchronization

  /** A rendered frame handed over with its sync file is scanned out, and the file is closed. */
  @Test
  void explicit_frameRenders_isScannedOutAndFileClosed() throws Exception {
    ReadmeSnippets.Explicit explicit = snippets.new Explicit();

    explicit.renderFrame(snippets.buffer);
    SyncFile file = snippets.sink.received.orElseThrow();
    explicit.show(snippets.buffer, file);

    assertThat(snippets.scannedOut).containsExactly(snippets.buffer);
    assertThatThrownBy(file::fence).isInstanceOf(IllegalStateException.class);
  }

  /** A failed render reaches the consumer as a dropped frame; the file is closed all the same. */
  @Test
  void explicit_renderFails_frameDroppedAndFileClosed() throws Exception {
    ReadmeSnippets.Explicit explicit = snippets.new Explicit();
    snippets.buffer.broken = true;

    assertThatThrownBy(() -> explicit.renderFrame(snippets.buffer))
        .isInstanceOf(IllegalStateException.class);
    SyncFile file = snippets.sink.received.orElseThrow();
    explicit.show(snippets.buffer, file);

    assertThat(snippets.scannedOut).isEmpty();
    assertThat(snippets.log.warnings).singleElement().asString().startsWith("frame dropped");
    assertThatThrownBy(file::fence).isInstanceOf(IllegalStateException.class);
  }

  /** Without blocking: a fence that never signals still gets its sync file closed. */
  @Test
  void explicit_showLaterFenceNeverSignals_closesTheFile() {
    ReadmeSnippets.Explicit explicit = snippets.new Explicit();
    SyncFile file = SyncFile.create(FenceContext.create("test", "never").next());

    explicit.showLater(snippets.buffer, file);

    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> assertThatThrownBy(file::fence).isInstanceOf(IllegalStateException.class));
    assertThat(snippets.scannedOut).isEmpty();
  }

  /** Without blocking: a fence that signals gets the frame scanned out and the file closed. */
  @Test
  void explicit_showLaterFenceSignals_scansOutAndClosesTheFile() {
    snippets.frameTimeout = Duration.ofDays(1); // the fence signals in time however slow the test
    ReadmeSnippets.Explicit explicit = snippets.new Explicit();
    Fence done = FenceContext.create("test", "render").next();
    SyncFile file = SyncFile.create(done);

    explicit.showLater(snippets.buffer, file);
    done.signal();

    assertThat(snippets.scannedOut).containsExactly(snippets.buffer);
    assertThatThrownBy(file::fence).isInstanceOf(IllegalStateException.class);
  }

  // --- implicit synchronization

  /** Two frames through one buffer: the second render waits for the first scan-out's read fence. */
  @Test
  void implicit_twoFrames_bothScannedOut() throws Exception {
    ReadmeSnippets.Implicit implicit = snippets.new Implicit();

    implicit.renderFrame(snippets.buffer);
    implicit.onVsync();
    implicit.renderFrame(snippets.buffer);
    implicit.onVsync();

    assertThat(snippets.scannedOut).containsExactly(snippets.buffer, snippets.buffer);
    assertThat(snippets.log.warnings).isEmpty();
  }

  /** Until the display has scanned the frame out, its read fence keeps the next render waiting. */
  @Test
  void implicit_beforeScanOut_bufferHasAPendingReader() throws Exception {
    ReadmeSnippets.Implicit implicit = snippets.new Implicit();

    implicit.renderFrame(snippets.buffer);

    assertThat(snippets.buffer.reservation().await(Usage.forAccess(true), Duration.ZERO)).isFalse();
    implicit.onVsync();
    assertThat(snippets.buffer.reservation().await(Usage.forAccess(true), Duration.ZERO)).isTrue();
  }

  /** A failed render is dropped by the display, which still frees the buffer. */
  @Test
  void implicit_renderFails_frameDroppedAndBufferFreed() throws Exception {
    ReadmeSnippets.Implicit implicit = snippets.new Implicit();
    snippets.buffer.broken = true;

    assertThatThrownBy(() -> implicit.renderFrame(snippets.buffer))
        .isInstanceOf(IllegalStateException.class);
    implicit.onVsync();

    assertThat(snippets.scannedOut).isEmpty();
    assertThat(snippets.log.warnings).singleElement().asString().startsWith("frame dropped");
    assertThat(snippets.buffer.reservation().await(Usage.forAccess(true), Duration.ZERO)).isTrue();
  }

  /** Nothing pending: singleton is null and the job is submitted without a dependency. */
  @Test
  void implicitQueued_nothingPending_jobRunsAtOnce() {
    ReservationObject resv = new ReservationObject("queued");

    snippets.new Implicit().submitAfterPending(resv);

    Fence job = snippets.gpu.submitted.get(0);
    assertThat(job.isSignaled()).isTrue();
    assertThat(resv.exclusiveFence()).isSameAs(job);
  }

  /** A pending writer: the job's fence is stored and follows it. */
  @Test
  void implicitQueued_pendingWriter_jobFollowsIt() {
    ReservationObject resv = new ReservationObject("queued");
    Fence writer = FenceContext.create("test", "writer").next();
    resv.addFenceWithLock(writer, Usage.WRITE);

    snippets.new Implicit().submitAfterPending(resv);
    Fence job = snippets.gpu.submitted.get(0);

    assertThat(resv.fences(Usage.WRITE)).contains(job);
    assertThat(job.isSignaled()).isFalse();
    writer.signal();
    assertThat(job.isSignaled()).isTrue();
  }

  // --- locking several buffers

  /** Both forms lock and release: afterwards the buffers are free. */
  @Test
  void locking_bothForms_releaseTheBuffers() throws Exception {
    ReservationObject target = new ReservationObject("target");
    ReservationObject texture = new ReservationObject("texture");

    snippets.lockingSeveralBuffers(target, texture);

    assertThat(target.isLocked()).isFalse();
    assertThat(ResourceSet.request().exclusive(target).exclusive(texture).tryAcquire())
        .hasValueSatisfying(ResourceSet::release);
    assertThat(snippets.buffer.rendered).isEqualTo(1);
  }

  // --- syncobj

  /**
   * The consumer waits for a point before it is submitted; the producer's submit and signal end it.
   */
  @Test
  void syncobj_consumerWaitsBeforeSubmit_scansOutOnceProduced() throws Exception {
    ReadmeSnippets.Timeline timeline = snippets.new Timeline();
    List<Throwable> failures = new ArrayList<>();
    Thread consumer =
        new Thread(
            () -> {
              try {
                timeline.consumer();
              } catch (Throwable t) {
                failures.add(t);
              }
            },
            "consumer");
    consumer.start();
    try {
      await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () ->
                  consumer.getState() == Thread.State.TIMED_WAITING
                      || !consumer.isAlive()); // parked in the wait (or done: then it failed)
      timeline.producer();
    } finally {
      consumer.join();
    }

    assertThat(failures).isEmpty();
    assertThat(snippets.log.warnings).isEmpty();
    assertThat(snippets.scannedOut).containsExactly(snippets.buffer);
  }

  // --- reading the sources

  private static String readme() throws IOException {
    Path dir = Path.of("").toAbsolutePath();
    while (dir != null && !Files.exists(dir.resolve("README.md"))) {
      dir = dir.getParent();
    }
    assertThat(dir).as("README.md above %s", Path.of("").toAbsolutePath()).isNotNull();
    return Files.readString(dir.resolve("README.md"), StandardCharsets.UTF_8);
  }

  private static List<String> readmeJavaBlocks() throws IOException {
    List<String> blocks = new ArrayList<>();
    Matcher m = JAVA_BLOCK.matcher(readme());
    while (m.find()) {
      blocks.add(m.group(1));
    }
    return blocks;
  }

  /** The regions of every Java file next to this one, by name, their common indentation removed. */
  private static Map<String, String> regions() throws IOException {
    Map<String, String> regions = new LinkedHashMap<>();
    List<Path> files;
    try (Stream<Path> s = Files.list(SNIPPETS)) {
      files = s.filter(p -> p.toString().endsWith(".java")).sorted().toList();
    }
    for (Path file : files) {
      List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
      for (int i = 0; i < lines.size(); i++) {
        Matcher start = START.matcher(lines.get(i));
        if (!start.matches()) {
          continue;
        }
        List<String> body = new ArrayList<>();
        int j = i + 1;
        while (!END.matcher(lines.get(j)).matches()) {
          body.add(lines.get(j++));
        }
        assertThat(regions.put(start.group(1), dedent(body))).as("region name").isNull();
        i = j;
      }
    }
    assertThat(regions).as("regions under %s", SNIPPETS).isNotEmpty();
    return regions;
  }

  private static String dedent(List<String> lines) {
    int indent =
        lines.stream()
            .filter(l -> !l.isBlank())
            .mapToInt(l -> l.length() - l.stripLeading().length())
            .min()
            .orElse(0);
    StringBuilder sb = new StringBuilder();
    for (String l : lines) {
      if (sb.length() > 0) {
        sb.append('\n');
      }
      sb.append(l.isBlank() ? "" : l.substring(indent));
    }
    return sb.toString();
  }
}
