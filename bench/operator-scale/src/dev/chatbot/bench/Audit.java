package dev.chatbot.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.RandomAccessFile;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The API server's audit log (JSON lines, level Metadata): who asked what, and how long it took.
 */
final class Audit {
  static final Set<String> WRITES =
      Set.of("create", "update", "patch", "delete", "deletecollection");
  static final Set<String> READS = Set.of("get", "list");

  /**
   * One finished request.
   *
   * @param latencyMs from the request's arrival to its response's completion, in the API server
   */
  record Event(
      String user,
      String verb,
      String resource,
      String namespace,
      String name,
      int code,
      Instant received,
      double latencyMs) {
    boolean write() {
      return WRITES.contains(verb);
    }

    boolean read() {
      return READS.contains(verb);
    }
  }

  private static final ObjectMapper JSON = new ObjectMapper();

  private Audit() {}

  /** The log's current length: a mark to read from later. */
  static long mark(Path log) {
    try {
      return Files.size(log);
    } catch (IOException e) {
      return 0;
    }
  }

  /**
   * Requests that completed after byte {@code from} and that the API server received in [{@code
   * start}, {@code end}). Long-running watches are left out (their latency is their lifetime).
   */
  static List<Event> read(Path log, long from, Instant start, Instant end) throws IOException {
    List<Event> events = new ArrayList<>();
    try (RandomAccessFile file = new RandomAccessFile(log.toFile(), "r")) {
      file.seek(Math.max(0, from));
      BufferedReader in =
          new BufferedReader(
              new InputStreamReader(
                  Channels.newInputStream(file.getChannel()), StandardCharsets.UTF_8),
              1 << 20);
      String line;
      boolean first = from > 0;
      while ((line = in.readLine()) != null) {
        if (first) {
          first = false;
          if (!line.startsWith("{")) {
            continue; // the rest of a line that was being written at the mark
          }
        }
        if (!line.endsWith("}")) {
          continue;
        }
        JsonNode e;
        try {
          e = JSON.readTree(line);
        } catch (IOException partial) {
          continue;
        }
        if (!"ResponseComplete".equals(e.path("stage").asText())) {
          continue;
        }
        String verb = e.path("verb").asText();
        if ("watch".equals(verb)) {
          continue;
        }
        Instant received = Instant.parse(e.path("requestReceivedTimestamp").asText());
        if (received.isBefore(start) || !received.isBefore(end)) {
          continue;
        }
        Instant done = Instant.parse(e.path("stageTimestamp").asText());
        JsonNode ref = e.path("objectRef");
        String resource = ref.path("resource").asText("");
        if (ref.hasNonNull("subresource")) {
          resource += "/" + ref.path("subresource").asText();
        }
        events.add(
            new Event(
                e.path("user").path("username").asText(),
                verb,
                resource,
                ref.path("namespace").asText(""),
                ref.path("name").asText(""),
                e.path("responseStatus").path("code").asInt(),
                received,
                java.time.Duration.between(received, done).toNanos() / 1e6));
      }
    }
    return events;
  }
}
