package dev.chatbot.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The frontend role: the page plus /api and /v1 proxied to the backend, streaming preserved, and
 * chat calls held through cold starts (real backend processes that start late, restart or never
 * come).
 */
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
      // Who answered, passed through from the backend.
      assertThat(r.headers().firstValue(Api.PROVIDER_HEADER)).hasValue("mock");
      assertThat(r.headers().firstValue(Api.PHASE_HEADER)).hasValue("mock");

      HttpResponse<InputStream> s = c.postStream("/api/chat/stream", "{\"message\":\"hello\"}");
      assertThat(s.headers().firstValue("Content-Type").orElse("")).startsWith("text/event-stream");
      assertThat(s.headers().firstValue(Api.PROVIDER_HEADER)).hasValue("mock");
      assertThat(s.headers().firstValue(Api.PHASE_HEADER)).hasValue("mock");
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
  void backendDownIsA502WhenHoldingIsOff() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    RuntimeServer frontend =
        Servers.start(
            Servers.keys(
                "role", "frontend",
                "backend_url", "http://127.0.0.1:" + port,
                "hold_seconds", "0"));
    try {
      HttpResponse<String> r = TestClient.of(frontend).post("/api/chat", "{\"message\":\"x\"}");
      assertThat(r.statusCode()).isEqualTo(502);
      assertThat(TestClient.json(r).path("error").asText()).contains("backend");
    } finally {
      frontend.stop();
    }
  }

  // ---- holding chat calls through cold starts (hold_seconds) ----

  private static final String CHAT = "{\"message\":\"hello\"}";
  private static final String OPENAI_STREAM =
      "{\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hello\"}]}";

  /** One call's outcome as its client saw it. */
  record Call(String kind, int status, boolean complete, long millis, String retryAfter) {}

  /** Sends one call (chat, stream or OpenAI stream) and reads it to its end. */
  static CompletableFuture<Call> call(TestClient c, String kind) {
    return CompletableFuture.supplyAsync(
        () -> {
          long start = System.nanoTime();
          try {
            HttpResponse<String> r =
                switch (kind) {
                  case "stream" -> c.post("/api/chat/stream", CHAT);
                  case "openai" -> c.post("/v1/chat/completions", OPENAI_STREAM);
                  default -> c.post("/api/chat", CHAT);
                };
            boolean complete =
                switch (kind) {
                  case "stream" -> {
                    List<TestClient.Event> e = TestClient.events(r);
                    yield !e.isEmpty() && e.get(e.size() - 1).name().equals("done");
                  }
                  case "openai" -> {
                    List<TestClient.Event> e = TestClient.events(r);
                    yield !e.isEmpty() && e.get(e.size() - 1).data().equals("[DONE]");
                  }
                  default -> TestClient.json(r) != null && TestClient.json(r).has("reply");
                };
            return new Call(
                kind,
                r.statusCode(),
                complete,
                (System.nanoTime() - start) / 1_000_000,
                r.headers().firstValue("Retry-After").orElse(null));
          } catch (Exception e) {
            return new Call(kind, -1, false, (System.nanoTime() - start) / 1_000_000, null);
          }
        },
        CALLERS);
  }

  private static final java.util.concurrent.ExecutorService CALLERS =
      java.util.concurrent.Executors.newCachedThreadPool(
          r -> {
            Thread t = new Thread(r, "test-caller");
            t.setDaemon(true);
            return t;
          });

  private static String kind(int i) {
    return switch (i % 4) {
      case 1 -> "stream";
      case 3 -> "openai";
      default -> "chat";
    };
  }

  private static RuntimeServer frontend(String backendUrl, String... extra) {
    Map<String, String> keys =
        Servers.keys(
            "role", "frontend", "backend_url", backendUrl, "client_requests_per_minute", "0");
    keys.putAll(Servers.keys(extra));
    return Servers.start(keys);
  }

  private static final Map<String, String> BACKEND_ENV =
      Map.of(
          "CHATBOT_CLIENT_REQUESTS_PER_MINUTE", "0",
          "CHATBOT_MOCK_TOKEN_DELAY_MS", "20",
          "CHATBOT_SHUTDOWN_DRAIN_SECONDS", "1",
          "CHATBOT_SHUTDOWN_GRACE_SECONDS", "10");

  private static String holdFigures(String scrape) {
    double forwarded =
        TestClient.metric(scrape, "chatbot_hold_wait_seconds_count{outcome=\"forwarded\"}");
    double sum = TestClient.metric(scrape, "chatbot_hold_wait_seconds_sum{outcome=\"forwarded\"}");
    return String.format(
        java.util.Locale.ROOT,
        "held %.0f, forwarded after holding %.0f (mean wait %.0f ms), given up %.0f",
        TestClient.metric(scrape, "chatbot_held_requests_total"),
        forwarded,
        forwarded == 0 ? 0 : sum * 1000 / forwarded,
        TestClient.metric(scrape, "chatbot_hold_given_up_total{reason=\"timeout\"}")
            + TestClient.metric(scrape, "chatbot_hold_given_up_total{reason=\"queue_full\"}"));
  }

  /**
   * The backend starts 31 s after the calls arrived: longer than Jetty's default idle timeout,
   * which cut queued calls with a 408 before the runtime raised it.
   */
  @Test
  void holdsChatsAndStreamsWithoutAThreadEachUntilALateBackendStarts(@TempDir Path dir)
      throws Exception {
    int port = RuntimeProcess.freePort();
    // Four chat slots and 24 calls: four retry in their slot, twenty wait in the queue.
    RuntimeServer frontend =
        frontend("http://127.0.0.1:" + port, "hold_seconds", "120", "max_concurrent_chats", "4");
    RuntimeProcess backend = null;
    try {
      TestClient c = TestClient.of(frontend).withTimeout(Duration.ofSeconds(150));
      int idleThreads = frontend.busyThreads();
      long arrived = System.nanoTime();
      List<CompletableFuture<Call>> calls = new ArrayList<>();
      for (int i = 0; i < 24; i++) {
        calls.add(call(c, kind(i)));
      }
      await()
          .atMost(Duration.ofSeconds(20))
          .until(() -> TestClient.metric(c.get("/metrics").body(), "chatbot_held_waiting") == 24);
      // Held calls hold no server thread: the busy ones are the acceptor and selector.
      int heldThreads = frontend.busyThreads();
      assertThat(heldThreads).isLessThanOrEqualTo(idleThreads + 1);
      assertThat(c.get("/healthz").statusCode()).isEqualTo(200);
      await()
          .atMost(Duration.ofSeconds(60))
          .until(() -> System.nanoTime() - arrived > TimeUnit.SECONDS.toNanos(31));
      assertThat(calls).noneMatch(CompletableFuture::isDone);
      assertThat(frontend.busyThreads()).isLessThanOrEqualTo(idleThreads + 1);

      long launched = System.nanoTime();
      backend = RuntimeProcess.launch(dir, port, BACKEND_ENV, "backend.log");
      List<Call> results = new ArrayList<>();
      for (var f : calls) {
        results.add(f.get(150, TimeUnit.SECONDS));
      }
      long served = (System.nanoTime() - launched) / 1_000_000;
      assertThat(results).allSatisfy(r -> assertThat(r.status()).isEqualTo(200));
      assertThat(results).allMatch(Call::complete);
      String scrape = c.get("/metrics").body();
      assertThat(TestClient.metric(scrape, "chatbot_held_requests_total")).isEqualTo(24);
      assertThat(
              TestClient.metric(scrape, "chatbot_hold_wait_seconds_count{outcome=\"forwarded\"}"))
          .isEqualTo(24);
      assertThat(TestClient.metric(scrape, "chatbot_backend_reachable")).isEqualTo(1);
      long longest = results.stream().mapToLong(Call::millis).max().orElseThrow();
      System.out.printf(
          "late backend: 24 calls (12 chats, 6 streams, 6 OpenAI streams) held, server threads"
              + " busy %d idle / %d while holding; backend process launched after 31 s, all"
              + " answered %d ms later; %s; longest call %d ms%n",
          idleThreads, heldThreads, served, holdFigures(scrape), longest);
    } finally {
      frontend.stop();
      if (backend != null) {
        backend.close();
      }
    }
  }

  @Test
  void holdsCallsThroughABackendRestartUnderLoad(@TempDir Path dir) throws Exception {
    try (ServiceProxy service = new ServiceProxy();
        RuntimeProcess first = RuntimeProcess.start(dir, BACKEND_ENV)) {
      service.endpoint(first.port);
      RuntimeServer frontend =
          frontend("http://127.0.0.1:" + service.port(), "hold_seconds", "120");
      RuntimeProcess second = null;
      try {
        TestClient c = TestClient.of(frontend).withTimeout(Duration.ofSeconds(150));
        AtomicBoolean stop = new AtomicBoolean();
        List<CompletableFuture<List<Call>>> loops = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
          String kind = kind(i);
          loops.add(
              CompletableFuture.supplyAsync(
                  () -> {
                    List<Call> done = new ArrayList<>();
                    while (!stop.get()) {
                      done.add(call(c, kind).join());
                    }
                    return done;
                  },
                  CALLERS));
        }
        await().pollDelay(Duration.ofSeconds(1)).until(() -> true);
        // A Recreate rollout: the old pod leaves the Service and gets SIGTERM; the new one
        // starts and joins the Service once ready.
        service.endpoint(-1);
        long gone = System.nanoTime();
        first.process.destroy();
        int port = RuntimeProcess.freePort();
        second = RuntimeProcess.launch(dir, port, BACKEND_ENV, "second.log");
        second.awaitReady();
        service.endpoint(port);
        long back = (System.nanoTime() - gone) / 1_000_000;
        await().pollDelay(Duration.ofSeconds(1)).until(() -> true);
        stop.set(true);
        List<Call> all = new ArrayList<>();
        for (var l : loops) {
          all.addAll(l.get(60, TimeUnit.SECONDS));
        }
        assertThat(first.process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        List<Call> failed = all.stream().filter(r -> r.status() != 200 || !r.complete()).toList();
        String scrape = c.get("/metrics").body();
        long longest = all.stream().mapToLong(Call::millis).max().orElseThrow();
        System.out.printf(
            "backend restart under load (6 clients: 3 chat, 2 stream, 1 OpenAI stream): %d"
                + " calls, %d failed; no backend for %d ms; %s; longest call %d ms%n",
            all.size(), failed.size(), back, holdFigures(scrape), longest);
        assertThat(failed).isEmpty();
        assertThat(TestClient.metric(scrape, "chatbot_held_requests_total")).isPositive();
        assertThat(longest).isGreaterThanOrEqualTo(back / 2);
      } finally {
        frontend.stop();
        if (second != null) {
          second.close();
        }
      }
    }
  }

  @Test
  void givesUpWith503AndRetryAfterWhenTheBackendNeverComes() throws Exception {
    int port = RuntimeProcess.freePort();
    RuntimeServer frontend = frontend("http://127.0.0.1:" + port, "hold_seconds", "2");
    try {
      TestClient c = TestClient.of(frontend);
      List<CompletableFuture<Call>> calls = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        calls.add(call(c, kind(i)));
      }
      List<Call> results = new ArrayList<>();
      for (var f : calls) {
        results.add(f.get(30, TimeUnit.SECONDS));
      }
      assertThat(results)
          .allSatisfy(
              r -> {
                assertThat(r.status()).isEqualTo(503);
                assertThat(r.retryAfter()).isEqualTo("5");
                assertThat(r.millis()).isBetween(1_900L, 6_000L);
              });
      HttpResponse<String> openAi = c.post("/v1/chat/completions", OPENAI_STREAM);
      assertThat(TestClient.json(openAi).path("error").path("message").asText())
          .contains("not available");
      HttpResponse<String> chat = c.post("/api/chat", CHAT);
      assertThat(TestClient.json(chat).path("status").asInt()).isEqualTo(503);
      String scrape = c.get("/metrics").body();
      assertThat(TestClient.metric(scrape, "chatbot_hold_given_up_total{reason=\"timeout\"}"))
          .isEqualTo(10);
      assertThat(TestClient.metric(scrape, "chatbot_backend_reachable")).isZero();
      System.out.printf(
          "backend never comes (hold_seconds 2): 10 calls answered 503 after %d-%d ms; %s%n",
          results.stream().mapToLong(Call::millis).min().orElseThrow(),
          results.stream().mapToLong(Call::millis).max().orElseThrow(),
          holdFigures(scrape));
    } finally {
      frontend.stop();
    }
  }

  /**
   * A connect that never completes (a Service whose rules still point at a deleted pod, found by
   * HoldE2E on real pods): the hold still ends after hold_seconds, not after the HTTP client's
   * connect timeout. Here a server that never accepts and whose backlog is full drops the SYNs.
   */
  @Test
  void givesUpOnTimeWhenConnectsToTheBackendHang() throws Exception {
    try (ServerSocket full = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress());
        java.net.Socket a = new java.net.Socket("127.0.0.1", full.getLocalPort());
        java.net.Socket b = new java.net.Socket("127.0.0.1", full.getLocalPort())) {
      RuntimeServer frontend =
          frontend("http://127.0.0.1:" + full.getLocalPort(), "hold_seconds", "2");
      try {
        TestClient c = TestClient.of(frontend);
        List<CompletableFuture<Call>> calls = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
          calls.add(call(c, kind(i)));
        }
        for (var f : calls) {
          Call r = f.get(30, TimeUnit.SECONDS);
          assertThat(r.status()).as(r.kind()).isEqualTo(503);
          assertThat(r.retryAfter()).isEqualTo("5");
          // hold_seconds plus at most one connect attempt (1 s), not the 10 s connect timeout.
          assertThat(r.millis()).as(r.kind()).isBetween(1_900L, 4_500L);
        }
      } finally {
        frontend.stop();
      }
    }
  }

  @Test
  void aFullQueueOfHeldCallsAnswers429WithRetryAfter() throws Exception {
    int port = RuntimeProcess.freePort();
    RuntimeServer frontend =
        frontend(
            "http://127.0.0.1:" + port,
            "hold_seconds",
            "3",
            "max_concurrent_chats",
            "1",
            "max_queued_chats",
            "2");
    try {
      TestClient c = TestClient.of(frontend);
      List<CompletableFuture<Call>> held = new ArrayList<>();
      held.add(call(c, "chat"));
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> TestClient.metric(c.get("/metrics").body(), "chatbot_held_waiting") == 1);
      held.add(call(c, "stream"));
      held.add(call(c, "chat"));
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> TestClient.metric(c.get("/metrics").body(), "chatbot_held_waiting") == 3);
      HttpResponse<String> full = c.post("/api/chat", CHAT);
      assertThat(full.statusCode()).isEqualTo(429);
      assertThat(full.headers().firstValue("Retry-After")).hasValue("5");
      assertThat(TestClient.json(full).path("error").asText()).contains("waiting");
      for (var f : held) {
        assertThat(f.get(30, TimeUnit.SECONDS).status()).isEqualTo(503);
      }
      assertThat(
              TestClient.metric(
                  c.get("/metrics").body(), "chatbot_hold_given_up_total{reason=\"queue_full\"}"))
          .isEqualTo(1);
    } finally {
      frontend.stop();
    }
  }

  @Test
  void a503WithRetryAfterFromTheRuntimeIsPassedOnNotHeld() throws Exception {
    RuntimeServer backend =
        Servers.start(Servers.keys("mock_loading_rate", "1", "client_requests_per_minute", "0"));
    RuntimeServer frontend = frontend("http://127.0.0.1:" + backend.port(), "hold_seconds", "30");
    try {
      TestClient c = TestClient.of(frontend);
      long start = System.nanoTime();
      HttpResponse<String> r = c.post("/api/chat", CHAT);
      assertThat(r.statusCode()).isEqualTo(503);
      assertThat(r.headers().firstValue("Retry-After")).hasValue("1");
      assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(5_000);
      assertThat(TestClient.metric(c.get("/metrics").body(), "chatbot_held_requests_total"))
          .isZero();
    } finally {
      frontend.stop();
      backend.stop();
    }
  }

  /**
   * A backend in miniature: answers 503 without Retry-After (nothing behind the Service) twice,
   * then starts a stream and dies midway. The stream reaches the client and is not replayed.
   */
  @Test
  void heldThroughBare503sAndAStartedStreamIsNeverReplayed() throws Exception {
    AtomicInteger connections = new AtomicInteger();
    try (ServerSocket raw = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
      Thread server =
          new Thread(
              () -> {
                while (!raw.isClosed()) {
                  try (java.net.Socket s = raw.accept()) {
                    int n = connections.incrementAndGet();
                    readRequest(s.getInputStream());
                    java.io.OutputStream out = s.getOutputStream();
                    if (n <= 2) {
                      out.write(
                          ("HTTP/1.1 503 Service Unavailable\r\nContent-Length: 19\r\n"
                                  + "Connection: close\r\n\r\nno healthy upstream")
                              .getBytes(StandardCharsets.US_ASCII));
                    } else {
                      out.write(
                          ("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
                                  + "Connection: close\r\n\r\nevent: meta\ndata: {}\n\n"
                                  + "event: delta\ndata: {\"content\":\"Half\"}\n\n")
                              .getBytes(StandardCharsets.US_ASCII));
                    }
                    out.flush();
                  } catch (IOException e) {
                    // closed
                  }
                }
              });
      server.setDaemon(true);
      server.start();
      RuntimeServer frontend =
          frontend("http://127.0.0.1:" + raw.getLocalPort(), "hold_seconds", "10");
      try {
        HttpResponse<String> r = TestClient.of(frontend).post("/api/chat/stream", CHAT);
        assertThat(r.statusCode()).isEqualTo(200);
        List<TestClient.Event> events = TestClient.events(r);
        assertThat(TestClient.apiText(events)).isEqualTo("Half");
        assertThat(events).noneMatch(e -> e.name().equals("done"));
        await().pollDelay(Duration.ofMillis(1500)).until(() -> true);
        assertThat(connections.get()).isEqualTo(3);
      } finally {
        frontend.stop();
      }
    }
  }

  private static void readRequest(InputStream in) throws IOException {
    java.io.ByteArrayOutputStream head = new java.io.ByteArrayOutputStream();
    int b;
    while ((b = in.read()) >= 0) {
      head.write(b);
      String h = head.toString(StandardCharsets.US_ASCII);
      if (h.endsWith("\r\n\r\n")) {
        int at = h.toLowerCase(java.util.Locale.ROOT).indexOf("content-length:");
        int length =
            at < 0 ? 0 : Integer.parseInt(h.substring(at + 15, h.indexOf("\r\n", at)).strip());
        in.readNBytes(length);
        return;
      }
    }
  }
}
