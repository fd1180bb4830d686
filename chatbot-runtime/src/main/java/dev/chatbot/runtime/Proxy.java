package dev.chatbot.runtime;

import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.jetty.ee10.servlet.ServletContextRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The frontend role's reverse proxy of /api/* and /v1/* to backend_url, streaming preserved. A chat
 * call that finds no backend (connection refused or reset before an answer, or a 503 without
 * Retry-After, which no runtime sends) is held ({@link Hold}): retried with a short backoff without
 * a thread until hold_seconds after it arrived, then answered 503 with Retry-After. A stream that
 * has started is never replayed.
 */
final class Proxy {

  private static final Logger LOG = LoggerFactory.getLogger(Proxy.class);
  private static final List<String> REQUEST_HEADERS = List.of("Content-Type", "Accept");
  private static final List<String> RESPONSE_HEADERS =
      List.of(
          "Content-Type",
          "Cache-Control",
          "Retry-After",
          Api.FALLBACK_HEADER,
          Api.PROVIDER_HEADER,
          Api.PHASE_HEADER);
  private static final long FIRST_BACKOFF_MILLIS = 50;
  private static final long MAX_BACKOFF_MILLIS = 500;

  /**
   * A backend pod in the cluster accepts a connection within milliseconds; a connect that takes
   * longer goes to a pod that is gone (a Service's rules lag behind a deleted pod) and would hold a
   * call well past hold_seconds. It counts as no backend: the call is held and retried.
   */
  static final Duration BACKEND_CONNECT_TIMEOUT = Duration.ofSeconds(1);

  private final Config config;
  private final RuntimeServer server;
  private final HttpClient client;
  private final Duration timeout;
  private final ClientKeys clientKeys;
  private final Hold hold;
  private final Executor executor;

  Proxy(Config config, RuntimeServer server, ClientKeys clientKeys, Hold hold, Executor executor) {
    this.config = config;
    this.server = server;
    this.clientKeys = clientKeys;
    this.hold = hold;
    this.executor = executor;
    this.client = HttpSupport.newClient(BACKEND_CONNECT_TIMEOUT);
    // The backend may retry upstream before its first byte: allow for every attempt.
    this.timeout = Duration.ofSeconds((long) config.timeoutSeconds * (config.retryMaxAttempts + 1));
  }

  void register(JavalinConfig cfg) {
    for (String prefix : List.of("/api/<path>", "/v1/<path>")) {
      cfg.routes.post(prefix, ctx -> server.tracked(ctx, () -> forwardChat(ctx)));
      cfg.routes.get(prefix, ctx -> copy(ctx, send(request(ctx, null))));
    }
  }

  private HttpRequest request(Context ctx, byte[] body) {
    String query = ctx.queryString();
    URI target = URI.create(config.backendUrl + ctx.path() + (query == null ? "" : "?" + query));
    HttpRequest.Builder b = HttpRequest.newBuilder(target).timeout(timeout);
    for (String h : REQUEST_HEADERS) {
      String v = ctx.header(h);
      if (v != null) {
        b.header(h, v);
      }
    }
    b.header("X-Forwarded-For", clientKeys.address(ctx));
    // Limited here already: the backend does not count the call again.
    b.header(ClientKeys.FRONTEND_HEADER, "1");
    return (body == null ? b.GET() : b.POST(HttpRequest.BodyPublishers.ofByteArray(body))).build();
  }

  private HttpResponse<InputStream> send(HttpRequest request) {
    try {
      return client.send(request, HttpResponse.BodyHandlers.ofInputStream());
    } catch (IOException | InterruptedException e) {
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      LOG.warn("backend call failed: {}", e.getClass().getSimpleName());
      throw new ApiError(502, "the chat backend is not reachable");
    }
  }

  /** No backend behind the Service: nothing answered, or a 503 that no runtime wrote. */
  private static boolean backendMissing(HttpResponse<?> response) {
    return response == null
        || (response.statusCode() == 503 && response.headers().firstValue("Retry-After").isEmpty());
  }

  private void forwardChat(Context ctx) throws IOException {
    HttpRequest request = request(ctx, server.bodyBytes(ctx));
    if (hold == null) {
      copy(ctx, send(request));
      return;
    }
    long arrived = ServletContextRequest.getServletContextRequest(ctx.req()).getBeginNanoTime();
    boolean counted = ctx.req().getAttribute(Hold.HELD_ATTRIBUTE) != null;
    boolean waited = counted || hold.waitedForBackend(arrived);
    HttpResponse<InputStream> response = null;
    try {
      response = client.send(request, HttpResponse.BodyHandlers.ofInputStream());
    } catch (IOException e) {
      LOG.debug("backend call failed: {}", e.getClass().getSimpleName());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ApiError(502, "the chat backend is not reachable");
    }
    if (!backendMissing(response)) {
      hold.markReachable();
      if (waited) {
        if (!counted) {
          hold.held();
        }
        hold.forwarded(System.nanoTime() - arrived);
      }
      copy(ctx, response);
      return;
    }
    discard(response);
    hold.markUnreachable();
    if (!counted) {
      hold.held();
    }
    // Wait without a thread: Javalin suspends the request until the future completes.
    ctx.future(() -> retry(ctx, request, arrived));
  }

  private CompletableFuture<Void> retry(Context ctx, HttpRequest request, long arrived) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    hold.retryStarted();
    done.whenComplete((v, e) -> hold.retryEnded());
    attemptLater(ctx, request, arrived, FIRST_BACKOFF_MILLIS, new AtomicBoolean(), done);
    return done;
  }

  private void attemptLater(
      Context ctx,
      HttpRequest request,
      long arrived,
      long backoffMillis,
      AtomicBoolean answered,
      CompletableFuture<Void> done) {
    long left = arrived + hold.holdNanos() - System.nanoTime();
    if (left <= 0) {
      finish(answered, done, () -> RuntimeServer.error(ctx, hold.gaveUp(now(arrived))));
      return;
    }
    long delay = Math.min(backoffMillis, TimeUnit.NANOSECONDS.toMillis(left));
    HttpSupport.TIMER.schedule(
        () -> {
          if (arrived + hold.holdNanos() - System.nanoTime() <= 0) {
            attemptLater(ctx, request, arrived, backoffMillis, answered, done);
            return;
          }
          client
              .sendAsync(request, HttpResponse.BodyHandlers.ofInputStream())
              .whenComplete(
                  (response, failure) -> {
                    if (!backendMissing(response)) {
                      hold.markReachable();
                      hold.forwarded(now(arrived));
                      finish(answered, done, () -> copy(ctx, response));
                    } else {
                      discard(response);
                      long next = Math.min(backoffMillis * 2, MAX_BACKOFF_MILLIS);
                      attemptLater(ctx, request, arrived, next, answered, done);
                    }
                  });
        },
        delay,
        TimeUnit.MILLISECONDS);
  }

  private static long now(long since) {
    return System.nanoTime() - since;
  }

  /** Writes the answer on a server thread (copying blocks), once. */
  private void finish(AtomicBoolean answered, CompletableFuture<Void> done, Answer answer) {
    if (!answered.compareAndSet(false, true)) {
      return;
    }
    executor.execute(
        () -> {
          try {
            answer.write();
          } catch (Exception e) {
            LOG.debug("held call ended: {}", e.getClass().getSimpleName());
          } finally {
            done.complete(null);
          }
        });
  }

  @FunctionalInterface
  private interface Answer {
    void write() throws IOException;
  }

  private static void discard(HttpResponse<InputStream> response) {
    if (response != null) {
      try {
        response.body().close();
      } catch (IOException ignored) {
        // nothing to keep
      }
    }
  }

  private static void copy(Context ctx, HttpResponse<InputStream> response) throws IOException {
    ctx.status(response.statusCode());
    for (String h : RESPONSE_HEADERS) {
      response.headers().firstValue(h).ifPresent(v -> ctx.header(h, v));
    }
    try (InputStream in = response.body()) {
      OutputStream out = ctx.res().getOutputStream();
      byte[] buffer = new byte[8192];
      int n;
      while ((n = in.read(buffer)) >= 0) {
        try {
          out.write(buffer, 0, n);
          out.flush(); // keeps server-sent events flowing one by one
        } catch (IOException clientGone) {
          return; // closing `in` stops the backend stream
        }
      }
    }
  }
}
