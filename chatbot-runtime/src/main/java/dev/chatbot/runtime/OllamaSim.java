package dev.chatbot.runtime;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A stand-in Ollama server (role ollama-sim) for tests and users' CI: Ollama's HTTP API and wire
 * format, answers from the mock provider with its simulator knobs and faults, and pulls that stream
 * the real progress shape from a simulated registry at a configured rate, with stalls, error lines,
 * a simulated disk, and resume from a store directory. See docs/mock-simulator.md.
 */
final class OllamaSim {

  private static final Logger LOG = LoggerFactory.getLogger(OllamaSim.class);
  static final String VERSION = "0.12.0";
  static final long TICK_MILLIS = 100;
  private static final String NDJSON = "application/x-ndjson";

  private final Config.OllamaSimSettings settings;
  private final RuntimeServer server;
  private final MockProvider mock;
  private final ModelStore store;
  private final Set<String> loaded = ConcurrentHashMap.newKeySet();

  OllamaSim(Config config, RuntimeServer server) {
    this.settings = config.ollamaSim;
    this.server = server;
    this.mock = new MockProvider(config.model, config.mock);
    this.store = new ModelStore(Path.of(settings.store), settings.modelBytes);
    for (String m : settings.models) {
      ModelStore.Entry e = store.read(ModelStore.normalize(m));
      if (!e.complete) {
        e.completed = settings.modelBytes;
        e.complete = true;
        store.write(e);
      }
    }
    LOG.info(
        "Ollama simulator: store {}, models {}",
        store.dir(),
        store.all().stream().filter(e -> e.complete).map(e -> e.name).toList());
  }

  void register(JavalinConfig cfg) {
    cfg.routes.get("/", ctx -> ctx.contentType("text/plain").result("Ollama is running"));
    cfg.routes.head("/", ctx -> ctx.contentType("text/plain"));
    cfg.routes.get("/api/version", ctx -> json(ctx, 200, object("version", VERSION)));
    cfg.routes.get("/api/tags", ctx -> json(ctx, 200, models(false)));
    cfg.routes.get("/api/ps", ctx -> json(ctx, 200, models(true)));
    cfg.routes.post("/api/show", ctx -> server.tracked(ctx, () -> show(ctx)));
    cfg.routes.delete("/api/delete", this::delete);
    cfg.routes.post("/api/chat", ctx -> server.tracked(ctx, () -> generate(ctx, true)));
    cfg.routes.post("/api/generate", ctx -> server.tracked(ctx, () -> generate(ctx, false)));
    cfg.routes.post("/api/pull", ctx -> server.tracked(ctx, () -> pull(ctx)));
  }

  // ---- requests ----

  private JsonObject body(Context ctx) throws IOException {
    if (Json.parseOrNull(server.body(ctx)) instanceof JsonObject o) {
      return o;
    }
    throw new OllamaError(400, "invalid request body");
  }

  /** The model named by "model" (or the older "name"). */
  private static String modelName(JsonObject body) {
    String name = Json.text(Json.at(body, "model"), Json.text(Json.at(body, "name"), ""));
    if (name.isBlank()) {
      throw new OllamaError(400, "model is required");
    }
    return name.strip();
  }

  /** Ollama's error answer, {"error": "..."}. */
  static final class OllamaError extends RuntimeException {
    final int status;

    OllamaError(int status, String message) {
      super(message, null, false, false);
      this.status = status;
    }
  }

  private static JsonObject object(String name, String value) {
    JsonObject o = new JsonObject();
    o.addProperty(name, value);
    return o;
  }

  private static void json(Context ctx, int status, JsonObject body) {
    RuntimeServer.json(ctx, status, body);
  }

  private ModelStore.Entry present(String name) {
    ModelStore.Entry e = store.completeEntry(ModelStore.normalize(name));
    if (e == null) {
      throw new OllamaError(404, "model \"" + name + "\" not found, try pulling it first");
    }
    return e;
  }

  private void handle(Context ctx, RuntimeServer.Body body) throws Exception {
    try {
      body.run();
    } catch (OllamaError e) {
      json(ctx, e.status, object("error", e.getMessage()));
    }
  }

  // ---- models ----

  private JsonObject details() {
    JsonObject d = new JsonObject();
    d.addProperty("parent_model", "");
    d.addProperty("format", "gguf");
    d.addProperty("family", "llama");
    JsonArray families = new JsonArray();
    families.add("llama");
    d.add("families", families);
    d.addProperty("parameter_size", "3.2B");
    d.addProperty("quantization_level", "Q4_K_M");
    return d;
  }

  private JsonObject models(boolean loadedOnly) {
    JsonArray list = new JsonArray();
    for (ModelStore.Entry e : store.all()) {
      if (!e.complete || (loadedOnly && !loaded.contains(e.name))) {
        continue;
      }
      JsonObject m = new JsonObject();
      m.addProperty("name", e.name);
      m.addProperty("model", e.name);
      m.addProperty("modified_at", e.modifiedAt);
      m.addProperty("size", store.total());
      m.addProperty("digest", ModelStore.digest(e.name).substring("sha256:".length()));
      m.add("details", details());
      if (loadedOnly) {
        m.addProperty("expires_at", "2318-01-01T00:00:00Z");
        m.addProperty("size_vram", 0);
      }
      list.add(m);
    }
    JsonObject o = new JsonObject();
    o.add("models", list);
    return o;
  }

  private void show(Context ctx) throws Exception {
    handle(
        ctx,
        () -> {
          String name = modelName(body(ctx));
          ModelStore.Entry e = store.completeEntry(ModelStore.normalize(name));
          if (e == null) {
            throw new OllamaError(404, "model '" + name + "' not found");
          }
          JsonObject o = new JsonObject();
          o.addProperty(
              "modelfile", "# Modelfile of the chatbot-runtime Ollama simulator\nFROM " + e.name);
          o.addProperty("parameters", "temperature 0.7");
          o.addProperty("template", "{{ .Prompt }}");
          o.add("details", details());
          JsonObject info = new JsonObject();
          info.addProperty("general.architecture", "llama");
          info.addProperty("general.parameter_count", 3_212_749_888L);
          o.add("model_info", info);
          JsonArray capabilities = new JsonArray();
          capabilities.add("completion");
          o.add("capabilities", capabilities);
          o.addProperty("modified_at", e.modifiedAt);
          json(ctx, 200, o);
        });
  }

  private void delete(Context ctx) throws Exception {
    handle(
        ctx,
        () -> {
          String name = ModelStore.normalize(modelName(body(ctx)));
          if (store.completeEntry(name) == null && store.read(name).completed == 0) {
            throw new OllamaError(404, "model '" + name + "' not found");
          }
          store.delete(name);
          loaded.remove(name);
          ctx.status(200);
        });
  }

  // ---- chat and generate ----

  private void generate(Context ctx, boolean chat) throws Exception {
    handle(
        ctx,
        () -> {
          JsonObject body = body(ctx);
          String requested = modelName(body);
          String name = present(requested).name;
          boolean stream = Json.bool(Json.at(body, "stream"), true);
          List<Message> messages = chat ? messages(body) : prompt(body);
          long start = System.nanoTime();
          long loadNanos = load(name);
          if (messages.isEmpty()) {
            // messages: [] (or an empty prompt) loads the model: done_reason "load".
            JsonObject o = frame(requested, chat, "");
            o.addProperty("done_reason", "load");
            o.addProperty("done", true);
            json(ctx, 200, o);
            return;
          }
          int limit = Json.integer(Json.at(body, "options", "num_predict"), -1);
          answer(
              ctx,
              requested,
              chat,
              stream,
              messages,
              limit > 0 ? limit : Integer.MAX_VALUE,
              start,
              loadNanos);
        });
  }

  private static List<Message> messages(JsonObject body) {
    JsonElement list = Json.at(body, "messages");
    List<Message> out = new ArrayList<>();
    if (list != null && list.isJsonArray()) {
      for (JsonElement m : list.getAsJsonArray()) {
        out.add(
            new Message(
                Json.text(Json.at(m, "role"), "user"), Json.text(Json.at(m, "content"), "")));
      }
    }
    return out;
  }

  private static List<Message> prompt(JsonObject body) {
    String prompt = Json.text(Json.at(body, "prompt"), "");
    return prompt.isEmpty() ? List.of() : List.of(Message.user(prompt));
  }

  /** The first use of a model after start takes ollama_sim_load_ms, like loading the weights. */
  private long load(String name) throws InterruptedException {
    if (loaded.contains(name)) {
      return 0;
    }
    long start = System.nanoTime();
    Thread.sleep(settings.loadMs);
    loaded.add(name);
    return System.nanoTime() - start;
  }

  /** A message (chat) or response (generate) frame with model and created_at. */
  private static JsonObject frame(String model, boolean chat, String text) {
    JsonObject o = new JsonObject();
    o.addProperty("model", model);
    o.addProperty("created_at", Instant.now().toString());
    if (chat) {
      JsonObject message = object("role", "assistant");
      message.addProperty("content", text);
      o.add("message", message);
    } else {
      o.addProperty("response", text);
    }
    return o;
  }

  private void answer(
      Context ctx,
      String model,
      boolean chat,
      boolean stream,
      List<Message> messages,
      int limit,
      long start,
      long loadNanos)
      throws IOException {
    long[] firstToken = {0};
    Completion c;
    NdjsonWriter out = stream ? new NdjsonWriter(ctx) : null;
    try {
      if (stream) {
        c =
            mock.stream(
                messages,
                limit,
                text -> {
                  if (firstToken[0] == 0) {
                    firstToken[0] = System.nanoTime();
                  }
                  JsonObject line = frame(model, chat, text);
                  line.addProperty("done", false);
                  out.line(line);
                });
      } else {
        c = mock.complete(messages, limit);
        firstToken[0] = System.nanoTime();
      }
    } catch (UpstreamException e) {
      String message = "an error was encountered while running the model (injected)";
      if (out != null && out.started()) {
        out.line(object("error", message)); // an error line while the status stays 200
        return;
      }
      int status = e.status() > 0 ? e.status() : 500;
      if (e.retryAfterSeconds() > 0) {
        ctx.header("Retry-After", Long.toString(e.retryAfterSeconds()));
      }
      json(ctx, status, object("error", status == 429 ? "server busy, please try again" : message));
      return;
    } catch (SseWriter.ClientGone gone) {
      return;
    }
    long end = System.nanoTime();
    JsonObject last = frame(model, chat, stream ? "" : c.text());
    last.addProperty("done", true);
    last.addProperty("done_reason", c.finishReason());
    last.addProperty("total_duration", end - start);
    last.addProperty("load_duration", loadNanos);
    last.addProperty("prompt_eval_count", c.promptTokens());
    long promptEnd = firstToken[0] == 0 ? end : firstToken[0];
    last.addProperty("prompt_eval_duration", Math.max(0, promptEnd - start - loadNanos));
    last.addProperty("eval_count", c.completionTokens());
    last.addProperty("eval_duration", end - promptEnd);
    if (stream) {
      out.line(last);
    } else {
      json(ctx, 200, last);
    }
  }

  /** NDJSON lines, each flushed; a vanished client surfaces as {@link SseWriter.ClientGone}. */
  static final class NdjsonWriter {
    private final Context ctx;
    private OutputStream out;

    NdjsonWriter(Context ctx) {
      this.ctx = ctx;
    }

    boolean started() {
      return out != null;
    }

    void line(JsonObject o) {
      try {
        if (out == null) {
          ctx.status(200).contentType(NDJSON);
          out = ctx.res().getOutputStream();
        }
        out.write((Json.write(o) + "\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
      } catch (IOException e) {
        throw new SseWriter.ClientGone();
      }
    }
  }

  // ---- pull ----

  private void pull(Context ctx) throws Exception {
    handle(
        ctx,
        () -> {
          JsonObject body = body(ctx);
          String name = ModelStore.normalize(modelName(body));
          boolean stream = Json.bool(Json.at(body, "stream"), true);
          ReentrantLock lock = store.lock(name);
          lock.lockInterruptibly();
          try {
            Progress out = stream ? new StreamProgress(new NdjsonWriter(ctx)) : new LastProgress();
            try {
              pull(name, out);
            } catch (SseWriter.ClientGone gone) {
              LOG.info("pull of {} interrupted by the client", name);
              return;
            }
            if (out instanceof LastProgress last) {
              JsonObject o = last.last;
              json(ctx, o.has("error") ? 500 : 200, o);
            }
          } finally {
            lock.unlock();
          }
        });
  }

  /** Where pull progress goes: streamed lines, or only the last one (stream: false). */
  private interface Progress {
    void line(JsonObject o);
  }

  private record StreamProgress(NdjsonWriter out) implements Progress {
    @Override
    public void line(JsonObject o) {
      out.line(o);
    }
  }

  private static final class LastProgress implements Progress {
    JsonObject last;

    @Override
    public void line(JsonObject o) {
      last = o;
    }
  }

  private static JsonObject status(String status) {
    return object("status", status);
  }

  private static JsonObject layerLine(ModelStore.Layer layer, long completed) {
    JsonObject o = status("pulling " + layer.shortDigest());
    o.addProperty("digest", layer.digest());
    o.addProperty("total", layer.size());
    if (completed > 0) {
      o.addProperty("completed", completed); // omitted when 0, as Ollama does
    }
    return o;
  }

  /**
   * Pulls a model into the store: the manifest, each layer at the configured rate (stored bytes
   * persisted every tick), verifying, writing the manifest. Faults: an error line at a percentage,
   * a stall when the download first crosses a percentage, and a full simulated disk.
   */
  private void pull(String name, Progress out) throws InterruptedException {
    out.line(status("pulling manifest"));
    long total = store.total();
    String error = settings.pullError;
    if (!error.isEmpty() && settings.pullErrorAtPercent == 0) {
      out.line(object("error", error));
      return;
    }
    ModelStore.Entry entry = store.read(name);
    long errorAt = error.isEmpty() ? Long.MAX_VALUE : total * settings.pullErrorAtPercent / 100;
    long stallAt = settings.pullStallSeconds > 0 ? total * settings.pullStallAtPercent / 100 : -1;
    long free =
        settings.diskBytes > 0
            ? Math.max(0, settings.diskBytes - store.usedExcept(name) - entry.completed)
            : Long.MAX_VALUE;
    long perTick = Math.max(1, settings.pullBytesPerSecond * TICK_MILLIS / 1000);
    long layerStart = 0;
    for (ModelStore.Layer layer : store.layers(name)) {
      long layerEnd = layerStart + layer.size();
      while (true) {
        long done = Math.min(layer.size(), Math.max(0, entry.completed - layerStart));
        out.line(layerLine(layer, done));
        if (done == layer.size()) {
          break;
        }
        Thread.sleep(TICK_MILLIS);
        long next = Math.min(layerEnd, entry.completed + perTick);
        if (next >= errorAt) {
          entry.completed = Math.max(entry.completed, Math.min(next, errorAt));
          store.write(entry);
          out.line(object("error", error));
          return;
        }
        if (next - entry.completed > free) {
          entry.completed += free;
          store.write(entry);
          out.line(
              object(
                  "error",
                  "write "
                      + store.dir().resolve("blobs").resolve(layer.digest().replace(':', '-'))
                      + "-partial: no space left on device"));
          return;
        }
        if (entry.completed < stallAt && next >= stallAt) {
          free -= stallAt - entry.completed;
          entry.completed = stallAt;
          store.write(entry);
          stall(layer, stallAt - layerStart, out);
          continue;
        }
        free -= next - entry.completed;
        entry.completed = next;
        store.write(entry);
      }
      layerStart = layerEnd;
    }
    out.line(status("verifying sha256 digest"));
    out.line(status("writing manifest"));
    entry.complete = true;
    entry.modifiedAt = Instant.now().toString();
    store.write(entry);
    out.line(status("success"));
  }

  /** No progress for ollama_sim_pull_stall_seconds; Ollama keeps repeating the same numbers. */
  private void stall(ModelStore.Layer layer, long done, Progress out) throws InterruptedException {
    LOG.info("pull stalls for {} s (injected)", settings.pullStallSeconds);
    long until = System.nanoTime() + settings.pullStallSeconds * 1_000_000_000L;
    while (System.nanoTime() < until) {
      Thread.sleep(TICK_MILLIS);
      out.line(layerLine(layer, done));
    }
  }
}
