package dev.chatbot.runtime;

import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import java.io.IOException;
import java.time.Instant;
import java.util.UUID;

/** The backend's chat API: /api/chat, /api/chat/stream, /v1/chat/completions, /v1/models. */
final class Api {

  static final String FALLBACK_HEADER = "X-Chatbot-Fallback";

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

  // ---- /api/chat ----

  private void apiChat(Context ctx, boolean streamPath) throws IOException {
    ChatRequest request = ChatRequest.parse(server.body(ctx), config, false);
    if (streamPath || request.stream()) {
      apiStream(ctx, request);
      return;
    }
    ChatResult result;
    try {
      result = chat.chat(request.messages(), request.conversationId());
    } catch (UpstreamException e) {
      throw ApiError.fromUpstream(e, chat.provider().name());
    }
    if (result.fallback()) {
      ctx.header(FALLBACK_HEADER, "true");
    }
    RuntimeServer.json(ctx, 200, apiResult(result));
  }

  private static ObjectNode apiResult(ChatResult r) {
    ObjectNode o = Json.object();
    o.put("conversationId", r.conversationId());
    o.put("reply", r.reply());
    o.put("provider", r.provider());
    o.put("model", r.model());
    o.put("fallback", r.fallback());
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
                  sse[0] = open(ctx, fallback);
                  ObjectNode meta = Json.object();
                  meta.put("conversationId", id);
                  meta.put("provider", provider);
                  meta.put("model", model);
                  meta.put("fallback", fallback);
                  sse[0].event("meta", Json.write(meta));
                }

                @Override
                public void delta(String text) {
                  sse[0].event("delta", Json.write(Json.object().put("content", text)));
                }
              });
      sse[0].event("done", Json.write(apiResult(result)));
    } catch (UpstreamException e) {
      ApiError error = ApiError.fromUpstream(e, chat.provider().name());
      if (sse[0] == null) {
        throw error;
      }
      ObjectNode o = Json.object().put("error", error.getMessage()).put("status", error.status());
      sse[0].event("error", Json.write(o));
    } catch (SseWriter.ClientGone e) {
      // nothing more to send
    }
  }

  private static SseWriter open(Context ctx, boolean fallback) {
    try {
      return new SseWriter(ctx.res(), fallback);
    } catch (IOException e) {
      throw new SseWriter.ClientGone();
    }
  }

  // ---- OpenAI-compatible ----

  private void openAiChat(Context ctx) throws IOException {
    ChatRequest request = ChatRequest.parse(server.body(ctx), config, true);
    String id = "chatcmpl-" + UUID.randomUUID().toString().replace("-", "");
    long now = Instant.now().getEpochSecond();
    if (!request.stream()) {
      ChatResult r;
      try {
        r = chat.chat(request.messages(), null);
      } catch (UpstreamException e) {
        throw ApiError.fromUpstream(e, chat.provider().name());
      }
      if (r.fallback()) {
        ctx.header(FALLBACK_HEADER, "true");
      }
      ObjectNode o = Json.object();
      o.put("id", id);
      o.put("object", "chat.completion");
      o.put("created", now);
      o.put("model", r.model());
      ObjectNode choice = o.putArray("choices").addObject();
      choice.put("index", 0);
      choice.putObject("message").put("role", "assistant").put("content", r.reply());
      choice.put("finish_reason", r.finishReason());
      ObjectNode usage = o.putObject("usage");
      int prompt = Math.max(0, r.promptTokens());
      int completion = Math.max(0, r.completionTokens());
      usage.put("prompt_tokens", prompt);
      usage.put("completion_tokens", completion);
      usage.put("total_tokens", prompt + completion);
      RuntimeServer.json(ctx, 200, o);
      return;
    }
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
                  sse[0] = open(ctx, fallback);
                  model[0] = m;
                  ObjectNode delta = Json.object().put("role", "assistant").put("content", "");
                  sse[0].data(Json.write(chunk(id, now, m, delta, null)));
                }

                @Override
                public void delta(String text) {
                  ObjectNode delta = Json.object().put("content", text);
                  sse[0].data(Json.write(chunk(id, now, model[0], delta, null)));
                }
              });
      sse[0].data(Json.write(chunk(id, now, model[0], Json.object(), r.finishReason())));
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

  private static ObjectNode chunk(
      String id, long created, String model, ObjectNode delta, String finish) {
    ObjectNode o = Json.object();
    o.put("id", id);
    o.put("object", "chat.completion.chunk");
    o.put("created", created);
    o.put("model", model);
    ObjectNode choice = o.putArray("choices").addObject();
    choice.put("index", 0);
    choice.set("delta", delta);
    if (finish == null) {
      choice.putNull("finish_reason");
    } else {
      choice.put("finish_reason", finish);
    }
    return o;
  }

  static ObjectNode openAiError(ApiError error) {
    ObjectNode o = Json.object();
    ObjectNode e = o.putObject("error");
    e.put("message", error.getMessage());
    e.put(
        "type",
        switch (error.status()) {
          case 400, 413 -> "invalid_request_error";
          case 429 -> "rate_limit_error";
          default -> "api_error";
        });
    e.putNull("param");
    e.putNull("code");
    return o;
  }

  private void models(Context ctx) {
    ObjectNode o = Json.object();
    o.put("object", "list");
    ObjectNode m = o.putArray("data").addObject();
    m.put("id", chat.provider().model());
    m.put("object", "model");
    m.put("created", created);
    m.put("owned_by", chat.provider().name());
    RuntimeServer.json(ctx, 200, o);
  }
}
