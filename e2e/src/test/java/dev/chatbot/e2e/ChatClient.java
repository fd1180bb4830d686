package dev.chatbot.e2e;

import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/** The chat API of a chatbot (frontend or backend), over plain HTTP to an IP address. */
final class ChatClient {

  private static final HttpClient HTTP =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();

  private ChatClient() {}

  /** A non-streaming answer: status and JSON body. */
  record Answer(int status, Map<String, Object> body) {
    String reply() {
      return (String) body.get("reply");
    }
  }

  /** One server-sent event and when it arrived (System.nanoTime()). */
  record Event(String name, Map<String, Object> data, long arrivedNanos) {}

  static Answer chat(String baseUrl, String message) throws IOException, InterruptedException {
    HttpResponse<String> response =
        HTTP.send(post(baseUrl + "/api/chat", message), HttpResponse.BodyHandlers.ofString());
    @SuppressWarnings("unchecked")
    Map<String, Object> body = Serialization.unmarshal(response.body(), Map.class);
    return new Answer(response.statusCode(), body);
  }

  /** POST /api/chat/stream; returns the events, each stamped when its data line arrived. */
  static List<Event> stream(String baseUrl, String message)
      throws IOException, InterruptedException {
    HttpResponse<Stream<String>> response =
        HTTP.send(post(baseUrl + "/api/chat/stream", message), HttpResponse.BodyHandlers.ofLines());
    if (response.statusCode() != 200) {
      throw new IOException("stream answered " + response.statusCode());
    }
    List<Event> events = new ArrayList<>();
    String name = "message";
    try (Stream<String> lines = response.body()) {
      Iterator<String> it = lines.iterator();
      while (it.hasNext()) {
        String line = it.next();
        if (line.startsWith("event:")) {
          name = line.substring(6).trim();
        } else if (line.startsWith("data:")) {
          @SuppressWarnings("unchecked")
          Map<String, Object> data = Serialization.unmarshal(line.substring(5).trim(), Map.class);
          events.add(new Event(name, data, System.nanoTime()));
          name = "message";
        }
      }
    }
    return events;
  }

  private static HttpRequest post(String url, String message) {
    return HttpRequest.newBuilder(URI.create(url))
        .timeout(Duration.ofSeconds(30))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(Serialization.asJson(Map.of("message", message))))
        .build();
  }

  /** GET a plain-text page (e.g. a pod's /metrics). */
  static String get(String url) throws IOException, InterruptedException {
    HttpResponse<String> response =
        HTTP.send(
            HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
            HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 200) {
      throw new IOException(url + " answered " + response.statusCode());
    }
    return response.body();
  }
}
