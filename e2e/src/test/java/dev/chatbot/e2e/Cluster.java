package dev.chatbot.e2e;

import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The running one-node cluster of {@code hack/cluster.sh}, as the end-to-end tests see it: its
 * facts ({@code run/cluster.env}), an admin client, this build's images (loaded when connecting)
 * and the operator installed from the Helm chart (on first use). The test JVM reaches the API
 * server on 127.0.0.1 and Services by ClusterIP or node IP and NodePort (the host has routes).
 */
public final class Cluster implements AutoCloseable {

  static final String START_COMMAND =
      "hack/cluster.sh install && hack/cluster.sh start (as root, in the repository root)";

  /** Label of every namespace the tests create: close() deletes them. */
  static final String TEST_LABEL = "chatbot.dev/e2e";

  private final Path repoRoot;
  private final Map<String, String> facts;
  private final KubernetesClient client;
  private final BuiltImage runtimeImage;
  private final BuiltImage operatorImage;
  private final BuiltImage ollamaStandInImage;
  private final Set<String> namespaces = ConcurrentHashMap.newKeySet();
  private OperatorRelease operator;

  private Cluster(
      Path repoRoot,
      Map<String, String> facts,
      KubernetesClient client,
      BuiltImage runtimeImage,
      BuiltImage operatorImage,
      BuiltImage ollamaStandInImage) {
    this.repoRoot = repoRoot;
    this.facts = facts;
    this.client = client;
    this.runtimeImage = runtimeImage;
    this.operatorImage = operatorImage;
    this.ollamaStandInImage = ollamaStandInImage;
  }

  /** With CI=true the tests must run: a missing cluster fails them. */
  static boolean mustRun() {
    return "true".equals(System.getenv("CI"));
  }

  static Path runDir() {
    String cache = System.getProperty("cluster.cache", System.getenv("CLUSTER_CACHE"));
    Path dir =
        cache != null && !cache.isBlank()
            ? Paths.get(cache)
            : Paths.get(System.getProperty("user.home"), ".cache", "chatbot-operator", "cluster");
    return dir.resolve("run");
  }

  /** Why the tests cannot run against the cluster now, or empty if they can. */
  static Optional<String> whyNotRunning() {
    Path env = runDir().resolve("cluster.env");
    if (!Files.isRegularFile(env)) {
      return Optional.of("the one-node cluster is not running (no " + env + ")");
    }
    Map<String, String> facts = readFacts(env);
    try (KubernetesClient c = client(facts, Duration.ofSeconds(3))) {
      Node node = c.nodes().withName(facts.get("NODE_NAME")).get();
      boolean ready =
          node != null
              && node.getStatus().getConditions().stream()
                  .anyMatch(x -> "Ready".equals(x.getType()) && "True".equals(x.getStatus()));
      return ready
          ? Optional.empty()
          : Optional.of("node " + facts.get("NODE_NAME") + " of the one-node cluster is not Ready");
    } catch (RuntimeException e) {
      return Optional.of(
          "the one-node cluster's API server at " + facts.get("API_SERVER") + " does not answer");
    }
  }

  /** Connects, and loads the images this build made into the node. */
  static Cluster connect() {
    whyNotRunning()
        .ifPresent(
            reason -> {
              throw new IllegalStateException(reason + "; start it with: " + START_COMMAND);
            });
    Path root = findRepoRoot();
    Map<String, String> facts = readFacts(runDir().resolve("cluster.env"));
    BuiltImage runtime = BuiltImage.of(root, "chatbot-runtime");
    BuiltImage operator = BuiltImage.of(root, "operator");
    BuiltImage ollama = BuiltImage.derived(root.resolve(StandIns.OLLAMA_TAR), runtime);
    run(
        root,
        List.of(
            root.resolve("hack/cluster.sh").toString(),
            "load",
            runtime.tar().toString(),
            operator.tar().toString(),
            ollama.tar().toString()));
    return new Cluster(
        root, facts, client(facts, Duration.ofSeconds(30)), runtime, operator, ollama);
  }

  public KubernetesClient client() {
    return client;
  }

  /** The node's IP address: NodePorts answer there. */
  public String nodeIp() {
    return facts.get("NODE_IP");
  }

  public String nodeName() {
    return facts.get("NODE_NAME");
  }

  public Path kubeconfig() {
    return Paths.get(facts.get("KUBECONFIG"));
  }

  public Path repoRoot() {
    return repoRoot;
  }

  /** Runs the cluster's own kubectl (hack/cluster.sh env) with the admin kubeconfig. */
  public String kubectl(String... args) {
    List<String> command = new java.util.ArrayList<>();
    command.add(facts.get("KUBECTL"));
    command.add("--kubeconfig=" + facts.get("KUBECONFIG"));
    command.addAll(List.of(args));
    return run(repoRoot, command);
  }

  /** A busybox image (sh, nc, nslookup) that hack/cluster.sh loads at start. */
  public String toolsImage() {
    return facts.get("TOOLS_IMAGE");
  }

  /** Packets the egress guard has rejected or dropped since the cluster started. */
  public long guardRejections() {
    String status =
        run(repoRoot, List.of(repoRoot.resolve("hack/cluster.sh").toString(), "status"));
    return status
        .lines()
        .filter(l -> l.startsWith("egress guard: "))
        .mapToLong(l -> Long.parseLong(l.split(" ")[2]))
        .findFirst()
        .orElseThrow(() -> new IllegalStateException("no guard counter in:\n" + status));
  }

  /** The chatbot-runtime image of this build, loaded into the node. */
  public BuiltImage runtimeImage() {
    return runtimeImage;
  }

  /** The operator image of this build, loaded into the node. */
  public BuiltImage operatorImage() {
    return operatorImage;
  }

  /**
   * The Ollama stand-in image of this build (e2e/README.md, "Stand-ins"), loaded into the node:
   * name it in {@code spec.local.ollama.image}.
   */
  public BuiltImage ollamaStandInImage() {
    return ollamaStandInImage;
  }

  /** Where the tests' hostPath volumes live on the node (inside the run dir: stop removes it). */
  static Path volumesDir() {
    return runDir().resolve("e2e-volumes");
  }

  /** The operator, installed from the Helm chart on first use (once per JVM). */
  public synchronized OperatorRelease operator() {
    if (operator == null) {
      operator = OperatorRelease.install(this);
    }
    return operator;
  }

  /** The test that uninstalled the operator says so: the next {@link #operator()} installs it. */
  public synchronized void operatorUninstalled() {
    operator = null;
  }

  /**
   * No operator release of the tests (nor its CRD and namespace) in the cluster, for a test that
   * installs its own; the next {@link #operator()} installs it again.
   */
  public synchronized void withoutOperator() {
    OperatorRelease.removeLeftovers(this);
    operator = null;
  }

  /** A new, empty namespace (a leftover of an earlier run is deleted first); close() deletes it. */
  public String freshNamespace(String name) {
    deleteNamespace(name, true);
    client
        .namespaces()
        .resource(
            new NamespaceBuilder()
                .withNewMetadata()
                .withName(name)
                .addToLabels(TEST_LABEL, "true")
                .endMetadata()
                .build())
        .create();
    namespaces.add(name);
    return name;
  }

  void deleteNamespace(String name, boolean wait) {
    client.namespaces().withName(name).delete();
    if (wait) {
      await("namespace " + name + " gone")
          .atMost(Duration.ofSeconds(120))
          .pollInterval(Duration.ofMillis(500))
          .until(() -> client.namespaces().withName(name).get() == null);
    }
  }

  /** Whether every container of the pod is ready, as the kubelet reports it. */
  static boolean ready(Pod pod) {
    return pod.getStatus() != null
        && pod.getStatus().getConditions().stream()
            .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
  }

  /**
   * Writes the cluster's state (pods, events, operator logs) to target/e2e-diagnostics after a
   * failure.
   */
  void dumpDiagnostics(String title) {
    Path dir = Paths.get("target", "e2e-diagnostics");
    Path file = dir.resolve(title.replaceAll("[^A-Za-z0-9_.-]+", "_") + ".txt");
    try {
      Files.createDirectories(dir);
      try (PrintWriter out =
          new PrintWriter(Files.newBufferedWriter(file, StandardCharsets.UTF_8))) {
        out.println("# " + title);
        out.println("## pods");
        for (Pod p : client.pods().inAnyNamespace().list().getItems()) {
          out.printf(
              "%s/%s phase=%s ip=%s conditions=%s%n",
              p.getMetadata().getNamespace(),
              p.getMetadata().getName(),
              p.getStatus().getPhase(),
              p.getStatus().getPodIP(),
              p.getStatus().getConditions().stream().map(PodCondition::getType).toList());
          p.getStatus()
              .getContainerStatuses()
              .forEach(
                  c ->
                      out.printf(
                          "    %s ready=%s state=%s%n", c.getName(), c.getReady(), c.getState()));
        }
        out.println("## events");
        client.v1().events().inAnyNamespace().list().getItems().stream()
            .sorted(Comparator.comparing(e -> String.valueOf(e.getLastTimestamp())))
            .map(Cluster::line)
            .forEach(out::println);
        out.println("## chatbotdeployments");
        try {
          client
              .genericKubernetesResources("chatbot.dev/v1alpha1", "ChatbotDeployment")
              .inAnyNamespace()
              .list()
              .getItems()
              .forEach(
                  r -> out.println(io.fabric8.kubernetes.client.utils.Serialization.asYaml(r)));
        } catch (RuntimeException e) {
          out.println("(none: " + e.getMessage() + ")");
        }
        for (Pod p : client.pods().inNamespace(OperatorRelease.NAMESPACE).list().getItems()) {
          out.println("## logs of " + p.getMetadata().getName());
          out.println(
              client
                  .pods()
                  .inNamespace(OperatorRelease.NAMESPACE)
                  .withName(p.getMetadata().getName())
                  .tailingLines(300)
                  .getLog());
        }
      }
      System.out.println("e2e diagnostics written to " + file.toAbsolutePath());
    } catch (IOException | RuntimeException e) {
      System.out.println("e2e diagnostics incomplete (" + e + "): " + file.toAbsolutePath());
    }
  }

  private static String line(Event e) {
    return String.format(
        "%s %s/%s %s %s: %s",
        e.getLastTimestamp(),
        e.getInvolvedObject().getNamespace(),
        e.getInvolvedObject().getName(),
        e.getType(),
        e.getReason(),
        e.getMessage());
  }

  /**
   * Uninstalls the operator and deletes the tests' namespaces (without waiting), their
   * PersistentVolumes and the volumes' host directories.
   */
  @Override
  public void close() {
    try {
      if (operator != null) {
        operator.uninstall();
      }
      for (Namespace ns : client.namespaces().withLabel(TEST_LABEL, "true").list().getItems()) {
        deleteNamespace(ns.getMetadata().getName(), false);
      }
      client.persistentVolumes().withLabel(TEST_LABEL, "true").delete();
      ModelVolume.deleteHostDirs();
    } finally {
      client.close();
    }
  }

  // --- helpers ---

  private static KubernetesClient client(Map<String, String> facts, Duration timeout) {
    String kubeconfig;
    try {
      kubeconfig = Files.readString(Paths.get(facts.get("KUBECONFIG")));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Config config = Config.fromKubeconfig(kubeconfig);
    config.setConnectionTimeout((int) timeout.toMillis());
    config.setRequestTimeout((int) timeout.toMillis());
    return new KubernetesClientBuilder().withConfig(config).build();
  }

  private static Map<String, String> readFacts(Path env) {
    Map<String, String> facts = new LinkedHashMap<>();
    try {
      for (String line : Files.readAllLines(env)) {
        int eq = line.indexOf('=');
        if (eq > 0 && !line.startsWith("#")) {
          facts.put(line.substring(0, eq), line.substring(eq + 1));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return facts;
  }

  private static Path findRepoRoot() {
    String property = System.getProperty("repo.root");
    Path dir = property != null ? Paths.get(property) : Paths.get("").toAbsolutePath();
    for (Path p = dir.toAbsolutePath(); p != null; p = p.getParent()) {
      if (Files.isRegularFile(p.resolve("hack/cluster.sh"))) {
        return p;
      }
    }
    throw new IllegalStateException("no hack/cluster.sh above " + dir);
  }

  /** Runs a command in the repository root; its output goes to the test log. */
  static String run(Path root, List<String> command) {
    try {
      Process p =
          new ProcessBuilder(command).directory(root.toFile()).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(5, TimeUnit.MINUTES) || p.exitValue() != 0) {
        throw new IllegalStateException(String.join(" ", command) + " failed:\n" + out);
      }
      System.out.print(out);
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
