package dev.chatbot.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.marcnuri.helm.Helm;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Issue 9, "one command to see it work": {@code java -jar operator/target/chatbot-operator-*.jar
 * demo} run as a process with the cluster already up: its chat page and a chat through its local
 * port, then Ctrl-C (SIGINT) removes the release, the namespace and the CRD it installed, and
 * leaves the cluster running (the demo did not start it).
 */
@OneNodeCluster
class DemoE2E {
  static final String NAMESPACE = "chatbot-demo";
  static final String RELEASE = "chatbot-operator-demo";
  static final Pattern OPEN = Pattern.compile("open (http://127\\.0\\.0\\.1:\\d+/)");

  @Test
  void servesTheChatPageUntilCtrlCThenRemovesWhatItMade(Cluster cluster) throws Exception {
    // The shared release would reconcile the demo's chatbot too (the demo refuses to start then).
    cluster.withoutOperator();
    boolean crdBefore = crdExists(cluster);
    List<String> output = new CopyOnWriteArrayList<>();
    Process demo = start(cluster, output);
    long start = System.nanoTime();
    try {
      await("the demo's \"open http://127.0.0.1:PORT/\" line")
          .atMost(Duration.ofMinutes(6))
          .pollInterval(Duration.ofMillis(200))
          .failFast("the demo exited", () -> !demo.isAlive())
          .until(() -> url(output) != null);
      double seconds = (System.nanoTime() - start) / 1e9;
      String url = url(output);
      System.out.printf(
          "| demo, cluster already up | %.1f s to the \"open\" line | load average %s |%n",
          seconds, loadAverage());

      HttpResponse<String> page =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
                  HttpResponse.BodyHandlers.ofString());
      assertThat(page.statusCode()).isEqualTo(200);
      assertThat(page.body()).contains("<title>Chatbot</title>", "app.js");
      ChatClient.Answer answer = ChatClient.chat(url.substring(0, url.length() - 1), "hello");
      assertThat(answer.status()).isEqualTo(200);
      assertThat(answer.reply()).isNotBlank();

      new ProcessBuilder("kill", "-INT", String.valueOf(demo.pid())).start().waitFor();
      assertThat(demo.waitFor(4, TimeUnit.MINUTES)).as("the demo exits after Ctrl-C").isTrue();
      assertThat(demo.exitValue()).as("exit code after SIGINT").isEqualTo(130);
      assertThat(String.join("\n", output))
          .contains("reusing it", "uninstalling the Helm release " + RELEASE)
          .doesNotContain("stopping the cluster");
      assertThat(cluster.client().namespaces().withName(NAMESPACE).get())
          .as("namespace " + NAMESPACE + " gone (release, chatbot and all)")
          .isNull();
      assertThat(Helm.list().withKubeConfig(cluster.kubeconfig()).allNamespaces().all().call())
          .noneMatch(r -> RELEASE.equals(r.getName()));
      assertThat(crdExists(cluster)).as("the CRD as before the demo").isEqualTo(crdBefore);
      assertThat(Cluster.whyNotRunning()).as("the cluster still running").isEmpty();
    } catch (AssertionError | RuntimeException e) {
      output.forEach(System.out::println);
      throw e;
    } finally {
      if (demo.isAlive()) {
        demo.destroyForcibly().waitFor(1, TimeUnit.MINUTES);
        Helm.uninstall(RELEASE)
            .withKubeConfig(cluster.kubeconfig())
            .withNamespace(NAMESPACE)
            .ignoreNotFound()
            .call();
        cluster.deleteNamespace(NAMESPACE, false);
      }
    }
  }

  private static Process start(Cluster cluster, List<String> output) throws IOException {
    Path jar;
    try (Stream<Path> files = Files.list(cluster.repoRoot().resolve("operator/target"))) {
      jar =
          files
              // The runnable jar, not one with a classifier (-tests, -sources).
              .filter(
                  p ->
                      p.getFileName()
                          .toString()
                          .matches("chatbot-operator-\\d+\\.\\d+\\.\\d+(-SNAPSHOT)?\\.jar"))
              .findFirst()
              .orElseThrow(() -> new IllegalStateException("no operator/target/*.jar"));
    }
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    // As from a terminal: a build started in the background (CI, a script's `&`) hands its
    // children SIGINT ignored, and a JVM cannot take an ignored SIGINT back; env resets it.
    ProcessBuilder builder =
        new ProcessBuilder(
                "env",
                "--default-signal=INT",
                java.toString(),
                "-jar",
                jar.toString(),
                "demo",
                "--port",
                "0")
            .directory(cluster.repoRoot().toFile())
            .redirectErrorStream(true);
    builder.environment().put("CLUSTER_CACHE", Cluster.runDir().getParent().toString());
    Process process = builder.start();
    Thread reader =
        new Thread(
            () -> {
              try (BufferedReader lines =
                  new BufferedReader(
                      new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = lines.readLine()) != null) {
                  output.add(line);
                  System.out.println("demo> " + line);
                }
              } catch (IOException e) {
                output.add("(output lost: " + e + ")");
              }
            },
            "demo-output");
    reader.setDaemon(true);
    reader.start();
    return process;
  }

  private static String url(List<String> output) {
    for (String line : output) {
      Matcher m = OPEN.matcher(line);
      if (m.find()) {
        return m.group(1);
      }
    }
    return null;
  }

  private static boolean crdExists(Cluster cluster) {
    return cluster
            .client()
            .apiextensions()
            .v1()
            .customResourceDefinitions()
            .withName(OperatorRelease.CRD)
            .get()
        != null;
  }

  private static String loadAverage() throws IOException {
    return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
  }
}
