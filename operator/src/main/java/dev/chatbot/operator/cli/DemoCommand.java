package dev.chatbot.operator.cli;

import com.marcnuri.helm.Helm;
import dev.chatbot.api.v1alpha1.ChatbotDeployment;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.LocalPortForward;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import sun.misc.Signal;

/**
 * {@code demo}: the product working on this machine. Brings up the project's one-node cluster
 * (hack/cluster.sh; a cluster already running is reused and left running), loads the images this
 * build made, installs the chart, applies examples/mock.yaml, waits for Ready, serves the chat page
 * on a localhost port, and on Ctrl-C removes what it started.
 */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Shows the operator working on this machine: starts the project's one-node Kubernetes"
          + " cluster (hack/cluster.sh; one already running is reused and stays running), loads the"
          + " images of this build (./mvnw -B -DskipTests -Pimage package first),"
          + " installs the Helm chart, applies examples/mock.yaml, waits until it is Ready and"
          + " serves its chat page on http://127.0.0.1:PORT/ until Ctrl-C, which removes"
          + " everything it started.",
      "Needs root on Debian 12 amd64 with a cgroup v1 or hybrid hierarchy (hack/cluster.sh);"
          + " elsewhere it says what to do instead. Run it in the source tree.",
      ""
    })
final class DemoCommand implements Callable<Integer> {
  static final String RELEASE = "chatbot-operator-demo";
  static final String NAMESPACE = "chatbot-demo";
  static final String CHATBOT = "demo";
  static final String CRD = "chatbotdeployments.chatbot.dev";

  @ParentCommand Cli parent;
  @Spec CommandSpec spec;

  @Option(
      names = {"-p", "--port"},
      paramLabel = "PORT",
      defaultValue = "8080",
      description = "Local port of the chat page; 0 picks a free one (default: ${DEFAULT-VALUE}).")
  int port;

  @Option(
      names = "--timeout",
      paramLabel = "SECONDS",
      defaultValue = "600",
      description =
          "How long the operator and the chatbot may take to become ready (default:"
              + " ${DEFAULT-VALUE}).")
  int timeoutSeconds;

  private PrintWriter out;
  private final long started = System.nanoTime();
  private final Deque<Step> teardown = new ArrayDeque<>();

  /** Something to undo on Ctrl-C. */
  private record Step(String what, Runnable action) {}

  @Override
  public Integer call() throws Exception {
    Cli.quietLogging(parent.debug);
    out = spec.commandLine().getOut();
    List<String> unfit = parent.demoMachine.get();
    if (!unfit.isEmpty()) {
      return refuse(unfit, spec.commandLine().getErr());
    }
    Path root = repoRoot();
    Path operatorTar = root.resolve("operator/target/jib-image.tar");
    Path runtimeTar = root.resolve("chatbot-runtime/target/jib-image.tar");
    for (Path tar : List.of(operatorTar, runtimeTar)) {
      if (!Files.isRegularFile(tar)) {
        out.println(
            "demo: no image "
                + tar
                + ": build the images first: ./mvnw -B -DskipTests -Pimage package");
        out.flush();
        return 1;
      }
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  tearDown();
                  stopped.countDown();
                },
                "demo-teardown"));

    Path cluster = root.resolve("hack/cluster.sh");
    boolean running = run(root, List.of(cluster.toString(), "status"), false) == 0;
    if (running) {
      say("the one-node cluster is running: reusing it (it stays running afterwards)");
    } else {
      say(
          "installing the one-node cluster (hack/cluster.sh install: the first time it installs"
              + " Debian packages and builds Kubernetes 1.20 from source, about 7 minutes on a 2-core"
              + " machine; later runs take a second)");
      check(run(root, List.of(cluster.toString(), "install"), true), "hack/cluster.sh install");
      say("starting the cluster (hack/cluster.sh start, about 20-60 s)");
      teardown.push(
          new Step(
              "stopping the cluster (hack/cluster.sh stop)",
              () -> run(root, List.of(cluster.toString(), "stop"), true)));
      check(run(root, List.of(cluster.toString(), "start"), true), "hack/cluster.sh start");
    }
    Map<String, String> facts = facts(root);
    say("loading this build's images into the node");
    check(
        run(
            root,
            List.of(cluster.toString(), "load", runtimeTar.toString(), operatorTar.toString()),
            true),
        "hack/cluster.sh load");
    ImageRef operatorImage = ImageRef.of(operatorTar);
    ImageRef runtimeImage = ImageRef.of(runtimeTar);

    Path kubeconfig = Path.of(facts.get("KUBECONFIG"));
    try (KubernetesClient client =
        new KubernetesClientBuilder()
            .withConfig(Config.fromKubeconfig(Files.readString(kubeconfig)))
            .build()) {
      List<String> others = otherOperators(client);
      if (!others.isEmpty()) {
        throw new IllegalStateException(
            "another chatbot-operator runs in this cluster ("
                + String.join(", ", others)
                + "): it would reconcile the demo's chatbot too; uninstall it first (helm"
                + " uninstall)");
      }
      boolean crdExisted =
          client.apiextensions().v1().customResourceDefinitions().withName(CRD).get() != null;
      removeLeftovers(client, kubeconfig);
      client
          .namespaces()
          .resource(
              new NamespaceBuilder()
                  .withNewMetadata()
                  .withName(NAMESPACE)
                  // Kubernetes 1.21+ sets it; the backends' NetworkPolicy selects by it.
                  .addToLabels("kubernetes.io/metadata.name", NAMESPACE)
                  .endMetadata()
                  .build())
          .create();
      teardown.push(
          new Step(
              "deleting namespace " + NAMESPACE,
              () -> {
                client.namespaces().withName(NAMESPACE).delete();
                waitUntil(
                    () -> client.namespaces().withName(NAMESPACE).get() == null,
                    Duration.ofMinutes(3));
              }));
      if (!crdExisted) {
        teardown.push(
            new Step(
                "deleting the CRD " + CRD + " (the chart installed it)",
                () ->
                    client
                        .apiextensions()
                        .v1()
                        .customResourceDefinitions()
                        .withName(CRD)
                        .delete()));
      }
      say(
          "installing the chart helm/chatbot-operator as release "
              + RELEASE
              + " in namespace "
              + NAMESPACE
              + " ("
              + operatorImage.reference()
              + ")");
      teardown.push(
          new Step("uninstalling the Helm release " + RELEASE, () -> uninstall(kubeconfig)));
      new Helm(root.resolve("helm/chatbot-operator"))
          .install()
          .withKubeConfig(kubeconfig)
          .withName(RELEASE)
          .withNamespace(NAMESPACE)
          .set("image.repository", operatorImage.repository())
          .set("image.tag", operatorImage.tag())
          .set("image.pullPolicy", "Never")
          .set("runtimeImage", runtimeImage.reference())
          .set("replicaCount", "1")
          .waitReady()
          .withTimeout(timeoutSeconds)
          .call();
      ctrlCExits();
      say("the operator is ready; applying examples/mock.yaml");
      GenericKubernetesResource chatbot =
          Serialization.unmarshal(
              Files.readString(root.resolve("examples/mock.yaml")),
              GenericKubernetesResource.class);
      chatbot.getMetadata().setNamespace(NAMESPACE);
      client.resource(chatbot).create();
      say("waiting for ChatbotDeployment " + CHATBOT + " to become Ready");
      waitReady(client);
      LocalPortForward forward = forward(client);
      teardown.push(new Step("closing the port-forward", () -> close(forward)));
      String url = "http://127.0.0.1:" + forward.getLocalPort() + "/";
      checkPage(url);
      String ns = "kubectl -n " + NAMESPACE + " ";
      String patch = "'{\"spec\":{\"phase\":\"huggingface\"}}'";
      out.println();
      out.printf(
          "demo: ready after %d s: open %s in a browser (the chat page)%n%n", seconds(), url);
      out.println("Try next, in another terminal:");
      out.printf(
          "  export KUBECONFIG=%s PATH=%s:$PATH%n",
          kubeconfig, Path.of(facts.get("KUBECTL")).getParent());
      out.println("  " + ns + "get cbd " + CHATBOT + " -o wide     # phase, active phase, Ready");
      out.println("  " + ns + "get deploy,svc,hpa,networkpolicy,cm   # what the operator made");
      out.println("  " + ns + "get events --sort-by=.lastTimestamp");
      out.println("  " + ns + "patch cbd " + CHATBOT + " --type merge -p " + patch);
      out.println(
          "      # a bad change: huggingface needs spec.huggingface.model and a token Secret; the"
              + " status says so and mock keeps serving");
      out.println("  " + ns + "get cbd " + CHATBOT + " -o jsonpath='{.status.conditions}'");
      out.println("  " + ns + "logs deploy/" + RELEASE + "   # the operator");
      out.println();
      out.println(
          "Ctrl-C stops: removes the chatbot, the release and its namespace"
              + (running ? "; the cluster stays running." : ", and stops the cluster."));
      out.flush();
      stopped.await();
    }
    return 0;
  }

  /**
   * Ctrl-C (SIGINT) exits with 130 through the teardown hook again: helm-java's Go runtime takes
   * SIGINT over when it loads and swallows it (Ctrl-C did nothing once the chart was installed).
   */
  static void ctrlCExits() {
    Signal.handle(new Signal("INT"), signal -> System.exit(130));
  }

  /** One line saying why not, then what to do instead; exit code 1. */
  static int refuse(List<String> reasons, PrintWriter err) {
    err.println(
        "chatbot-operator demo: this machine cannot run the project's one-node cluster: "
            + String.join("; ", reasons));
    err.println(DemoMachine.INSTEAD);
    err.flush();
    return 1;
  }

  /** Operator Deployments (by the chart's name label) outside the demo's namespace. */
  private static List<String> otherOperators(KubernetesClient client) {
    return client
        .apps()
        .deployments()
        .inAnyNamespace()
        .withLabel("app.kubernetes.io/name", "chatbot-operator")
        .list()
        .getItems()
        .stream()
        .filter(d -> !NAMESPACE.equals(d.getMetadata().getNamespace()))
        .map(d -> d.getMetadata().getNamespace() + "/" + d.getMetadata().getName())
        .toList();
  }

  /** A release or namespace left by a demo that was killed. */
  private void removeLeftovers(KubernetesClient client, Path kubeconfig) {
    if (client.namespaces().withName(NAMESPACE).get() != null) {
      say(
          "removing what an earlier demo left (release "
              + RELEASE
              + ", namespace "
              + NAMESPACE
              + ")");
      uninstall(kubeconfig);
      client.namespaces().withName(NAMESPACE).delete();
      waitUntil(() -> client.namespaces().withName(NAMESPACE).get() == null, Duration.ofMinutes(3));
    }
  }

  private static void uninstall(Path kubeconfig) {
    Helm.uninstall(RELEASE)
        .withKubeConfig(kubeconfig)
        .withNamespace(NAMESPACE)
        .ignoreNotFound()
        .call();
  }

  private void waitReady(KubernetesClient client) {
    long deadline = System.nanoTime() + Duration.ofSeconds(timeoutSeconds).toNanos();
    String last = "";
    while (System.nanoTime() < deadline) {
      ChatbotDeployment cr =
          client.resources(ChatbotDeployment.class).inNamespace(NAMESPACE).withName(CHATBOT).get();
      Condition ready =
          cr == null || cr.getStatus() == null || cr.getStatus().getConditions() == null
              ? null
              : cr.getStatus().getConditions().stream()
                  .filter(c -> "Ready".equals(c.getType()))
                  .findFirst()
                  .orElse(null);
      if (ready != null) {
        String now = ready.getStatus() + " " + ready.getReason() + ": " + ready.getMessage();
        if (!now.equals(last)) {
          say("  Ready=" + now);
          last = now;
        }
        if ("True".equals(ready.getStatus())) {
          return;
        }
      }
      sleep(Duration.ofSeconds(1));
    }
    throw new IllegalStateException(
        "ChatbotDeployment "
            + CHATBOT
            + " was not Ready within "
            + timeoutSeconds
            + " s (kubectl -n "
            + NAMESPACE
            + " describe cbd "
            + CHATBOT
            + ")");
  }

  /** A port-forward through the API server to a ready frontend pod. */
  private LocalPortForward forward(KubernetesClient client) throws IOException {
    Pod pod =
        client
            .pods()
            .inNamespace(NAMESPACE)
            .withLabel("app.kubernetes.io/instance", CHATBOT)
            .withLabel("app.kubernetes.io/component", "frontend")
            .list()
            .getItems()
            .stream()
            .filter(
                p ->
                    p.getStatus() != null
                        && p.getStatus().getConditions().stream()
                            .anyMatch(
                                c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus())))
            .findFirst()
            .orElseThrow(() -> new IllegalStateException("no ready frontend pod"));
    int local = port == 0 ? freePort() : port;
    say(
        "serving the chat page on 127.0.0.1:"
            + local
            + " (port-forward to pod "
            + pod.getMetadata().getName()
            + ")");
    return client
        .pods()
        .inNamespace(NAMESPACE)
        .withName(pod.getMetadata().getName())
        .portForward(8080, InetAddress.getLoopbackAddress(), local);
  }

  private void checkPage(String url) throws IOException, InterruptedException {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    HttpResponse<String> page =
        http.send(
            HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
            HttpResponse.BodyHandlers.ofString());
    if (page.statusCode() != 200) {
      throw new IllegalStateException(url + " answered " + page.statusCode());
    }
  }

  private synchronized void tearDown() {
    if (teardown.isEmpty()) {
      return;
    }
    out.println();
    say("stopping: removing what the demo started");
    while (!teardown.isEmpty()) {
      Step step = teardown.pop();
      say(step.what());
      try {
        step.action().run();
      } catch (RuntimeException e) {
        say("  failed: " + e.getMessage());
      }
    }
    say("done");
    out.flush();
  }

  private static void close(LocalPortForward forward) {
    try {
      forward.close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Runs a command in the repository root; with {@code show}, its output indented. */
  private int run(Path root, List<String> command, boolean show) {
    try {
      Process p =
          new ProcessBuilder(command).directory(root.toFile()).redirectErrorStream(true).start();
      try (BufferedReader lines =
          new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = lines.readLine()) != null) {
          if (show) {
            out.println("    | " + line);
            out.flush();
          }
        }
      }
      return p.waitFor();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static void check(int code, String what) {
    if (code != 0) {
      throw new IllegalStateException(
          what + " failed (exit code " + code + "; its output is above)");
    }
  }

  private void say(String message) {
    out.printf("demo [%4ds]: %s%n", seconds(), message);
    out.flush();
  }

  private long seconds() {
    return Duration.ofNanos(System.nanoTime() - started).toSeconds();
  }

  private static Map<String, String> facts(Path root) throws IOException {
    String cache = System.getenv("CLUSTER_CACHE");
    Path dir =
        cache != null && !cache.isBlank()
            ? Path.of(cache)
            : Path.of(System.getProperty("user.home"), ".cache", "chatbot-operator", "cluster");
    Map<String, String> facts = new LinkedHashMap<>();
    for (String line : Files.readAllLines(dir.resolve("run/cluster.env"))) {
      int eq = line.indexOf('=');
      if (eq > 0 && !line.startsWith("#")) {
        facts.put(line.substring(0, eq), line.substring(eq + 1));
      }
    }
    return facts;
  }

  /** The source tree: the working directory or one above it, else the one holding this jar. */
  static Path repoRoot() {
    List<Path> starts = new ArrayList<>();
    starts.add(Path.of("").toAbsolutePath());
    try {
      starts.add(
          Path.of(DemoCommand.class.getProtectionDomain().getCodeSource().getLocation().toURI()));
    } catch (Exception e) {
      // the working directory alone
    }
    for (Path start : starts) {
      for (Path p = start; p != null; p = p.getParent()) {
        if (Files.isRegularFile(p.resolve("hack/cluster.sh"))
            && Files.isDirectory(p.resolve("helm/chatbot-operator"))) {
          return p;
        }
      }
    }
    throw new IllegalStateException(
        "not in the chatbot-operator source tree (no hack/cluster.sh above "
            + starts.get(0)
            + "): run the demo from a clone");
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  private static void waitUntil(java.util.function.BooleanSupplier done, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!done.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("timed out after " + timeout.toSeconds() + " s");
      }
      sleep(Duration.ofMillis(500));
    }
  }

  private static void sleep(Duration d) {
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** An image reference read from an image tar's manifest.json (repository:tag). */
  record ImageRef(String repository, String tag) {
    String reference() {
      return repository + ":" + tag;
    }

    static ImageRef of(Path tar) throws IOException {
      String manifest = ImageTar.entry(tar, "manifest.json");
      @SuppressWarnings("unchecked")
      List<Map<String, Object>> entries = Serialization.unmarshal(manifest, List.class);
      @SuppressWarnings("unchecked")
      String ref = ((List<String>) entries.get(0).get("RepoTags")).get(0);
      int colon = ref.lastIndexOf(':');
      return new ImageRef(ref.substring(0, colon), ref.substring(colon + 1));
    }
  }
}
