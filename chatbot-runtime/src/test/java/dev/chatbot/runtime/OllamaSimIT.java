package dev.chatbot.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The runtime as a stand-in Ollama server (role ollama-sim): wire format, pulls and their faults.
 */
class OllamaSimIT {

  @TempDir Path store;
  final List<RuntimeServer> servers = new ArrayList<>();

  RuntimeServer sim(String... kv) {
    Map<String, String> keys =
        Servers.keys("role", "ollama-sim", "ollama_sim_store", store.toString());
    keys.putAll(Servers.keys(kv));
    RuntimeServer s = Servers.start(keys);
    servers.add(s);
    return s;
  }

  @AfterEach
  void stop() {
    servers.forEach(RuntimeServer::stop);
  }

  /** One line of NDJSON with when it arrived. */
  record Line(JsonNode json, long arrivedNanos) {}

  static List<Line> lines(InputStream in) throws Exception {
    List<Line> out = new ArrayList<>();
    try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
      String line;
      while ((line = r.readLine()) != null) {
        if (!line.isBlank()) {
          JsonNode node = TestClient.parse(line);
          assertThat(node).as("every line is one JSON object: %s", line).isNotNull();
          out.add(new Line(node, System.nanoTime()));
        }
      }
    }
    return out;
  }

  static List<Line> pull(TestClient c, String model) throws Exception {
    HttpResponse<InputStream> r = c.postStream("/api/pull", "{\"model\":\"" + model + "\"}");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type").orElse(""))
        .startsWith("application/x-ndjson");
    return lines(r.body());
  }

  static List<String> statuses(List<Line> lines) {
    return lines.stream()
        .map(l -> l.json().path("status").asText(l.json().path("error").asText()))
        .toList();
  }

  @Test
  void answersLikeOllamaBeforeAnyModelIsThere() throws Exception {
    TestClient c = TestClient.of(sim());
    assertThat(c.get("/").body()).isEqualTo("Ollama is running");
    assertThat(TestClient.json(c.get("/api/version")).path("version").asText())
        .matches("\\d+\\.\\d+\\.\\d+");
    assertThat(TestClient.json(c.get("/api/tags")).path("models")).isEmpty();
    HttpResponse<String> show = c.post("/api/show", "{\"model\":\"llama3.2\"}");
    assertThat(show.statusCode()).isEqualTo(404);
    HttpResponse<String> chat = c.post("/api/chat", "{\"model\":\"llama3.2\",\"messages\":[]}");
    assertThat(chat.statusCode()).isEqualTo(404);
    assertThat(TestClient.json(chat).path("error").asText()).contains("try pulling it first");
    assertThat(c.post("/api/chat", "{\"messages\":[]}").statusCode()).isEqualTo(400);
  }

  @Test
  void pullStreamsTheRealProgressShapeThenTheModelIsListed() throws Exception {
    TestClient c =
        TestClient.of(
            sim(
                "ollama_sim_model_bytes",
                "3000000",
                "ollama_sim_pull_bytes_per_second",
                "10000000"));
    List<Line> lines = pull(c, "llama3.2");
    List<String> statuses = statuses(lines);
    assertThat(statuses.get(0)).isEqualTo("pulling manifest");
    assertThat(statuses.subList(statuses.size() - 3, statuses.size()))
        .containsExactly("verifying sha256 digest", "writing manifest", "success");
    Map<String, Long> totals = new HashMap<>();
    Map<String, Long> completed = new HashMap<>();
    for (Line l : lines.subList(1, lines.size() - 3)) {
      JsonNode j = l.json();
      String digest = j.path("digest").asText();
      assertThat(digest).matches("sha256:[0-9a-f]{64}");
      assertThat(j.path("status").asText()).isEqualTo("pulling " + digest.substring(7, 19));
      long done = j.path("completed").asLong(0); // Ollama omits it while 0
      assertThat(done).isGreaterThanOrEqualTo(completed.getOrDefault(digest, 0L));
      totals.put(digest, j.path("total").asLong());
      completed.put(digest, done);
    }
    assertThat(totals).hasSize(4);
    assertThat(totals.values().stream().mapToLong(Long::longValue).sum()).isEqualTo(3_000_000);
    assertThat(completed).isEqualTo(totals);
    assertThat(lines.size()).as("progress ticks at 10 MB/s").isGreaterThan(6);

    JsonNode tags = TestClient.json(c.get("/api/tags"));
    assertThat(tags.path("models").path(0).path("name").asText()).isEqualTo("llama3.2:latest");
    assertThat(tags.path("models").path(0).path("size").asLong()).isEqualTo(3_000_000);
    assertThat(tags.path("models").path(0).path("digest").asText()).matches("[0-9a-f]{64}");
    JsonNode show = TestClient.json(c.post("/api/show", "{\"name\":\"llama3.2:latest\"}"));
    assertThat(show.path("details").path("format").asText()).isEqualTo("gguf");
    // Pulled again: every layer is there already.
    List<Line> again = pull(c, "llama3.2");
    assertThat(again.stream().filter(l -> l.json().has("digest")))
        .allSatisfy(
            l ->
                assertThat(l.json().path("completed").asLong())
                    .isEqualTo(l.json().path("total").asLong()));
    JsonNode whole =
        TestClient.json(c.post("/api/pull", "{\"model\":\"llama3.2\",\"stream\":false}"));
    assertThat(whole.path("status").asText()).isEqualTo("success");
  }

  @Test
  void chatAndGenerateSpeakNdjsonWithTheSimulatorKnobs() throws Exception {
    TestClient c =
        TestClient.of(
            sim(
                "ollama_sim_models", "llama3.2",
                "mock_answer_tokens", "8",
                "mock_token_delay_ms", "5",
                "ollama_sim_load_ms", "300"));
    JsonNode load =
        TestClient.json(c.post("/api/chat", "{\"model\":\"llama3.2\",\"messages\":[]}"));
    assertThat(load.path("done_reason").asText()).isEqualTo("load");
    assertThat(load.path("done").asBoolean()).isTrue();
    assertThat(load.path("message").path("content").asText()).isEmpty();

    HttpResponse<InputStream> s =
        c.postStream(
            "/api/chat",
            "{\"model\":\"llama3.2\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
    assertThat(s.headers().firstValue("Content-Type").orElse(""))
        .startsWith("application/x-ndjson");
    List<Line> lines = lines(s.body());
    assertThat(lines).hasSize(9);
    StringBuilder text = new StringBuilder();
    for (Line l : lines.subList(0, 8)) {
      assertThat(l.json().has("done")).isTrue();
      assertThat(l.json().path("done").asBoolean()).isFalse();
      assertThat(l.json().path("message").path("role").asText()).isEqualTo("assistant");
      assertThat(l.json().path("created_at").asText()).endsWith("Z");
      text.append(l.json().path("message").path("content").asText());
    }
    JsonNode last = lines.get(8).json();
    assertThat(last.path("done").asBoolean()).isTrue();
    assertThat(last.path("done_reason").asText()).isEqualTo("stop");
    assertThat(last.path("eval_count").asInt()).isEqualTo(8);
    assertThat(last.path("prompt_eval_count").asInt()).isEqualTo(1);
    for (String d :
        List.of("total_duration", "load_duration", "prompt_eval_duration", "eval_duration")) {
      assertThat(last.path(d).isNumber()).as(d).isTrue();
    }

    JsonNode whole =
        TestClient.json(
            c.post(
                "/api/chat",
                "{\"model\":\"llama3.2\",\"stream\":false,\"options\":{\"num_predict\":3},"
                    + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"));
    assertThat(whole.path("message").path("content").asText().split(" ")).hasSize(3);
    assertThat(whole.path("done_reason").asText()).isEqualTo("length");
    assertThat(whole.path("eval_count").asInt()).isEqualTo(3);

    List<Line> gen =
        lines(c.postStream("/api/generate", "{\"model\":\"llama3.2\",\"prompt\":\"hi\"}").body());
    assertThat(gen).hasSize(9);
    assertThat(gen.get(0).json().path("response").asText()).isNotEmpty();
    assertThat(gen.get(8).json().path("done").asBoolean()).isTrue();
    JsonNode genLoad = TestClient.json(c.post("/api/generate", "{\"model\":\"llama3.2\"}"));
    assertThat(genLoad.path("done_reason").asText()).isEqualTo("load");
    assertThat(TestClient.json(c.get("/api/ps")).path("models").path(0).path("name").asText())
        .isEqualTo("llama3.2:latest");
  }

  @Test
  void injectedFaultsUseOllamasErrorShapes() throws Exception {
    TestClient busy =
        TestClient.of(sim("ollama_sim_models", "llama3.2", "mock_rate_limit_rate", "1"));
    String chat = "{\"model\":\"llama3.2\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    HttpResponse<String> r = busy.post("/api/chat", chat);
    assertThat(r.statusCode()).isEqualTo(429);
    assertThat(TestClient.json(r).path("error").asText()).isNotBlank();
    TestClient breaking =
        TestClient.of(
            sim(
                "ollama_sim_models", "llama3.2",
                "mock_break_stream_rate", "1",
                "mock_token_delay_ms", "0"));
    HttpResponse<InputStream> s = breaking.postStream("/api/chat", chat);
    assertThat(s.statusCode()).isEqualTo(200);
    List<Line> lines = lines(s.body());
    assertThat(lines.get(0).json().path("message").path("content").asText()).isNotEmpty();
    assertThat(lines.get(lines.size() - 1).json().path("error").asText()).isNotBlank();
    assertThat(lines).noneMatch(l -> l.json().path("done").asBoolean());
  }

  /** The product's own Ollama client (the local phase's code path) against the stand-in. */
  @Test
  void theOllamaProviderWaitsForThePullThenAnswers() throws Exception {
    RuntimeServer simulator =
        sim(
            "ollama_sim_model_bytes",
            "1000000",
            "ollama_sim_load_ms",
            "200",
            "mock_answer_tokens",
            "6");
    TestClient ollama = TestClient.of(simulator);
    RuntimeServer backend =
        Servers.start(
            Servers.keys(
                "model_provider", "ollama",
                "model", "llama3.2",
                "ollama_url", "http://127.0.0.1:" + simulator.port(),
                "fallback_to_mock", "false",
                "client_requests_per_minute", "0"));
    servers.add(backend);
    TestClient c = TestClient.of(backend);
    await().pollDelay(Duration.ofMillis(500)).until(() -> true);
    assertThat(c.get("/readyz").statusCode()).as("no model yet").isEqualTo(503);
    assertThat(statuses(pull(ollama, "llama3.2"))).endsWith("success");
    await().atMost(Duration.ofSeconds(30)).until(() -> c.get("/readyz").statusCode() == 200);
    List<TestClient.Event> events =
        TestClient.events(c.post("/api/chat/stream", "{\"message\":\"hi\"}"));
    TestClient.Event done = events.get(events.size() - 1);
    assertThat(done.name()).isEqualTo("done");
    assertThat(done.json().path("provider").asText()).isEqualTo("ollama");
    assertThat(TestClient.apiText(events)).isEqualTo(done.json().path("reply").asText());
    assertThat(done.json().path("reply").asText().split(" ")).hasSize(6);
    assertThat(TestClient.json(c.post("/api/chat", "{\"message\":\"hi\"}")).path("reply").asText())
        .isEqualTo(done.json().path("reply").asText());
  }

  @Test
  void aStallRepeatsTheSameNumbersForItsDurationOnce() throws Exception {
    TestClient c =
        TestClient.of(
            sim(
                "ollama_sim_model_bytes", "2000000",
                "ollama_sim_pull_bytes_per_second", "10000000",
                "ollama_sim_pull_stall_seconds", "2",
                "ollama_sim_pull_stall_at_percent", "50"));
    List<Line> lines = pull(c, "llama3.2");
    List<Line> stalled =
        lines.stream().filter(l -> l.json().path("completed").asLong() == 1_000_000).toList();
    long stallMillis =
        (stalled.get(stalled.size() - 1).arrivedNanos() - stalled.get(0).arrivedNanos())
            / 1_000_000;
    assertThat(stallMillis).isBetween(1_800L, 6_000L);
    assertThat(statuses(lines)).endsWith("success");
  }

  @Test
  void anErrorLineEndsAPullWithStatus200() throws Exception {
    TestClient c =
        TestClient.of(sim("ollama_sim_pull_error", "pull model manifest: file does not exist"));
    List<Line> lines = pull(c, "nosuchmodel");
    assertThat(statuses(lines))
        .containsExactly("pulling manifest", "pull model manifest: file does not exist");
    assertThat(TestClient.json(c.get("/api/tags")).path("models")).isEmpty();
    HttpResponse<String> whole =
        c.post("/api/pull", "{\"model\":\"nosuchmodel\",\"stream\":false}");
    assertThat(whole.statusCode()).isEqualTo(500);
    assertThat(TestClient.json(whole).path("error").asText()).contains("file does not exist");
  }

  @Test
  void aFullDiskEndsThePullWithNoSpaceLeftOnDevice() throws Exception {
    TestClient c =
        TestClient.of(
            sim(
                "ollama_sim_model_bytes", "3000000",
                "ollama_sim_pull_bytes_per_second", "20000000",
                "ollama_sim_disk_bytes", "5000000"));
    assertThat(statuses(pull(c, "llama3.2"))).endsWith("success");
    List<Line> second = pull(c, "qwen2:0.5b");
    String error = second.get(second.size() - 1).json().path("error").asText();
    assertThat(error).contains("no space left on device").contains("-partial");
    long stored =
        second.stream().mapToLong(l -> l.json().path("completed").asLong()).max().orElseThrow();
    assertThat(stored).isLessThanOrEqualTo(2_000_000);
    assertThat(Files.readString(store.resolve("qwen2%3A0.5b.pull.json")))
        .contains("\"completed\":2000000");
  }

  @Test
  void anInterruptedPullResumesFromTheStoreEvenAfterARestart() throws Exception {
    String[] keys = {
      "ollama_sim_model_bytes", "5000000", "ollama_sim_pull_bytes_per_second", "5000000"
    };
    RuntimeServer first = sim(keys);
    HttpResponse<InputStream> r =
        TestClient.of(first).postStream("/api/pull", "{\"model\":\"llama3.2\"}");
    long seen = 0;
    try (BufferedReader reader =
        new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
      String line;
      while (seen < 2_000_000 && (line = reader.readLine()) != null) {
        seen = Math.max(seen, TestClient.parse(line).path("completed").asLong(0));
      }
    } // the client goes away mid-download
    first.stop();
    TestClient second = TestClient.of(sim(keys)); // a new process on the same store (a PVC)
    List<Line> lines = pull(second, "llama3.2");
    long resumedAt = lines.get(1).json().path("completed").asLong(0);
    assertThat(resumedAt).isGreaterThanOrEqualTo(seen).isLessThan(5_000_000);
    assertThat(statuses(lines)).endsWith("success");
    System.out.printf(
        "ollama-sim resume: interrupted at %d of 5000000 bytes, the restarted server resumed at %d%n",
        seen, resumedAt);
  }
}
