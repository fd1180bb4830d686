package dev.chatbot.runtime;

import com.google.gson.JsonObject;
import io.javalin.Javalin;
import io.javalin.compression.CompressionStrategy;
import io.javalin.http.Context;
import io.javalin.http.staticfiles.Location;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
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
          "/metrics",
          // the Ollama stand-in's
          "/api/generate",
          "/api/pull",
          "/api/show",
          "/api/tags",
          "/api/version");

  /**
   * Threads besides the chat slots: Jetty's acceptor and selector, and room for probes, metrics and
   * the page, which admission control never queues.
   */
  static final int SPARE_THREADS = 8;

  /** Connections the kernel holds for accept: a burst of new clients waits instead of failing. */
  static final int ACCEPT_QUEUE = 1024;

  /** A handler body that may throw. */
  @FunctionalInterface
  interface Body {
    void run() throws Exception;
  }

  private static final JsonObject HEALTHY = new JsonObject();

  static {
    HEALTHY.addProperty("status", "ok");
  }

  private final Config config;
  private final Metrics metrics;
  private final Provider provider;
  private final ClientRateLimiter clientLimiter;
  private final ClientKeys clientKeys;
  private final AtomicInteger inFlight = new AtomicInteger();
  private final Admission admission;
  private final Hold hold;

  private volatile boolean draining;
  private Javalin app;

  /** Instant answers' CPU pool ({@link InstantChat}), or null. */
  private volatile ThreadPoolExecutor cpu;

  private QueuedThreadPool pool;

  public RuntimeServer(Config config) {
    this(config, null);
  }

  /** Creates the server; {@code provider} overrides the configured one (tests). */
  public RuntimeServer(Config config, Provider provider) {
    this.config = config;
    this.metrics = new Metrics();
    // A stand-in Ollama server limits nobody: Ollama has no per-client limit.
    this.clientLimiter =
        new ClientRateLimiter(
            config.role == Config.Role.OLLAMA_SIM ? 0 : config.clientRequestsPerMinute,
            config.clientBurst);
    this.clientKeys = new ClientKeys(config);
    this.admission = new Admission(config, metrics);
    metrics.queuedChats(this::queued);
    if (config.role == Config.Role.FRONTEND && config.holdSeconds > 0) {
      this.hold = new Hold(config, admission, metrics);
      admission.setHold(hold);
    } else {
      this.hold = null;
    }
    if (config.role == Config.Role.BACKEND) {
      this.provider = provider != null ? provider : createProvider(config, metrics);
    } else {
      this.provider = null;
    }
  }

  static Provider createProvider(Config config, Metrics metrics) {
    return switch (config.provider) {
      case MOCK -> new MockProvider(config.model, config.mock, config.maxTokens);
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

  /** Server threads running a task now (the acceptor and the selector always do). */
  int busyThreads() {
    return pool.getBusyThreads();
  }

  public RuntimeServer start() {
    Api api =
        config.role == Config.Role.BACKEND
            ? new Api(config, new ChatService(config, provider, metrics), this)
            : null;
    Handler chats = admission; // Javalin's servlet handler goes below it
    if (api != null && provider.instant()) {
      cpu = InstantChat.cpuPool(config);
      admission.setHandler(new InstantChat(config, api, this, null, cpu, Long.MAX_VALUE));
      chats =
          new InstantChat(
              config, api, this, admission, cpu, InstantChat.bodyBudget(config.maxBodyBytes));
    }
    Handler top = new Drain(chats);
    app =
        Javalin.create(
            cfg -> {
              cfg.startup.showJavalinBanner = false;
              cfg.startup.showOldJavalinVersionWarning = false;
              cfg.http.compressionStrategy = CompressionStrategy.NONE;
              cfg.http.maxRequestSize = config.maxBodyBytes;
              // Each running chat holds a thread (streams for their whole length); admission
              // control keeps the chats to max_concurrent_chats and the spare threads free.
              pool = new QueuedThreadPool(config.maxConcurrentChats + SPARE_THREADS, 4, 60_000);
              pool.setName("http");
              cfg.jetty.threadPool = pool;
              cfg.jetty.modifyServer(server -> server.setHandler(top));
              cfg.jetty.addConnector(this::connector);
              cfg.staticFiles.add("/public", Location.CLASSPATH);
              cfg.requestLogger.http(
                  (ctx, ms) ->
                      metrics.request(
                          route(ctx.path()),
                          ctx.method().name(),
                          ctx.statusCode(),
                          (long) (ms * 1_000_000)));
              cfg.routes.get("/healthz", ctx -> json(ctx, 200, HEALTHY));
              cfg.routes.get("/readyz", this::readyz);
              cfg.routes.get(
                  "/metrics",
                  ctx ->
                      ctx.contentType("text/plain; version=0.0.4; charset=utf-8")
                          .result(metrics.scrape()));
              switch (config.role) {
                case BACKEND -> api.register(cfg);
                case FRONTEND -> new Proxy(config, this, clientKeys, hold, pool).register(cfg);
                case OLLAMA_SIM -> new OllamaSim(config, this).register(cfg);
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
    app.start();
    LOG.info(
        "chatbot-runtime {} listening on {}{}",
        config.role.name().toLowerCase().replace('_', '-'),
        app.port(),
        provider == null ? "" : " with provider " + provider.name() + " model " + provider.model());
    return this;
  }

  /**
   * One connector, one acceptor and one selector (a pod has a fraction of a core). No header cache:
   * Jetty's default keeps a 1024-entry header trie per connection, about 100 KiB of heap each,
   * which is what filled a 20 MiB heap at 48 keep-alive clients and ran it out at 128.
   */
  private ServerConnector connector(Server server, HttpConfiguration http) {
    http.setHeaderCacheSize(0);
    ServerConnector connector = new ServerConnector(server, 1, 1, new HttpConnectionFactory(http));
    connector.setHost(config.listenHost);
    connector.setPort(config.port);
    connector.setAcceptQueueSize(ACCEPT_QUEUE);
    // Jetty answers 408 to a call that waits longer than the idle timeout in the admission queue:
    // keep it beyond the longest wait there (queue_timeout_seconds, or a frontend's hold).
    int longestWait =
        Math.max(
            config.queueTimeoutSeconds,
            config.role == Config.Role.FRONTEND ? config.holdSeconds : 0);
    connector.setIdleTimeout(TimeUnit.SECONDS.toMillis(Math.max(30, longestWait + 30)));
    return connector;
  }

  /**
   * While draining every answer carries Connection: close, whichever handler writes it (Javalin,
   * InstantChat, admission's refusals): clients, the frontend's pool too, reconnect to a ready pod.
   */
  private final class Drain extends Handler.Wrapper {
    Drain(Handler handler) {
      super(handler);
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
      if (draining) {
        response.getHeaders().put(HttpHeader.CONNECTION, "close");
      }
      return super.handle(request, response, callback);
    }
  }

  public int port() {
    return app.port();
  }

  /** Chat calls waiting for a slot in admission's queue or for a CPU thread in InstantChat's. */
  private int queued() {
    ThreadPoolExecutor c = cpu;
    return waitingForSlot() + (c == null ? 0 : c.getQueue().size());
  }

  /** Chat calls suspended in admission's queue, waiting for a slot. */
  int waitingForSlot() {
    return admission.getSuspendedRequestCount();
  }

  /** Chat calls running, queued, or held waiting for the backend. */
  int pending() {
    return inFlight.get() + waitingForSlot() + (hold == null ? 0 : hold.retrying());
  }

  /**
   * The SIGTERM sequence: readiness turns 503 at once while everything is still served for {@code
   * drain} (time for Kubernetes to take the pod out of its Service's endpoints; answers carry
   * Connection: close so kept-alive clients reconnect elsewhere), then running and queued chats get
   * up to {@code grace} to finish, then the server stops.
   */
  public void drainAndStop(Duration drain, Duration grace) {
    draining = true;
    LOG.info(
        "shutting down: not ready; serving for {} s more while endpoints update",
        drain.toSeconds());
    pause(drain.toMillis());
    LOG.info("letting {} running or queued chats finish", pending());
    long deadline = System.nanoTime() + grace.toNanos();
    while (pending() > 0 && System.nanoTime() < deadline) {
      pause(20);
    }
    if (pending() > 0) {
      LOG.warn("stopping with {} chats unfinished", pending());
    }
    stop();
  }

  private static void pause(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  public void stop() {
    draining = true;
    if (app != null) {
      app.stop();
    }
    if (cpu != null) {
      cpu.shutdown();
    }
    if (provider != null) {
      provider.close();
    }
  }

  private void readyz(Context ctx) {
    JsonObject o = new JsonObject();
    boolean ready = !draining && (provider == null || provider.ready());
    o.addProperty("status", ready ? "ready" : "not ready");
    if (provider != null) {
      o.addProperty("provider", provider.name());
      o.addProperty("model", provider.model());
    }
    if (draining) {
      o.addProperty("reason", "shutting down");
    } else if (!ready) {
      o.addProperty(
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
    long wait =
        ctx.req().getAttribute(InstantChat.COUNTED_ATTRIBUTE) != null
            ? -1
            : clientWait(ctx::header, ctx.req()::getRemoteAddr);
    if (wait >= 0) {
      drain(ctx);
      throw tooManyRequests(wait);
    }
    callStarted();
    try {
      body.run();
    } finally {
      callEnded();
    }
  }

  /** -1 when the per-client limit lets a chat call go on, else the seconds it must wait. */
  long clientWait(UnaryOperator<String> headers, Supplier<String> peer) {
    if (!clientLimiter.enabled()) {
      return -1;
    }
    String key = clientKeys.key(headers, peer);
    long wait = key == null ? -1 : clientLimiter.tryAcquire(key);
    if (wait >= 0) {
      metrics.rateLimited("client");
    }
    return wait;
  }

  static ApiError tooManyRequests(long waitSeconds) {
    return new ApiError(429, "too many requests from this client", waitSeconds);
  }

  /** A chat call is running (graceful shutdown waits for it). */
  void callStarted() {
    inFlight.incrementAndGet();
  }

  void callEnded() {
    inFlight.decrementAndGet();
  }

  /**
   * Reads a refused call's body first: answered before its body is read, the connection is closed
   * after the answer without a {@code Connection: close}, and a keep-alive client's next call on it
   * fails with no response at all. Too large or gone: the connection closes, as it must.
   */
  private void drain(Context ctx) {
    try {
      bodyBytes(ctx);
    } catch (IOException | ApiError e) {
      // nothing to keep
    }
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
      // The declared length when there is one: a buffer of the body's size, not of the limit's.
      byte[] bytes = in.readNBytes(declared >= 0 ? (int) declared : config.maxBodyBytes + 1);
      if (bytes.length > config.maxBodyBytes) {
        throw tooLarge();
      }
      return bytes;
    }
  }

  ApiError tooLarge() {
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

  /**
   * Writes a JSON answer with its length. Straight to the response: Javalin's result() would copy
   * it through a fresh 8 KiB buffer, most of the garbage a small chat answer made.
   */
  static void json(Context ctx, int status, JsonObject body) {
    byte[] bytes = Json.write(body).getBytes(StandardCharsets.UTF_8);
    ctx.status(status).contentType("application/json");
    ctx.res().setContentLength(bytes.length);
    try {
      ctx.res().getOutputStream().write(bytes);
    } catch (IOException clientGone) {
      // nothing left to answer
    }
  }

  /** The same from Jetty's core API, without blocking: {@code done} completes when written. */
  static void json(Response response, int status, String json, Callback done) {
    response.setStatus(status);
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
    response.write(true, ByteBuffer.wrap(json.getBytes(StandardCharsets.UTF_8)), done);
  }

  static void error(Context ctx, ApiError e) {
    if (e.retryAfterSeconds() >= 0) {
      ctx.header("Retry-After", Long.toString(e.retryAfterSeconds()));
    }
    json(ctx, e.status(), errorBody(ctx.path(), e));
  }

  /** An error's body: OpenAI's format under /v1/, ours elsewhere. */
  static JsonObject errorBody(String path, ApiError e) {
    return path.startsWith("/v1/") ? Api.openAiError(e) : errorBody(e);
  }

  static JsonObject errorBody(ApiError e) {
    JsonObject o = new JsonObject();
    o.addProperty("error", e.getMessage());
    o.addProperty("status", e.status());
    return o;
  }
}
