package dev.chatbot.runtime;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;

/** Prometheus metrics of the runtime. */
public final class Metrics {

  private static final Duration[] BUCKETS = {
    Duration.ofMillis(1),
    Duration.ofMillis(5),
    Duration.ofMillis(10),
    Duration.ofMillis(25),
    Duration.ofMillis(50),
    Duration.ofMillis(100),
    Duration.ofMillis(250),
    Duration.ofMillis(500),
    Duration.ofSeconds(1),
    Duration.ofMillis(2500),
    Duration.ofSeconds(5),
    Duration.ofSeconds(10),
    Duration.ofSeconds(30),
    Duration.ofSeconds(60)
  };

  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

  // Meters of the per-request path, looked up once: building a meter id per request (tags sorted,
  // registry map probed) cost about a tenth of the CPU of a mock chat.
  private final Map<String, Timer> requestTimers = new ConcurrentHashMap<>();
  private final Map<String, Counter> tokenCounters = new ConcurrentHashMap<>();
  private final Map<String, Timer> chatTimers = new ConcurrentHashMap<>();

  public PrometheusMeterRegistry registry() {
    return registry;
  }

  public String scrape() {
    return registry.scrape();
  }

  /** chatbot_http_requests_seconds{route,method,status}: count, sum and buckets. */
  public void request(String route, String method, int status, long nanos) {
    requestTimers
        .computeIfAbsent(
            route + ' ' + method + ' ' + status,
            k ->
                Timer.builder("chatbot_http_requests")
                    .description("HTTP requests by route and status")
                    .tags("route", route, "method", method, "status", Integer.toString(status))
                    .serviceLevelObjectives(BUCKETS)
                    .register(registry))
        .record(nanos, TimeUnit.NANOSECONDS);
  }

  /**
   * chatbot_chat_seconds{phase,provider,outcome}: chat calls of a backend, streams for their whole
   * length; outcome ok, fallback (answered by the mock) or error.
   */
  public void chat(String phase, String provider, String outcome, long nanos) {
    chatTimers
        .computeIfAbsent(
            phase + ' ' + provider + ' ' + outcome,
            k ->
                Timer.builder("chatbot_chat")
                    .description("Chat calls by phase, provider and outcome (ok, fallback, error)")
                    .tags("phase", phase, "provider", provider, "outcome", outcome)
                    .serviceLevelObjectives(BUCKETS)
                    .register(registry))
        .record(nanos, TimeUnit.NANOSECONDS);
  }

  /** chatbot_tokens_total{provider,type}. */
  public void tokens(String provider, String type, int count) {
    if (count > 0) {
      tokenCounters
          .computeIfAbsent(
              provider + ' ' + type,
              k ->
                  Counter.builder("chatbot_tokens")
                      .description("Tokens used, as reported by the provider (mock: words)")
                      .tags("provider", provider, "type", type)
                      .register(registry))
          .increment(count);
    }
  }

  /** chatbot_upstream_errors_total{provider,status}; status is a code or timeout/unavailable. */
  public void upstreamError(String provider, String status) {
    Counter.builder("chatbot_upstream_errors")
        .description("Failed upstream calls (each attempt) by status")
        .tags("provider", provider, "status", status)
        .register(registry)
        .increment();
  }

  /** chatbot_fallbacks_total{provider,reason}. */
  public void fallback(String provider, String reason) {
    Counter.builder("chatbot_fallbacks")
        .description("Answers served by the mock because the provider failed")
        .tags("provider", provider, "reason", reason)
        .register(registry)
        .increment();
  }

  /** chatbot_rate_limited_total{scope}: client or upstream. */
  public void rateLimited(String scope) {
    Counter.builder("chatbot_rate_limited")
        .description("Requests refused by a rate limit")
        .tags("scope", scope)
        .register(registry)
        .increment();
  }

  /**
   * chatbot_shed_total{reason}: chat calls answered 503 because a queue (admission's, or the CPU
   * pool's for instant answers) was full or they waited in it too long.
   */
  public void shed(String reason) {
    Counter.builder("chatbot_shed")
        .description("Chat calls shed with 503 (queue_full or queue_timeout)")
        .tag("reason", reason)
        .register(registry)
        .increment();
  }

  /** chatbot_queued_chats: chat calls waiting for a free slot or, instant answers, a CPU thread. */
  public void queuedChats(IntSupplier queued) {
    Gauge.builder("chatbot_queued_chats", queued::getAsInt)
        .description("Chat calls waiting for a free slot or a CPU thread")
        .register(registry);
  }

  /** chatbot_held_requests_total: chat calls the frontend held while the backend was away. */
  public void held() {
    Counter.builder("chatbot_held_requests")
        .description("Chat calls held by the frontend while the backend was not reachable")
        .register(registry)
        .increment();
  }

  /** chatbot_hold_wait_seconds{outcome}: how long held calls waited (forwarded or gave_up). */
  public void holdEnded(String outcome, long nanos) {
    Timer.builder("chatbot_hold_wait")
        .description("How long held chat calls waited for the backend, by outcome")
        .tag("outcome", outcome)
        .serviceLevelObjectives(BUCKETS)
        .register(registry)
        .record(nanos, TimeUnit.NANOSECONDS);
  }

  /** chatbot_hold_given_up_total{reason}: held calls answered 503 (timeout) or 429 (queue_full). */
  public void holdGivenUp(String reason) {
    Counter.builder("chatbot_hold_given_up")
        .description("Held chat calls given up: timeout (503) or queue_full (429)")
        .tag("reason", reason)
        .register(registry)
        .increment();
  }

  /** chatbot_held_waiting: chat calls waiting for the backend now. */
  public void heldNow(IntSupplier waiting) {
    Gauge.builder("chatbot_held_waiting", waiting::getAsInt)
        .description("Chat calls waiting for the backend now")
        .register(registry);
  }

  /** chatbot_backend_reachable: 1 while the frontend reaches the backend, 0 while it holds. */
  public void backendReachable(IntSupplier reachable) {
    Gauge.builder("chatbot_backend_reachable", reachable::getAsInt)
        .description("1 while the backend Service takes calls, 0 while the frontend holds them")
        .register(registry);
  }

  /** chatbot_circuit_breaker_state{provider}: 0 closed, 1 open, 2 half-open, 3 other. */
  public void circuitBreaker(String provider, CircuitBreaker breaker) {
    Gauge.builder(
            "chatbot_circuit_breaker_state",
            breaker,
            b ->
                switch (b.getState()) {
                  case CLOSED -> 0;
                  case OPEN, FORCED_OPEN -> 1;
                  case HALF_OPEN -> 2;
                  default -> 3;
                })
        .description("Upstream circuit breaker: 0 closed, 1 open, 2 half-open")
        .tag("provider", provider)
        .register(registry);
  }
}
