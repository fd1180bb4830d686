package dev.chatbot.operator;

import static dev.chatbot.operator.support.Fixtures.example;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.chatbot.api.v1alpha1.Bridge;
import dev.chatbot.api.v1alpha1.ChatbotDeployment;
import dev.chatbot.api.v1alpha1.MigrationState;
import dev.chatbot.api.v1alpha1.MigrationStatus;
import dev.chatbot.api.v1alpha1.MigrationStrategy;
import dev.chatbot.api.v1alpha1.Phase;
import dev.chatbot.operator.migration.SmokeTester;
import dev.chatbot.operator.model.Names;
import dev.chatbot.operator.model.OperatorSettings.AutoscalingApi;
import dev.chatbot.operator.status.Conditions;
import dev.chatbot.operator.support.ClusterSimulator;
import dev.chatbot.operator.support.Fixtures;
import dev.chatbot.operator.support.OperatorRun;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Phase changes on the mock server: all transitions, every failure, abort and restarts. */
@EnableKubernetesMockClient(crud = true)
class MockServerMigrationIT {
  static final Duration WAIT = Duration.ofSeconds(40);
  static final String TOKEN = "hf_secret_value_never_to_be_seen";
  String ns = "mig-" + java.util.UUID.randomUUID().toString().substring(0, 8);
  KubernetesClient client;
  OperatorRun run;
  ClusterSimulator cluster;
  final Set<Phase> failingSmokeTests = ConcurrentHashMap.newKeySet();

  @BeforeEach
  void start() {
    cluster = new ClusterSimulator(client, ns, "mock", "huggingface", "local");
    run = startOperator();
  }

  OperatorRun startOperator() {
    OperatorConfig config =
        Fixtures.config(Set.of(), "example.org/rt:test", false, AutoscalingApi.V2);
    SmokeTester smoke =
        (cr, phase) ->
            failingSmokeTests.contains(phase)
                ? new SmokeTester.Result(false, "test chat request answered HTTP 503")
                : new SmokeTester.Result(true, "answered");
    return new OperatorRun(client, config, smoke);
  }

  @AfterEach
  void stop() {
    run.close();
    cluster.close();
  }

  ChatbotDeployment cr() {
    return client.resources(ChatbotDeployment.class).inNamespace(ns).withName("demo").get();
  }

  void edit(Consumer<ChatbotDeployment> change) {
    Fixtures.editChatbot(client, ns, "demo", change);
  }

  void createSecret() {
    client
        .secrets()
        .inNamespace(ns)
        .resource(
            new SecretBuilder()
                .withNewMetadata()
                .withName("hf-token")
                .endMetadata()
                .withStringData(Map.of("token", TOKEN))
                .build())
        .create();
  }

  void moveTo(Phase phase) {
    Fixtures.moveToPhase(client, ns, "demo", phase);
  }

  /** Index of the traffic log from which a backend was serving. */
  int servingFrom;

  java.util.List<ClusterSimulator.Snapshot> trafficSinceServing() {
    return cluster.trafficSince(servingFrom);
  }

  void createServing(Phase phase) {
    ChatbotDeployment cr = example("mock.yaml", ns);
    cr.getMetadata().setName("demo");
    cr.getMetadata().setGeneration(1L);
    client.resource(cr).create();
    awaitServing(Phase.MOCK);
    cluster.record();
    servingFrom = cluster.trafficLog.size() - 1;
    if (phase != Phase.MOCK) {
      moveTo(phase);
      awaitServing(phase);
    }
  }

  void awaitServing(Phase phase) {
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              var s = cr().getStatus();
              assertThat(s).isNotNull();
              assertThat(s.getActivePhase()).isEqualTo(phase);
              assertThat(condition(Conditions.READY).getStatus()).isEqualTo("True");
              assertThat(backendDeployments()).containsExactly(Names.backend(cr(), phase));
              assertThat(selected()).isEqualTo(phase.value());
            });
  }

  Condition condition(String type) {
    var s = cr().getStatus();
    return Conditions.find(s == null ? null : s.getConditions(), type).orElseGet(Condition::new);
  }

  List<String> backendDeployments() {
    return client.apps().deployments().inNamespace(ns).list().getItems().stream()
        .map(d -> d.getMetadata().getName())
        .filter(n -> n.contains("-backend-"))
        .sorted()
        .toList();
  }

  String selected() {
    Service s = client.services().inNamespace(ns).withName("demo-backend").get();
    return s == null ? null : s.getSpec().getSelector().get(Names.LABEL_PHASE);
  }

  @Test
  void allSixTransitionsMoveTrafficWithoutEverSelectingNothing() {
    createSecret();
    createServing(Phase.MOCK);
    List<Phase> chain =
        List.of(
            Phase.HUGGINGFACE, Phase.LOCAL, Phase.MOCK, Phase.LOCAL, Phase.HUGGINGFACE, Phase.MOCK);
    List<String> durations = new ArrayList<>();
    Phase from = Phase.MOCK;
    for (Phase to : chain) {
      int logStart = cluster.trafficLog.size();
      Instant began = Instant.now();
      moveTo(to);
      awaitServing(to);
      MigrationStatus m = cr().getStatus().getMigration();
      assertThat(m.getState()).isEqualTo(MigrationState.Completed);
      assertThat(m.getFromPhase()).isEqualTo(from);
      assertThat(m.getToPhase()).isEqualTo(to);
      durations.add(
          from + "->" + to + " " + Duration.between(began, Instant.now()).toMillis() + " ms");
      var window = cluster.trafficSince(logStart);
      assertThat(window).as("traffic during " + from + "->" + to).noneMatch(s -> s.servesNothing());
      assertThat(window).extracting(ClusterSimulator.Snapshot::selected).contains(to.value());
      from = to;
    }
    assertThat(
            client.v1().events().inNamespace(ns).list().getItems().stream()
                .map(e -> e.getReason())
                .toList())
        .contains("MigrationDownloading", "MigrationStartingBackend", "MigrationCompleted")
        // Steps that pass within a pass or two are in status.migration only, and a completed
        // change says which phase serves (no PhaseActive besides).
        .doesNotContain(
            "MigrationPreparing", "MigrationSmokeTesting", "MigrationSwitching", "PhaseActive");
    // Back to mock, twice: serving mock again counts on the first Event instead of adding one
    // (at least three times; a pass that read a not yet updated status may say it once more).
    assertThat(client.v1().events().inNamespace(ns).list().getItems())
        .filteredOn(e -> "Available".equals(e.getReason()) && e.getMessage().startsWith("mock "))
        .singleElement()
        .satisfies(e -> assertThat(e.getCount()).isGreaterThanOrEqualTo(3));
    System.out.println("mock server migration durations: " + durations);
  }

  @Test
  void aMissingSecretKeepsTheOldPhaseServing() {
    createServing(Phase.MOCK);
    moveTo(Phase.HUGGINGFACE);
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              assertThat(condition(Conditions.READY).getReason()).isEqualTo("SecretNotFound");
              assertThat(condition(Conditions.READY).getMessage()).contains("hf-token");
              assertThat(condition(Conditions.DEGRADED).getStatus()).isEqualTo("True");
            });
    assertThat(cr().getStatus().getActivePhase()).isEqualTo(Phase.MOCK);
    assertThat(selected()).isEqualTo("mock");
    assertThat(backendDeployments()).containsExactly("demo-backend-mock");
    // The Secret appears: the change is retried and completes.
    createSecret();
    awaitServing(Phase.HUGGINGFACE);
  }

  @Test
  void aFailedDownloadKeepsTheOldPhaseAndTheVolume() {
    createServing(Phase.MOCK);
    cluster.jobOutcome = "Failed";
    moveTo(Phase.LOCAL);
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              assertThat(condition(Conditions.DEGRADED).getReason())
                  .isEqualTo("ModelDownloadFailed");
              assertThat(condition(Conditions.MODEL_READY).getStatus()).isEqualTo("False");
              assertThat(cr().getStatus().getModels())
                  .allMatch(m -> m.getState() == dev.chatbot.api.v1alpha1.ModelStatus.State.Failed);
            });
    assertThat(selected()).isEqualTo("mock");
    assertThat(backendDeployments()).containsExactly("demo-backend-mock");
    assertThat(
            client
                .resources(PersistentVolumeClaim.class)
                .inNamespace(ns)
                .withName("demo-models")
                .get())
        .as("downloaded models are kept for the retry")
        .isNotNull();
  }

  @Test
  void aBackendThatNeverBecomesAvailableFailsAtTheDeadline() {
    createServing(Phase.MOCK);
    createSecret();
    cluster.healthyPhases.remove("huggingface");
    edit(cr -> cr.getSpec().getMigration().setProgressDeadlineSeconds(2));
    moveTo(Phase.HUGGINGFACE);
    await()
        .atMost(WAIT)
        .untilAsserted(
            () ->
                assertThat(condition(Conditions.DEGRADED).getReason())
                    .isEqualTo("ProgressDeadlineExceeded"));
    assertThat(selected()).isEqualTo("mock");
    await()
        .atMost(WAIT)
        .untilAsserted(
            () ->
                assertThat(backendDeployments())
                    .as("the half-made backend is removed")
                    .containsExactly("demo-backend-mock"));
    assertThat(trafficSinceServing()).noneMatch(ClusterSimulator.Snapshot::servesNothing);
  }

  @Test
  void aFailedSmokeTestKeepsTheOldPhase() {
    createServing(Phase.MOCK);
    createSecret();
    failingSmokeTests.add(Phase.HUGGINGFACE);
    moveTo(Phase.HUGGINGFACE);
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              assertThat(condition(Conditions.DEGRADED).getReason()).isEqualTo("SmokeTestFailed");
              assertThat(cr().getStatus().getMigration().getMessage()).contains("HTTP 503");
            });
    assertThat(selected()).isEqualTo("mock");
    await().atMost(WAIT).until(() -> backendDeployments().equals(List.of("demo-backend-mock")));
  }

  @Test
  void aNewPhaseChangeInTheMiddleAbortsCleanly() {
    createServing(Phase.MOCK);
    createSecret();
    cluster.healthyPhases.remove("huggingface");
    moveTo(Phase.HUGGINGFACE);
    await().atMost(WAIT).until(() -> backendDeployments().contains("demo-backend-huggingface"));
    moveTo(Phase.LOCAL);
    awaitServing(Phase.LOCAL);
    assertThat(backendDeployments()).containsExactly("demo-backend-local");
    assertThat(trafficSinceServing()).noneMatch(ClusterSimulator.Snapshot::servesNothing);
    assertThat(trafficSinceServing())
        .extracting(ClusterSimulator.Snapshot::selected)
        .doesNotContain("huggingface");
  }

  @Test
  void recreateRemovesTheOldBackendFirst() {
    createServing(Phase.MOCK);
    createSecret();
    edit(cr -> cr.getSpec().getMigration().setStrategy(MigrationStrategy.Recreate));
    cluster.healthyPhases.remove("huggingface");
    moveTo(Phase.HUGGINGFACE);
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              assertThat(backendDeployments()).containsExactly("demo-backend-huggingface");
              assertThat(selected()).isEqualTo("huggingface");
              assertThat(cr().getStatus().getMigration().getState())
                  .isEqualTo(MigrationState.StartingBackend);
            });
    // Documented downtime: the Service selects a backend that is not available yet.
    cluster.healthyPhases.add("huggingface");
    cluster.record();
    client
        .apps()
        .deployments()
        .inNamespace(ns)
        .withName("demo-backend-huggingface")
        .edit(
            d -> {
              d.getMetadata().setAnnotations(Map.of("nudge", "1"));
              return d;
            });
    awaitServing(Phase.HUGGINGFACE);
  }

  @ParameterizedTest
  @EnumSource(
      value = MigrationState.class,
      names = {"Preparing", "Downloading", "StartingBackend", "SmokeTesting", "Switching"})
  void anOperatorRestartedAtAnyStateFinishesTheChange(MigrationState state) {
    createServing(Phase.MOCK);
    cluster.jobOutcome = null;
    cluster.healthyPhases.remove("local");
    moveTo(Phase.LOCAL);
    await()
        .atMost(WAIT)
        .until(
            () ->
                cr().getStatus().getMigration() != null
                    && cr().getStatus().getMigration().getState() == MigrationState.Downloading);
    run.close();
    // The operator died with the change at `state`: record it as the last one would have.
    client
        .resources(ChatbotDeployment.class)
        .inNamespace(ns)
        .withName("demo")
        .editStatus(
            cr -> {
              cr.getStatus().getMigration().setState(state);
              return cr;
            });
    cluster.jobOutcome = "Complete";
    cluster.healthyPhases.add("local");
    client.batch().v1().jobs().inNamespace(ns).list().getItems().forEach(j -> cluster.record());
    run = startOperator();
    // Nudge the simulator for objects that already exist.
    client
        .batch()
        .v1()
        .jobs()
        .inNamespace(ns)
        .list()
        .getItems()
        .forEach(
            j ->
                client
                    .batch()
                    .v1()
                    .jobs()
                    .inNamespace(ns)
                    .withName(j.getMetadata().getName())
                    .edit(
                        x -> {
                          x.getMetadata().setAnnotations(Map.of("nudge", "1"));
                          return x;
                        }));
    awaitServing(Phase.LOCAL);
    assertThat(cr().getStatus().getMigration().getState()).isEqualTo(MigrationState.Completed);
    assertThat(trafficSinceServing()).noneMatch(ClusterSimulator.Snapshot::servesNothing);
  }

  @Test
  void theTokenNeverAppearsOutsideItsSecret() {
    createSecret();
    createServing(Phase.HUGGINGFACE);
    StringBuilder everything = new StringBuilder();
    everything.append(io.fabric8.kubernetes.client.utils.Serialization.asYaml(cr()));
    client
        .configMaps()
        .inNamespace(ns)
        .list()
        .getItems()
        .forEach(
            c -> everything.append(io.fabric8.kubernetes.client.utils.Serialization.asYaml(c)));
    client
        .apps()
        .deployments()
        .inNamespace(ns)
        .list()
        .getItems()
        .forEach(
            d -> everything.append(io.fabric8.kubernetes.client.utils.Serialization.asYaml(d)));
    client
        .v1()
        .events()
        .inNamespace(ns)
        .list()
        .getItems()
        .forEach(
            e -> everything.append(io.fabric8.kubernetes.client.utils.Serialization.asYaml(e)));
    assertThat(everything.toString()).contains("hf-token").doesNotContain(TOKEN);
    String base64 =
        java.util.Base64.getEncoder()
            .encodeToString(TOKEN.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    assertThat(everything.toString()).doesNotContain(base64);
  }

  @Test
  void rotatingTheTokenRollsTheBackend() {
    createSecret();
    createServing(Phase.HUGGINGFACE);
    Deployment before =
        client.apps().deployments().inNamespace(ns).withName("demo-backend-huggingface").get();
    String hash =
        before
            .getSpec()
            .getTemplate()
            .getMetadata()
            .getAnnotations()
            .get(Names.ANNOTATION_CONFIG_HASH);
    client
        .secrets()
        .inNamespace(ns)
        .withName("hf-token")
        .edit(
            s -> {
              s.setStringData(Map.of("token", "hf_rotated"));
              return s;
            });
    // The Secret is not watched; any event (here a label on the resource) or the minute poll
    // picks it up.
    edit(cr -> cr.getMetadata().setLabels(Map.of("touch", "1")));
    await()
        .atMost(Duration.ofSeconds(90))
        .until(
            () ->
                !hash.equals(
                    client
                        .apps()
                        .deployments()
                        .inNamespace(ns)
                        .withName("demo-backend-huggingface")
                        .get()
                        .getSpec()
                        .getTemplate()
                        .getMetadata()
                        .getAnnotations()
                        .get(Names.ANNOTATION_CONFIG_HASH)));
  }

  /** Completes the download Job as the Job controller would. */
  void completeDownload() {
    for (var job : client.batch().v1().jobs().inNamespace(ns).list().getItems()) {
      job.setStatus(
          new io.fabric8.kubernetes.api.model.batch.v1.JobStatusBuilder()
              .addNewCondition()
              .withType("Complete")
              .withStatus("True")
              .endCondition()
              .withSucceeded(1)
              .build());
      client.batch().v1().jobs().inNamespace(ns).resource(job).updateStatus();
    }
  }

  @Test
  void aBridgeServesFromTheStartAndLocalTakesOverMakeBeforeBreak() {
    cluster.jobOutcome = null; // the download runs until completeDownload()
    ChatbotDeployment cr = example("local-download.yaml", ns);
    cr.getMetadata().setName("demo");
    cr.getSpec().getLocal().setBridge(Bridge.MOCK);
    Instant began = Instant.now();
    client.resource(cr).create();
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              var s = cr().getStatus();
              assertThat(s).isNotNull();
              assertThat(s.getActivePhase()).isEqualTo(Phase.MOCK);
              assertThat(s.getBridge()).isEqualTo(Phase.MOCK);
              assertThat(selected()).isEqualTo("mock");
              assertThat(condition(Conditions.READY).getReason()).isEqualTo("Bridging");
              assertThat(s.getMigration())
                  .extracting(MigrationStatus::getState)
                  .isEqualTo(MigrationState.Downloading);
              assertThat(client.batch().v1().jobs().inNamespace(ns).list().getItems()).hasSize(1);
            });
    Duration bridgeServing = Duration.between(began, Instant.now());
    cluster.record();
    int from = cluster.trafficLog.size() - 1;
    assertThat(backendDeployments()).containsExactly("demo-backend-mock");

    completeDownload();
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              var s = cr().getStatus();
              assertThat(s.getActivePhase()).isEqualTo(Phase.LOCAL);
              assertThat(s.getBridge()).isNull();
              assertThat(condition(Conditions.READY).getStatus()).isEqualTo("True");
              assertThat(backendDeployments()).containsExactly("demo-backend-local");
              assertThat(selected()).isEqualTo("local");
            });
    var window = cluster.trafficSince(from);
    assertThat(window).as("traffic from the bridge to local").noneMatch(s -> s.servesNothing());
    assertThat(window).extracting(ClusterSimulator.Snapshot::selected).contains("mock", "local");
    assertThat(cr().getStatus().getMigration().getState()).isEqualTo(MigrationState.Completed);
    System.out.println(
        "bridge on the mock server: mock served after "
            + bridgeServing.toMillis()
            + " ms; local after the download in "
            + Duration.between(began, Instant.now()).toMillis()
            + " ms from creation");
  }
}
