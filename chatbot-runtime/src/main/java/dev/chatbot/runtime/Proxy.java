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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The frontend role's reverse proxy of /api/* and /v1/* to backend_url, streaming preserved. */
final class Proxy {

  private static final Logger LOG = LoggerFactory.getLogger(Proxy.class);
  private static final List<String> REQUEST_HEADERS = List.of("Content-Type", "Accept");
  private static final List<String> RESPONSE_HEADERS =
      List.of("Content-Type", "Cache-Control", "Retry-After", Api.FALLBACK_HEADER);

  private final Config config;
  private final RuntimeServer server;
  private final HttpClient client;
  private final Duration timeout;

  Proxy(Config config, RuntimeServer server) {
    this.config = config;
    this.server = server;
    this.client = HttpSupport.newClient(config.timeoutSeconds);
    // The backend may retry upstream before its first byte: allow for every attempt.
    this.timeout = Duration.ofSeconds((long) config.timeoutSeconds * (config.retryMaxAttempts + 1));
  }

  void register(JavalinConfig cfg) {
    for (String prefix : List.of("/api/<path>", "/v1/<path>")) {
      cfg.routes.post(prefix, ctx -> server.tracked(ctx, () -> forward(ctx)));
      cfg.routes.get(prefix, this::forward);
    }
  }

  private void forward(Context ctx) throws IOException {
    String query = ctx.queryString();
    URI target = URI.create(config.backendUrl + ctx.path() + (query == null ? "" : "?" + query));
    HttpRequest.Builder b = HttpRequest.newBuilder(target).timeout(timeout);
    for (String h : REQUEST_HEADERS) {
      String v = ctx.header(h);
      if (v != null) {
        b.header(h, v);
      }
    }
    b.header("X-Forwarded-For", ctx.req().getRemoteAddr());
    if (ctx.method().name().equals("POST")) {
      b.POST(HttpRequest.BodyPublishers.ofByteArray(server.bodyBytes(ctx)));
    } else {
      b.GET();
    }
    HttpResponse<InputStream> response;
    try {
      response = client.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
    } catch (IOException | InterruptedException e) {
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      LOG.warn("backend call failed: {}", e.getClass().getSimpleName());
      throw new ApiError(502, "the chat backend is not reachable");
    }
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
