package dev.chatbot.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The packaged jar as a real process: `java -jar` answers, and SIGTERM drains without failures. */
class RuntimeProcessIT {

  @TempDir Path dir;
  private RuntimeProcess runtime;
  private Process process;

  private TestClient start(Map<String, String> env) throws Exception {
    runtime = RuntimeProcess.start(dir, env);
    process = runtime.process;
    return runtime.client();
  }

  @AfterEach
  void kill() throws Exception {
    if (runtime != null) {
      runtime.close();
    }
  }

  private String log() throws Exception {
    return runtime.log();
  }

  @Test
  void theJarRunsWithJavaDashJarAndAnswers() throws Exception {
    TestClient c = start(Map.of());
    HttpResponse<String> r = c.post("/api/chat", "{\"message\":\"ping\"}");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(TestClient.json(r).path("reply").asText()).isEqualTo("pong");
    assertThat(TestClient.json(r).path("provider").asText()).isEqualTo("mock");
  }

  @Test
  void sigtermDrainsRequestsAndStreamsThenExits() throws Exception {
    // Streams of about 15 words, 150 ms apart: each lasts about 2 s, longer than the drain.
    TestClient c =
        start(
            Map.of(
                "CHATBOT_SHUTDOWN_DRAIN_SECONDS", "2",
                "CHATBOT_SHUTDOWN_GRACE_SECONDS", "20",
                "CHATBOT_MOCK_TOKEN_DELAY_MS", "150",
                "CHATBOT_CLIENT_REQUESTS_PER_MINUTE", "0"));
    String body = "{\"message\":\"tell me something long\"}";
    List<CompletableFuture<List<TestClient.Event>>> streams = new ArrayList<>();
    AtomicInteger started = new AtomicInteger();
    for (int i = 0; i < 3; i++) {
      streams.add(stream(c, body, started));
    }
    // Requests back to back from before the signal until 1.5 s into the drain.
    AtomicBoolean stopRequests = new AtomicBoolean();
    CompletableFuture<List<Integer>> requests =
        CompletableFuture.supplyAsync(
            () -> {
              List<Integer> statuses = new ArrayList<>();
              while (!stopRequests.get()) {
                try {
                  statuses.add(c.post("/api/chat", "{\"message\":\"hello\"}").statusCode());
                } catch (Exception e) {
                  statuses.add(-1);
                }
              }
              return statuses;
            });
    await().atMost(Duration.ofSeconds(10)).until(() -> started.get() == 3);
    assertThat(streams).noneMatch(CompletableFuture::isDone);

    long signalled = System.nanoTime();
    process.destroy(); // SIGTERM
    await()
        .atMost(Duration.ofSeconds(1))
        .ignoreExceptions()
        .until(() -> c.get("/readyz").statusCode() == 503);
    // Still serving during the drain: a new stream and new requests, answered with Connection:
    // close so that kept-alive clients reconnect to a ready pod.
    streams.add(stream(c, body, started));
    HttpResponse<String> during = c.post("/api/chat", "{\"message\":\"ping\"}");
    assertThat(during.statusCode()).isEqualTo(200);
    assertThat(during.headers().firstValue("connection")).contains("close");
    await().until(() -> System.nanoTime() - signalled > 1_500_000_000L);
    stopRequests.set(true);

    List<Integer> statuses = requests.get(10, TimeUnit.SECONDS);
    assertThat(statuses).hasSizeGreaterThan(5).containsOnly(200);
    for (var s : streams) {
      List<TestClient.Event> events = s.get(30, TimeUnit.SECONDS);
      assertThat(events.get(events.size() - 1).name()).isEqualTo("done");
      assertThat(TestClient.apiText(events))
          .isEqualTo(events.get(events.size() - 1).json().path("reply").asText());
    }
    assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
    long exitedAfterMillis = (System.nanoTime() - signalled) / 1_000_000;
    assertThat(exitedAfterMillis).as("the drain period is served in full").isGreaterThan(2_000);
    assertThat(process.exitValue()).isEqualTo(143); // 128 + SIGTERM, after the shutdown hook
    assertThat(log()).contains("shutting down").doesNotContain("unfinished");
  }

  /** Reads a whole stream; {@code started} counts the streams whose first bytes arrived. */
  private static CompletableFuture<List<TestClient.Event>> stream(
      TestClient c, String body, AtomicInteger started) {
    return CompletableFuture.supplyAsync(
        () -> {
          try {
            HttpResponse<InputStream> r = c.postStream("/api/chat/stream", body);
            assertThat(r.statusCode()).isEqualTo(200);
            InputStream in =
                new FilterInputStream(r.body()) {
                  boolean first = true;

                  @Override
                  public int read(byte[] b, int off, int len) throws IOException {
                    int n = super.read(b, off, len);
                    if (first && n > 0) {
                      first = false;
                      started.incrementAndGet();
                    }
                    return n;
                  }
                };
            return TestClient.events(in);
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        });
  }
}
