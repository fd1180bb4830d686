package dev.chatbot.bench;

import static java.nio.charset.StandardCharsets.UTF_8;

import dev.chatbot.operator.envtest.ApiServer;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The operator jar as its own process, started the way the chart's pod starts it: the image's JVM
 * flags, the heap sized from the chart's memory limit, the chart's environment (all namespaces,
 * leader election on, a Lease namespace), and a kubeconfig of a user bound to exactly the chart's
 * RBAC rules. Samples its resident memory every 100 ms.
 */
final class OperatorProcess implements AutoCloseable {
  private static final Pattern GC_LINE =
      Pattern.compile("(\\d+)([KMG])->(\\d+)([KMG])\\((\\d+)([KMG])\\)");

  private final Process process;
  private final Path gcLog;
  private final Path log;
  private final int httpPort;
  private final HttpClient http = HttpClient.newHttpClient();
  private final Thread sampler;
  private volatile long peakRssKb;
  private volatile boolean sampling = true;

  OperatorProcess(
      String java,
      List<String> jvmFlags,
      Path jar,
      Path kubeconfig,
      Path dir,
      String name,
      Map<String, String> extraEnv)
      throws IOException {
    httpPort = ApiServer.freePorts(1)[0];
    gcLog = dir.resolve(name + "-gc.log");
    log = dir.resolve(name + ".log");
    List<String> command = new ArrayList<>();
    command.add(java);
    // "{name}" in a flag becomes this process's name, e.g. a JFR file per operator process.
    jvmFlags.forEach(f -> command.add(f.replace("{name}", name)));
    command.add("-Xlog:gc:file=" + gcLog + ":uptime");
    command.add("-jar");
    command.add(jar.toString());
    Files.writeString(log, String.join(" ", command) + "\n", UTF_8);
    ProcessBuilder pb =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
            .directory(dir.toFile());
    Map<String, String> env = pb.environment();
    env.keySet().removeIf(k -> k.startsWith("KUBERNETES_") || k.startsWith("JAVA_TOOL_OPTIONS"));
    env.remove("JDK_JAVA_OPTIONS");
    // What the chart's Deployment sets.
    env.put("WATCH_NAMESPACES", "");
    env.put("LEADER_ELECTION", "true");
    env.put("POD_NAMESPACE", OperatorScale.OPERATOR_NAMESPACE);
    env.put("HTTP_PORT", String.valueOf(httpPort));
    env.put("KUBECONFIG", kubeconfig.toString());
    env.put("AWS_EC2_METADATA_DISABLED", "true");
    env.putAll(extraEnv);
    process = pb.start();
    // An interrupted benchmark leaves no operator behind.
    Runtime.getRuntime().addShutdownHook(new Thread(process::destroyForcibly, "operator-stop"));
    sampler =
        new Thread(
            () -> {
              while (sampling && process.isAlive()) {
                long rss = ProcStats.rssKb(process.pid());
                if (rss > peakRssKb) {
                  peakRssKb = rss;
                }
                try {
                  Thread.sleep(100);
                } catch (InterruptedException e) {
                  return;
                }
              }
            },
            "rss-sampler");
    sampler.setDaemon(true);
    sampler.start();
  }

  long pid() {
    return process.pid();
  }

  boolean alive() {
    return process.isAlive();
  }

  Path log() {
    return log;
  }

  /** Peak resident memory sampled so far (and the kernel's high-water mark, whichever is more). */
  long peakRssKb() {
    return Math.max(peakRssKb, ProcStats.hwmKb(process.pid()));
  }

  /**
   * Starts a new peak: the kernel's high-water mark too (clear_refs 5, allowed on own processes).
   */
  void resetPeak() {
    ProcStats.resetHwm(process.pid());
    peakRssKb = ProcStats.rssKb(process.pid());
  }

  boolean ready() {
    return get("/readyz") == 200;
  }

  String metrics() {
    try {
      HttpRequest r =
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/metrics"))
              .timeout(Duration.ofSeconds(20))
              .build();
      return http.send(r, HttpResponse.BodyHandlers.ofString()).body();
    } catch (IOException e) {
      return "";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "";
    }
  }

  private int get(String path) {
    try {
      HttpRequest r =
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + path))
              .timeout(Duration.ofSeconds(5))
              .build();
      return http.send(r, HttpResponse.BodyHandlers.discarding()).statusCode();
    } catch (IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  /**
   * Heap occupancy after each collection so far (MiB), from the GC log: the largest value is the
   * peak of what survived a collection.
   */
  double maxHeapAfterGcMiB(long sinceUptimeMs) {
    double max = 0;
    try {
      for (String line : Files.readAllLines(gcLog, UTF_8)) {
        Matcher up = Pattern.compile("^\\[(\\d+)ms\\]").matcher(line);
        if (up.find() && Long.parseLong(up.group(1)) < sinceUptimeMs) {
          continue;
        }
        Matcher m = GC_LINE.matcher(line);
        if (m.find() && line.contains("Pause")) {
          max = Math.max(max, mib(m.group(3), m.group(4)));
        }
      }
    } catch (IOException ignored) {
      // no log yet
    }
    return max;
  }

  /** Total time of the GC pauses so far (seconds), from the GC log: the cost of the heap size. */
  double gcPauseSeconds() {
    double ms = 0;
    try {
      for (String line : Files.readAllLines(gcLog, UTF_8)) {
        Matcher m = Pattern.compile("Pause.* ([0-9.]+)ms$").matcher(line);
        if (m.find()) {
          ms += Double.parseDouble(m.group(1));
        }
      }
    } catch (IOException ignored) {
      // no log yet
    }
    return ms / 1000;
  }

  /** Milliseconds since the JVM started, the clock of the GC log. */
  long uptimeMs() {
    return process
        .info()
        .startInstant()
        .map(s -> Duration.between(s, java.time.Instant.now()).toMillis())
        .orElse(0L);
  }

  private static double mib(String n, String unit) {
    double v = Double.parseDouble(n);
    return switch (unit) {
      case "K" -> v / 1024;
      case "G" -> v * 1024;
      default -> v;
    };
  }

  /**
   * Runs a diagnostic command in the operator's JVM (the JDK's jcmd; the image runtime has none).
   */
  String jcmd(String jcmdBinary, String... args) {
    List<String> command = new ArrayList<>(List.of(jcmdBinary, String.valueOf(process.pid())));
    command.addAll(List.of(args));
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), UTF_8);
      p.waitFor(120, TimeUnit.SECONDS);
      return out;
    } catch (IOException e) {
      return "jcmd failed: " + e;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "interrupted";
    }
  }

  /** Stops it as Kubernetes would: SIGTERM, then SIGKILL after the grace period. */
  @Override
  public void close() {
    sampling = false;
    process.destroy();
    try {
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
  }
}
