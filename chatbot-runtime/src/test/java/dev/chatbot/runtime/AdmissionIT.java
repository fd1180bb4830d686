package dev.chatbot.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** Admission control: a bounded number of running chats, a bounded queue, 503 beyond it. */
class AdmissionIT {

  private static final String HELLO = "{\"message\":\"hello\"}";

  /** A chat body both wire formats accept. */
  private static final String MESSAGES =
      "{\"messages\":[{\"role\":\"user\",\"content\":\"hello\"}]}";

  /** Answers that wait for {@link #release} and count how many are being computed at once. */
  private static final class Gauge implements Provider {
    final boolean instant;
    volatile CountDownLatch release = new CountDownLatch(1);
    final AtomicInteger computing = new AtomicInteger();
    final AtomicInteger most = new AtomicInteger();
    final Set<String> threads = ConcurrentHashMap.newKeySet();

    Gauge(boolean instant) {
      this.instant = instant;
    }

    @Override
    public String name() {
      return "mock";
    }

    @Override
    public String model() {
      return "gauge";
    }

    @Override
    public boolean instant() {
      return instant;
    }

    @Override
    public boolean ready() {
      return true;
    }

    @Override
    public Completion complete(List<Message> messages) {
      most.accumulateAndGet(computing.incrementAndGet(), Math::max);
      threads.add(Thread.currentThread().getName());
      try {
        release.await(20, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } finally {
        computing.decrementAndGet();
      }
      return new Completion("answer", 1, 1, "stop");
    }

    @Override
    public Completion stream(List<Message> messages, Consumer<String> onDelta) {
      throw new UnsupportedOperationException();
    }
  }

  /** Sends {@code calls} whole-answer chats, half in each wire format. */
  private static List<CompletableFuture<HttpResponse<String>>> wholeAnswers(
      RuntimeServer server, int calls) {
    TestClient c = TestClient.of(server);
    List<CompletableFuture<HttpResponse<String>>> out = new ArrayList<>();
    for (int i = 0; i < calls; i++) {
      out.add(c.postAsync(i % 2 == 0 ? "/api/chat" : "/v1/chat/completions", MESSAGES));
    }
    return out;
  }

  /** Lets the gauge's answers go: every call is answered 200, and nothing stays pending. */
  private static void releaseAndAnswerAll(
      Gauge gauge, RuntimeServer server, List<CompletableFuture<HttpResponse<String>>> calls)
      throws Exception {
    gauge.release.countDown();
    for (var call : calls) {
      assertThat(call.get(20, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
    }
    await().atMost(Duration.ofSeconds(5)).until(() -> server.pending() == 0);
  }

  /** A call shed for overload: 503, Retry-After: 1, the error body of its wire format. */
  private static void assertShed(HttpResponse<String> shed) {
    assertThat(shed.statusCode()).isEqualTo(503);
    assertThat(shed.headers().firstValue("Retry-After")).contains("1");
    var body = TestClient.json(shed);
    if (shed.uri().getPath().startsWith("/v1/")) {
      assertThat(body.path("error").path("type").asText()).isEqualTo("api_error");
      assertThat(body.path("error").path("message").asText()).contains("overloaded");
    } else {
      assertThat(body.path("status").asInt()).isEqualTo(503);
      assertThat(body.path("error").asText()).contains("overloaded");
    }
  }

  /** A call in each wire format, both shed. */
  private static void assertBothShed(TestClient c) throws Exception {
    assertShed(c.post("/api/chat", MESSAGES));
    assertShed(c.post("/v1/chat/completions", MESSAGES));
  }

  private static RuntimeServer start(Provider provider, String... keys) {
    var config = Servers.keys(keys);
    config.put("client_requests_per_minute", "0");
    return new RuntimeServer(Config.of(config, null, 0, 10), provider).start();
  }

  @Test
  void wholeAnswersThatCostOnlyCpuAreComputedAtMostOnePerCoreAtOnce() throws Exception {
    Gauge gauge = new Gauge(true);
    RuntimeServer server = start(gauge);
    try {
      int threads = InstantChat.cpuThreads();
      var calls = wholeAnswers(server, threads + 10);
      // All arrived and in flight, but only the CPU pool's threads compute; the rest wait their
      // turn without a server thread.
      await().atMost(Duration.ofSeconds(10)).until(() -> server.pending() == threads + 10);
      await().atMost(Duration.ofSeconds(10)).until(() -> gauge.computing.get() == threads);
      assertThat(server.busyThreads()).isLessThan(threads + 10);
      assertThat(TestClient.of(server).get("/healthz").statusCode()).isEqualTo(200);
      releaseAndAnswerAll(gauge, server, calls);
      assertThat(gauge.most.get()).isEqualTo(threads);
      assertThat(gauge.threads).allMatch(name -> name.startsWith("chat-cpu-"));
    } finally {
      server.stop();
    }
  }

  @Test
  void instantAnswersNeedNoChatSlotAndAreBoundedByTheirOwnQueue() throws Exception {
    Gauge gauge = new Gauge(true);
    RuntimeServer server = start(gauge, "max_concurrent_chats", "1", "max_queued_chats", "1");
    try {
      int threads = InstantChat.cpuThreads();
      // One slot, but every CPU thread computes; the queue holds slots + queued = 2 more.
      var calls = wholeAnswers(server, threads + 2);
      await().atMost(Duration.ofSeconds(10)).until(() -> gauge.computing.get() == threads);
      await().atMost(Duration.ofSeconds(10)).until(() -> server.pending() == threads + 2);
      TestClient c = TestClient.of(server);
      assertThat(c.get("/metrics").body()).contains("chatbot_queued_chats 2.0");

      assertBothShed(c);
      assertThat(c.get("/healthz").statusCode()).isEqualTo(200);
      assertThat(c.get("/metrics").body())
          .contains("chatbot_shed_total{reason=\"queue_full\"} 2.0");

      releaseAndAnswerAll(gauge, server, calls);
      assertThat(c.get("/metrics").body()).contains("chatbot_queued_chats 0.0");
    } finally {
      server.stop();
    }
  }

  @Test
  void anInstantAnswerQueuedLongerThanTheQueueTimeoutIsShed() throws Exception {
    Gauge gauge = new Gauge(true);
    RuntimeServer server = start(gauge, "queue_timeout_seconds", "1");
    try {
      int threads = InstantChat.cpuThreads();
      var computing = wholeAnswers(server, threads);
      await().atMost(Duration.ofSeconds(10)).until(() -> gauge.computing.get() == threads);
      long queuedAt = System.nanoTime();
      var queued = wholeAnswers(server, 1).get(0);
      await().atMost(Duration.ofSeconds(10)).until(() -> server.pending() == threads + 1);
      // Held in the queue past its timeout by answers that (unlike the mock's) take seconds.
      await()
          .atMost(Duration.ofSeconds(5))
          .until(() -> System.nanoTime() - queuedAt > TimeUnit.MILLISECONDS.toNanos(1200));
      releaseAndAnswerAll(gauge, server, computing);
      assertShed(queued.get(20, TimeUnit.SECONDS));
      assertThat(TestClient.of(server).get("/metrics").body())
          .contains("chatbot_shed_total{reason=\"queue_timeout\"} 1.0");
    } finally {
      server.stop();
    }
  }

  @Test
  void bodiesBeyondTheMemoryBudgetWaitForAChatSlotInstead() throws Exception {
    Gauge gauge = new Gauge(true);
    int maxBody = 16 * 1024 * 1024;
    RuntimeServer server =
        start(gauge, "max_body_bytes", Integer.toString(maxBody), "max_concurrent_chats", "1");
    try {
      // A body of unknown length counts as the largest allowed: this many fit the budget.
      int fit = (int) (InstantChat.bodyBudget(maxBody) / maxBody);
      TestClient c = TestClient.of(server);
      int threads = InstantChat.cpuThreads();
      // Twice: answered, the calls give their bytes back, and the budget takes as many again.
      for (int round = 0; round < 2; round++) {
        gauge.release = new CountDownLatch(1);
        List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
        for (int i = 0; i < fit + 2; i++) {
          calls.add(c.postChunkedAsync("/api/chat", HELLO));
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> server.pending() == fit + 2);
        // The two beyond the budget wait for the one slot: one has it (its answer queued for the
        // CPU pool), the other waits for it.
        assertThat(server.waitingForSlot()).isEqualTo(1);
        await().atMost(Duration.ofSeconds(10)).until(() -> gauge.computing.get() == threads);
        releaseAndAnswerAll(gauge, server, calls);
      }
      assertThat(gauge.threads).allMatch(name -> name.startsWith("chat-cpu-"));
    } finally {
      server.stop();
    }
  }

  @Test
  void answersThatWaitOnSomethingElseEachKeepTheirChatSlot() throws Exception {
    Gauge gauge = new Gauge(false);
    RuntimeServer server = start(gauge);
    try {
      int calls = InstantChat.cpuThreads() + 10;
      var sent = wholeAnswers(server, calls);
      await().atMost(Duration.ofSeconds(10)).until(() -> gauge.computing.get() == calls);
      releaseAndAnswerAll(gauge, server, sent);
      assertThat(gauge.threads).noneMatch(name -> name.startsWith("chat-cpu-"));
    } finally {
      server.stop();
    }
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
      var running = c.postAsync("/api/chat", HELLO);
      await().atMost(Duration.ofSeconds(5)).until(() -> server.inFlight() == 1);
      var queued = c.postAsync("/api/chat", HELLO);
      await().atMost(Duration.ofSeconds(5)).until(() -> server.pending() == 2);

      assertBothShed(c);

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
      var running = c.postAsync("/api/chat", HELLO);
      await().atMost(Duration.ofSeconds(5)).until(() -> server.inFlight() == 1);
      long start = System.nanoTime();
      HttpResponse<String> waited = c.post("/api/chat", HELLO);
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
