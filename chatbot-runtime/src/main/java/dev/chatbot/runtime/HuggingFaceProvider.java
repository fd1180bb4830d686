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
    ObjectNode body = Json.object();
    body.put("model", config.model);
    body.set("messages", Json.messages(messages));
    body.put("max_tokens", config.maxTokens);
    body.put("temperature", config.temperature);
    body.put("stream", stream);
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
    String text = HttpSupport.readBody(response.body(), 4 * 1024 * 1024, timeout, WHAT);
    JsonNode node = Json.parseOrNull(text);
    if (node == null || Json.hasError(node)) {
      throw errorFromBody(node, 500); // an error object in a 200: a failed generation
    }
    JsonNode choice = node.path("choices").path(0);
    JsonNode content = choice.path("message").path("content");
    if (!content.isTextual()) {
      throw new UpstreamException(
          UpstreamException.Kind.UNAVAILABLE, 0, WHAT + " sent an answer without text", -1, true);
    }
    JsonNode usage = node.path("usage");
    return new Completion(
        content.asText(),
        usage.path("prompt_tokens").asInt(-1),
        usage.path("completion_tokens").asInt(-1),
        choice.path("finish_reason").asText("stop"));
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
              JsonNode node = Json.parseOrNull(data);
              if (node == null || Json.hasError(node)) {
                UpstreamException e = errorFromBody(node, 500);
                if (started[0]) {
                  throw new UpstreamException(
                      UpstreamException.Kind.MID_STREAM, e.status(), e.getMessage(), -1, false);
                }
                throw e;
              }
              JsonNode choice = node.path("choices").path(0);
              String delta = choice.path("delta").path("content").asText("");
              if (!delta.isEmpty()) {
                started[0] = true;
                all.append(delta);
                onDelta.accept(delta);
              }
              if (choice.hasNonNull("finish_reason")) {
                finish[0] = choice.get("finish_reason").asText();
              }
              JsonNode u = node.path("usage");
              if (u.isObject()) {
                usage[0] = u.path("prompt_tokens").asInt(-1);
                usage[1] = u.path("completion_tokens").asInt(-1);
              }
              return true;
            });
    if (!done) {
      throw new UpstreamException(
          started[0] ? UpstreamException.Kind.MID_STREAM : UpstreamException.Kind.UNAVAILABLE,
          0,
          WHAT + " ended the stream without [DONE]",
          -1,
          !started[0]);
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
      JsonNode body = null;
      try {
        body =
            Json.parseOrNull(HttpSupport.readBody(response.body(), MAX_ERROR_BODY, timeout, WHAT));
      } catch (UpstreamException ignored) {
        // the status alone decides
      }
      if (retryAfter < 0 && body != null && body.has("estimated_time")) {
        retryAfter = (long) Math.ceil(body.path("estimated_time").asDouble(0));
      }
      throw UpstreamException.forStatus(response.statusCode(), retryAfter, WHAT);
    }
    return response;
  }

  /** An error object inside a 200 answer or a stream. Its text is not copied into the message. */
  private static UpstreamException errorFromBody(JsonNode node, int defaultStatus) {
    if (node == null) {
      return new UpstreamException(
          UpstreamException.Kind.UNAVAILABLE, 0, WHAT + " sent malformed JSON", -1, true);
    }
    JsonNode error = node.get("error");
    int status = defaultStatus;
    if (error.isObject() && error.path("code").canConvertToInt()) {
      int code = error.path("code").asInt();
      if (code >= 400 && code < 600) {
        status = code;
      }
    }
    String type = node.path("error_type").asText(error.path("type").asText(""));
    if (type.equals("overloaded")) {
      status = 429;
    }
    return UpstreamException.forStatus(status, -1, WHAT);
  }
}
