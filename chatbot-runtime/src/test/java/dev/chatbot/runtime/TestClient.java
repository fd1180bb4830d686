package dev.chatbot.runtime;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/** A small HTTP client for the tests, with a server-sent-events reader. */
final class TestClient {

  private static final HttpClient CLIENT =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();

  private final String base;
  private final Duration timeout;

  TestClient(String base) {
    this(base, Duration.ofSeconds(30));
  }

  private TestClient(String base, Duration timeout) {
    this.base = base;
    this.timeout = timeout;
  }

  /** The same server, waiting longer for answers. */
  TestClient withTimeout(Duration timeout) {
    return new TestClient(base, timeout);
  }

  static TestClient of(RuntimeServer server) {
    return new TestClient("http://127.0.0.1:" + server.port());
  }

  HttpResponse<String> get(String path) throws IOException, InterruptedException {
    return CLIENT.send(
        HttpRequest.newBuilder(URI.create(base + path)).timeout(timeout).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  HttpResponse<String> post(String path, String body) throws IOException, InterruptedException {
    return post(path, body, Map.of());
  }

  HttpResponse<String> post(String path, String body, Map<String, String> headers)
      throws IOException, InterruptedException {
    HttpRequest.Builder b = postOf(path, body);
    headers.forEach(b::header);
    return CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private HttpRequest.Builder postOf(String path, String body) {
    return HttpRequest.newBuilder(URI.create(base + path))
        .timeout(timeout)
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body));
  }

  /** Posts without a Content-Length: the body goes chunked, its size unknown until its end. */
  HttpResponse<String> postChunked(String path, String body)
      throws IOException, InterruptedException {
    return CLIENT.send(chunkedOf(path, body), HttpResponse.BodyHandlers.ofString());
  }

  CompletableFuture<HttpResponse<String>> postChunkedAsync(String path, String body) {
    return CLIENT.sendAsync(chunkedOf(path, body), HttpResponse.BodyHandlers.ofString());
  }

  private HttpRequest chunkedOf(String path, String body) {
    byte[] bytes = body.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    return postOf(path, body)
        .POST(
            HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(bytes)))
        .build();
  }

  /** Sends without waiting: many calls in flight at once, each on its own connection if need be. */
  CompletableFuture<HttpResponse<String>> postAsync(String path, String body) {
    return CLIENT.sendAsync(postOf(path, body).build(), HttpResponse.BodyHandlers.ofString());
  }

  HttpResponse<InputStream> postStream(String path, String body)
      throws IOException, InterruptedException {
    return CLIENT.send(postOf(path, body).build(), HttpResponse.BodyHandlers.ofInputStream());
  }

  private static final ObjectMapper MAPPER = new ObjectMapper();

  static JsonNode json(HttpResponse<String> response) {
    return parse(response.body());
  }

  /** Parses with Jackson (not the runtime's own JSON code); null when the text is not JSON. */
  static JsonNode parse(String text) {
    try {
      return text == null ? null : MAPPER.readTree(text);
    } catch (JsonProcessingException e) {
      return null;
    }
  }

  /** A JSON string literal. */
  static String quote(String text) {
    try {
      return MAPPER.writeValueAsString(text);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(e);
    }
  }

  /** One server-sent event; name is "message" when the event has no name. */
  record Event(String name, String data, long arrivedNanos) {
    JsonNode json() {
      return TestClient.parse(data);
    }
  }

  /** Reads all events of a stream, noting when each arrived. */
  static List<Event> events(InputStream in) throws IOException {
    List<Event> events = new ArrayList<>();
    try (BufferedReader reader =
        new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
      String name = "message";
      StringBuilder data = new StringBuilder();
      String line;
      while ((line = reader.readLine()) != null) {
        if (line.isEmpty()) {
          if (data.length() > 0) {
            events.add(new Event(name, data.toString(), System.nanoTime()));
          }
          name = "message";
          data.setLength(0);
        } else if (line.startsWith("event:")) {
          name = line.substring(6).strip();
        } else if (line.startsWith("data:")) {
          data.append(line.substring(5).strip());
        }
      }
    }
    return events;
  }

  static List<Event> events(HttpResponse<String> response) throws IOException {
    return events(
        new java.io.ByteArrayInputStream(response.body().getBytes(StandardCharsets.UTF_8)));
  }

  /**
   * The value of one series in a Prometheus scrape, e.g. {@code chatbot_held_requests_total} or
   * {@code chatbot_hold_given_up_total{reason="timeout"}}; 0 when absent.
   */
  static double metric(String scrape, String series) {
    for (String line : scrape.split("\n")) {
      if (line.startsWith(series + " ")) {
        return Double.parseDouble(line.substring(series.length() + 1).strip());
      }
    }
    return 0;
  }

  /** Concatenated text of the deltas of an /api/chat/stream answer. */
  static String apiText(List<Event> events) {
    StringBuilder sb = new StringBuilder();
    for (Event e : events) {
      if (e.name().equals("delta")) {
        sb.append(e.json().path("content").asText());
      }
    }
    return sb.toString();
  }

  /** Concatenated text of an OpenAI-style stream. */
  static String openAiText(List<Event> events) {
    StringBuilder sb = new StringBuilder();
    for (Event e : events) {
      if (!e.data().equals("[DONE]")) {
        sb.append(e.json().path("choices").path(0).path("delta").path("content").asText(""));
      }
    }
    return sb.toString();
  }
}
