package dev.chatbot.runtime;

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

/**
 * The Hugging Face router's OpenAI-compatible chat completions ({@code POST
 * <huggingface_endpoint>/chat/completions}), streaming and not. Retry, circuit breaking and rate
 * limiting are added by {@link ResilientProvider}.
 */
public final class HuggingFaceProvider implements Provider {

  static final String WHAT = "the Hugging Face router";
  private static final int MAX_ERROR_BODY = 16 * 1024;

  private final Config config;
  private final URI uri;
  private final HttpClient client;
  private final Duration timeout;

  public HuggingFaceProvider(Config config) {
    this.config = config;
    this.uri = URI.create(config.huggingfaceEndpoint + "/chat/completions");
    this.timeout = Duration.ofSeconds(config.timeoutSeconds);
    this.client = HttpSupport.newClient(config.timeoutSeconds);
  }

  @Override
  public String name() {
    return "huggingface";
  }

  @Override
  public String model() {
    return config.model;
  }

  /** Ready when a token is present: without one every call would be a 401. */
  @Override
  public boolean ready() {
    return config.hfToken != null;
  }

  private HttpRequest request(List<Message> messages, boolean stream) {
    JsonObject body = new JsonObject();
    body.addProperty("model", config.model);
    body.add("messages", Json.messages(messages));
    body.addProperty("max_tokens", config.maxTokens);
    body.addProperty("temperature", config.temperature);
    body.addProperty("stream", stream);
    HttpRequest.Builder b =
        HttpRequest.newBuilder(uri)
            .timeout(timeout)
            .header("Content-Type", "application/json")
            .header("Accept", stream ? "text/event-stream" : "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(Json.write(body)));
    if (config.hfToken != null) {
      b.header("Authorization", "Bearer " + config.hfToken);
    }
    return b.build();
  }

  @Override
  public Completion complete(List<Message> messages) {
    HttpResponse<InputStream> response = send(request(messages, false));
    String text =
        HttpSupport.readBody(response.body(), HttpSupport.MAX_ANSWER_BYTES, timeout, WHAT);
    JsonElement node = Json.parseOrNull(text);
    if (node == null || Json.hasError(node)) {
      throw errorFromBody(node, 500); // an error object in a 200: a failed generation
    }
    JsonElement choice = Json.at(node, "choices", 0);
    JsonElement content = Json.at(choice, "message", "content");
    if (!Json.isText(content)) {
      throw UpstreamException.noText(WHAT);
    }
    return new Completion(
        content.getAsString(),
        Json.integer(Json.at(node, "usage", "prompt_tokens"), -1),
        Json.integer(Json.at(node, "usage", "completion_tokens"), -1),
        Json.text(Json.at(choice, "finish_reason"), "stop"));
  }

  @Override
  public Completion stream(List<Message> messages, Consumer<String> onDelta) {
    HttpResponse<InputStream> response = send(request(messages, true));
    StringBuilder all = new StringBuilder();
    int[] usage = {-1, -1};
    String[] finish = {"stop"};
    boolean[] started = {false};
    boolean done =
        HttpSupport.readLines(
            response.body(),
            timeout,
            WHAT,
            () -> started[0],
            line -> {
              if (!line.startsWith("data:")) {
                return true; // comments, event names, blank separators
              }
              String data = line.substring(5).strip();
              if (data.equals("[DONE]")) {
                return false;
              }
              JsonElement node = Json.parseOrNull(data);
              if (node == null || Json.hasError(node)) {
                UpstreamException e = errorFromBody(node, 500);
                if (started[0]) {
                  throw new UpstreamException(
                      UpstreamException.Kind.MID_STREAM, e.status(), e.getMessage(), -1, false);
                }
                throw e;
              }
              JsonElement choice = Json.at(node, "choices", 0);
              String delta = Json.text(Json.at(choice, "delta", "content"), "");
              if (!delta.isEmpty()) {
                started[0] = true;
                all.append(delta);
                onDelta.accept(delta);
              }
              finish[0] = Json.text(Json.at(choice, "finish_reason"), finish[0]);
              JsonElement u = Json.at(node, "usage");
              if (u != null && u.isJsonObject()) {
                usage[0] = Json.integer(Json.at(u, "prompt_tokens"), -1);
                usage[1] = Json.integer(Json.at(u, "completion_tokens"), -1);
              }
              return true;
            });
    if (!done) {
      throw UpstreamException.broken(started[0], WHAT + " ended the stream without [DONE]");
    }
    return new Completion(all.toString(), usage[0], usage[1], finish[0]);
  }

  private HttpResponse<InputStream> send(HttpRequest request) {
    HttpResponse<InputStream> response;
    try {
      response = client.send(request, HttpResponse.BodyHandlers.ofInputStream());
    } catch (IOException | InterruptedException e) {
      throw HttpSupport.ioFailure(e, WHAT);
    }
    if (response.statusCode() != 200) {
      long retryAfter = HttpSupport.retryAfterSeconds(response);
      JsonElement body = null;
      try {
        body =
            Json.parseOrNull(HttpSupport.readBody(response.body(), MAX_ERROR_BODY, timeout, WHAT));
      } catch (UpstreamException ignored) {
        // the status alone decides
      }
      JsonElement estimated = Json.at(body, "estimated_time");
      if (retryAfter < 0 && estimated != null) {
        retryAfter = (long) Math.ceil(Json.decimal(estimated, 0));
      }
      throw UpstreamException.forStatus(response.statusCode(), retryAfter, WHAT);
    }
    return response;
  }

  /** An error object inside a 200 answer or a stream. Its text is not copied into the message. */
  private static UpstreamException errorFromBody(JsonElement node, int defaultStatus) {
    if (node == null) {
      return UpstreamException.broken(false, WHAT + " sent malformed JSON");
    }
    int status = defaultStatus;
    JsonElement code = Json.at(node, "error", "code");
    if (code != null && code.isJsonPrimitive() && code.getAsJsonPrimitive().isNumber()) {
      int c = Json.integer(code, 0);
      if (c >= 400 && c < 600) {
        status = c;
      }
    }
    String type =
        Json.text(Json.at(node, "error_type"), Json.text(Json.at(node, "error", "type"), ""));
    if (type.equals("overloaded")) {
      status = 429;
    }
    return UpstreamException.forStatus(status, -1, WHAT);
  }
}
