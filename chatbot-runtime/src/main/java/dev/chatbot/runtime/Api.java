package dev.chatbot.runtime;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import java.io.IOException;
import java.time.Instant;
import java.util.UUID;
import java.util.function.BiConsumer;

/** The backend's chat API: /api/chat, /api/chat/stream, /v1/chat/completions, /v1/models. */
final class Api {

  static final String FALLBACK_HEADER = "X-Chatbot-Fallback";

  /** The provider that answered: the body's {@code provider} (mock when it fell back). */
  static final String PROVIDER_HEADER = "X-Chatbot-Provider";

  /** The phase whose backend answered (mock, huggingface, local). */
  static final String PHASE_HEADER = "X-Chatbot-Phase";

  private final Config config;
  private final ChatService chat;
  private final RuntimeServer server;
  private final long created = Instant.now().getEpochSecond();

  Api(Config config, ChatService chat, RuntimeServer server) {
    this.config = config;
    this.chat = chat;
    this.server = server;
  }

  void register(JavalinConfig cfg) {
    cfg.routes.post("/api/chat", ctx -> server.tracked(ctx, () -> apiChat(ctx, false)));
    cfg.routes.post("/api/chat/stream", ctx -> server.tracked(ctx, () -> apiChat(ctx, true)));
    cfg.routes.post("/v1/chat/completions", ctx -> server.tracked(ctx, () -> openAiChat(ctx)));
    cfg.routes.get("/v1/models", this::models);
  }

  /** A whole answer, built the same for either path that sends it: who answered, and its body. */
  record Whole(ChatResult result, JsonObject body) {}

  // ---- /api/chat ----

  /**
   * Whole answers of a provider that answers instantly never get here: {@link InstantChat} sends
   * them below the servlet layer. Streams, and whole answers that wait upstream, do.
   */
  private void apiChat(Context ctx, boolean streamPath) throws Exception {
    ChatRequest request = ChatRequest.parse(server.body(ctx), config, false);
    if (streamPath || request.stream()) {
      apiStream(ctx, request);
      return;
    }
    send(ctx, apiWhole(request));
  }

  private void send(Context ctx, Whole whole) {
    answeredBy(ctx::header, whole.result());
    RuntimeServer.json(ctx, 200, whole.body());
  }

  /** The whole answer to /api/chat; an upstream failure is thrown as what the client sees. */
  Whole apiWhole(ChatRequest request) {
    ChatResult result;
    try {
      result = chat.chat(request.messages(), request.conversationId());
    } catch (UpstreamException e) {
      throw ApiError.fromUpstream(e, chat.provider().name());
    }
    return new Whole(result, apiResult(result));
  }

  private static JsonObject apiResult(ChatResult r) {
    JsonObject o = new JsonObject();
    o.addProperty("conversationId", r.conversationId());
    o.addProperty("reply", r.reply());
    o.addProperty("provider", r.provider());
    o.addProperty("model", r.model());
    o.addProperty("fallback", r.fallback());
    return o;
  }

  private static JsonObject object(String name, String value) {
    JsonObject o = new JsonObject();
    o.addProperty(name, value);
    return o;
  }

  private void apiStream(Context ctx, ChatRequest request) throws IOException {
    SseWriter[] sse = {null};
    try {
      ChatResult result =
          chat.stream(
              request.messages(),
              request.conversationId(),
              new ChatService.StreamSink() {
                @Override
                public void start(String id, String provider, String model, boolean fallback) {
                  sse[0] = open(ctx, provider, fallback);
                  JsonObject meta = new JsonObject();
                  meta.addProperty("conversationId", id);
                  meta.addProperty("provider", provider);
                  meta.addProperty("model", model);
                  meta.addProperty("fallback", fallback);
                  sse[0].event("meta", Json.write(meta));
                }

                @Override
                public void delta(String text) {
                  sse[0].event("delta", Json.write(object("content", text)));
                }
              });
      sse[0].event("done", Json.write(apiResult(result)));
    } catch (UpstreamException e) {
      ApiError error = ApiError.fromUpstream(e, chat.provider().name());
      if (sse[0] == null) {
        throw error;
      }
      sse[0].event("error", Json.write(RuntimeServer.errorBody(error)));
    } catch (SseWriter.ClientGone e) {
      // nothing more to send
    }
  }

  /** The headers naming who answered, set before the first byte of a plain or streamed answer. */
  void answeredBy(BiConsumer<String, String> headers, String provider, boolean fallback) {
    headers.accept(PROVIDER_HEADER, provider);
    headers.accept(PHASE_HEADER, chat.phase());
    if (fallback) {
      headers.accept(FALLBACK_HEADER, "true");
    }
  }

  void answeredBy(BiConsumer<String, String> headers, ChatResult result) {
    answeredBy(headers, result.provider(), result.fallback());
  }

  private SseWriter open(Context ctx, String provider, boolean fallback) {
    answeredBy(ctx::header, provider, fallback);
    try {
      return new SseWriter(ctx.res());
    } catch (IOException e) {
      throw new SseWriter.ClientGone();
    }
  }

  // ---- OpenAI-compatible ----

  private void openAiChat(Context ctx) throws Exception {
    ChatRequest request = ChatRequest.parse(server.body(ctx), config, true);
    if (!request.stream()) {
      send(ctx, openAiWhole(request));
      return;
    }
    openAiStream(ctx, request, completionId(), Instant.now().getEpochSecond());
  }

  private static String completionId() {
    return "chatcmpl-" + UUID.randomUUID().toString().replace("-", "");
  }

  /** The whole answer to /v1/chat/completions, in OpenAI's format. */
  Whole openAiWhole(ChatRequest request) {
    ChatResult r;
    try {
      r = chat.chat(request.messages(), null);
    } catch (UpstreamException e) {
      throw ApiError.fromUpstream(e, chat.provider().name());
    }
    JsonObject message = object("role", "assistant");
    message.addProperty("content", r.reply());
    JsonObject choice = new JsonObject();
    choice.addProperty("index", 0);
    choice.add("message", message);
    choice.addProperty("finish_reason", r.finishReason());
    JsonObject usage = new JsonObject();
    int prompt = Math.max(0, r.promptTokens());
    int completion = Math.max(0, r.completionTokens());
    usage.addProperty("prompt_tokens", prompt);
    usage.addProperty("completion_tokens", completion);
    usage.addProperty("total_tokens", prompt + completion);
    JsonObject o = new JsonObject();
    o.addProperty("id", completionId());
    o.addProperty("object", "chat.completion");
    o.addProperty("created", Instant.now().getEpochSecond());
    o.addProperty("model", r.model());
    o.add("choices", array(choice));
    o.add("usage", usage);
    return new Whole(r, o);
  }

  private void openAiStream(Context ctx, ChatRequest request, String id, long now) {
    SseWriter[] sse = {null};
    String[] model = {config.model};
    try {
      ChatResult r =
          chat.stream(
              request.messages(),
              null,
              new ChatService.StreamSink() {
                @Override
                public void start(String cid, String provider, String m, boolean fallback) {
                  sse[0] = open(ctx, provider, fallback);
                  model[0] = m;
                  JsonObject delta = object("role", "assistant");
                  delta.addProperty("content", "");
                  sse[0].data(Json.write(chunk(id, now, m, delta, null)));
                }

                @Override
                public void delta(String text) {
                  sse[0].data(Json.write(chunk(id, now, model[0], object("content", text), null)));
                }
              });
      sse[0].data(Json.write(chunk(id, now, model[0], new JsonObject(), r.finishReason())));
      sse[0].data("[DONE]");
    } catch (UpstreamException e) {
      ApiError error = ApiError.fromUpstream(e, chat.provider().name());
      if (sse[0] == null) {
        throw error;
      }
      // Mid-stream failure: an error object and no [DONE], like OpenAI-style servers.
      sse[0].data(Json.write(openAiError(error)));
    } catch (SseWriter.ClientGone e) {
      // nothing more to send
    }
  }

  private static JsonObject chunk(
      String id, long created, String model, JsonObject delta, String finish) {
    JsonObject choice = new JsonObject();
    choice.addProperty("index", 0);
    choice.add("delta", delta);
    choice.add("finish_reason", finish == null ? JsonNull.INSTANCE : new JsonPrimitive(finish));
    JsonObject o = new JsonObject();
    o.addProperty("id", id);
    o.addProperty("object", "chat.completion.chunk");
    o.addProperty("created", created);
    o.addProperty("model", model);
    o.add("choices", array(choice));
    return o;
  }

  private static JsonArray array(JsonElement only) {
    JsonArray a = new JsonArray(1);
    a.add(only);
    return a;
  }

  static JsonObject openAiError(ApiError error) {
    JsonObject e = object("message", error.getMessage());
    e.addProperty(
        "type",
        switch (error.status()) {
          case 400, 413 -> "invalid_request_error";
          case 429 -> "rate_limit_error";
          default -> "api_error";
        });
    e.add("param", JsonNull.INSTANCE);
    e.add("code", JsonNull.INSTANCE);
    JsonObject o = new JsonObject();
    o.add("error", e);
    return o;
  }

  private void models(Context ctx) {
    JsonObject m = object("id", chat.provider().model());
    m.addProperty("object", "model");
    m.addProperty("created", created);
    m.addProperty("owned_by", chat.provider().name());
    JsonObject o = object("object", "list");
    o.add("data", array(m));
    RuntimeServer.json(ctx, 200, o);
  }
}
