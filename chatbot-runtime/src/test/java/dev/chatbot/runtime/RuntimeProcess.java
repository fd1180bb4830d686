package dev.chatbot.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** The packaged jar started as a real process ({@code java -jar}), as a pod would run it. */
final class RuntimeProcess implements AutoCloseable {

  final int port;
  final Process process;
  final Path log;

  private RuntimeProcess(int port, Process process, Path log) {
    this.port = port;
    this.process = process;
    this.log = log;
  }

  static Path jar() {
    Path jar = Path.of(System.getProperty("runtime.jar", "target/chatbot-runtime.jar"));
    assertThat(jar).as("run `mvn package` first").exists();
    return jar;
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  /** Starts {@code java -jar} with the given arguments; the environment holds no CHATBOT_ keys. */
  static ProcessBuilder builder(Path dir, Map<String, String> env, List<String> args) {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> command = new java.util.ArrayList<>(List.of(java, "-jar", jar().toString()));
    command.addAll(args);
    ProcessBuilder pb = new ProcessBuilder(command);
    pb.environment().keySet().removeIf(k -> k.startsWith("CHATBOT_") || k.equals("HF_TOKEN"));
    pb.environment().put("CHATBOT_CONFIG_DIR", dir.resolve("none").toString());
    pb.environment().putAll(env);
    return pb;
  }

  /** Starts the server on {@code port}, not waiting for it; its output goes to {@code log}. */
  static RuntimeProcess launch(Path dir, int port, Map<String, String> env, String logName)
      throws IOException {
    ProcessBuilder pb = builder(dir, env, List.of());
    pb.environment().put("PORT", Integer.toString(port));
    Path log = dir.resolve(logName);
    pb.redirectErrorStream(true);
    pb.redirectOutput(new File(log.toString()));
    return new RuntimeProcess(port, pb.start(), log);
  }

  /** Starts the server and waits until /readyz answers 200. */
  static RuntimeProcess start(Path dir, Map<String, String> env) throws Exception {
    RuntimeProcess p = launch(dir, freePort(), env, "out-" + System.nanoTime() + ".log");
    p.awaitReady();
    return p;
  }

  TestClient client() {
    return new TestClient("http://127.0.0.1:" + port);
  }

  void awaitReady() {
    TestClient c = client();
    await()
        .atMost(Duration.ofSeconds(30))
        .ignoreExceptions()
        .until(() -> c.get("/readyz").statusCode() == 200);
  }

  String log() throws IOException {
    return Files.readString(log);
  }

  /** SIGTERM, then waits for the exit. */
  int terminate() throws InterruptedException {
    process.destroy();
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
    return process.exitValue();
  }

  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }
}
