package dev.chatbot.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The mock as an inference simulator (docs/mock-simulator.md): time to first token, tokens per
 * second, answer length and max_tokens on both wire formats of the backend, and the mock standing
 * in for the Hugging Face router behind the real huggingface provider.
 */
class MockSimulatorIT {

  private static final String OPENAI =
      "{\"messages\":[{\"role\":\"user\",\"content\":\"hello\"}]%s}";

  private static String openAi(boolean stream) {
    return String.format(OPENAI, stream ? ",\"stream\":true" : "");
  }

  @Test
  void timeToFirstTokenTokensPerSecondAndLengthShapeEveryAnswer() throws Exception {
    RuntimeServer s =
        Servers.start(
            Servers.keys(
                "mock_latency_ms", "400",
                "mock_tokens_per_second", "25",
                "mock_answer_tokens", "30",
                "client_requests_per_minute", "0"));
    try {
      TestClient c = TestClient.of(s);
      long sent = System.nanoTime();
      HttpResponse<InputStream> r = c.postStream("/v1/chat/completions", openAi(true));
      List<TestClient.Event> events = TestClient.events(r.body());
      List<TestClient.Event> tokens =
          events.stream()
              .filter(e -> !e.data().equals("[DONE]"))
              .filter(
                  e ->
                      !e.json()
                          .path("choices")
                          .path(0)
                          .path("delta")
                          .path("content")
                          .asText("")
                          .isEmpty())
              .toList();
      assertThat(tokens).hasSize(30);
      long ttft = (tokens.get(0).arrivedNanos() - sent) / 1_000_000;
      long spread = (tokens.get(29).arrivedNanos() - tokens.get(0).arrivedNanos()) / 1_000_000;
      assertThat(ttft).isGreaterThanOrEqualTo(400);
      // The server emits token i at first + i * 40 ms; arrivals here may jitter a little.
      assertThat(spread).isBetween(29L * 40 - 50, 29L * 40 + 1_500);
      assertThat(events.get(events.size() - 1).data()).isEqualTo("[DONE]");

      long start = System.nanoTime();
      JsonNode whole = TestClient.json(c.post("/v1/chat/completions", openAi(false)));
      long wholeMillis = (System.nanoTime() - start) / 1_000_000;
      assertThat(whole.path("usage").path("completion_tokens").asInt()).isEqualTo(30);
      assertThat(whole.path("choices").path(0).path("message").path("content").asText().split(" "))
          .hasSize(30);
      // A model server sends a whole answer once it generated every token.
      assertThat(wholeMillis).isGreaterThanOrEqualTo(400 + 29 * 40);

      HttpResponse<String> api = c.post("/api/chat/stream", "{\"message\":\"hello\"}");
      assertThat(TestClient.events(api).stream().filter(e -> e.name().equals("delta"))).hasSize(30);
      System.out.printf(
          "simulator: TTFT %d ms (set 400), 30 tokens streamed over %d ms (set 25/s: 1160 ms),"
              + " whole answer in %d ms%n",
          ttft, spread, wholeMillis);
    } finally {
      s.stop();
    }
  }

  @Test
  void maxTokensCutsTheAnswerWithFinishReasonLength() throws Exception {
    RuntimeServer s =
        Servers.start(
            Servers.keys(
                "mock_answer_tokens", "50",
                "max_tokens", "10",
                "mock_token_delay_ms", "0",
                "client_requests_per_minute", "0"));
    try {
      TestClient c = TestClient.of(s);
      JsonNode whole = TestClient.json(c.post("/v1/chat/completions", openAi(false)));
      assertThat(whole.path("usage").path("completion_tokens").asInt()).isEqualTo(10);
      assertThat(whole.path("choices").path(0).path("finish_reason").asText()).isEqualTo("length");
      List<TestClient.Event> events =
          TestClient.events(c.post("/v1/chat/completions", openAi(true)));
      assertThat(
              events
                  .get(events.size() - 2)
                  .json()
                  .path("choices")
                  .path(0)
                  .path("finish_reason")
                  .asText())
          .isEqualTo("length");
    } finally {
      s.stop();
    }
  }

  /** The real huggingface provider against the mock standing in for the router. */
  @Test
  void standsInForTheHuggingFaceRouter() throws Exception {
    RuntimeServer router =
        Servers.start(
            Servers.keys(
                "mock_answer_tokens", "12",
                "mock_latency_ms", "200",
                "mock_token_delay_ms", "10",
                "client_requests_per_minute", "0"));
    RuntimeServer backend =
        Servers.start(
            Servers.keys(
                "model_provider", "huggingface",
                "model", "meta-llama/Llama-3.1-8B-Instruct",
                "huggingface_endpoint", "http://127.0.0.1:" + router.port() + "/v1",
                "fallback_to_mock", "false",
                "client_requests_per_minute", "0"),
            "hf_simulated");
    try {
      TestClient c = TestClient.of(backend);
      long start = System.nanoTime();
      JsonNode answer = TestClient.json(c.post("/api/chat", "{\"message\":\"hello\"}"));
      assertThat((System.nanoTime() - start) / 1_000_000).isGreaterThanOrEqualTo(200);
      assertThat(answer.path("provider").asText()).isEqualTo("huggingface");
      assertThat(answer.path("fallback").asBoolean()).isFalse();
      assertThat(answer.path("reply").asText().split(" ")).hasSize(12);
      List<TestClient.Event> events =
          TestClient.events(c.post("/api/chat/stream", "{\"message\":\"hello\"}"));
      assertThat(events.stream().filter(e -> e.name().equals("delta"))).hasSize(12);
      assertThat(events.get(events.size() - 1).name()).isEqualTo("done");
    } finally {
      backend.stop();
      router.stop();
    }
  }

  @Test
  void theRoutersInjected429sAndErrorsReachTheProviderLikeTheRealOnes() throws Exception {
    RuntimeServer limited =
        Servers.start(
            Servers.keys(
                "mock_rate_limit_rate", "1",
                "mock_retry_after_seconds", "1",
                "client_requests_per_minute", "0"));
    RuntimeServer failing =
        Servers.start(Servers.keys("mock_error_rate", "1", "client_requests_per_minute", "0"));
    RuntimeServer viaLimited = huggingFaceAt(limited);
    RuntimeServer viaFailing = huggingFaceAt(failing);
    try {
      long start = System.nanoTime();
      HttpResponse<String> r = TestClient.of(viaLimited).post("/api/chat", "{\"message\":\"x\"}");
      long millis = (System.nanoTime() - start) / 1_000_000;
      assertThat(r.statusCode()).isEqualTo(429);
      assertThat(r.headers().firstValue("Retry-After")).isPresent();
      assertThat(millis).as("two waits of Retry-After: 1").isGreaterThanOrEqualTo(2_000);
      assertThat(
              TestClient.metric(
                  TestClient.of(limited).get("/metrics").body(),
                  "chatbot_http_requests_seconds_count{method=\"POST\",route=\"/v1/chat/completions\",status=\"429\"}"))
          .isEqualTo(3);

      HttpResponse<String> e = TestClient.of(viaFailing).post("/api/chat", "{\"message\":\"x\"}");
      assertThat(e.statusCode()).isEqualTo(502);
      assertThat(
              TestClient.metric(
                  TestClient.of(failing).get("/metrics").body(),
                  "chatbot_http_requests_seconds_count{method=\"POST\",route=\"/v1/chat/completions\",status=\"500\"}"))
          .isEqualTo(3);
    } finally {
      viaLimited.stop();
      viaFailing.stop();
      limited.stop();
      failing.stop();
    }
  }

  private static RuntimeServer huggingFaceAt(RuntimeServer router) {
    return Servers.start(
        Servers.keys(
            "model_provider", "huggingface",
            "huggingface_endpoint", "http://127.0.0.1:" + router.port() + "/v1",
            "fallback_to_mock", "false",
            "client_requests_per_minute", "0"),
        "hf_simulated");
  }
}
