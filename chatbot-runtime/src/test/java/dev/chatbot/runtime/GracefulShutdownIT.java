package dev.chatbot.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** SIGTERM handling: readiness drops, in-flight streams finish, then the server stops. */
class GracefulShutdownIT {

  @Test
  void inFlightStreamFinishesDuringShutdown() throws Exception {
    RuntimeServer server = Servers.start(Servers.keys("mock_token_delay_ms", "100"));
    TestClient c = TestClient.of(server);
    CompletableFuture<HttpResponse<String>> stream =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return c.post("/api/chat/stream", "{\"message\":\"hello\"}");
              } catch (Exception e) {
                throw new IllegalStateException(e);
              }
            });
    await().atMost(Duration.ofSeconds(5)).until(() -> server.inFlight() == 1);
    CompletableFuture<Void> stopping =
        CompletableFuture.runAsync(
            () -> server.drainAndStop(Duration.ZERO, Duration.ofSeconds(20)));
    await().atMost(Duration.ofSeconds(5)).until(() -> c.get("/readyz").statusCode() == 503);

    HttpResponse<String> r = stream.get();
    List<TestClient.Event> events = TestClient.events(r);
    assertThat(events.get(events.size() - 1).name()).isEqualTo("done");
    assertThat(TestClient.apiText(events))
        .isEqualTo(events.get(events.size() - 1).json().path("reply").asText());

    stopping.get();
    assertThatThrownBy(() -> c.get("/healthz")).isInstanceOf(java.io.IOException.class);
  }

  /** Whole answers of the mock, sent below Javalin, also ask kept-alive clients to reconnect. */
  @Test
  void instantAnswersDuringTheDrainCloseTheirConnection() throws Exception {
    RuntimeServer server =
        Servers.start(Servers.keys("mock_token_delay_ms", "0", "client_requests_per_minute", "0"));
    TestClient c = TestClient.of(server);
    String api = "{\"message\":\"ping\"}";
    String openAi = "{\"messages\":[{\"role\":\"user\",\"content\":\"ping\"}]}";
    assertThat(c.post("/api/chat", api).headers().firstValue("connection")).isEmpty();
    CompletableFuture<Void> stopping =
        CompletableFuture.runAsync(
            () -> server.drainAndStop(Duration.ofSeconds(5), Duration.ofSeconds(5)));
    await().atMost(Duration.ofSeconds(5)).until(() -> c.get("/readyz").statusCode() == 503);
    for (var call : List.of(List.of("/api/chat", api), List.of("/v1/chat/completions", openAi))) {
      HttpResponse<String> r = c.post(call.get(0), call.get(1));
      assertThat(r.statusCode()).as(call.get(0)).isEqualTo(200);
      assertThat(r.headers().firstValue("connection")).as(call.get(0)).contains("close");
    }
    stopping.get();
  }
}
