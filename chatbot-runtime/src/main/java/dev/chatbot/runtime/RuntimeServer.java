package dev.chatbot.runtime;

import io.javalin.Javalin;
import io.javalin.compression.CompressionStrategy;
import io.javalin.http.Context;
import io.javalin.http.staticfiles.Location;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The HTTP server of either role, with probes, metrics, limits and graceful shutdown. */
public final class RuntimeServer {

  private static final Logger LOG = LoggerFactory.getLogger(RuntimeServer.class);
  private static final Set<String> ROUTES =
      Set.of(
          "/api/chat",
          "/api/chat/stream",
          "/v1/chat/completions",
          "/v1/models",
          "/healthz",
          "/readyz",
          "/metrics");

  /**
   * Jetty threads (selectors and acceptors included). Each streaming chat holds one, so this bounds
   * concurrent streams; 40 keeps the pod under 96 MiB (docs/BENCHMARKS.md). JVM flag
   * -Dchatbot.maxThreads=N changes it.
   */
  static final int MAX_THREADS = Integer.getInteger("chatbot.maxThreads", 40);

  /** A handler body that may throw. */
  @FunctionalInterface
  interface Body {
    void run() throws Exception;
  }

  private final Config config;
  private final Metrics metrics;
  private final Provider provider;
  private final ClientRateLimiter clientLimiter;
  private final AtomicInteger inFlight = new AtomicInteger();
  private volatile boolean draining;
  private Javalin app;

  public RuntimeServer(Config config) {
    this(config, null);
  }

  /** Creates the server; {@code provider} overrides the configured one (tests). */
  public RuntimeServer(Config config, Provider provider) {
    this.config = config;
    this.metrics = new Metrics();
    this.clientLimiter = new ClientRateLimiter(config.clientRequestsPerMinute);
    if (config.role == Config.Role.BACKEND) {
      this.provider = provider != null ? provider : createProvider(config, metrics);
    } else {
      this.provider = null;
    }
  }

  static Provider createProvider(Config config, Metrics metrics) {
    return switch (config.provider) {
      case MOCK -> new MockProvider(config.model, config.mock);
      case HUGGINGFACE -> new ResilientProvider(new HuggingFaceProvider(config), config, metrics);
      case OLLAMA -> new ResilientProvider(new OllamaProvider(config), config, metrics);
    };
  }

  public Metrics metrics() {
    return metrics;
  }

  public Provider provider() {
    return provider;
  }

  public int inFlight() {
    return inFlight.get();
  }

  public RuntimeServer start() {
    app =
        Javalin.create(
            cfg -> {
              cfg.startup.showJavalinBanner = false;
              cfg.startup.showOldJavalinVersionWarning = false;
              cfg.http.compressionStrategy = CompressionStrategy.NONE;
              cfg.http.maxRequestSize = config.maxBodyBytes;
              // Bounded worker pool: each streaming chat holds a thread; the pod has <= 96 MiB.
              QueuedThreadPool pool = new QueuedThreadPool(MAX_THREADS, 4, 60_000);
              pool.setName("http");
              cfg.jetty.threadPool = pool;
              cfg.staticFiles.add("/public", Location.CLASSPATH);
              cfg.requestLogger.http(
                  (ctx, ms) ->
                      metrics.request(
                          route(ctx.path()),
                          ctx.method().name(),
                          ctx.statusCode(),
                          (long) (ms * 1_000_000)));
              cfg.routes.get("/healthz", ctx -> json(ctx, 200, Json.object().put("status", "ok")));
              cfg.routes.get("/readyz", this::readyz);
              cfg.routes.get(
                  "/metrics",
                  ctx ->
                      ctx.contentType("text/plain; version=0.0.4; charset=utf-8")
                          .result(metrics.scrape()));
              if (config.role == Config.Role.BACKEND) {
                ChatService chat = new ChatService(config, provider, metrics);
                new Api(config, chat, this).register(cfg);
              } else {
                new Proxy(config, this).register(cfg);
              }
              cfg.routes.exception(ApiError.class, (e, ctx) -> error(ctx, e));
              cfg.routes.exception(
                  Exception.class,
                  (e, ctx) -> {
                    // No stack trace in the answer or the log; the class name is enough to triage.
                    LOG.error("unexpected {} on {}", e.getClass().getName(), route(ctx.path()));
                    error(ctx, new ApiError(500, "internal error"));
                  });
              cfg.routes.error(404, ctx -> error(ctx, new ApiError(404, "not found")));
              cfg.routes.error(405, ctx -> error(ctx, new ApiError(405, "method not allowed")));
            });
    if (provider != null) {
      provider.start();
    }
    app.start("0.0.0.0", config.port);
    LOG.info(
        "chatbot-runtime {} listening on {}{}",
        config.role.name().toLowerCase(),
        app.port(),
        provider == null ? "" : " with provider " + provider.name() + " model " + provider.model());
    return this;
  }

  public int port() {
    return app.port();
  }

  /** Stops accepting readiness, lets in-flight chats finish (up to the grace period), stops. */
  public void drainAndStop(Duration grace) {
    draining = true;
    LOG.info("shutting down: not ready, letting {} in-flight chats finish", inFlight.get());
    long deadline = System.nanoTime() + grace.toNanos();
    while (inFlight.get() > 0 && System.nanoTime() < deadline) {
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    if (inFlight.get() > 0) {
      LOG.warn("stopping with {} requests still in flight", inFlight.get());
    }
    stop();
  }

  public void stop() {
    draining = true;
    if (app != null) {
      app.stop();
    }
    if (provider != null) {
      provider.close();
    }
  }

  private void readyz(Context ctx) {
    ObjectNode o = Json.object();
    boolean ready = !draining && (provider == null || provider.ready());
    o.put("status", ready ? "ready" : "not ready");
    if (provider != null) {
      o.put("provider", provider.name());
      o.put("model", provider.model());
    }
    if (draining) {
      o.put("reason", "shutting down");
    } else if (!ready) {
      o.put(
          "reason",
          switch (provider.name()) {
            case "huggingface" -> "no Hugging Face token (HF_TOKEN)";
            case "ollama" -> "Ollama not reachable or model not loaded yet";
            default -> "provider not ready";
          });
    }
    json(ctx, ready ? 200 : 503, o);
  }

  /** Runs a chat handler: per-client rate limit, in-flight tracking for graceful shutdown. */
  void tracked(Context ctx, Body body) throws Exception {
    long wait = clientLimiter.tryAcquire(clientKey(ctx));
    if (wait >= 0) {
      metrics.rateLimited("client");
      throw new ApiError(429, "too many requests from this client", wait);
    }
    inFlight.incrementAndGet();
    try {
      body.run();
    } finally {
      inFlight.decrementAndGet();
    }
  }

  /**
   * The client key: the peer address; behind our frontend (which sets X-Forwarded-For) the last
   * forwarded address. The backend Service is cluster-internal.
   */
  String clientKey(Context ctx) {
    String forwarded = ctx.header("X-Forwarded-For");
    if (config.role == Config.Role.BACKEND && forwarded != null && !forwarded.isBlank()) {
      int comma = forwarded.lastIndexOf(',');
      return forwarded.substring(comma + 1).strip();
    }
    return ctx.req().getRemoteAddr();
  }

  /** Reads the body, refusing more than max_body_bytes. */
  String body(Context ctx) throws IOException {
    return new String(bodyBytes(ctx), StandardCharsets.UTF_8);
  }

  byte[] bodyBytes(Context ctx) throws IOException {
    long declared = ctx.req().getContentLengthLong();
    if (declared > config.maxBodyBytes) {
      throw tooLarge();
    }
    try (InputStream in = ctx.req().getInputStream()) {
      byte[] bytes = in.readNBytes(config.maxBodyBytes + 1);
      if (bytes.length > config.maxBodyBytes) {
        throw tooLarge();
      }
      return bytes;
    }
  }

  private ApiError tooLarge() {
    return new ApiError(413, "request body too large (at most " + config.maxBodyBytes + " bytes)");
  }

  static String route(String path) {
    if (ROUTES.contains(path)) {
      return path;
    }
    if (path.startsWith("/api/") || path.startsWith("/v1/")) {
      return "other";
    }
    return "static";
  }

  static void json(Context ctx, int status, ObjectNode body) {
    ctx.status(status).contentType("application/json").result(Json.write(body));
  }

  static void error(Context ctx, ApiError e) {
    if (e.retryAfterSeconds() >= 0) {
      ctx.header("Retry-After", Long.toString(e.retryAfterSeconds()));
    }
    if (ctx.path().startsWith("/v1/")) {
      json(ctx, e.status(), Api.openAiError(e));
    } else {
      json(ctx, e.status(), Json.object().put("error", e.getMessage()).put("status", e.status()));
    }
  }
}
