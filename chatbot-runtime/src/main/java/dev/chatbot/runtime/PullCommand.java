package dev.chatbot.runtime;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
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
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * {@code java -jar chatbot-runtime.jar pull [options] MODEL...}: drives an Ollama server's {@code
 * POST /api/pull} for each model and prints one JSON line per event and at most one progress line
 * per interval, so a log reader (the operator) can follow a download. A pull that makes no progress
 * for --stall-seconds is cut and started again (Ollama resumes from the bytes it stored), up to
 * --retries times. The output and exit codes are specified in docs/runtime-contract.md.
 */
public final class PullCommand {

  static final int OK = 0;
  static final int FAILED = 1;
  static final int USAGE = 2;
  static final int DISK_FULL = 3;
  static final int STALLED = 4;
  static final int UNREACHABLE = 5;

  static final String USAGE_TEXT =
      "usage: pull [--ollama URL] [--stall-seconds N] [--retries N] [--interval-seconds N]"
          + " [--wait-seconds N] [--volume PATH] [--termination-log PATH] MODEL...";

  /** Parsed command line. */
  record Options(
      String ollama,
      int stallSeconds,
      int retries,
      int intervalSeconds,
      int waitSeconds,
      Path volume,
      Path terminationLog,
      List<String> models) {}

  /** How one model's pull ended. */
  private record Outcome(int code, String reason, String message) {
    static final Outcome SUCCESS = new Outcome(OK, null, null);
  }

  private final Options options;
  private final PrintStream out;
  private final PrintStream err;
  private final HttpClient client;

  private PullCommand(Options options, PrintStream out, PrintStream err) {
    this.options = options;
    this.out = out;
    this.err = err;
    this.client =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10))
            .build();
  }

  public static void main(String[] args) {
    System.exit(run(args, System.out, System.err, System.getenv("OLLAMA_HOST")));
  }

  /** Runs the command; returns the exit code. */
  static int run(String[] args, PrintStream out, PrintStream err, String ollamaHost) {
    Options options;
    try {
      options = parse(args, ollamaHost);
    } catch (IllegalArgumentException e) {
      err.println("chatbot-runtime pull: " + e.getMessage());
      err.println(USAGE_TEXT);
      return USAGE;
    }
    return new PullCommand(options, out, err).run();
  }

  static Options parse(String[] args, String ollamaHost) {
    String ollama = defaultOllama(ollamaHost);
    int stall = 120;
    int retries = 3;
    int interval = 5;
    int wait = 120;
    Path volume = null;
    Path terminationLog = null;
    List<String> models = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (!a.startsWith("--")) {
        models.add(a);
        continue;
      }
      if (i + 1 >= args.length) {
        throw new IllegalArgumentException(a + " needs a value");
      }
      String v = args[++i];
      switch (a) {
        case "--ollama" -> ollama = v.endsWith("/") ? v.substring(0, v.length() - 1) : v;
        case "--stall-seconds" -> stall = number(a, v, 1);
        case "--retries" -> retries = number(a, v, 0);
        case "--interval-seconds" -> interval = number(a, v, 0);
        case "--wait-seconds" -> wait = number(a, v, 0);
        case "--volume" -> volume = Path.of(v);
        case "--termination-log" -> terminationLog = Path.of(v);
        default -> throw new IllegalArgumentException("unknown option " + a);
      }
    }
    if (models.isEmpty()) {
      throw new IllegalArgumentException("no model named");
    }
    try {
      URI uri = URI.create(ollama);
      if (uri.getHost() == null || !uri.getScheme().startsWith("http")) {
        throw new IllegalArgumentException();
      }
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("--ollama: expected an http URL, got '" + ollama + "'");
    }
    return new Options(ollama, stall, retries, interval, wait, volume, terminationLog, models);
  }

  private static String defaultOllama(String ollamaHost) {
    if (ollamaHost == null || ollamaHost.isBlank()) {
      return "http://127.0.0.1:11434";
    }
    String[] hostPort = Config.parseHostPort(ollamaHost);
    String host = hostPort[0].equals("0.0.0.0") ? "127.0.0.1" : hostPort[0];
    return "http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + hostPort[1];
  }

  private static int number(String option, String value, int min) {
    try {
      int n = Integer.parseInt(value);
      if (n >= min) {
        return n;
      }
    } catch (NumberFormatException ignored) {
      // reported below
    }
    throw new IllegalArgumentException(option + ": expected an integer >= " + min);
  }

  private int run() {
    if (!waitForOllama()) {
      return fail(
          options.models().get(0),
          new Outcome(
              UNREACHABLE,
              "unreachable",
              "Ollama at "
                  + options.ollama()
                  + " did not answer within "
                  + options.waitSeconds()
                  + " s"),
          null);
    }
    List<String> done = new ArrayList<>();
    long bytes = 0;
    for (String model : options.models()) {
      Tracker t = new Tracker(model);
      Outcome o = pullWithRetries(t);
      if (o.code() != OK) {
        return fail(model, o, t);
      }
      done.add(model);
      bytes += t.total();
    }
    JsonObject summary = new JsonObject();
    summary.addProperty("time", Instant.now().toString());
    summary.addProperty("status", "success");
    JsonArray models = new JsonArray();
    done.forEach(models::add);
    summary.add("models", models);
    summary.addProperty("total", bytes);
    emit(summary);
    terminationLog(summary);
    return OK;
  }

  private boolean waitForOllama() {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(options.waitSeconds());
    boolean said = false;
    while (true) {
      try {
        HttpResponse<Void> r =
            client.send(
                HttpRequest.newBuilder(URI.create(options.ollama() + "/api/version"))
                    .timeout(Duration.ofSeconds(10))
                    .build(),
                HttpResponse.BodyHandlers.discarding());
        if (r.statusCode() == 200) {
          return true;
        }
      } catch (IOException e) {
        // not up yet
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
      if (System.nanoTime() > deadline) {
        return false;
      }
      if (!said) {
        said = true;
        JsonObject o = line(options.models().get(0), "waiting");
        o.addProperty("message", "waiting for Ollama at " + options.ollama());
        emit(o);
      }
      sleep(500);
    }
  }

  private Outcome pullWithRetries(Tracker t) {
    for (int attempt = 1; ; attempt++) {
      t.attempt = attempt;
      Outcome o = pullOnce(t);
      boolean retryable = o.code() == STALLED || o.code() == UNREACHABLE;
      if (!retryable || attempt > options.retries()) {
        return o;
      }
      JsonObject r = t.progressLine("retrying");
      r.addProperty("reason", o.reason());
      r.addProperty(
          "message",
          o.message()
              + "; retrying (attempt "
              + (attempt + 1)
              + " of "
              + (options.retries() + 1)
              + ")");
      emit(r);
      sleep(Math.min(30_000, 1000L << Math.min(attempt - 1, 5)));
    }
  }

  /** One POST /api/pull, read to its end, cut when it stalls. */
  private Outcome pullOnce(Tracker t) {
    JsonObject body = new JsonObject();
    body.addProperty("model", t.model);
    body.addProperty("stream", true);
    HttpResponse<InputStream> response;
    try {
      response =
          client.send(
              HttpRequest.newBuilder(URI.create(options.ollama() + "/api/pull"))
                  .timeout(Duration.ofSeconds(options.stallSeconds()))
                  .header("Content-Type", "application/json")
                  .POST(HttpRequest.BodyPublishers.ofString(Json.write(body)))
                  .build(),
              HttpResponse.BodyHandlers.ofInputStream());
    } catch (IOException e) {
      return new Outcome(
          UNREACHABLE, "unreachable", "Ollama at " + options.ollama() + " is not reachable");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Outcome(FAILED, "error", "interrupted");
    }
    t.startAttempt();
    InputStream in = response.body();
    ScheduledFuture<?> watchdog =
        HttpSupport.TIMER.scheduleAtFixedRate(
            () -> {
              if (t.stalled(options.stallSeconds())) {
                t.cut = true;
                try {
                  in.close();
                } catch (IOException ignored) {
                  // closing only to unblock the reader
                }
              }
            },
            1,
            1,
            TimeUnit.SECONDS);
    try (BufferedReader reader =
        new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
      if (response.statusCode() != 200) {
        String text = reader.readLine();
        String error = Json.text(Json.at(Json.parseOrNull(text), "error"), "");
        return new Outcome(
            FAILED,
            "error",
            "Ollama answered " + response.statusCode() + (error.isEmpty() ? "" : ": " + error));
      }
      String text;
      while ((text = reader.readLine()) != null) {
        if (text.isBlank()) {
          continue;
        }
        JsonElement node = Json.parseOrNull(text);
        if (node == null) {
          continue;
        }
        String error = Json.text(Json.at(node, "error"), null);
        if (error != null) {
          return errorLine(t, error);
        }
        String status = Json.text(Json.at(node, "status"), "");
        if (status.equals("success")) {
          t.finished();
          JsonObject s = t.progressLine("success");
          emit(s);
          return Outcome.SUCCESS;
        }
        t.onLine(status, node);
        if (t.phaseChanged() || t.due(options.intervalSeconds())) {
          emit(t.progressLine(t.phase()));
        }
      }
      if (t.cut) {
        return stalledOutcome(t);
      }
      return new Outcome(
          UNREACHABLE, "unreachable", "Ollama ended the pull of " + t.model + " without success");
    } catch (IOException e) {
      if (t.cut) {
        return stalledOutcome(t);
      }
      return new Outcome(
          UNREACHABLE,
          "unreachable",
          "the connection to Ollama broke during the pull of " + t.model);
    } finally {
      watchdog.cancel(false);
    }
  }

  private Outcome stalledOutcome(Tracker t) {
    return new Outcome(
        STALLED,
        "stalled",
        "no progress for "
            + options.stallSeconds()
            + " s at "
            + bytes(t.completed())
            + " of "
            + bytes(t.total())
            + " of "
            + t.model);
  }

  private Outcome errorLine(Tracker t, String error) {
    if (error.toLowerCase(Locale.ROOT).contains("no space left on device")) {
      StringBuilder m =
          new StringBuilder("no space left on device: model ")
              .append(t.model)
              // Ollama announces layers one by one: the ones not started yet are not counted.
              .append(" needs at least ")
              .append(bytes(t.total()))
              .append(", ")
              .append(bytes(t.completed()))
              .append(" of it were stored when the volume filled");
      if (options.volume() != null) {
        try {
          FileStore fs = Files.getFileStore(options.volume());
          m.append("; the volume at ")
              .append(options.volume())
              .append(" holds ")
              .append(bytes(fs.getTotalSpace()))
              .append(", ")
              .append(bytes(fs.getUsableSpace()))
              .append(" free");
        } catch (IOException ignored) {
          // sizes of the model are reported anyway
        }
      }
      return new Outcome(DISK_FULL, "disk_full", m.toString());
    }
    return new Outcome(FAILED, "error", "Ollama reported: " + error);
  }

  private int fail(String model, Outcome o, Tracker t) {
    JsonObject f = t == null ? line(model, "failed") : t.progressLine("failed");
    f.addProperty("reason", o.reason());
    f.addProperty("error", o.message());
    if (o.code() == DISK_FULL && options.volume() != null) {
      try {
        FileStore fs = Files.getFileStore(options.volume());
        f.addProperty("volume_bytes", fs.getTotalSpace());
        f.addProperty("volume_free_bytes", fs.getUsableSpace());
      } catch (IOException ignored) {
        // optional
      }
    }
    emit(f);
    terminationLog(f);
    err.println("chatbot-runtime pull: " + model + ": " + o.message());
    return o.code();
  }

  private void emit(JsonObject o) {
    out.println(Json.write(o));
    out.flush();
  }

  /** The container's termination message (Kubernetes keeps up to 4 KiB of it in pod status). */
  private void terminationLog(JsonObject o) {
    if (options.terminationLog() == null) {
      return;
    }
    try {
      Files.writeString(options.terminationLog(), Json.write(o) + "\n", StandardCharsets.UTF_8);
    } catch (IOException e) {
      err.println("chatbot-runtime pull: cannot write " + options.terminationLog());
    }
  }

  static JsonObject line(String model, String status) {
    JsonObject o = new JsonObject();
    o.addProperty("time", Instant.now().toString());
    o.addProperty("model", model);
    o.addProperty("status", status);
    return o;
  }

  /** "1.5 GB (1500000000 bytes)": readable, and exact for a parser. */
  static String bytes(long n) {
    String[] units = {"B", "kB", "MB", "GB", "TB"};
    double v = n;
    int u = 0;
    while (v >= 1000 && u < units.length - 1) {
      v /= 1000;
      u++;
    }
    String readable = u == 0 ? n + " B" : String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    return readable + " (" + n + " bytes)";
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** One model's progress across attempts: bytes per layer, rate, phase, stall clock. */
  private static final class Tracker {
    final String model;
    final Map<String, long[]> layers = new LinkedHashMap<>(); // digest -> {total, completed}
    int attempt;
    volatile boolean cut;
    private volatile long lastProgressNanos;
    private volatile String phase = "pulling";
    private String printedPhase;
    private long printedNanos;
    private long printedCompleted;
    private double rate;

    Tracker(String model) {
      this.model = model;
    }

    synchronized long total() {
      long sum = 0;
      for (long[] l : layers.values()) {
        sum += l[0];
      }
      return sum;
    }

    synchronized long completed() {
      long sum = 0;
      for (long[] l : layers.values()) {
        sum += l[1];
      }
      return sum;
    }

    void startAttempt() {
      cut = false;
      phase = "pulling";
      printedPhase = null;
      lastProgressNanos = System.nanoTime();
    }

    String phase() {
      return phase;
    }

    /** Only while bytes should be flowing: verifying a big blob takes minutes without lines. */
    boolean stalled(int stallSeconds) {
      return phase.equals("pulling")
          && System.nanoTime() - lastProgressNanos > TimeUnit.SECONDS.toNanos(stallSeconds);
    }

    synchronized void onLine(String status, JsonElement node) {
      if (status.startsWith("pulling ") && !status.equals("pulling manifest")) {
        String digest = Json.text(Json.at(node, "digest"), status);
        long total = Json.integer(Json.at(node, "total"), 0);
        JsonElement c = Json.at(node, "completed");
        long completed = c != null && c.isJsonPrimitive() ? c.getAsLong() : 0;
        long[] l = layers.get(digest);
        boolean progress = l == null;
        if (l == null) {
          l = new long[2];
          layers.put(digest, l);
        }
        progress |= completed > l[1];
        l[0] = Math.max(l[0], total);
        l[1] = Math.max(l[1], completed);
        if (progress) {
          lastProgressNanos = System.nanoTime();
        }
        phase = "pulling";
      } else if (status.startsWith("verifying") || status.startsWith("writing")) {
        phase = "verifying";
      }
    }

    void finished() {
      phase = "success";
    }

    boolean phaseChanged() {
      return !phase.equals(printedPhase);
    }

    boolean due(int intervalSeconds) {
      return System.nanoTime() - printedNanos >= TimeUnit.SECONDS.toNanos(intervalSeconds);
    }

    /** A line with the numbers; the rate covers the time since the previous printed line. */
    synchronized JsonObject progressLine(String status) {
      long now = System.nanoTime();
      long completed = completed();
      long total = total();
      if (printedNanos > 0 && now > printedNanos && completed >= printedCompleted) {
        double seconds = (now - printedNanos) / 1e9;
        if (seconds >= 0.5) {
          rate = (completed - printedCompleted) / seconds;
        }
      }
      JsonObject o = line(model, status);
      o.addProperty("completed", completed);
      o.addProperty("total", total);
      o.addProperty("percent", total == 0 ? 0 : Math.floor(completed * 1000.0 / total) / 10.0);
      o.addProperty("bytes_per_second", Math.round(rate));
      if (status.equals("pulling") && rate > 0 && total > completed) {
        o.addProperty("eta_seconds", Math.round((total - completed) / rate));
      } else {
        o.add("eta_seconds", JsonNull.INSTANCE);
      }
      o.addProperty("attempt", attempt);
      printedNanos = now;
      printedCompleted = completed;
      printedPhase = phase;
      return o;
    }
  }
}
