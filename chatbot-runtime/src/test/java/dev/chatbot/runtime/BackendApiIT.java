package dev.chatbot.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The backend's API in mock mode, over real HTTP. */
class BackendApiIT {

  static RuntimeServer server;
  static TestClient client;

  @BeforeAll
  static void start() {
    server =
        Servers.start(
            Servers.keys(
                "mock_token_delay_ms", "0",
                "max_body_bytes", "2048",
                "max_message_chars", "100",
                "max_messages", "3",
                "client_requests_per_minute", "0"));
    client = TestClient.of(server);
  }

  @AfterAll
  static void stop() {
    server.stop();
  }

  @Test
  void smokeTestOfTheOperatorGetsPong() throws Exception {
    HttpResponse<String> r = client.post("/api/chat", "{\"message\":\"ping\"}");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type"))
        .hasValueSatisfying(v -> assertThat(v).startsWith("application/json"));
    JsonNode body = TestClient.json(r);
    List<String> fields = new ArrayList<>();
    for (Iterator<String> it = body.fieldNames(); it.hasNext(); ) {
      fields.add(it.next());
    }
    assertThat(fields)
        .containsExactlyInAnyOrder("conversationId", "reply", "provider", "model", "fallback");
    assertThat(body.path("reply").asText()).isEqualTo("pong");
    assertThat(body.path("provider").asText()).isEqualTo("mock");
    assertThat(body.path("model").asText()).isEqualTo("mock-1");
    assertThat(body.path("fallback").isBoolean()).isTrue();
    assertThat(body.path("fallback").asBoolean()).isFalse();
    assertThat(body.path("conversationId").asText()).isNotBlank();
    assertThat(r.headers().firstValue(Api.FALLBACK_HEADER)).isEmpty();
    assertThat(r.headers().firstValue(Api.PROVIDER_HEADER)).hasValue("mock");
    assertThat(r.headers().firstValue(Api.PHASE_HEADER)).hasValue("mock");
    assertThat(client.get("/metrics").body())
        .containsPattern(
            "chatbot_chat_seconds_count\\{outcome=\"ok\",phase=\"mock\",provider=\"mock\"\\} [1-9]");
  }

  @Test
  void answersAreDeterministicAndKeepTheConversationId() throws Exception {
    String body =
        "{\"conversationId\":\"conv-42\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"},"
            + "{\"role\":\"assistant\",\"content\":\"hello\"},{\"role\":\"user\",\"content\":\"tell me\"}]}";
    JsonNode a = TestClient.json(client.post("/api/chat", body));
    JsonNode b = TestClient.json(client.post("/api/chat", body));
    assertThat(a.path("conversationId").asText()).isEqualTo("conv-42");
    assertThat(a.path("reply").asText()).isNotBlank().isEqualTo(b.path("reply").asText());
  }

  @Test
  void streamsServerSentEvents() throws Exception {
    HttpResponse<String> r = client.post("/api/chat/stream", "{\"message\":\"hello there\"}");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("text/event-stream");
    List<TestClient.Event> events = TestClient.events(r);
    assertThat(events.get(0).name()).isEqualTo("meta");
    assertThat(events.get(0).json().path("provider").asText()).isEqualTo("mock");
    assertThat(r.headers().firstValue(Api.PROVIDER_HEADER)).hasValue("mock");
    assertThat(r.headers().firstValue(Api.PHASE_HEADER)).hasValue("mock");
    assertThat(events.stream().filter(e -> e.name().equals("delta")).count()).isGreaterThan(3);
    TestClient.Event done = events.get(events.size() - 1);
    assertThat(done.name()).isEqualTo("done");
    assertThat(TestClient.apiText(events)).isEqualTo(done.json().path("reply").asText());
    // Same answer as the non-streaming form.
    JsonNode plain = TestClient.json(client.post("/api/chat", "{\"message\":\"hello there\"}"));
    assertThat(done.json().path("reply").asText()).isEqualTo(plain.path("reply").asText());
    // "stream": true on /api/chat is the same as /api/chat/stream.
    HttpResponse<String> flag =
        client.post("/api/chat", "{\"message\":\"hello there\",\"stream\":true}");
    assertThat(TestClient.apiText(TestClient.events(flag))).isEqualTo(plain.path("reply").asText());
  }

  @Test
  void openAiCompatibleCompletions() throws Exception {
    HttpResponse<String> r =
        client.post(
            "/v1/chat/completions",
            "{\"model\":\"whatever\",\"messages\":[{\"role\":\"user\",\"content\":\"ping\"}]}");
    assertThat(r.statusCode()).isEqualTo(200);
    JsonNode body = TestClient.json(r);
    assertThat(body.path("object").asText()).isEqualTo("chat.completion");
    assertThat(r.headers().firstValue(Api.PROVIDER_HEADER)).hasValue("mock");
    assertThat(body.path("id").asText()).startsWith("chatcmpl-");
    assertThat(body.path("choices").path(0).path("message").path("role").asText())
        .isEqualTo("assistant");
    assertThat(body.path("choices").path(0).path("message").path("content").asText())
        .isEqualTo("pong");
    assertThat(body.path("choices").path(0).path("finish_reason").asText()).isEqualTo("stop");
    assertThat(body.path("usage").path("total_tokens").asInt()).isPositive();

    HttpResponse<String> s =
        client.post(
            "/v1/chat/completions",
            "{\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hello\"}]}");
    List<TestClient.Event> events = TestClient.events(s);
    assertThat(events.get(events.size() - 1).data()).isEqualTo("[DONE]");
    assertThat(events.get(0).json().path("object").asText()).isEqualTo("chat.completion.chunk");
    assertThat(
            events
                .get(events.size() - 2)
                .json()
                .path("choices")
                .path(0)
                .path("finish_reason")
                .asText())
        .isEqualTo("stop");
    assertThat(TestClient.openAiText(events)).isNotBlank();

    JsonNode models = TestClient.json(client.get("/v1/models"));
    assertThat(models.path("object").asText()).isEqualTo("list");
    assertThat(models.path("data").path(0).path("id").asText()).isEqualTo("mock-1");
    assertThat(models.path("data").path(0).path("object").asText()).isEqualTo("model");
  }

  @Test
  void openAiErrorsUseTheOpenAiShape() throws Exception {
    HttpResponse<String> r = client.post("/v1/chat/completions", "{\"message\":\"no messages\"}");
    assertThat(r.statusCode()).isEqualTo(400);
    JsonNode error = TestClient.json(r).path("error");
    assertThat(error.path("message").asText()).contains("messages");
    assertThat(error.path("type").asText()).isEqualTo("invalid_request_error");
    assertThat(error.has("param")).isTrue();
    assertThat(error.has("code")).isTrue();
  }

  @Test
  void probes() throws Exception {
    assertThat(client.get("/healthz").statusCode()).isEqualTo(200);
    HttpResponse<String> ready = client.get("/readyz");
    assertThat(ready.statusCode()).isEqualTo(200);
    assertThat(TestClient.json(ready).path("status").asText()).isEqualTo("ready");
  }

  @Test
  void metricsCountRequestsTokensAndLatency() throws Exception {
    client.post("/api/chat", "{\"message\":\"ping\"}");
    client.post("/api/chat", "{}");
    HttpResponse<String> m = client.get("/metrics");
    assertThat(m.statusCode()).isEqualTo(200);
    assertThat(m.body())
        .contains(
            "chatbot_http_requests_seconds_count{method=\"POST\",route=\"/api/chat\",status=\"200\"}")
        .contains(
            "chatbot_http_requests_seconds_count{method=\"POST\",route=\"/api/chat\",status=\"400\"}")
        .contains(
            "chatbot_http_requests_seconds_bucket{method=\"POST\",route=\"/api/chat\",status=\"200\",le=\"0.005\"}")
        .contains("chatbot_tokens_total{provider=\"mock\",type=\"completion\"}");
  }

  @Test
  void rejectsBadRequestsWithReadableErrors() throws Exception {
    assertError(client.post("/api/chat", "not json"), 400, "JSON object");
    assertError(client.post("/api/chat", "{\"message\":42}"), 400, "string");
    assertError(client.post("/api/chat", "{\"message\":\"   \"}"), 400, "non-empty user message");
    assertError(
        client.post("/api/chat", "{\"messages\":[{\"role\":\"wizard\",\"content\":\"x\"}]}"),
        400,
        "role");
    assertError(
        client.post("/api/chat", "{\"message\":\"x\",\"conversationId\":\"bad id!\"}"),
        400,
        "conversationId");
    assertError(
        client.post("/api/chat", "{\"message\":\"" + "a".repeat(101) + "\"}"), 413, "too long");
    String four =
        "{\"messages\":["
            + String.join(
                ",", java.util.Collections.nCopies(4, "{\"role\":\"user\",\"content\":\"x\"}"))
            + "]}";
    assertError(client.post("/api/chat", four), 413, "too many messages");
    String big = "{\"message\":\"x\",\"pad\":\"" + "p".repeat(3000) + "\"}";
    assertError(client.post("/api/chat", big), 413, "too large");
    assertError(client.get("/api/nothing"), 404, "not found");
  }

  @Test
  void bodiesOfUnknownLengthAreLimitedAndReadWhole() throws Exception {
    String big = "{\"message\":\"x\",\"pad\":\"" + "p".repeat(3000) + "\"}";
    for (String path : List.of("/api/chat", "/api/chat/stream", "/v1/chat/completions")) {
      HttpResponse<String> tooLarge = client.postChunked(path, big);
      assertThat(tooLarge.statusCode()).as(path).isEqualTo(413);
      assertThat(tooLarge.body()).as(path).contains("too large");
    }
    HttpResponse<String> whole = client.postChunked("/api/chat", "{\"message\":\"ping\"}");
    assertThat(whole.statusCode()).isEqualTo(200);
    assertThat(TestClient.json(whole).path("reply").asText()).isNotEmpty();
    HttpResponse<String> stream =
        client.postChunked("/api/chat", "{\"message\":\"ping\",\"stream\":true}");
    assertThat(stream.statusCode()).isEqualTo(200);
    assertThat(TestClient.apiText(TestClient.events(stream))).isNotEmpty();
  }

  private static void assertError(HttpResponse<String> r, int status, String text) {
    assertThat(r.statusCode()).isEqualTo(status);
    assertThat(TestClient.json(r).path("error").asText()).contains(text);
    assertThat(r.body()).doesNotContain("Exception").doesNotContain("\tat ");
  }

  @Test
  void corsIsOffByDefault() throws Exception {
    HttpResponse<String> r =
        client.post(
            "/api/chat", "{\"message\":\"ping\"}", Map.of("Origin", "https://evil.example"));
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Access-Control-Allow-Origin")).isEmpty();
  }

  @Test
  void servesTheChatPage() throws Exception {
    HttpResponse<String> page = client.get("/");
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.body()).contains("<title>Chatbot</title>").contains("app.js");
    assertThat(client.get("/app.js").body()).contains("api/chat/stream");
  }
}
