package org.fence4j;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs a main class in a child JVM on this JVM's module and class path, for tests that need a JVM
 * in which nothing has run before. Public for the tests of {@code org.fence4j.debug}.
 */
public final class ChildJvm {
  private ChildJvm() {}

  /** What the child printed (standard output and error together) and its exit code. */
  public record Result(String output, int exitValue) {}

  /**
   * Runs {@code main} in a new JVM started with {@code jvmOptions}, reads all it prints, and checks
   * that it ends within 60 seconds.
   */
  public static Result run(Class<?> main, String... jvmOptions) throws Exception {
    String java =
        System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
    String modulePath = System.getProperty("jdk.module.path", "");
    String classPath = System.getProperty("java.class.path", "");
    String path = modulePath.isEmpty() ? classPath : modulePath + File.pathSeparator + classPath;
    List<String> command = new ArrayList<>();
    command.add(java);
    command.addAll(List.of(jvmOptions));
    command.add("-cp");
    command.add(path);
    command.add(main.getName());
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
    return new Result(out, process.exitValue());
  }
}
