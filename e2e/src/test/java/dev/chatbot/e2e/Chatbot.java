package dev.chatbot.e2e;

import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Endpoints;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/** One ChatbotDeployment in a test namespace, as the tests drive and read it. */
final class Chatbot {

  static final String API_VERSION = "chatbot.dev/v1alpha1";
  static final String KIND = "ChatbotDeployment";

  private final KubernetesClient client;
  private final String namespace;
  private final String name;

  Chatbot(KubernetesClient client, String namespace, String name) {
    this.client = client;
    this.namespace = namespace;
    this.name = name;
  }

  /** Creates the chatbot with {@code specYaml} (the body of {@code spec:}, indented by two). */
  static Chatbot create(KubernetesClient client, String namespace, String name, String specYaml) {
    String yaml =
        "apiVersion: "
            + API_VERSION
            + "\nkind: "
            + KIND
            + "\nmetadata:\n  name: "
            + name
            + "\nspec:\n"
            + specYaml;
    client.resource(yaml).inNamespace(namespace).create();
    return new Chatbot(client, namespace, name);
  }

  String name() {
    return name;
  }

  String namespace() {
    return namespace;
  }

  GenericKubernetesResource get() {
    return client
        .genericKubernetesResources(API_VERSION, KIND)
        .inNamespace(namespace)
        .withName(name)
        .get();
  }

  /** A JSON merge patch of the resource (e.g. {@code {"spec":{"phase":"local"}}}). */
  void patch(String mergePatchJson) {
    client
        .genericKubernetesResources(API_VERSION, KIND)
        .inNamespace(namespace)
        .withName(name)
        .patch(PatchContext.of(PatchType.JSON_MERGE), mergePatchJson);
  }

  void patchSpec(Map<String, Object> spec) {
    patch(Serialization.asJson(Map.of("spec", spec)));
  }

  @SuppressWarnings("unchecked")
  Map<String, Object> status() {
    GenericKubernetesResource r = get();
    Object status = r == null ? null : r.getAdditionalProperties().get("status");
    return status instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
  }

  String activePhase() {
    return (String) status().get("activePhase");
  }

  @SuppressWarnings("unchecked")
  Map<String, Object> migration() {
    Object m = status().get("migration");
    return m instanceof Map<?, ?> map ? (Map<String, Object>) map : Map.of();
  }

  String migrationState() {
    return (String) migration().get("state");
  }

  Map<String, Object> condition(String type) {
    return condition(status(), type);
  }

  /**
   * The condition of {@code type} in {@code status}. A reading made of several fields takes them
   * all from one status, so that no write falls between them.
   */
  @SuppressWarnings("unchecked")
  static Map<String, Object> condition(Map<String, Object> status, String type) {
    Object list = status.get("conditions");
    if (!(list instanceof List<?> conditions)) {
      return Map.of();
    }
    return conditions.stream()
        .map(c -> (Map<String, Object>) c)
        .filter(c -> type.equals(c.get("type")))
        .findFirst()
        .orElse(Map.of());
  }

  boolean ready() {
    return "True".equals(condition("Ready").get("status"));
  }

  void awaitReady(Duration atMost) {
    await(name + " Ready").atMost(atMost).pollInterval(Duration.ofMillis(500)).until(this::ready);
  }

  /**
   * Waits until the phase change to {@code target} has finished (status.migration names it and is
   * Completed or Failed) and returns its final state.
   */
  String awaitMigrationFinished(String target, Duration atMost) {
    await(name + " change to " + target + " finished")
        .atMost(atMost)
        .pollInterval(Duration.ofMillis(250))
        .until(
            () -> {
              Map<String, Object> m = migration();
              return target.equals(m.get("toPhase"))
                  && ("Completed".equals(m.get("state")) || "Failed".equals(m.get("state")));
            });
    return migrationState();
  }

  /**
   * The frontend Service's ClusterIP URL (the test JVM has a route to Services), once the Service
   * routes to a ready pod: every caller chats through it next, and a chat before kube-proxy's rules
   * is refused (CI saw it right after Ready).
   */
  String frontendUrl() {
    awaitFrontendRoutes(Duration.ofSeconds(60));
    return serviceUrl();
  }

  private String serviceUrl() {
    Service service = client.services().inNamespace(namespace).withName(name).get();
    return "http://"
        + service.getSpec().getClusterIP()
        + ":"
        + service.getSpec().getPorts().get(0).getPort();
  }

  /**
   * Waits until the frontend Service routes to a ready pod: its endpoints have an address and the
   * chat page comes back through the ClusterIP. Ready says the pods are; kube-proxy's rules follow
   * the endpoints with a lag, and a connection before them is refused.
   */
  void awaitFrontendRoutes(Duration atMost) {
    await("the frontend's Service " + name + " routes to a ready pod")
        .atMost(atMost)
        .pollInterval(Duration.ofMillis(200))
        .ignoreExceptions()
        .until(
            () ->
                hasReadyAddress(client.endpoints().inNamespace(namespace).withName(name).get())
                    && !ChatClient.get(serviceUrl() + "/").isEmpty());
  }

  static boolean hasReadyAddress(Endpoints endpoints) {
    return endpoints != null
        && endpoints.getSubsets() != null
        && endpoints.getSubsets().stream()
            .anyMatch(s -> s.getAddresses() != null && !s.getAddresses().isEmpty());
  }

  String backendServiceName() {
    return name + "-backend";
  }

  String backendDeploymentName(String phase) {
    return name + "-backend-" + phase;
  }

  /** The phase the backend Service selects now. */
  String servicePhase() {
    Service service = client.services().inNamespace(namespace).withName(backendServiceName()).get();
    return service == null ? null : service.getSpec().getSelector().get("chatbot.dev/phase");
  }

  /** The chatbot's pods of {@code component} (backend, frontend, model-downloader). */
  List<Pod> pods(String component) {
    return client
        .pods()
        .inNamespace(namespace)
        .withLabel("app.kubernetes.io/instance", name)
        .withLabel("app.kubernetes.io/component", component)
        .list()
        .getItems();
  }

  /**
   * Whether the backend of {@code phase} has rolled out its latest template: every replica updated
   * and available, and no pod of an older template left (terminating ones included).
   */
  boolean rolledOut(String phase) {
    var d =
        client
            .apps()
            .deployments()
            .inNamespace(namespace)
            .withName(backendDeploymentName(phase))
            .get();
    if (d == null || d.getStatus() == null) {
      return false;
    }
    var s = d.getStatus();
    int replicas = d.getSpec().getReplicas() == null ? 1 : d.getSpec().getReplicas();
    return s.getObservedGeneration() != null
        && s.getObservedGeneration() >= d.getMetadata().getGeneration()
        && Integer.valueOf(replicas).equals(s.getUpdatedReplicas())
        && Integer.valueOf(replicas).equals(s.getAvailableReplicas())
        && backendPods(phase).size() == replicas;
  }

  /** The backend pods of {@code phase}. */
  List<Pod> backendPods(String phase) {
    return client
        .pods()
        .inNamespace(namespace)
        .withLabel("app.kubernetes.io/instance", name)
        .withLabel("app.kubernetes.io/component", "backend")
        .withLabel("chatbot.dev/phase", phase)
        .list()
        .getItems();
  }
}
