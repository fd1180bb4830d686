package dev.chatbot.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** Admission control: a bounded number of running chats, a bounded queue, 503 beyond it. */
class AdmissionIT {

  private static CompletableFuture<HttpResponse<String>> chat(TestClient c, String path) {
    return CompletableFuture.supplyAsync(
        () -> {
          try {
            return c.post(path, "{\"message\":\"hello\"}");
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        });
  }

  @Test
  void queuesThenShedsWithRetryAfterWhileProbesStillAnswer() throws Exception {
    RuntimeServer server =
        Servers.start(
            Servers.keys(
                "mock_latency_ms", "1500",
                "max_concurrent_chats", "1",
                "max_queued_chats", "1",
                "client_requests_per_minute", "0"));
    try {
      TestClient c = TestClient.of(server);
      var running = chat(c, "/api/chat");
      await().atMost(Duration.ofSeconds(5)).until(() -> server.inFlight() == 1);
      var queued = chat(c, "/api/chat");
      await().atMost(Duration.ofSeconds(5)).until(() -> server.pending() == 2);

      HttpResponse<String> shed = c.post("/api/chat", "{\"message\":\"hello\"}");
      assertThat(shed.statusCode()).isEqualTo(503);
      assertThat(shed.headers().firstValue("Retry-After")).contains("1");
      assertThat(TestClient.json(shed).path("status").asInt()).isEqualTo(503);
      assertThat(TestClient.json(shed).path("error").asText()).contains("overloaded");
      HttpResponse<String> shedOpenAi =
          c.post("/v1/chat/completions", "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}");
      assertThat(shedOpenAi.statusCode()).isEqualTo(503);
      assertThat(TestClient.json(shedOpenAi).path("error").path("type").asText())
          .isEqualTo("api_error");

      // Probes and metrics never wait behind chats.
      assertThat(c.get("/healthz").statusCode()).isEqualTo(200);
      assertThat(c.get("/readyz").statusCode()).isEqualTo(200);
      assertThat(c.get("/metrics").body())
          .contains("chatbot_shed_total{reason=\"queue_full\"} 2.0")
          .contains("chatbot_queued_chats 1.0");

      assertThat(running.get().statusCode()).isEqualTo(200);
      assertThat(queued.get().statusCode()).isEqualTo(200);
      assertThat(server.pending()).isZero();
    } finally {
      server.stop();
    }
  }

  @Test
  void aCallQueuedLongerThanTheQueueTimeoutIsShed() throws Exception {
    RuntimeServer server =
        Servers.start(
            Servers.keys(
                "mock_latency_ms", "4000",
                "max_concurrent_chats", "1",
                "queue_timeout_seconds", "1",
                "client_requests_per_minute", "0"));
    try {
      TestClient c = TestClient.of(server);
      var running = chat(c, "/api/chat");
      await().atMost(Duration.ofSeconds(5)).until(() -> server.inFlight() == 1);
      long start = System.nanoTime();
      HttpResponse<String> waited = c.post("/api/chat", "{\"message\":\"hello\"}");
      long waitedMillis = (System.nanoTime() - start) / 1_000_000;
      assertThat(waited.statusCode()).isEqualTo(503);
      assertThat(waited.headers().firstValue("Retry-After")).contains("1");
      assertThat(waitedMillis).isBetween(900L, 3500L);
      assertThat(c.get("/metrics").body())
          .contains("chatbot_shed_total{reason=\"queue_timeout\"} 1.0");
      assertThat(running.get().statusCode()).isEqualTo(200);
    } finally {
      server.stop();
    }
  }
}
