package dev.chatbot.runtime;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
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
    JsonObject body = new JsonObject();
    body.addProperty("model", config.model);
    body.add("messages", new JsonArray());
    body.addProperty("stream", false);
    body.addProperty("keep_alive", "30m");
    HttpResponse<InputStream> response = send(body);
    JsonElement node = readJson(response);
    if (Json.hasError(node)) {
      throw new UpstreamException(
          UpstreamException.Kind.STATUS, 500, WHAT + " reported an error while loading", -1, true);
    }
  }

  private JsonObject chatBody(List<Message> messages, boolean stream) {
    JsonObject options = new JsonObject();
    options.addProperty("temperature", config.temperature);
    options.addProperty("num_predict", config.maxTokens);
    JsonObject body = new JsonObject();
    body.addProperty("model", config.model);
    body.add("messages", Json.messages(messages));
    body.addProperty("stream", stream);
    body.add("options", options);
    body.addProperty("keep_alive", "30m");
    return body;
  }

  @Override
  public Completion complete(List<Message> messages) {
    JsonElement node = readJson(send(chatBody(messages, false)));
    if (Json.hasError(node)) {
      throw new UpstreamException(
          UpstreamException.Kind.STATUS, 500, WHAT + " reported an error", -1, true);
    }
    JsonElement content = Json.at(node, "message", "content");
    if (!Json.isText(content)) {
      throw UpstreamException.noText(WHAT);
    }
    return new Completion(
        content.getAsString(),
        Json.integer(Json.at(node, "prompt_eval_count"), -1),
        Json.integer(Json.at(node, "eval_count"), -1),
        Json.text(Json.at(node, "done_reason"), "stop"));
  }

  @Override
  public Completion stream(List<Message> messages, Consumer<String> onDelta) {
    HttpResponse<InputStream> response = send(chatBody(messages, true));
    StringBuilder all = new StringBuilder();
    boolean[] started = {false};
    JsonElement[] last = {null};
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
              JsonElement node = Json.parseOrNull(line);
              if (node == null) {
                throw UpstreamException.broken(started[0], WHAT + " sent a malformed line");
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
              String delta = Json.text(Json.at(node, "message", "content"), "");
              if (!delta.isEmpty()) {
                started[0] = true;
                all.append(delta);
                onDelta.accept(delta);
              }
              if (Json.bool(Json.at(node, "done"), false)) {
                last[0] = node;
                return false;
              }
              return true;
            });
    if (!done) {
      throw UpstreamException.broken(started[0], WHAT + " ended the stream before done");
    }
    return new Completion(
        all.toString(),
        Json.integer(Json.at(last[0], "prompt_eval_count"), -1),
        Json.integer(Json.at(last[0], "eval_count"), -1),
        Json.text(Json.at(last[0], "done_reason"), "stop"));
  }

  private HttpResponse<InputStream> send(JsonObject body) {
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

  private JsonElement readJson(HttpResponse<InputStream> response) {
    String text =
        HttpSupport.readBody(response.body(), HttpSupport.MAX_ANSWER_BYTES, timeout, WHAT);
    JsonElement node = Json.parseOrNull(text);
    if (node == null || !node.isJsonObject()) {
      throw UpstreamException.broken(false, WHAT + " sent malformed JSON");
    }
    return node;
  }
}
