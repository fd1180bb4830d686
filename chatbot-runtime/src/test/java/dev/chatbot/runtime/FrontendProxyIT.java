package dev.chatbot.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The frontend role: the page plus /api and /v1 proxied to the backend, streaming preserved. */
class FrontendProxyIT {

  @Test
  void proxiesChatAndKeepsStreaming() throws Exception {
    RuntimeServer backend =
        Servers.start(
            Servers.keys("mock_token_delay_ms", "120", "client_requests_per_minute", "0"));
    RuntimeServer frontend =
        Servers.start(
            Servers.keys(
                "role", "frontend",
                "backend_url", "http://127.0.0.1:" + backend.port(),
                "client_requests_per_minute", "0"));
    try {
      TestClient c = TestClient.of(frontend);
      HttpResponse<String> page = c.get("/");
      assertThat(page.body()).contains("<title>Chatbot</title>");

      HttpResponse<String> r = c.post("/api/chat", "{\"message\":\"ping\"}");
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(TestClient.json(r).path("reply").asText()).isEqualTo("pong");

      HttpResponse<InputStream> s = c.postStream("/api/chat/stream", "{\"message\":\"hello\"}");
      assertThat(s.headers().firstValue("Content-Type").orElse("")).startsWith("text/event-stream");
      List<TestClient.Event> events = TestClient.events(s.body());
      List<TestClient.Event> deltas =
          events.stream().filter(e -> e.name().equals("delta")).toList();
      assertThat(deltas.size()).isGreaterThan(5);
      long spreadMillis =
          (deltas.get(deltas.size() - 1).arrivedNanos() - deltas.get(0).arrivedNanos()) / 1_000_000;
      // Deltas are 120 ms apart at the backend; a buffering proxy would deliver them together.
      assertThat(spreadMillis).isGreaterThan(120L * (deltas.size() - 2));

      HttpResponse<String> models = c.get("/v1/models");
      assertThat(TestClient.json(models).path("data").path(0).path("id").asText())
          .isEqualTo("mock-1");
      HttpResponse<String> bad = c.post("/v1/chat/completions", "{}");
      assertThat(bad.statusCode()).isEqualTo(400);
      assertThat(TestClient.json(bad).path("error").path("type").asText())
          .isEqualTo("invalid_request_error");
    } finally {
      frontend.stop();
      backend.stop();
    }
  }

  @Test
  void passesFallbackHeaderAndRetryAfter() throws Exception {
    RuntimeServer backend =
        Servers.start(
            Servers.keys(
                "mock_rate_limit_rate",
                "1",
                "mock_retry_after_seconds",
                "9",
                "client_requests_per_minute",
                "0"));
    RuntimeServer frontend =
        Servers.start(
            Servers.keys("role", "frontend", "backend_url", "http://127.0.0.1:" + backend.port()));
    try {
      HttpResponse<String> r = TestClient.of(frontend).post("/api/chat", "{\"message\":\"x\"}");
      assertThat(r.statusCode()).isEqualTo(429);
      assertThat(r.headers().firstValue("Retry-After")).hasValue("9");
    } finally {
      frontend.stop();
      backend.stop();
    }
  }

  @Test
  void backendDownIsA502() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    RuntimeServer frontend =
        Servers.start(Servers.keys("role", "frontend", "backend_url", "http://127.0.0.1:" + port));
    try {
      HttpResponse<String> r = TestClient.of(frontend).post("/api/chat", "{\"message\":\"x\"}");
      assertThat(r.statusCode()).isEqualTo(502);
      assertThat(TestClient.json(r).path("error").asText()).contains("backend");
    } finally {
      frontend.stop();
    }
  }
}
