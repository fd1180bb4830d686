package dev.chatbot.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The huggingface provider against a fake router speaking the router's wire format. */
class HuggingFaceIT {

  static final String TOKEN = "hf_testTOKENabcdef123456";
  static final String CHAT = "{\"message\":\"hello\"}";

  FakeUpstream router;
  RuntimeServer server;

  @BeforeEach
  void fake() throws Exception {
    router = new FakeUpstream(FakeUpstream.hfCompletion("default answer"));
  }

  @AfterEach
  void stop() {
    if (server != null) {
      server.stop();
    }
    router.close();
  }

  TestClient start(String fallback, String... extra) {
    Map<String, String> keys =
        Servers.keys(
            "model_provider", "huggingface",
            "model", "meta-llama/Llama-3.1-8B-Instruct:novita",
            "huggingface_endpoint", router.baseUrl() + "/v1",
            "fallback_to_mock", fallback,
            "timeout_seconds", "2",
            "system_prompt", "Be brief.",
            "client_requests_per_minute", "0");
    for (int i = 0; i < extra.length; i += 2) {
      keys.put(extra[i], extra[i + 1]);
    }
    server = Servers.start(keys, TOKEN);
    return TestClient.of(server);
  }

  @Test
  void happyPathSendsTheRouterRequest() throws Exception {
    router.then(FakeUpstream.hfCompletion("Hi from the router"));
    HttpResponse<String> r = start("false").post("/api/chat", CHAT);
    assertThat(r.statusCode()).isEqualTo(200);
    JsonNode body = TestClient.json(r);
    assertThat(body.path("reply").asText()).isEqualTo("Hi from the router");
    assertThat(body.path("provider").asText()).isEqualTo("huggingface");
    assertThat(body.path("model").asText()).isEqualTo("meta-llama/Llama-3.1-8B-Instruct:novita");
    assertThat(body.path("fallback").asBoolean()).isFalse();

    FakeUpstream.Recorded sent = router.requests().get(0);
    assertThat(sent.path()).isEqualTo("/v1/chat/completions");
    assertThat(sent.header("Authorization")).isEqualTo("Bearer " + TOKEN);
    JsonNode json = sent.json();
    assertThat(json.path("model").asText()).isEqualTo("meta-llama/Llama-3.1-8B-Instruct:novita");
    assertThat(json.path("stream").asBoolean()).isFalse();
    assertThat(json.path("max_tokens").asInt()).isEqualTo(256);
    assertThat(json.path("temperature").asDouble()).isEqualTo(0.7);
    assertThat(json.path("messages").path(0).path("role").asText()).isEqualTo("system");
    assertThat(json.path("messages").path(0).path("content").asText()).isEqualTo("Be brief.");
    assertThat(json.path("messages").path(1).path("content").asText()).isEqualTo("hello");
    assertThat(server.metrics().scrape())
        .contains("chatbot_tokens_total{provider=\"huggingface\",type=\"prompt\"} 12.0");
  }

  @Test
  void streamsTheRouterSse() throws Exception {
    router.then(FakeUpstream.hfStream("Hel", "lo", " world"));
    TestClient c = start("false");
    HttpResponse<String> r = c.post("/api/chat/stream", CHAT);
    List<TestClient.Event> events = TestClient.events(r);
    assertThat(events.get(0).json().path("provider").asText()).isEqualTo("huggingface");
    assertThat(TestClient.apiText(events)).isEqualTo("Hello world");
    assertThat(events.get(events.size() - 1).name()).isEqualTo("done");
    assertThat(router.requests().get(0).json().path("stream").asBoolean()).isTrue();

    router.then(FakeUpstream.hfStream("a", "b"));
    HttpResponse<String> o =
        c.post(
            "/v1/chat/completions",
            "{\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}");
    List<TestClient.Event> chunks = TestClient.events(o);
    assertThat(TestClient.openAiText(chunks)).isEqualTo("ab");
    assertThat(chunks.get(chunks.size() - 1).data()).isEqualTo("[DONE]");
  }

  @ParameterizedTest
  @ValueSource(ints = {401, 402, 403, 404, 422})
  void clientErrorsAreNotRetriedAndReadable(int status) throws Exception {
    router.setDefault(FakeUpstream.hfError(status));
    HttpResponse<String> r = start("false").post("/api/chat", CHAT);
    assertThat(r.statusCode()).isEqualTo(502);
    String error = TestClient.json(r).path("error").asText();
    assertThat(error).contains("Hugging Face").contains(Integer.toString(status));
    assertThat(r.body()).doesNotContain("SECRET-UPSTREAM-DETAIL").doesNotContain(TOKEN);
    assertThat(router.requests()).hasSize(1);
    assertThat(server.metrics().scrape())
        .contains(
            "chatbot_upstream_errors_total{provider=\"huggingface\",status=\""
                + status
                + "\"} 1.0");
  }

  @ParameterizedTest
  @ValueSource(ints = {500, 424})
  void serverErrorsAreRetriedWithBackoff(int status) throws Exception {
    router.then(FakeUpstream.hfError(status)).then(FakeUpstream.hfError(500));
    router.setDefault(FakeUpstream.hfCompletion("third time lucky"));
    HttpResponse<String> r = start("false").post("/api/chat", CHAT);
    if (status == 424) {
      // 424 (generation failed) is a 4xx: not retried.
      assertThat(r.statusCode()).isEqualTo(502);
      assertThat(router.requests()).hasSize(1);
      return;
    }
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(TestClient.json(r).path("reply").asText()).isEqualTo("third time lucky");
    assertThat(router.requests()).hasSize(3);
  }

  @Test
  void honoursRetryAfterOn429() throws Exception {
    router.then(FakeUpstream.hfError(429).withHeader("Retry-After", "1"));
    router.setDefault(FakeUpstream.hfCompletion("after waiting"));
    long start = System.nanoTime();
    HttpResponse<String> r = start("false").post("/api/chat", CHAT);
    long waited = (System.nanoTime() - start) / 1_000_000;
    assertThat(TestClient.json(r).path("reply").asText()).isEqualTo("after waiting");
    assertThat(router.requests()).hasSize(2);
    assertThat(waited).isGreaterThanOrEqualTo(1000);
  }

  @Test
  void exhausted429IsPassedOnWithRetryAfter() throws Exception {
    router.setDefault(FakeUpstream.hfError(429).withHeader("Retry-After", "60"));
    HttpResponse<String> r = start("false").post("/api/chat", CHAT);
    // Retry-After beyond what we wait for: no retry, the client gets the 429 and the hint.
    assertThat(r.statusCode()).isEqualTo(429);
    assertThat(r.headers().firstValue("Retry-After")).hasValue("60");
    assertThat(router.requests()).hasSize(1);
  }

  @Test
  void modelLoading503UsesEstimatedTime() throws Exception {
    router.then(FakeUpstream.hfError(503));
    router.setDefault(FakeUpstream.hfCompletion("loaded now"));
    HttpResponse<String> r = start("false").post("/api/chat", CHAT);
    assertThat(TestClient.json(r).path("reply").asText()).isEqualTo("loaded now");
    assertThat(router.requests()).hasSize(2);
  }

  @Test
  void errorInsideA200IsAnError() throws Exception {
    router.setDefault(
        FakeUpstream.Reply.json(
            200, "{\"error\":{\"message\":\"SECRET-UPSTREAM-DETAIL\",\"code\":400}}"));
    HttpResponse<String> r = start("false").post("/api/chat", CHAT);
    assertThat(r.statusCode()).isEqualTo(502);
    assertThat(r.body()).doesNotContain("SECRET-UPSTREAM-DETAIL");
  }

  @Test
  void errorStringInsideA200IsRetriedLikeAFailedGeneration() throws Exception {
    router.then(Reply200WithError.INSTANCE).then(Reply200WithError.INSTANCE);
    router.setDefault(FakeUpstream.hfCompletion("recovered"));
    HttpResponse<String> r = start("false").post("/api/chat", CHAT);
    assertThat(TestClient.json(r).path("reply").asText()).isEqualTo("recovered");
    assertThat(router.requests()).hasSize(3);
  }

  static final class Reply200WithError {
    static final FakeUpstream.Reply INSTANCE =
        FakeUpstream.Reply.json(200, "{\"error\":\"SECRET-UPSTREAM-DETAIL generation failed\"}");
  }

  @Test
  void midStreamErrorEndsTheStreamWithAnErrorEvent() throws Exception {
    router.then(FakeUpstream.hfStreamBreaking("Par", "tial"));
    HttpResponse<String> r = start("true").post("/api/chat/stream", CHAT);
    List<TestClient.Event> events = TestClient.events(r);
    assertThat(TestClient.apiText(events)).isEqualTo("Partial");
    assertThat(events.get(events.size() - 1).name()).isEqualTo("error");
    assertThat(r.body()).doesNotContain("SECRET-UPSTREAM-DETAIL");
    // Not retried once text was sent, and no fallback mixed into a half answer.
    assertThat(router.requests()).hasSize(1);
  }

  @Test
  void streamErrorBeforeAnyTextFallsBack() throws Exception {
    router.setDefault(FakeUpstream.hfStreamBreaking());
    HttpResponse<String> r = start("true").post("/api/chat/stream", CHAT);
    assertThat(r.headers().firstValue(Api.FALLBACK_HEADER)).hasValue("true");
    assertThat(r.headers().firstValue(Api.PROVIDER_HEADER)).hasValue("mock");
    assertThat(r.headers().firstValue(Api.PHASE_HEADER)).hasValue("huggingface");
    List<TestClient.Event> events = TestClient.events(r);
    assertThat(events.get(0).json().path("fallback").asBoolean()).isTrue();
    assertThat(events.get(events.size() - 1).name()).isEqualTo("done");
    assertThat(events.get(events.size() - 1).json().path("provider").asText()).isEqualTo("mock");
  }

  @Test
  void fallbackAnswersFromTheMockAndSaysSo() throws Exception {
    router.setDefault(FakeUpstream.hfError(402));
    TestClient c = start("true");
    HttpResponse<String> r = c.post("/api/chat", "{\"message\":\"ping\"}");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue(Api.FALLBACK_HEADER)).hasValue("true");
    JsonNode body = TestClient.json(r);
    assertThat(body.path("fallback").asBoolean()).isTrue();
    assertThat(body.path("provider").asText()).isEqualTo("mock");
    assertThat(r.headers().firstValue(Api.PROVIDER_HEADER)).hasValue("mock");
    assertThat(r.headers().firstValue(Api.PHASE_HEADER)).hasValue("huggingface");
    assertThat(body.path("reply").asText()).isEqualTo("pong");
    HttpResponse<String> o =
        c.post("/v1/chat/completions", "{\"messages\":[{\"role\":\"user\",\"content\":\"ping\"}]}");
    assertThat(o.statusCode()).isEqualTo(200);
    assertThat(o.headers().firstValue(Api.FALLBACK_HEADER)).hasValue("true");
    assertThat(c.get("/metrics").body())
        .contains("chatbot_fallbacks_total{provider=\"huggingface\",reason=\"402\"} 2.0")
        .contains(
            "chatbot_chat_seconds_count{outcome=\"fallback\",phase=\"huggingface\","
                + "provider=\"huggingface\"} 2");
  }

  @Test
  void timeoutIsRetriedThenReported() throws Exception {
    router.setDefault(FakeUpstream.hfCompletion("too late").delayedBy(3_000));
    HttpResponse<String> r = start("false", "timeout_seconds", "1").post("/api/chat", CHAT);
    assertThat(r.statusCode()).isEqualTo(504);
    assertThat(router.requests()).hasSize(3);
    assertThat(server.metrics().scrape())
        .contains("chatbot_upstream_errors_total{provider=\"huggingface\",status=\"timeout\"} 3.0");
  }

  @Test
  void stalledStreamTimesOut() throws Exception {
    router.setDefault(
        new FakeUpstream.Reply(
            200,
            "text/event-stream",
            Map.of(),
            List.of(FakeUpstream.hfChunk("a"), FakeUpstream.hfChunk("b"), "data: [DONE]\n\n"),
            3_000,
            0,
            null));
    TestClient c = start("false", "timeout_seconds", "1");
    HttpResponse<String> r = c.post("/api/chat/stream", CHAT);
    List<TestClient.Event> events = TestClient.events(r);
    assertThat(TestClient.apiText(events)).isEqualTo("a");
    assertThat(events.get(events.size() - 1).name()).isEqualTo("error");
    assertThat(events.get(events.size() - 1).json().path("error").asText()).contains("in time");
    assertThat(router.requests()).hasSize(1);
  }

  @Test
  void bodyStalledAfterHeadersIsATimeout() throws Exception {
    String full = FakeUpstream.hfCompletion("never complete").parts().get(0);
    router.setDefault(
        new FakeUpstream.Reply(
            200,
            "application/json",
            Map.of(),
            List.of(full.substring(0, 20), full.substring(20)),
            3_000,
            0,
            null));
    HttpResponse<String> r = start("false", "timeout_seconds", "1").post("/api/chat", CHAT);
    assertThat(r.statusCode()).isEqualTo(504);
    assertThat(router.requests()).hasSize(3);
  }

  @Test
  void streamStalledBeforeAnyTextIsATimeout() throws Exception {
    router.setDefault(FakeUpstream.hfStream("a", "b").spacedBy(3_000));
    HttpResponse<String> r = start("false", "timeout_seconds", "1").post("/api/chat/stream", CHAT);
    assertThat(r.statusCode()).isEqualTo(504);
    assertThat(router.requests()).hasSize(3);
  }

  @Test
  void circuitBreakerOpensAfterRepeatedFailures() throws Exception {
    router.setDefault(FakeUpstream.hfError(401));
    TestClient c = start("true");
    for (int i = 0; i < 5; i++) {
      assertThat(TestClient.json(c.post("/api/chat", CHAT)).path("fallback").asBoolean()).isTrue();
    }
    int before = router.requests().size();
    assertThat(before).isEqualTo(5);
    HttpResponse<String> r = c.post("/api/chat", CHAT);
    assertThat(TestClient.json(r).path("fallback").asBoolean()).isTrue();
    assertThat(router.requests()).hasSize(before); // the breaker did not call upstream
    assertThat(c.get("/metrics").body())
        .contains("chatbot_circuit_breaker_state{provider=\"huggingface\"} 1.0")
        .contains("chatbot_fallbacks_total{provider=\"huggingface\",reason=\"local_limit\"} 1.0");
  }

  @Test
  void requestsPerMinuteLimitsUpstreamCalls() throws Exception {
    TestClient c = start("false", "requests_per_minute", "2");
    assertThat(c.post("/api/chat", CHAT).statusCode()).isEqualTo(200);
    assertThat(c.post("/api/chat", CHAT).statusCode()).isEqualTo(200);
    HttpResponse<String> third = c.post("/api/chat", CHAT);
    assertThat(third.statusCode()).isEqualTo(429);
    assertThat(third.headers().firstValue("Retry-After")).isPresent();
    assertThat(router.requests()).hasSize(2);
  }

  @Test
  void readinessNeedsAToken() throws Exception {
    server =
        Servers.start(
            Servers.keys("model_provider", "huggingface", "huggingface_endpoint", router.baseUrl()),
            null);
    TestClient c = TestClient.of(server);
    HttpResponse<String> r = c.get("/readyz");
    assertThat(r.statusCode()).isEqualTo(503);
    assertThat(TestClient.json(r).path("reason").asText()).contains("HF_TOKEN");
    server.stop();
    server = null;
    assertThat(start("true").get("/readyz").statusCode()).isEqualTo(200);
  }

  @Test
  void neverLogsTheTokenOrUpstreamBodies() throws Exception {
    PrintStream original = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      router.setDefault(FakeUpstream.hfError(401));
      start("true").post("/api/chat", CHAT);
      await()
          .atMost(Duration.ofSeconds(5))
          .until(
              () -> captured.toString(StandardCharsets.UTF_8).contains("answering from the mock"));
    } finally {
      System.setErr(original);
    }
    String log = captured.toString(StandardCharsets.UTF_8);
    assertThat(log).contains("401").doesNotContain(TOKEN).doesNotContain("SECRET-UPSTREAM-DETAIL");
  }
}
