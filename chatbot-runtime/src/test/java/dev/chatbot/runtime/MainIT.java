package dev.chatbot.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.File;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The real process: configuration directory plus environment, and start-up failures. */
class MainIT {

  private static ProcessBuilder java(Path configDir) {
    String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    ProcessBuilder pb =
        new ProcessBuilder(
            javaBin, "-cp", System.getProperty("java.class.path"), "dev.chatbot.runtime.Main");
    pb.environment().keySet().removeIf(k -> k.startsWith("CHATBOT_") || k.equals("HF_TOKEN"));
    pb.environment().put("CHATBOT_CONFIG_DIR", configDir.toString());
    return pb;
  }

  @Test
  void malformedValueFailsStartUpNamingTheKey(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("temperature"), "hot");
    ProcessBuilder pb = java(dir);
    pb.redirectErrorStream(true);
    Process p = pb.start();
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.exitValue()).isEqualTo(2);
    assertThat(out).contains("temperature").doesNotContain("\tat ");
  }

  @Test
  void readsTheConfigDirectoryAndEnvironmentOverrides(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("mock_reply"), "from the file\n");
    Files.writeString(dir.resolve("model"), "file-model");
    Files.writeString(dir.resolve("some_future_key"), "ignored");
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    ProcessBuilder pb = java(dir);
    pb.environment().put("PORT", Integer.toString(port));
    pb.environment().put("CHATBOT_MODEL", "env-model");
    pb.redirectErrorStream(true);
    pb.redirectOutput(new File(dir.toFile(), "out.log"));
    Process p = pb.start();
    try {
      TestClient c = new TestClient("http://127.0.0.1:" + port);
      await()
          .atMost(Duration.ofSeconds(20))
          .ignoreExceptions()
          .until(() -> c.get("/readyz").statusCode() == 200);
      HttpResponse<String> r = c.post("/api/chat", "{\"message\":\"ping\"}");
      assertThat(TestClient.json(r).path("reply").asText()).isEqualTo("from the file");
      assertThat(TestClient.json(r).path("model").asText()).isEqualTo("env-model");
    } finally {
      p.destroy(); // SIGTERM: drains and exits
      assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    }
  }
}
