package dev.chatbot.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * A scripted HTTP server standing in for the Hugging Face router or Ollama. Each request takes the
 * next scripted {@link Reply} (or the default one) and is recorded for assertions. The wire-format
 * builders below reproduce the shapes in shared/reference/llm-apis.md.
 */
final class FakeUpstream implements AutoCloseable {

  /** A recorded request. */
  record Recorded(String method, String path, Map<String, List<String>> headers, String body) {
    JsonNode json() {
      return TestClient.parse(body);
    }

    String header(String name) {
      for (Map.Entry<String, List<String>> e : headers.entrySet()) {
        if (e.getKey().equalsIgnoreCase(name)) {
          return e.getValue().get(0);
        }
      }
      return null;
    }
  }

  /** A scripted answer: status, headers, and body parts written (and flushed) one by one. */
  record Reply(
      int status,
      String contentType,
      Map<String, String> headers,
      List<String> parts,
      long delayBetweenMillis,
      long delayBeforeMillis,
      CountDownLatch holdBeforeLastPart) {

    static Reply json(int status, String body) {
      return new Reply(status, "application/json", Map.of(), List.of(body), 0, 0, null);
    }

    Reply withHeader(String name, String value) {
      Map<String, String> h = new java.util.HashMap<>(headers);
      h.put(name, value);
      return new Reply(
          status, contentType, h, parts, delayBetweenMillis, delayBeforeMillis, holdBeforeLastPart);
    }

    Reply delayedBy(long millis) {
      return new Reply(
          status, contentType, headers, parts, delayBetweenMillis, millis, holdBeforeLastPart);
    }

    Reply spacedBy(long millis) {
      return new Reply(
          status, contentType, headers, parts, millis, delayBeforeMillis, holdBeforeLastPart);
    }

    Reply holdingLastPartUntil(CountDownLatch latch) {
      return new Reply(
          status, contentType, headers, parts, delayBetweenMillis, delayBeforeMillis, latch);
    }
  }

  private final HttpServer server;
  private final ConcurrentLinkedDeque<Reply> script = new ConcurrentLinkedDeque<>();
  private final List<Recorded> requests = Collections.synchronizedList(new ArrayList<>());
  private volatile Reply fallbackReply;
  private volatile Reply preloadReply;

  FakeUpstream(Reply defaultReply) throws IOException {
    this.fallbackReply = defaultReply;
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.setExecutor(Executors.newCachedThreadPool());
    server.createContext("/", this::handle);
    server.start();
  }

  String baseUrl() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  FakeUpstream then(Reply reply) {
    script.add(reply);
    return this;
  }

  void setDefault(Reply reply) {
    this.fallbackReply = reply;
  }

  /** For Ollama: the answer to a preload ({@code messages: []}). */
  void setPreload(Reply reply) {
    this.preloadReply = reply;
  }

  List<Recorded> requests() {
    synchronized (requests) {
      return new ArrayList<>(requests);
    }
  }

  /** Requests other than Ollama preloads. */
  List<Recorded> chatRequests() {
    return requests().stream().filter(r -> !isPreload(r)).toList();
  }

  private static boolean isPreload(Recorded r) {
    JsonNode json = r.json();
    return json != null && json.path("messages").isArray() && json.path("messages").isEmpty();
  }

  private void handle(HttpExchange exchange) throws IOException {
    String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
    Recorded recorded =
        new Recorded(
            exchange.getRequestMethod(),
            exchange.getRequestURI().getPath(),
            Map.copyOf(exchange.getRequestHeaders()),
            body);
    requests.add(recorded);
    Reply reply;
    if (preloadReply != null && isPreload(recorded)) {
      reply = preloadReply;
    } else {
      Reply next = script.poll();
      reply = next != null ? next : fallbackReply;
    }
    try {
      pause(reply.delayBeforeMillis());
      exchange.getResponseHeaders().set("Content-Type", reply.contentType());
      reply.headers().forEach((k, v) -> exchange.getResponseHeaders().set(k, v));
      boolean streamed = reply.parts().size() > 1 || reply.delayBetweenMillis() > 0;
      byte[] single =
          streamed ? null : String.join("", reply.parts()).getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(reply.status(), streamed ? 0 : single.length);
      try (OutputStream out = exchange.getResponseBody()) {
        if (!streamed) {
          out.write(single);
          return;
        }
        List<String> parts = reply.parts();
        for (int i = 0; i < parts.size(); i++) {
          if (i > 0) {
            pause(reply.delayBetweenMillis());
          }
          if (i == parts.size() - 1 && reply.holdBeforeLastPart() != null) {
            reply.holdBeforeLastPart().await(30, TimeUnit.SECONDS);
          }
          out.write(parts.get(i).getBytes(StandardCharsets.UTF_8));
          out.flush();
        }
      }
    } catch (IOException | InterruptedException e) {
      // the client went away (e.g. a timeout test)
    } finally {
      exchange.close();
    }
  }

  private static void pause(long millis) throws InterruptedException {
    if (millis > 0) {
      Thread.sleep(millis); // the fake's own pacing, not a test wait
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }

  // ---- Hugging Face router wire format ----

  static Reply hfCompletion(String text) {
    return Reply.json(
        200,
        "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\",\"created\":1730000000,"
            + "\"model\":\"meta-llama/Llama-3.1-8B-Instruct\",\"choices\":[{\"index\":0,"
            + "\"message\":{\"role\":\"assistant\",\"content\":"
            + TestClient.quote(text)
            + "},\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":12,"
            + "\"completion_tokens\":5,\"total_tokens\":17}}");
  }

  static String hfChunk(String delta) {
    return "data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1730000000,"
        + "\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{\"content\":"
        + TestClient.quote(delta)
        + "},\"finish_reason\":null}]}\n\n";
  }

  static String hfFinalChunk() {
    return "data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1730000000,"
        + "\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}],"
        + "\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":3,\"total_tokens\":15}}\n\n";
  }

  static Reply hfStream(String... deltas) {
    List<String> parts = new ArrayList<>();
    parts.add(": keep-alive comment\n\n");
    for (String d : deltas) {
      parts.add(hfChunk(d));
    }
    parts.add(hfFinalChunk());
    parts.add("data: [DONE]\n\n");
    return new Reply(200, "text/event-stream", Map.of(), parts, 0, 0, null);
  }

  /** A stream that sends some deltas, then an error event, and no [DONE]. */
  static Reply hfStreamBreaking(String... deltas) {
    List<String> parts = new ArrayList<>();
    for (String d : deltas) {
      parts.add(hfChunk(d));
    }
    parts.add("data: {\"error\":{\"message\":\"SECRET-UPSTREAM-DETAIL generation failed\"}}\n\n");
    return new Reply(200, "text/event-stream", Map.of(), parts, 0, 0, null);
  }

  /** An HF error answer with the reference's body shapes. */
  static Reply hfError(int status) {
    String body =
        switch (status) {
          case 401 ->
              "{\"error\":\"Invalid credentials in Authorization header SECRET-UPSTREAM-DETAIL\"}";
          case 402 ->
              "{\"error\":\"You have exceeded your monthly included credits SECRET-UPSTREAM-DETAIL\"}";
          case 403 -> "{\"error\":{\"message\":\"gated model SECRET-UPSTREAM-DETAIL\"}}";
          case 404 -> "{\"error\":\"Model not supported by any provider SECRET-UPSTREAM-DETAIL\"}";
          case 429 ->
              "{\"error\":\"Rate limit reached SECRET-UPSTREAM-DETAIL\",\"error_type\":\"overloaded\"}";
          case 503 ->
              "{\"error\":\"Model X is currently loading SECRET-UPSTREAM-DETAIL\",\"estimated_time\":1.0}";
          case 422 ->
              "{\"error\":\"Input validation error SECRET-UPSTREAM-DETAIL\",\"error_type\":\"validation\"}";
          case 424 ->
              "{\"error\":\"Request failed during generation SECRET-UPSTREAM-DETAIL\","
                  + "\"error_type\":\"generation\"}";
          default ->
              "{\"error\":\"Request failed during generation SECRET-UPSTREAM-DETAIL\","
                  + "\"error_type\":\"incomplete_generation\"}";
        };
    return Reply.json(status, body);
  }

  // ---- Ollama wire format ----

  static String ollamaLine(String content, boolean done) {
    if (!done) {
      return "{\"model\":\"llama3.2\",\"created_at\":\"2025-01-01T00:00:00Z\",\"message\":{\"role\":"
          + "\"assistant\",\"content\":"
          + TestClient.quote(content)
          + "},\"done\":false}\n";
    }
    return "{\"model\":\"llama3.2\",\"created_at\":\"2025-01-01T00:00:01Z\",\"message\":{\"role\":"
        + "\"assistant\",\"content\":\"\"},\"done\":true,\"done_reason\":\"stop\","
        + "\"total_duration\":1000,\"load_duration\":10,\"prompt_eval_count\":9,"
        + "\"prompt_eval_duration\":100,\"eval_count\":3,\"eval_duration\":500}\n";
  }

  static Reply ollamaStream(String... deltas) {
    List<String> parts = new ArrayList<>();
    for (String d : deltas) {
      parts.add(ollamaLine(d, false));
    }
    parts.add(ollamaLine("", true));
    return new Reply(200, "application/x-ndjson", Map.of(), parts, 0, 0, null);
  }

  static Reply ollamaStreamBreaking(String... deltas) {
    List<String> parts = new ArrayList<>();
    for (String d : deltas) {
      parts.add(ollamaLine(d, false));
    }
    parts.add(
        "{\"error\":\"an error was encountered while running the model SECRET-UPSTREAM-DETAIL\"}\n");
    return new Reply(200, "application/x-ndjson", Map.of(), parts, 0, 0, null);
  }

  static Reply ollamaCompletion(String text) {
    return Reply.json(
        200,
        "{\"model\":\"llama3.2\",\"created_at\":\"2025-01-01T00:00:00Z\",\"message\":{\"role\":"
            + "\"assistant\",\"content\":"
            + TestClient.quote(text)
            + "},\"done\":true,\"done_reason\":\"stop\",\"total_duration\":1000,"
            + "\"load_duration\":10,\"prompt_eval_count\":9,\"prompt_eval_duration\":100,"
            + "\"eval_count\":3,\"eval_duration\":500}");
  }

  static Reply ollamaLoaded() {
    return Reply.json(
        200,
        "{\"model\":\"llama3.2\",\"created_at\":\"2025-01-01T00:00:00Z\",\"message\":{\"role\":"
            + "\"assistant\",\"content\":\"\"},\"done_reason\":\"load\",\"done\":true}");
  }

  static Reply ollamaError(int status, String message) {
    return Reply.json(status, "{\"error\":" + TestClient.quote(message) + "}");
  }
}
