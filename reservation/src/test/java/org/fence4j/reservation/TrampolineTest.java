package org.fence4j.reservation;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.fence4j.Fence;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The per-thread trampoline of resource-set follow-up work reports a throwing task the way
 * fence-core reports a throwing fence callback, and nothing queued behind it is lost.
 */
class TrampolineTest {
  private final List<Throwable> handled = new CopyOnWriteArrayList<>();

  @AfterEach
  void restoreHandler() {
    Fence.setCallbackExceptionHandler(null);
  }

  /** A task's exception goes to the callback exception handler, and the queued tasks still run. */
  @Test
  void run_taskThrows_reportedToCallbackHandlerAndRestRuns() {
    Fence.setCallbackExceptionHandler((t, e) -> handled.add(e));
    RuntimeException boom = new IllegalStateException("boom");
    List<String> ran = new ArrayList<>();

    Trampoline.run(
        () -> {
          Trampoline.run(
              () -> {
                throw boom;
              });
          Trampoline.run(() -> ran.add("after"));
        });

    assertThat(handled).containsExactly(boom);
    assertThat(ran).containsExactly("after");
  }

  /** A handler that throws strands nothing: the tasks queued behind the throwing one still run. */
  @Test
  void run_handlerThrows_queuedTasksStillRun() {
    Fence.setCallbackExceptionHandler(
        (t, e) -> {
          throw new IllegalStateException("handler fails too");
        });
    List<String> ran = new ArrayList<>();

    Trampoline.run(
        () -> {
          Trampoline.run(
              () -> {
                throw new IllegalStateException("boom");
              });
          Trampoline.run(() -> ran.add("after"));
        });

    assertThat(ran).containsExactly("after");
  }

  /** An Error from a task is reported too, and the drain goes on. */
  @Test
  void call_taskThrowsError_reportedAndRestRuns() {
    Fence.setCallbackExceptionHandler((t, e) -> handled.add(e));
    AssertionError error = new AssertionError("error in a task");
    List<String> ran = new ArrayList<>();

    String result =
        Trampoline.call(
            () -> {
              Trampoline.run(
                  () -> {
                    throw error;
                  });
              Trampoline.run(() -> ran.add("after"));
              return "body";
            });

    assertThat(result).isEqualTo("body");
    assertThat(handled).containsExactly(error);
    assertThat(ran).containsExactly("after");
  }
}
