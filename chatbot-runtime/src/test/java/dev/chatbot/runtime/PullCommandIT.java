package dev.chatbot.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The pull command against the Ollama simulator: progress lines, retries, resume, failures. */
class PullCommandIT {

  @TempDir Path dir;
  final List<RuntimeServer> servers = new ArrayList<>();

  String ollama(String... kv) {
    Map<String, String> keys =
        Servers.keys("role", "ollama-sim", "ollama_sim_store", dir.resolve("store").toString());
    keys.putAll(Servers.keys(kv));
    RuntimeServer s = Servers.start(keys);
    servers.add(s);
    return "http://127.0.0.1:" + s.port();
  }

  @AfterEach
  void stop() {
    servers.forEach(RuntimeServer::stop);
  }

  /** What a run printed and returned. */
  record Run(int exit, List<JsonNode> lines, String err) {
    List<JsonNode> status(String status) {
      return lines.stream().filter(l -> l.path("status").asText().equals(status)).toList();
    }

    JsonNode last() {
      return lines.get(lines.size() - 1);
    }
  }

  static Run pull(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int exit =
        PullCommand.run(
            args,
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8),
            null);
    List<JsonNode> lines = new ArrayList<>();
    for (String line : out.toString(StandardCharsets.UTF_8).split("\n")) {
      if (!line.isBlank()) {
        JsonNode node = TestClient.parse(line);
        assertThat(node).as("every line is one JSON object: %s", line).isNotNull();
        lines.add(node);
      }
    }
    return new Run(exit, lines, err.toString(StandardCharsets.UTF_8));
  }

  @Test
  void successPrintsAtMostOneProgressLinePerInterval() throws Exception {
    String url =
        ollama(
            "ollama_sim_model_bytes", "30000000", "ollama_sim_pull_bytes_per_second", "10000000");
    Path log = dir.resolve("termination-log");
    Run run =
        pull(
            "--ollama",
            url,
            "--interval-seconds",
            "1",
            "--termination-log",
            log.toString(),
            "llama3.2",
            "qwen2:0.5b");
    assertThat(run.exit()).isZero();
    List<JsonNode> pulling = run.status("pulling");
    assertThat(pulling.size()).isBetween(4, 12);
    for (int i = 1; i < pulling.size(); i++) {
      JsonNode a = pulling.get(i - 1);
      JsonNode b = pulling.get(i);
      if (a.path("model").equals(b.path("model"))) {
        long gap =
            Duration.between(
                    Instant.parse(a.path("time").asText()), Instant.parse(b.path("time").asText()))
                .toMillis();
        assertThat(gap).isGreaterThanOrEqualTo(990);
        assertThat(b.path("completed").asLong())
            .isGreaterThanOrEqualTo(a.path("completed").asLong());
      }
    }
    JsonNode middle = pulling.get(1);
    assertThat(middle.path("total").asLong()).isPositive();
    assertThat(middle.path("bytes_per_second").asLong()).isBetween(1_000_000L, 20_000_000L);
    assertThat(middle.path("eta_seconds").isNumber()).isTrue();
    assertThat(middle.path("percent").asDouble()).isBetween(0.0, 100.0);
    assertThat(run.status("success")).hasSize(3);
    JsonNode summary = run.last();
    assertThat(summary.path("models").toString()).isEqualTo("[\"llama3.2\",\"qwen2:0.5b\"]");
    assertThat(summary.path("total").asLong()).isEqualTo(60_000_000);
    assertThat(TestClient.parse(Files.readString(log))).isEqualTo(summary);
    System.out.printf(
        "pull: 2 models of 30 MB at 10 MB/s, %d progress lines, e.g. %s%n", pulling.size(), middle);
  }

  @Test
  void aStalledPullIsCutRetriedAndResumes() {
    String url =
        ollama(
            "ollama_sim_model_bytes", "20000000",
            "ollama_sim_pull_bytes_per_second", "10000000",
            "ollama_sim_pull_stall_seconds", "600",
            "ollama_sim_pull_stall_at_percent", "50");
    long start = System.nanoTime();
    Run run =
        pull(
            "--ollama",
            url,
            "--stall-seconds",
            "2",
            "--retries",
            "2",
            "--interval-seconds",
            "1",
            "llama3.2");
    long millis = (System.nanoTime() - start) / 1_000_000;
    assertThat(run.exit()).isZero();
    JsonNode retrying = run.status("retrying").get(0);
    assertThat(retrying.path("reason").asText()).isEqualTo("stalled");
    assertThat(retrying.path("completed").asLong()).isEqualTo(10_000_000);
    assertThat(retrying.path("message").asText()).contains("no progress for 2 s");
    JsonNode resumed =
        run.status("pulling").stream()
            .filter(l -> l.path("attempt").asInt() == 2)
            .findFirst()
            .orElseThrow();
    assertThat(resumed.path("completed").asLong())
        .as("resumed, not restarted")
        .isGreaterThanOrEqualTo(10_000_000);
    assertThat(run.last().path("status").asText()).isEqualTo("success");
    System.out.printf(
        "pull: stalled at 50 %%, cut after 2 s, resumed at %d bytes, done in %d ms%n",
        resumed.path("completed").asLong(), millis);
  }

  @Test
  void aPullThatKeepsStallingFailsWithExitCode4() {
    String url =
        ollama(
            "ollama_sim_model_bytes", "20000000",
            "ollama_sim_pull_bytes_per_second", "10000000",
            "ollama_sim_pull_stall_seconds", "600");
    Run run = pull("--ollama", url, "--stall-seconds", "2", "--retries", "0", "llama3.2");
    assertThat(run.exit()).isEqualTo(PullCommand.STALLED);
    assertThat(run.last().path("status").asText()).isEqualTo("failed");
    assertThat(run.last().path("reason").asText()).isEqualTo("stalled");
    assertThat(run.err())
        .contains("llama3.2: no progress for 2 s at 10.0 MB (10000000 bytes) of 20.0 MB");
  }

  @Test
  void aFullVolumeFailsWithExitCode3NamingTheSizes() {
    String url =
        ollama(
            "ollama_sim_model_bytes", "20000000",
            "ollama_sim_pull_bytes_per_second", "40000000",
            "ollama_sim_disk_bytes", "8000000");
    Run run = pull("--ollama", url, "--volume", dir.toString(), "llama3.2");
    assertThat(run.exit()).isEqualTo(PullCommand.DISK_FULL);
    JsonNode failed = run.last();
    assertThat(failed.path("reason").asText()).isEqualTo("disk_full");
    // The weights layer: the small layers after it were not announced yet.
    assertThat(failed.path("total").asLong()).isEqualTo(19_990_764);
    assertThat(failed.path("completed").asLong()).isEqualTo(8_000_000);
    assertThat(failed.path("volume_bytes").asLong()).isPositive();
    assertThat(failed.path("error").asText())
        .contains("no space left on device")
        .contains("needs at least 20.0 MB (19990764 bytes)")
        .contains("8.0 MB (8000000 bytes) of it were stored")
        .contains("the volume at " + dir);
    assertThat(run.err()).contains("no space left on device");
  }

  @Test
  void anErrorLineFailsWithExitCode1() {
    String url = ollama("ollama_sim_pull_error", "pull model manifest: file does not exist");
    Run run = pull("--ollama", url, "--retries", "3", "nosuchmodel");
    assertThat(run.exit()).isEqualTo(PullCommand.FAILED);
    assertThat(run.status("retrying")).as("an error line is not retried").isEmpty();
    assertThat(run.last().path("reason").asText()).isEqualTo("error");
    assertThat(run.err())
        .contains("nosuchmodel: Ollama reported: pull model manifest: file does not exist");
  }

  @Test
  void noOllamaFailsWithExitCode5AndBadUsageWith2() throws Exception {
    Run run =
        pull(
            "--ollama",
            "http://127.0.0.1:" + RuntimeProcess.freePort(),
            "--wait-seconds",
            "1",
            "llama3.2");
    assertThat(run.exit()).isEqualTo(PullCommand.UNREACHABLE);
    assertThat(run.last().path("reason").asText()).isEqualTo("unreachable");
    assertThat(run.err()).contains("did not answer within 1 s");
    assertThat(pull("--stall-seconds", "0", "llama3.2").exit()).isEqualTo(PullCommand.USAGE);
    assertThat(pull().exit()).isEqualTo(PullCommand.USAGE);
  }

  /** The jar's own entry point: {@code java -jar chatbot-runtime.jar pull ...}. */
  @Test
  void theJarRunsThePullCommand() throws Exception {
    String url =
        ollama(
            "ollama_sim_model_bytes", "20000000",
            "ollama_sim_pull_bytes_per_second", "40000000",
            "ollama_sim_disk_bytes", "1000000");
    ProcessBuilder pb =
        RuntimeProcess.builder(dir, Map.of(), List.of("pull", "--ollama", url, "llama3.2"));
    Path out = dir.resolve("pull.out");
    Path err = dir.resolve("pull.err");
    pb.redirectOutput(out.toFile());
    pb.redirectError(err.toFile());
    Process p = pb.start();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).isEqualTo(PullCommand.DISK_FULL);
    List<String> lines = Files.readAllLines(out);
    assertThat(TestClient.parse(lines.get(lines.size() - 1)).path("reason").asText())
        .isEqualTo("disk_full");
    assertThat(Files.readString(err))
        .contains("chatbot-runtime pull: llama3.2: no space left on device");
  }
}
