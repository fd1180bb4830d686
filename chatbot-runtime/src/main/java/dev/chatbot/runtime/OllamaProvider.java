package dev.chatbot.runtime;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ollama's native {@code POST /api/chat} with NDJSON streaming. The model is preloaded at start
 * ({@code messages: []}); readiness is true once that succeeded.
 */
public final class OllamaProvider implements Provider {

  private static final Logger LOG = LoggerFactory.getLogger(OllamaProvider.class);
  static final String WHAT = "Ollama";

  private final Config config;
  private final URI chatUri;
  private final HttpClient client;
  private final Duration timeout;
  private volatile boolean ready;
  private volatile boolean closed;
  private volatile Thread preloader;

  public OllamaProvider(Config config) {
    this.config = config;
    this.chatUri = URI.create(config.ollamaUrl + "/api/chat");
    this.timeout = Duration.ofSeconds(config.timeoutSeconds);
    this.client = HttpSupport.newClient(config.timeoutSeconds);
  }

  @Override
  public String name() {
    return "ollama";
  }

  @Override
  public String model() {
    return config.model;
  }

  @Override
  public boolean ready() {
    return ready;
  }

  @Override
  public void start() {
    startPreload();
  }

  @Override
  public void close() {
    closed = true;
    Thread t = preloader;
    if (t != null) {
      t.interrupt();
    }
  }

  private synchronized void startPreload() {
    if (closed || (preloader != null && preloader.isAlive())) {
      return;
    }
    preloader = new Thread(this::preloadLoop, "ollama-preload");
    preloader.setDaemon(true);
    preloader.start();
  }

  private void preloadLoop() {
    long delay = 200;
    while (!closed && !ready) {
      try {
        preload();
        ready = true;
        LOG.info("ollama model {} loaded", config.model);
        return;
      } catch (UpstreamException e) {
        LOG.warn("ollama preload of {} failed: {}", config.model, e.getMessage());
      }
      try {
        Thread.sleep(delay);
      } catch (InterruptedException e) {
        return;
      }
      delay = Math.min(delay * 2, 10_000);
    }
  }

  /** Loads the model into memory: {@code messages: []} answers with done_reason "load". */
  void preload() {
    ObjectNode body = Json.object();
    body.put("model", config.model);
    body.putArray("messages");
    body.put("stream", false);
    body.put("keep_alive", "30m");
    HttpResponse<InputStream> response = send(body);
    JsonNode node = readJson(response);
    if (Json.hasError(node)) {
      throw new UpstreamException(
          UpstreamException.Kind.STATUS, 500, WHAT + " reported an error while loading", -1, true);
    }
  }

  private ObjectNode chatBody(List<Message> messages, boolean stream) {
    ObjectNode body = Json.object();
    body.put("model", config.model);
    body.set("messages", Json.messages(messages));
    body.put("stream", stream);
    ObjectNode options = body.putObject("options");
    options.put("temperature", config.temperature);
    options.put("num_predict", config.maxTokens);
    body.put("keep_alive", "30m");
    return body;
  }

  @Override
  public Completion complete(List<Message> messages) {
    JsonNode node = readJson(send(chatBody(messages, false)));
    if (Json.hasError(node)) {
      throw new UpstreamException(
          UpstreamException.Kind.STATUS, 500, WHAT + " reported an error", -1, true);
    }
    JsonNode content = node.path("message").path("content");
    if (!content.isTextual()) {
      throw new UpstreamException(
          UpstreamException.Kind.UNAVAILABLE, 0, WHAT + " sent an answer without text", -1, true);
    }
    return new Completion(
        content.asText(),
        node.path("prompt_eval_count").asInt(-1),
        node.path("eval_count").asInt(-1),
        node.path("done_reason").asText("stop"));
  }

  @Override
  public Completion stream(List<Message> messages, Consumer<String> onDelta) {
    HttpResponse<InputStream> response = send(chatBody(messages, true));
    StringBuilder all = new StringBuilder();
    boolean[] started = {false};
    JsonNode[] last = {null};
    boolean done =
        HttpSupport.readLines(
            response.body(),
            timeout,
            WHAT,
            () -> started[0],
            line -> {
              if (line.isBlank()) {
                return true;
              }
              JsonNode node = Json.parseOrNull(line);
              if (node == null) {
                throw new UpstreamException(
                    started[0]
                        ? UpstreamException.Kind.MID_STREAM
                        : UpstreamException.Kind.UNAVAILABLE,
                    0,
                    WHAT + " sent a malformed line",
                    -1,
                    !started[0]);
              }
              if (Json.hasError(node)) {
                // An error line while the HTTP status stays 200.
                throw new UpstreamException(
                    started[0] ? UpstreamException.Kind.MID_STREAM : UpstreamException.Kind.STATUS,
                    500,
                    WHAT + " reported an error in the stream",
                    -1,
                    !started[0]);
              }
              String delta = node.path("message").path("content").asText("");
              if (!delta.isEmpty()) {
                started[0] = true;
                all.append(delta);
                onDelta.accept(delta);
              }
              if (node.path("done").asBoolean(false)) {
                last[0] = node;
                return false;
              }
              return true;
            });
    if (!done) {
      throw new UpstreamException(
          started[0] ? UpstreamException.Kind.MID_STREAM : UpstreamException.Kind.UNAVAILABLE,
          0,
          WHAT + " ended the stream before done",
          -1,
          !started[0]);
    }
    return new Completion(
        all.toString(),
        last[0].path("prompt_eval_count").asInt(-1),
        last[0].path("eval_count").asInt(-1),
        last[0].path("done_reason").asText("stop"));
  }

  private HttpResponse<InputStream> send(ObjectNode body) {
    HttpRequest request =
        HttpRequest.newBuilder(chatUri)
            .timeout(timeout)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(Json.write(body)))
            .build();
    HttpResponse<InputStream> response;
    try {
      response = client.send(request, HttpResponse.BodyHandlers.ofInputStream());
    } catch (IOException | InterruptedException e) {
      UpstreamException failure = HttpSupport.ioFailure(e, WHAT);
      if (failure.kind() == UpstreamException.Kind.UNAVAILABLE && ready) {
        ready = false;
        startPreload();
      }
      throw failure;
    }
    int status = response.statusCode();
    if (status != 200) {
      long retryAfter = HttpSupport.retryAfterSeconds(response);
      try {
        response.body().close();
      } catch (IOException ignored) {
        // status decides
      }
      if (status == 404 && ready) {
        // The model disappeared (e.g. deleted): not ready until it is loaded again.
        ready = false;
        startPreload();
      }
      throw UpstreamException.forStatus(status, retryAfter, WHAT);
    }
    return response;
  }

  private JsonNode readJson(HttpResponse<InputStream> response) {
    String text = HttpSupport.readBody(response.body(), 4 * 1024 * 1024, timeout, WHAT);
    JsonNode node = Json.parseOrNull(text);
    if (node == null || !node.isObject()) {
      throw new UpstreamException(
          UpstreamException.Kind.UNAVAILABLE, 0, WHAT + " sent malformed JSON", -1, true);
    }
    return node;
  }
}
