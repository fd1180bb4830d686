package dev.chatbot.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The ollama provider against a fake Ollama speaking /api/chat NDJSON. */
class OllamaIT {

  static final String CHAT = "{\"message\":\"hello\"}";

  FakeUpstream ollama;
  RuntimeServer server;

  @BeforeEach
  void fake() throws Exception {
    ollama = new FakeUpstream(FakeUpstream.ollamaStream("default"));
    ollama.setPreload(FakeUpstream.ollamaLoaded());
  }

  @AfterEach
  void stop() {
    if (server != null) {
      server.stop();
    }
    ollama.close();
  }

  TestClient start(String fallback) {
    server =
        Servers.start(
            Servers.keys(
                "model_provider", "ollama",
                "model", "llama3.2",
                "ollama_url", ollama.baseUrl(),
                "fallback_to_mock", fallback,
                "timeout_seconds", "2",
                "max_tokens", "64",
                "temperature", "0.2",
                "client_requests_per_minute", "0"));
    TestClient c = TestClient.of(server);
    await().atMost(Duration.ofSeconds(10)).until(() -> c.get("/readyz").statusCode() == 200);
    return c;
  }

  @Test
  void preloadsTheModelBeforeReporting() throws Exception {
    start("false");
    FakeUpstream.Recorded preload = ollama.requests().get(0);
    assertThat(preload.path()).isEqualTo("/api/chat");
    assertThat(preload.json().path("model").asText()).isEqualTo("llama3.2");
    assertThat(preload.json().path("messages").isArray()).isTrue();
    assertThat(preload.json().path("messages")).isEmpty();
  }

  @Test
  void notReadyUntilTheModelIsThere() throws Exception {
    ollama.setPreload(
        FakeUpstream.ollamaError(404, "model \"llama3.2\" not found, try pulling it first"));
    server =
        Servers.start(Servers.keys("model_provider", "ollama", "ollama_url", ollama.baseUrl()));
    TestClient c = TestClient.of(server);
    await().atMost(Duration.ofSeconds(5)).until(() -> ollama.requests().size() >= 2);
    HttpResponse<String> r = c.get("/readyz");
    assertThat(r.statusCode()).isEqualTo(503);
    assertThat(TestClient.json(r).path("reason").asText()).contains("Ollama");
    ollama.setPreload(FakeUpstream.ollamaLoaded()); // the model got pulled
    await().atMost(Duration.ofSeconds(15)).until(() -> c.get("/readyz").statusCode() == 200);
  }

  @Test
  void notReadyWhenOllamaIsDown() throws Exception {
    String url = ollama.baseUrl();
    ollama.close();
    server = Servers.start(Servers.keys("model_provider", "ollama", "ollama_url", url));
    TestClient c = TestClient.of(server);
    assertThat(c.get("/readyz").statusCode()).isEqualTo(503);
    assertThat(c.get("/healthz").statusCode()).isEqualTo(200);
  }

  @Test
  void streamsNdjson() throws Exception {
    TestClient c = start("false");
    ollama.then(FakeUpstream.ollamaStream("The", " sky", " is blue"));
    HttpResponse<String> r = c.post("/api/chat/stream", CHAT);
    List<TestClient.Event> events = TestClient.events(r);
    assertThat(events.get(0).json().path("provider").asText()).isEqualTo("ollama");
    assertThat(r.headers().firstValue(Api.PROVIDER_HEADER)).hasValue("ollama");
    assertThat(r.headers().firstValue(Api.PHASE_HEADER)).hasValue("local");
    assertThat(TestClient.apiText(events)).isEqualTo("The sky is blue");
    assertThat(events.get(events.size() - 1).name()).isEqualTo("done");
    JsonNode sent = ollama.chatRequests().get(0).json();
    assertThat(sent.path("stream").asBoolean()).isTrue();
    assertThat(sent.path("options").path("num_predict").asInt()).isEqualTo(64);
    assertThat(sent.path("options").path("temperature").asDouble()).isEqualTo(0.2);
    assertThat(sent.path("messages").path(0).path("content").asText()).isEqualTo("hello");
    assertThat(server.metrics().scrape())
        .contains("chatbot_tokens_total{provider=\"ollama\",type=\"completion\"} 3.0")
        .contains(
            "chatbot_chat_seconds_count{outcome=\"ok\",phase=\"local\",provider=\"ollama\"} 1");
  }

  @Test
  void nonStreamingAnswer() throws Exception {
    TestClient c = start("false");
    ollama.then(FakeUpstream.ollamaCompletion("Blue."));
    HttpResponse<String> r = c.post("/api/chat", CHAT);
    assertThat(TestClient.json(r).path("reply").asText()).isEqualTo("Blue.");
    assertThat(ollama.chatRequests().get(0).json().path("stream").asBoolean()).isFalse();
  }

  @Test
  void midStreamErrorLineEndsTheStream() throws Exception {
    TestClient c = start("true");
    ollama.then(FakeUpstream.ollamaStreamBreaking("Half", " an"));
    HttpResponse<String> r = c.post("/api/chat/stream", CHAT);
    assertThat(r.statusCode()).isEqualTo(200);
    List<TestClient.Event> events = TestClient.events(r);
    assertThat(TestClient.apiText(events)).isEqualTo("Half an");
    assertThat(events.get(events.size() - 1).name()).isEqualTo("error");
    assertThat(r.body()).doesNotContain("SECRET-UPSTREAM-DETAIL");
    assertThat(ollama.chatRequests()).hasSize(1);
  }

  @Test
  void errorLineWithStatus200BeforeAnyTextIsRetriedThenFallsBack() throws Exception {
    TestClient c = start("true");
    ollama.setDefault(FakeUpstream.ollamaStreamBreaking());
    HttpResponse<String> r = c.post("/api/chat/stream", "{\"message\":\"ping\"}");
    assertThat(r.headers().firstValue(Api.FALLBACK_HEADER)).hasValue("true");
    List<TestClient.Event> events = TestClient.events(r);
    assertThat(TestClient.apiText(events)).isEqualTo("pong");
    assertThat(ollama.chatRequests()).hasSize(3);
  }

  @Test
  void modelNotFoundIsAClearError() throws Exception {
    TestClient c = start("false");
    ollama.setDefault(
        FakeUpstream.ollamaError(404, "model \"llama3.2\" not found, try pulling it first"));
    HttpResponse<String> r = c.post("/api/chat", CHAT);
    assertThat(r.statusCode()).isEqualTo(502);
    assertThat(TestClient.json(r).path("error").asText()).contains("Ollama").contains("404");
    assertThat(ollama.chatRequests()).hasSize(1);
  }

  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.CsvSource({"400, 1", "500, 3", "502, 3"})
  void errorStatusesAreRetriedOnlyWhenTransient(int status, int attempts) throws Exception {
    TestClient c = start("false");
    ollama.setDefault(FakeUpstream.ollamaError(status, "SECRET-UPSTREAM-DETAIL"));
    HttpResponse<String> r = c.post("/api/chat", CHAT);
    assertThat(r.statusCode()).isEqualTo(502);
    assertThat(r.body())
        .doesNotContain("SECRET-UPSTREAM-DETAIL")
        .contains(Integer.toString(status));
    assertThat(ollama.chatRequests()).hasSize(attempts);
  }

  @Test
  void overloadedOllamaIsRetried() throws Exception {
    TestClient c = start("false");
    ollama
        .then(FakeUpstream.ollamaError(429, "server busy"))
        .then(FakeUpstream.ollamaError(502, "bad gateway"));
    ollama.setDefault(FakeUpstream.ollamaStream("ok"));
    HttpResponse<String> r = c.post("/api/chat/stream", CHAT);
    assertThat(TestClient.apiText(TestClient.events(r))).isEqualTo("ok");
    assertThat(ollama.chatRequests()).hasSize(3);
  }
}
