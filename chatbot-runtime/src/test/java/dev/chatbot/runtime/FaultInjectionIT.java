package dev.chatbot.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Mock fault injection and the per-client rate limit, as clients see them. */
class FaultInjectionIT {

  @Test
  void injected429CarriesRetryAfter() throws Exception {
    RuntimeServer s =
        Servers.start(Servers.keys("mock_rate_limit_rate", "1", "mock_retry_after_seconds", "7"));
    try {
      HttpResponse<String> r = TestClient.of(s).post("/api/chat", "{\"message\":\"hi\"}");
      assertThat(r.statusCode()).isEqualTo(429);
      assertThat(r.headers().firstValue("Retry-After")).hasValue("7");
      assertThat(TestClient.json(r).path("error").asText()).contains("429");
      HttpResponse<String> o =
          TestClient.of(s)
              .post(
                  "/v1/chat/completions", "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}");
      assertThat(o.statusCode()).isEqualTo(429);
      assertThat(TestClient.json(o).path("error").path("type").asText())
          .isEqualTo("rate_limit_error");
      assertThat(TestClient.of(s).get("/metrics").body())
          .contains("chatbot_upstream_errors_total{provider=\"mock\",status=\"429\"}");
    } finally {
      s.stop();
    }
  }

  @Test
  void injectedLoadingAndErrors() throws Exception {
    RuntimeServer loading = Servers.start(Servers.keys("mock_loading_rate", "1"));
    RuntimeServer failing = Servers.start(Servers.keys("mock_error_rate", "1"));
    try {
      HttpResponse<String> r = TestClient.of(loading).post("/api/chat", "{\"message\":\"hi\"}");
      assertThat(r.statusCode()).isEqualTo(503);
      assertThat(r.headers().firstValue("Retry-After")).hasValue("1");
      HttpResponse<String> e =
          TestClient.of(failing).post("/api/chat/stream", "{\"message\":\"hi\"}");
      assertThat(e.statusCode()).isEqualTo(500);
      assertThat(TestClient.json(e).path("error").asText()).contains("injected");
    } finally {
      loading.stop();
      failing.stop();
    }
  }

  @Test
  void injectedStreamBreakStopsMidway() throws Exception {
    RuntimeServer s =
        Servers.start(Servers.keys("mock_break_stream_rate", "1", "mock_token_delay_ms", "0"));
    try {
      HttpResponse<String> r = TestClient.of(s).post("/api/chat/stream", "{\"message\":\"hello\"}");
      assertThat(r.statusCode()).isEqualTo(200);
      List<TestClient.Event> events = TestClient.events(r);
      assertThat(events.stream().filter(e -> e.name().equals("delta")).count()).isPositive();
      assertThat(events.get(events.size() - 1).name()).isEqualTo("error");
      assertThat(events).noneMatch(e -> e.name().equals("done"));

      HttpResponse<String> o =
          TestClient.of(s)
              .post(
                  "/v1/chat/completions",
                  "{\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hello\"}]}");
      List<TestClient.Event> chunks = TestClient.events(o);
      assertThat(chunks).noneMatch(e -> e.data().equals("[DONE]"));
      assertThat(chunks.get(chunks.size() - 1).json().path("error").path("message").asText())
          .contains("midway");
    } finally {
      s.stop();
    }
  }

  @Test
  void latencyIsInjected() throws Exception {
    RuntimeServer s = Servers.start(Servers.keys("mock_latency_ms", "300"));
    try {
      long start = System.nanoTime();
      assertThat(TestClient.of(s).post("/api/chat", "{\"message\":\"ping\"}").statusCode())
          .isEqualTo(200);
      assertThat((System.nanoTime() - start) / 1_000_000).isGreaterThanOrEqualTo(300);
    } finally {
      s.stop();
    }
  }

  @Test
  void perClientRateLimitAnswers429WithRetryAfter() throws Exception {
    RuntimeServer s = Servers.start(Servers.keys("client_requests_per_minute", "3"));
    try {
      TestClient c = TestClient.of(s);
      for (int i = 0; i < 3; i++) {
        assertThat(c.post("/api/chat", "{\"message\":\"ping\"}").statusCode()).isEqualTo(200);
      }
      HttpResponse<String> limited = c.post("/api/chat", "{\"message\":\"ping\"}");
      assertThat(limited.statusCode()).isEqualTo(429);
      long retryAfter = Long.parseLong(limited.headers().firstValue("Retry-After").orElseThrow());
      assertThat(retryAfter).isBetween(1L, 60L);
      // Probes are not limited.
      assertThat(c.get("/healthz").statusCode()).isEqualTo(200);
      assertThat(c.get("/metrics").body()).contains("chatbot_rate_limited_total{scope=\"client\"}");
    } finally {
      s.stop();
    }
  }
}
