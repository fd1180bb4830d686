package dev.chatbot.runtime;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * {@code java -jar chatbot-runtime.jar ollama serve|list|show|pull|--version}: the calls the
 * operator's downloader makes to Ollama's CLI, answered against {@code OLLAMA_HOST} (the stand-in
 * or a real server), so a stand-in image needs only a two-line {@code ollama} script. Exit codes as
 * Ollama's CLI: 0, or 1 with {@code Error: ...} on stderr.
 */
final class OllamaCli {

  private final String base;
  private final PrintStream out;
  private final PrintStream err;
  private final HttpClient client =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();

  OllamaCli(String ollamaHost, PrintStream out, PrintStream err) {
    String[] hostPort =
        Config.parseHostPort(ollamaHost == null || ollamaHost.isBlank() ? ":11434" : ollamaHost);
    String host = hostPort[0].equals("0.0.0.0") ? "127.0.0.1" : hostPort[0];
    this.base = "http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + hostPort[1];
    this.out = out;
    this.err = err;
  }

  /** Runs a command other than serve; returns the exit code. */
  int run(String[] args) {
    String command = args.length == 0 ? "" : args[0];
    String model = args.length > 1 ? args[1] : null;
    try {
      return switch (command) {
        case "list", "ls" -> list();
        case "show" -> model == null ? usage() : show(model);
        case "pull" -> model == null ? usage() : pull(model);
        case "-v", "--version" -> {
          out.println("ollama version is " + OllamaSim.VERSION);
          yield 0;
        }
        default -> usage();
      };
    } catch (IOException e) {
      err.println("Error: could not connect to ollama app at " + base + ", is it running?");
      return 1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 1;
    }
  }

  private int usage() {
    err.println("usage: ollama serve | list | show MODEL | pull MODEL | --version");
    return 2;
  }

  private HttpResponse<InputStream> send(String method, String path, JsonObject body)
      throws IOException, InterruptedException {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path));
    if (body == null) {
      b.method(method, HttpRequest.BodyPublishers.noBody());
    } else {
      b.header("Content-Type", "application/json")
          .method(method, HttpRequest.BodyPublishers.ofString(Json.write(body)));
    }
    return client.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
  }

  private static JsonObject model(String name) {
    JsonObject o = new JsonObject();
    o.addProperty("model", name);
    return o;
  }

  private static JsonElement json(HttpResponse<InputStream> r) throws IOException {
    return Json.parseOrNull(HttpSupport.readBody(r.body(), HttpSupport.MAX_ANSWER_BYTES));
  }

  private int error(JsonElement body, int status) {
    err.println("Error: " + Json.text(Json.at(body, "error"), "status " + status));
    return 1;
  }

  private int list() throws IOException, InterruptedException {
    HttpResponse<InputStream> r = send("GET", "/api/tags", null);
    JsonElement body = json(r);
    if (r.statusCode() != 200) {
      return error(body, r.statusCode());
    }
    out.printf("%-40s %-14s %-10s %s%n", "NAME", "ID", "SIZE", "MODIFIED");
    JsonElement models = Json.at(body, "models");
    if (models != null && models.isJsonArray()) {
      for (JsonElement m : models.getAsJsonArray()) {
        out.printf(
            "%-40s %-14s %-10s %s%n",
            Json.text(Json.at(m, "name"), ""),
            Json.text(Json.at(m, "digest"), "").substring(0, 12),
            PullCommand.bytes(Json.at(m, "size").getAsLong()).replaceFirst(" \\(.*", ""),
            Json.text(Json.at(m, "modified_at"), ""));
      }
    }
    return 0;
  }

  private int show(String name) throws IOException, InterruptedException {
    HttpResponse<InputStream> r = send("POST", "/api/show", model(name));
    JsonElement body = json(r);
    if (r.statusCode() != 200) {
      return error(body, r.statusCode());
    }
    out.println("  Model");
    out.println("    format    " + Json.text(Json.at(body, "details", "format"), ""));
    out.println("    family    " + Json.text(Json.at(body, "details", "family"), ""));
    return 0;
  }

  /** Prints each status; an error line (inside a 200) fails, as the real CLI does. */
  private int pull(String name) throws IOException, InterruptedException {
    HttpResponse<InputStream> r = send("POST", "/api/pull", model(name));
    if (r.statusCode() != 200) {
      return error(json(r), r.statusCode());
    }
    String last = "";
    try (BufferedReader reader =
        new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = reader.readLine()) != null) {
        JsonElement node = Json.parseOrNull(line);
        if (Json.hasError(node)) {
          return error(node, 200);
        }
        String status = Json.text(Json.at(node, "status"), "");
        if (!status.equals(last)) {
          out.println(status);
          last = status;
        }
      }
    }
    if (!last.equals("success")) {
      err.println("Error: the pull of " + name + " ended without success");
      return 1;
    }
    return 0;
  }
}
