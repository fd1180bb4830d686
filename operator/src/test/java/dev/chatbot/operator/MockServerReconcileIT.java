package dev.chatbot.operator;

import static dev.chatbot.operator.support.Fixtures.example;
import static dev.chatbot.operator.support.Fixtures.markAvailable;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.chatbot.api.v1alpha1.AutoscalingSpec;
import dev.chatbot.api.v1alpha1.ChatbotDeployment;
import dev.chatbot.api.v1alpha1.Phase;
import dev.chatbot.operator.migration.SmokeTester;
import dev.chatbot.operator.model.Names;
import dev.chatbot.operator.model.OperatorSettings.AutoscalingApi;
import dev.chatbot.operator.status.Conditions;
import dev.chatbot.operator.support.Fixtures;
import dev.chatbot.operator.support.OperatorRun;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The reconcile loop against the fabric8 mock server in CRUD mode. The mock server cannot apply, so
 * server-side apply is off here; the real API server tier proves the production path.
 */
@EnableKubernetesMockClient(crud = true)
class MockServerReconcileIT {
  // A namespace per test: the mock server outlives a single test.
  String NS = "chat-" + java.util.UUID.randomUUID().toString().substring(0, 8);
  static final Duration WAIT = Duration.ofSeconds(30);
  KubernetesClient client;
  OperatorRun run;

  @BeforeEach
  void start() {
    run = start(client);
  }

  static OperatorRun start(KubernetesClient client) {
    OperatorConfig config =
        Fixtures.config(Set.of(), "example.org/chatbot-runtime:test", false, AutoscalingApi.V2);
    SmokeTester passes = (cr, phase) -> new SmokeTester.Result(true, "answered");
    return new OperatorRun(client, config, passes);
  }

  @AfterEach
  void stop() {
    run.close();
  }

  ChatbotDeployment cr() {
    return client.resources(ChatbotDeployment.class).inNamespace(NS).withName("demo").get();
  }

  <T extends HasMetadata> T get(Class<T> type, String name) {
    return client.resources(type).inNamespace(NS).withName(name).get();
  }

  void edit(Consumer<ChatbotDeployment> change) {
    Fixtures.editChatbot(client, NS, "demo", change);
  }

  Condition ready() {
    var status = cr().getStatus();
    return Conditions.find(status == null ? null : status.getConditions(), Conditions.READY)
        .orElseGet(Condition::new);
  }

  void createDemo() {
    ChatbotDeployment cr = example("mock.yaml", NS);
    cr.getMetadata().setGeneration(1L);
    client.resource(cr).create();
    await().atMost(WAIT).until(() -> get(Deployment.class, "demo-frontend") != null);
  }

  @Test
  void createGivesEveryChildWithTheRightFields() {
    createDemo();
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              assertThat(get(ConfigMap.class, "demo-backend-mock")).isNotNull();
              assertThat(get(ConfigMap.class, "demo-frontend")).isNotNull();
              assertThat(get(Deployment.class, "demo-backend-mock")).isNotNull();
              assertThat(get(Service.class, "demo-backend")).isNotNull();
              assertThat(get(Service.class, "demo")).isNotNull();
              assertThat(get(HorizontalPodAutoscaler.class, "demo-frontend")).isNotNull();
              assertThat(get(NetworkPolicy.class, "demo-backend")).isNotNull();
            });
    ChatbotDeployment cr = cr();
    Deployment backend = get(Deployment.class, "demo-backend-mock");
    for (HasMetadata child :
        List.<HasMetadata>of(
            backend,
            get(Deployment.class, "demo-frontend"),
            get(ConfigMap.class, "demo-backend-mock"),
            get(Service.class, "demo"),
            get(Service.class, "demo-backend"),
            get(HorizontalPodAutoscaler.class, "demo-frontend"),
            get(NetworkPolicy.class, "demo-backend"))) {
      assertThat(child.getMetadata().getOwnerReferences())
          .as(child.getKind() + " owner")
          .singleElement()
          .satisfies(o -> assertThat(o.getUid()).isEqualTo(cr.getMetadata().getUid()));
      assertThat(child.getMetadata().getLabels())
          .containsEntry(Names.LABEL_NAME, "chatbot")
          .containsEntry(Names.LABEL_INSTANCE, "demo")
          .containsEntry(Names.LABEL_PART_OF, "chatbot")
          .containsEntry(Names.LABEL_MANAGED_BY, "chatbot-operator")
          .containsKey(Names.LABEL_COMPONENT);
    }
    var pod = backend.getSpec().getTemplate().getSpec();
    var container = pod.getContainers().get(0);
    assertThat(container.getImage()).isEqualTo("example.org/chatbot-runtime:test");
    assertThat(container.getResources().getRequests().get("cpu").toString()).isEqualTo("100m");
    assertThat(container.getResources().getRequests().get("memory").toString()).isEqualTo("128Mi");
    assertThat(container.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
    assertThat(container.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
    assertThat(container.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
    assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
    assertThat(pod.getSecurityContext().getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
    assertThat(container.getLivenessProbe()).isNotNull();
    assertThat(container.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/readyz");
    assertThat(container.getStartupProbe()).isNotNull();
    assertThat(backend.getSpec().getTemplate().getMetadata().getAnnotations())
        .containsKey(Names.ANNOTATION_CONFIG_HASH);
    assertThat(get(ConfigMap.class, "demo-backend-mock").getData())
        .containsEntry("model_provider", "mock");
    assertThat(get(Service.class, "demo").getSpec().getType()).isEqualTo("LoadBalancer");
    assertThat(get(Service.class, "demo-backend").getSpec().getSelector())
        .containsEntry(Names.LABEL_PHASE, "mock");
    var hpa = get(HorizontalPodAutoscaler.class, "demo-frontend").getSpec();
    assertThat(List.of(hpa.getMinReplicas(), hpa.getMaxReplicas())).containsExactly(2, 10);
    // The frontend's replicas belong to its autoscaler: the operator does not write them.
    assertThat(get(Deployment.class, "demo-frontend").getSpec().getReplicas()).isNull();
  }

  @Test
  void readyOnlyOnceBothDeploymentsAreAvailable() {
    createDemo();
    await()
        .atMost(WAIT)
        .untilAsserted(() -> assertThat(ready().getReason()).isEqualTo("BackendUnavailable"));
    assertThat(cr().getStatus().getActivePhase()).isNull();
    markAvailable(client, NS, "demo-backend-mock");
    await()
        .atMost(WAIT)
        .untilAsserted(() -> assertThat(ready().getReason()).isEqualTo("FrontendUnavailable"));
    markAvailable(client, NS, "demo-frontend");
    await().atMost(WAIT).untilAsserted(() -> assertThat(ready().getStatus()).isEqualTo("True"));
    var status = cr().getStatus();
    assertThat(status.getActivePhase()).isEqualTo(Phase.MOCK);
    assertThat(status.getObservedGeneration()).isEqualTo(1L);
    assertThat(status.getEndpoint()).isEqualTo("http://demo." + NS + ".svc.cluster.local");
    assertThat(status.getBackend().getReadyReplicas()).isEqualTo(1);
    assertThat(ready().getObservedGeneration()).isEqualTo(1L);
    assertThat(
            client.v1().events().inNamespace(NS).list().getItems().stream()
                .map(e -> e.getReason())
                .collect(Collectors.toSet()))
        .contains("Available")
        .doesNotContain("PhaseActive"); // a first deployment's Ready event says it
  }

  @Test
  void aResyncWithNothingChangedWritesNothing() {
    createDemo();
    await().atMost(WAIT).until(() -> run.reconciles() >= 1);
    List<String> first = run.writes.writes();
    assertThat(first)
        .as("the first reconcile creates each child once and writes status")
        .filteredOn(w -> w.startsWith("POST") && !w.contains("/events"))
        .hasSize(8);
    markAvailable(client, NS, "demo-backend-mock");
    markAvailable(client, NS, "demo-frontend");
    await().atMost(WAIT).untilAsserted(() -> assertThat(ready().getStatus()).isEqualTo("True"));
    int firstPass = run.writes.writes().size();
    run.close();
    // A fresh operator lists everything and reconciles it again: that is a full resync.
    run = start(client);
    await().atMost(WAIT).until(() -> run.reconciles() >= 1);
    assertThat(run.writes.writes()).as("writes of a no-op resync").isEmpty();
    System.out.printf(
        "mock server: first reconcile wrote %d requests %s; until Ready %d; resync 0%n",
        first.size(), first, firstPass);
  }

  @Test
  void updatesReachTheChildrenAndConfigChangesRollThePods() {
    createDemo();
    await().atMost(WAIT).until(() -> get(Deployment.class, "demo-backend-mock") != null);
    String hash = configHash("demo-backend-mock");

    edit(cr -> cr.getSpec().getBackend().setReplicas(3));
    await()
        .atMost(WAIT)
        .untilAsserted(
            () ->
                assertThat(get(Deployment.class, "demo-backend-mock").getSpec().getReplicas())
                    .isEqualTo(3));
    assertThat(configHash("demo-backend-mock")).as("replicas do not roll pods").isEqualTo(hash);

    edit(cr -> cr.getSpec().getBackend().setImage("example.org/chatbot-runtime:v2"));
    await()
        .atMost(WAIT)
        .untilAsserted(
            () ->
                assertThat(
                        get(Deployment.class, "demo-backend-mock")
                            .getSpec()
                            .getTemplate()
                            .getSpec()
                            .getContainers()
                            .get(0)
                            .getImage())
                    .isEqualTo("example.org/chatbot-runtime:v2"));

    edit(
        cr -> {
          cr.getSpec().getChat().setSystemPrompt("Be brief.");
          cr.getSpec().getChat().setMaxTokens(64);
        });
    await()
        .atMost(WAIT)
        .untilAsserted(
            () ->
                assertThat(get(ConfigMap.class, "demo-backend-mock").getData())
                    .containsEntry("system_prompt", "Be brief.")
                    .containsEntry("max_tokens", "64"));
    await().atMost(WAIT).until(() -> !configHash("demo-backend-mock").equals(hash));

    edit(cr -> cr.getSpec().getBackend().setAutoscaling(new AutoscalingSpec(true, 2, 4, 60)));
    await()
        .atMost(WAIT)
        .until(() -> get(HorizontalPodAutoscaler.class, "demo-backend-mock") != null);

    edit(cr -> cr.getSpec().getFrontend().setEnabled(false));
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              assertThat(get(Deployment.class, "demo-frontend")).isNull();
              assertThat(get(Service.class, "demo")).isNull();
              assertThat(get(HorizontalPodAutoscaler.class, "demo-frontend")).isNull();
              assertThat(get(ConfigMap.class, "demo-frontend")).isNull();
            });
    assertThat(get(Deployment.class, "demo-backend-mock")).isNotNull();
  }

  @Test
  void aClusterWithoutAnAutoscalingApiGetsAConditionAndFixedReplicas() {
    run.close();
    run =
        new OperatorRun(
            client,
            Fixtures.config(Set.of(), "example.org/rt:test", false, AutoscalingApi.NONE),
            (cr, phase) -> new SmokeTester.Result(true, "answered"));
    createDemo();
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              Condition c =
                  Conditions.find(cr().getStatus().getConditions(), Conditions.AUTOSCALING)
                      .orElseThrow();
              assertThat(c.getStatus()).isEqualTo("False");
              assertThat(c.getReason()).isEqualTo("AutoscalingAPIUnavailable");
            });
    assertThat(get(Deployment.class, "demo-frontend").getSpec().getReplicas())
        .as("the autoscaler's minimum, fixed")
        .isEqualTo(2);
    assertThat(client.resources(HorizontalPodAutoscaler.class).inNamespace(NS).list().getItems())
        .isEmpty();
  }

  String configHash(String deployment) {
    return get(Deployment.class, deployment)
        .getSpec()
        .getTemplate()
        .getMetadata()
        .getAnnotations()
        .get(Names.ANNOTATION_CONFIG_HASH);
  }

  @Test
  void everyCrossFieldRuleGivesInvalidSpecAndTouchesNothing() {
    createDemo();
    await().atMost(WAIT).until(() -> get(NetworkPolicy.class, "demo-backend") != null);
    Map<String, Consumer<ChatbotDeployment>> rules =
        Map.of(
            "spec.backend.autoscaling.minReplicas",
            cr -> cr.getSpec().getBackend().setAutoscaling(new AutoscalingSpec(true, 5, 2, 70)),
            "spec.frontend.autoscaling.minReplicas",
            cr -> cr.getSpec().getFrontend().setAutoscaling(new AutoscalingSpec(true, 9, 3, 70)),
            "spec.huggingface.model",
            cr -> cr.getSpec().setPhase(Phase.HUGGINGFACE),
            "spec.local.models",
            cr -> cr.getSpec().setPhase(Phase.LOCAL),
            "spec.backend.resources.requests.cpu",
            cr ->
                cr.getSpec()
                    .getBackend()
                    .setResources(
                        dev.chatbot.operator.model.Defaults.resources("2", "1Gi", "1", "1Gi")));
    for (var rule : rules.entrySet()) {
      Map<String, String> before = childVersions();
      ChatbotDeployment valid = cr();
      edit(rule.getValue());
      await()
          .atMost(WAIT)
          .untilAsserted(
              () -> {
                assertThat(ready().getReason()).isEqualTo("InvalidSpec");
                assertThat(ready().getMessage()).contains(rule.getKey());
              });
      assertThat(childVersions()).as("children after " + rule.getKey()).isEqualTo(before);
      // Back to the valid spec before the next rule.
      edit(
          cr -> {
            cr.setSpec(valid.getSpec());
          });
      await()
          .atMost(WAIT)
          .untilAsserted(() -> assertThat(ready().getReason()).isNotEqualTo("InvalidSpec"));
    }
  }

  Map<String, String> childVersions() {
    return java.util.stream.Stream.of(
            Deployment.class,
            ConfigMap.class,
            Service.class,
            NetworkPolicy.class,
            HorizontalPodAutoscaler.class)
        .flatMap(t -> client.resources(t).inNamespace(NS).list().getItems().stream())
        .collect(
            Collectors.toMap(
                r -> r.getKind() + "/" + r.getMetadata().getName(),
                r -> r.getMetadata().getResourceVersion()));
  }
}
