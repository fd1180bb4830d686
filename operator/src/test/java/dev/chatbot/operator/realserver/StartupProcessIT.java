package dev.chatbot.operator.realserver;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import dev.chatbot.operator.envtest.ApiServer;
import dev.chatbot.operator.envtest.RealApiServer;
import dev.chatbot.operator.envtest.TestNamespace;
import dev.chatbot.operator.support.JarProcess;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The operator started as a user starts it ({@code java -jar ... run}): each start-up failure is
 * one line saying what is wrong and what to do, then exit code 1 within seconds; the stack trace
 * only at debug level. A running operator stops promptly on SIGTERM.
 */
@RealApiServer
class StartupProcessIT {
  /**
   * "Within seconds": the checks use a 5 s connect timeout and no retries; they take 2-8 s on an
   * idle machine (JVM start included), the bound leaves room for a busy one.
   */
  static final Duration FAST = Duration.ofSeconds(60);

  @TempDir Path dir;

  @Test
  void noApiServer() throws Exception {
    int port = freePort();
    Path kubeconfig = kubeconfig("https://127.0.0.1:" + port, "token: nothing", null);
    try (JarProcess p = JarProcess.start(dir, Map.of("KUBECONFIG", kubeconfig.toString()))) {
      assertThat(p.waitFor(FAST)).isEqualTo(1);
      assertOneErrorLine(
          p,
          "cannot reach the Kubernetes API at https://127.0.0.1:" + port + "/",
          "set KUBECONFIG");
    }
    // Without any kubeconfig (and not in a pod) the line says so.
    try (JarProcess p =
        JarProcess.start(
            dir, Map.of("KUBECONFIG", dir.resolve("absent").toString(), "HOME", dir.toString()))) {
      assertThat(p.waitFor(FAST)).isEqualTo(1);
      assertOneErrorLine(p, "cannot reach the Kubernetes API at", "names no readable file");
    }
  }

  @Test
  void theStackTraceOnlyAtDebugLevel() throws Exception {
    Path kubeconfig = kubeconfig("https://127.0.0.1:" + freePort(), "token: nothing", null);
    try (JarProcess p =
        JarProcess.start(dir, Map.of("KUBECONFIG", kubeconfig.toString(), "LOG_LEVEL", "DEBUG"))) {
      assertThat(p.waitFor(FAST)).isEqualTo(1);
      assertThat(p.output()).contains("cannot reach the Kubernetes API").contains("\tat ");
    }
  }

  /**
   * An API server without the CRD: a stand-in answering as kube-apiserver does for a group it does
   * not serve (404, "404 page not found"); the shared real server has the CRD once any test
   * installed it.
   */
  @Test
  void crdNotInstalled() throws Exception {
    HttpServer server =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 8);
    server.createContext(
        "/",
        ex -> {
          boolean version = ex.getRequestURI().getPath().equals("/version");
          byte[] body =
              (version
                      ? "{\"major\":\"1\",\"minor\":\"20\",\"gitVersion\":\"v1.20.2\"}"
                      : "404 page not found\n")
                  .getBytes(UTF_8);
          ex.getResponseHeaders().add("Content-Type", version ? "application/json" : "text/plain");
          ex.sendResponseHeaders(version ? 200 : 404, body.length);
          ex.getResponseBody().write(body);
          ex.close();
        });
    server.start();
    try {
      String url = "http://127.0.0.1:" + server.getAddress().getPort();
      Path kubeconfig = kubeconfig(url, "token: nothing", null);
      try (JarProcess p = JarProcess.start(dir, Map.of("KUBECONFIG", kubeconfig.toString()))) {
        assertThat(p.waitFor(FAST)).isEqualTo(1);
        assertOneErrorLine(
            p,
            "the ChatbotDeployment CRD (chatbotdeployments.chatbot.dev) is not installed in the"
                + " cluster at "
                + url
                + "/: kubectl apply -f crd/chatbotdeployments.chatbot.dev-v1.yml");
      }
    } finally {
      server.stop(0);
    }
  }

  @Test
  void forbiddenToListChatbots(ApiServer server) throws Exception {
    Path kubeconfig = kubeconfig(server.configFor("startup-no-rights"));
    try (JarProcess p = JarProcess.start(dir, Map.of("KUBECONFIG", kubeconfig.toString()))) {
      assertThat(p.waitFor(FAST)).isEqualTo(1);
      assertOneErrorLine(
          p,
          "forbidden: chatbotdeployments.chatbot.dev is forbidden: User \"startup-no-rights\""
              + " cannot list resource \"chatbotdeployments\" in API group \"chatbot.dev\" at the"
              + " cluster scope: grant the operator the rules of"
              + " helm/chatbot-operator/files/rbac-rules.yaml");
    }
  }

  /**
   * Allowed to watch ChatbotDeployments but none of the kinds it writes: a child informer fails.
   */
  @Test
  void forbiddenToWatchAChildKind(ApiServer server, KubernetesClient admin) throws Exception {
    RealServer.installCrd(admin);
    String user = "startup-chatbots-only";
    admin
        .rbac()
        .clusterRoles()
        .resource(
            new ClusterRoleBuilder()
                .withNewMetadata()
                .withName(user)
                .endMetadata()
                .addNewRule()
                .withApiGroups("chatbot.dev")
                .withResources("chatbotdeployments", "chatbotdeployments/status")
                .withVerbs("get", "list", "watch", "patch", "update")
                .endRule()
                .build())
        .createOr(io.fabric8.kubernetes.client.dsl.NonDeletingOperation::update);
    admin
        .rbac()
        .clusterRoleBindings()
        .resource(
            new ClusterRoleBindingBuilder()
                .withNewMetadata()
                .withName(user)
                .endMetadata()
                .withNewRoleRef("rbac.authorization.k8s.io", "ClusterRole", user)
                .addNewSubject()
                .withKind("User")
                .withName(user)
                .endSubject()
                .build())
        .createOr(io.fabric8.kubernetes.client.dsl.NonDeletingOperation::update);
    Path kubeconfig = kubeconfig(server.configFor(user));
    Map<String, String> env = new HashMap<>();
    env.put("KUBECONFIG", kubeconfig.toString());
    env.put("LEADER_ELECTION", "false");
    env.put("HTTP_PORT", String.valueOf(freePort()));
    try (JarProcess p = JarProcess.start(dir, env)) {
      assertThat(p.waitFor(FAST)).isEqualTo(1);
      assertOneErrorLine(
          p,
          "forbidden: the credentials of the kubeconfig "
              + kubeconfig
              + " may not use configmaps"
              + " in all namespaces (list, watch), persistentvolumeclaims in all namespaces (list,"
              + " watch), jobs.batch in all namespaces (list, watch)",
          "deployments.apps in all namespaces (list, watch)",
          "horizontalpodautoscalers.autoscaling in all namespaces (list, watch)",
          ": grant the operator the rules of helm/chatbot-operator/files/rbac-rules.yaml");
    }
  }

  /** A leader that gets SIGTERM stops within seconds (it hung for the kubelet's grace period). */
  @Test
  void aRunningOperatorStopsPromptlyOnSigterm(
      ApiServer server, KubernetesClient admin, @TestNamespace String namespace) throws Exception {
    RealServer.installCrd(admin);
    Path kubeconfig = kubeconfig(server.adminConfig());
    Map<String, String> env = new HashMap<>();
    env.put("KUBECONFIG", kubeconfig.toString());
    env.put("POD_NAMESPACE", namespace);
    env.put("WATCH_NAMESPACES", namespace);
    env.put("HTTP_PORT", String.valueOf(freePort()));
    try (JarProcess p = JarProcess.start(dir, env)) {
      await()
          .atMost(Duration.ofSeconds(90))
          .until(() -> !p.isAlive() || p.output().contains("leading: reconciling"));
      assertThat(p.isAlive()).as(p.output()).isTrue();
      long before = System.nanoTime();
      p.terminate();
      int code = p.waitFor(Duration.ofSeconds(15));
      Duration stop = Duration.ofNanos(System.nanoTime() - before);
      assertThat(code).as(p.output()).isEqualTo(143);
      assertThat(p.output()).contains("stopped");
      assertThat(stop).isLessThan(Duration.ofSeconds(10));
      System.out.printf("operator stopped %d ms after SIGTERM%n", stop.toMillis());
    }
  }

  static void assertOneErrorLine(JarProcess p, String... parts) {
    System.out.printf("exited after %d ms: %s%n", p.elapsed().toMillis(), p.output().strip());
    assertOneErrorLine(p.output(), parts);
  }

  static void assertOneErrorLine(String output, String... parts) {
    List<String> errors = output.lines().filter(l -> l.contains(" ERROR ")).toList();
    assertThat(errors).as(output).hasSize(1);
    for (String part : parts) {
      assertThat(errors.get(0)).contains(part);
    }
    assertThat(output).as("no stack trace").doesNotContain("\tat ").doesNotContain("Caused by");
    assertThat(output.strip().lines()).as("nothing but the line").hasSize(1);
  }

  Path kubeconfig(Config config) throws IOException {
    String user =
        config.getOauthToken() != null
            ? "token: " + config.getOauthToken()
            : "client-certificate-data: "
                + config.getClientCertData()
                + "\n    client-key-data: "
                + config.getClientKeyData();
    return kubeconfig(config.getMasterUrl(), user, config.getCaCertData());
  }

  Path kubeconfig(String server, String user, String caData) throws IOException {
    String tls =
        caData != null ? "certificate-authority-data: " + caData : "insecure-skip-tls-verify: true";
    Path file = dir.resolve("kubeconfig-" + System.nanoTime());
    Files.writeString(
        file,
        String.join(
            "\n",
            "apiVersion: v1",
            "kind: Config",
            "clusters:",
            "- name: c",
            "  cluster:",
            "    server: " + server,
            "    " + tls,
            "users:",
            "- name: u",
            "  user:",
            "    " + user,
            "contexts:",
            "- name: c",
            "  context: {cluster: c, user: u, namespace: default}",
            "current-context: c",
            ""));
    return file;
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
