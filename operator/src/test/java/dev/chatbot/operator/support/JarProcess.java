package dev.chatbot.operator.support;

import dev.chatbot.operator.BuildInfo;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The packaged jar ({@code java -jar target/chatbot-operator-<version>.jar}) as a process, its
 * standard output and error in one file: what a user starts. Failsafe runs after {@code package}.
 */
public final class JarProcess implements AutoCloseable {
  private final Process process;
  private final Path output;
  private final long startedNanos = System.nanoTime();

  private JarProcess(Process process, Path output) {
    this.process = process;
    this.output = output;
  }

  public static Path jar() {
    Path jar = Path.of("target", "chatbot-operator-" + BuildInfo.VERSION + ".jar").toAbsolutePath();
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException(jar + " is missing: run the package phase first");
    }
    return jar;
  }

  /** Starts {@code java -jar <jar> args} in {@code dir} with {@code env} added. */
  public static JarProcess start(Path dir, Map<String, String> env, String... args) {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-jar");
    command.add(jar().toString());
    command.addAll(List.of(args));
    Path output = dir.resolve("output-" + System.nanoTime() + ".log");
    ProcessBuilder builder =
        new ProcessBuilder(command)
            .directory(dir.toFile())
            .redirectErrorStream(true)
            .redirectOutput(output.toFile())
            .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    builder.environment().remove("KUBECONFIG");
    builder.environment().putAll(env);
    try {
      return new JarProcess(builder.start(), output);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Waits for the exit; fails if it takes longer than {@code timeout}. Returns the exit code. */
  public int waitFor(Duration timeout) throws InterruptedException {
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new AssertionError("still running after " + timeout + "; output so far:\n" + output());
    }
    return process.exitValue();
  }

  /** Since the start. */
  public Duration elapsed() {
    return Duration.ofNanos(System.nanoTime() - startedNanos);
  }

  /** SIGTERM, as the kubelet stops a container. */
  public void terminate() {
    process.destroy();
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  public String output() {
    try {
      return Files.readString(output, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    process.destroyForcibly();
  }
}
