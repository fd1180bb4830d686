package dev.chatbot.operator.gitops;

import static dev.chatbot.operator.support.Fixtures.example;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.chatbot.api.v1alpha1.ChatbotDeployment;
import dev.chatbot.api.v1alpha1.Phase;
import dev.chatbot.operator.OperatorConfig;
import dev.chatbot.operator.gitops.StatusSamples.Argo;
import dev.chatbot.operator.gitops.StatusSamples.Flux;
import dev.chatbot.operator.migration.SmokeTester;
import dev.chatbot.operator.model.OperatorSettings.AutoscalingApi;
import dev.chatbot.operator.support.ClusterSimulator;
import dev.chatbot.operator.support.Fixtures;
import dev.chatbot.operator.support.OperatorRun;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The GitOps health checks on statuses the operator really writes (fabric8 mock server, simulated
 * kubelet): a chatbot goes Ready, waits for its token Secret, moves phase, fails a phase change and
 * gets an invalid spec. At every status seen the Argo CD check and Flux's expressions agree, and
 * each step ends in the documented health.
 */
@EnableKubernetesMockClient(crud = true)
class GitOpsHealthIT {
  static final Duration WAIT = Duration.ofSeconds(40);
  static final ArgoCdHealth ARGO = new ArgoCdHealth();
  static final FluxHealth FLUX = new FluxHealth();

  String ns = "gitops-" + java.util.UUID.randomUUID().toString().substring(0, 8);
  KubernetesClient client;
  OperatorRun run;
  ClusterSimulator cluster;
  final Set<Phase> failingSmokeTests = ConcurrentHashMap.newKeySet();
  final List<String> seen = new CopyOnWriteArrayList<>();
  final List<String> disagreements = new CopyOnWriteArrayList<>();

  @BeforeEach
  void start() {
    cluster = new ClusterSimulator(client, ns, "mock", "huggingface");
    OperatorConfig config =
        Fixtures.config(Set.of(), "example.org/rt:test", false, AutoscalingApi.V2);
    SmokeTester smoke =
        (cr, phase) ->
            failingSmokeTests.contains(phase)
                ? new SmokeTester.Result(false, "test chat request answered HTTP 503")
                : new SmokeTester.Result(true, "answered");
    run = new OperatorRun(client, config, smoke);
  }

  @AfterEach
  void stop() {
    run.close();
    cluster.close();
  }

  @Test
  void healthFollowsTheChatbotThroughItsLife() {
    ChatbotDeployment cr = example("mock.yaml", ns);
    cr.getMetadata().setGeneration(1L);
    client.resource(cr).create();
    awaitHealth(Argo.Healthy, Flux.Current, "Available");

    // huggingface without its token Secret: the operator waits for it (mock keeps serving).
    Fixtures.moveToPhase(client, ns, "demo", Phase.HUGGINGFACE);
    awaitHealth(Argo.Suspended, Flux.InProgress, "SecretNotFound");

    // The Secret appears (say, synced later by another tool): the change goes on by itself.
    client
        .secrets()
        .inNamespace(ns)
        .resource(
            new SecretBuilder()
                .withNewMetadata()
                .withName("hf-token")
                .endMetadata()
                .withStringData(Map.of("token", "not-a-real-token"))
                .build())
        .create();
    awaitHealth(Argo.Healthy, Flux.Current, "huggingface backend");

    // A change whose smoke test fails: Degraded at once, huggingface keeps serving.
    failingSmokeTests.add(Phase.MOCK);
    Fixtures.moveToPhase(client, ns, "demo", Phase.MOCK);
    awaitHealth(Argo.Degraded, Flux.Failed, "SmokeTestFailed");

    // An invalid spec: Degraded, nothing changed.
    Fixtures.editChatbot(
        client,
        ns,
        "demo",
        c -> {
          c.getSpec().setPhase(Phase.HUGGINGFACE);
          c.getSpec().setHuggingface(null);
        });
    awaitHealth(Argo.Degraded, Flux.Failed, "InvalidSpec");

    // Fixed: back to Healthy.
    Fixtures.moveToPhase(client, ns, "demo", Phase.HUGGINGFACE);
    awaitHealth(Argo.Healthy, Flux.Current, "huggingface backend");

    // Progress was seen on the way (migrations take a few of the operator's 2 s steps), and the
    // two tools never read a status differently.
    assertThat(seen).contains(Argo.Progressing.name());
    assertThat(disagreements).isEmpty();
  }

  /** Polls the live resource; every status seen must read the same to both tools. */
  void awaitHealth(Argo argo, Flux flux, String message) {
    await()
        .atMost(WAIT)
        .pollInterval(Duration.ofMillis(100))
        .untilAsserted(
            () -> {
              ChatbotDeployment live =
                  client.resources(ChatbotDeployment.class).inNamespace(ns).withName("demo").get();
              @SuppressWarnings("unchecked")
              Map<String, Object> object = Serialization.jsonMapper().convertValue(live, Map.class);
              Map<String, String> health = ARGO.evaluate(object);
              Flux status = FLUX.evaluate(object);
              Argo seenArgo = Argo.valueOf(health.get("status"));
              seen.add(seenArgo.name());
              // Every poll, not only the last: a wrong reading cannot hide in between.
              if ((status == Flux.Current) != (seenArgo == Argo.Healthy)
                  || (status == Flux.Failed) != (seenArgo == Argo.Degraded)
                  || status == Flux.Unknown) {
                disagreements.add(seenArgo + " / " + status + ": " + health.get("message"));
              }
              assertThat(seenArgo).isEqualTo(argo);
              assertThat(status).isEqualTo(flux);
              assertThat(health.get("message")).contains(message);
            });
  }
}
