package dev.chatbot.operator.status;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chatbot.api.v1alpha1.ChatbotDeployment;
import dev.chatbot.api.v1alpha1.ChatbotDeploymentStatus;
import dev.chatbot.api.v1alpha1.MigrationState;
import dev.chatbot.api.v1alpha1.MigrationStatus;
import dev.chatbot.api.v1alpha1.ModelSource;
import dev.chatbot.api.v1alpha1.ModelStatus;
import dev.chatbot.api.v1alpha1.Phase;
import dev.chatbot.operator.model.OperatorSettings;
import dev.chatbot.operator.model.OperatorSettings.AutoscalingApi;
import dev.chatbot.operator.observer.Observation;
import dev.chatbot.operator.observer.Observation.Availability;
import dev.chatbot.operator.observer.Observation.JobState;
import dev.chatbot.operator.support.Fixtures;
import dev.chatbot.operator.validation.SpecValidator.Violation;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The status each situation reports, without a cluster. */
class StatusBuilderTest {
  static final String T0 = "2026-01-01T00:00:00Z";
  static final String T1 = "2026-01-01T00:01:00Z";
  static final OperatorSettings SETTINGS = Fixtures.settings();
  static final Availability UP = new Availability(1, 1, true);
  static final Availability DOWN = new Availability(1, 0, false);
  static final Availability FRONTEND_UP = new Availability(2, 2, true);

  static ChatbotDeployment cr(String example) {
    ChatbotDeployment cr = Fixtures.example(example, "ns");
    cr.getMetadata().setGeneration(4L);
    return cr;
  }

  static Observation seen(Map<Phase, Availability> backends, Availability frontend) {
    Map<Phase, Availability> byPhase = new EnumMap<>(Phase.class);
    byPhase.putAll(backends);
    return new Observation(byPhase, frontend, JobState.NONE, null, "", "http://demo.ns");
  }

  static Condition condition(ChatbotDeploymentStatus s, String type) {
    return Conditions.find(s.getConditions(), type).orElseThrow();
  }

  static MigrationStatus migration(MigrationState state, String reason, String message) {
    MigrationStatus m = new MigrationStatus();
    m.setFromPhase(Phase.MOCK);
    m.setToPhase(Phase.HUGGINGFACE);
    m.setState(state);
    m.setReason(reason);
    m.setMessage(message);
    return m;
  }

  @Test
  void beforeAnythingIsAvailableTheRolloutProgresses() {
    ChatbotDeployment cr = cr("mock.yaml");
    ChatbotDeploymentStatus s =
        StatusBuilder.build(cr, seen(Map.of(), null), null, null, SETTINGS, T0);
    assertThat(s.getObservedGeneration()).isEqualTo(4L);
    assertThat(s.getTargetPhase()).isEqualTo(Phase.MOCK);
    assertThat(s.getActivePhase()).isNull();
    assertThat(s.getEndpoint()).isEqualTo("http://demo.ns");
    assertThat(s.getBackend().getReplicas()).isZero();
    assertThat(s.getFrontend().getReadyReplicas()).isZero();
    assertThat(s.getModels()).isNull();
    Condition ready = condition(s, Conditions.READY);
    assertThat(ready.getStatus()).isEqualTo("False");
    assertThat(ready.getReason()).isEqualTo("BackendUnavailable");
    assertThat(ready.getMessage()).isEqualTo("mock backend Deployment not created yet");
    assertThat(condition(s, Conditions.PROGRESSING).getReason()).isEqualTo("RollingOut");
    assertThat(condition(s, Conditions.PROGRESSING).getStatus()).isEqualTo("True");
    assertThat(condition(s, Conditions.DEGRADED).getStatus()).isEqualTo("False");
    assertThat(s.getConditions())
        .extracting(Condition::getType)
        .containsExactly("Ready", "Progressing", "Degraded");
  }

  @Test
  void readyOnceBackendAndFrontendAreAvailable() {
    ChatbotDeployment cr = cr("mock.yaml");
    ChatbotDeploymentStatus waiting =
        StatusBuilder.build(cr, seen(Map.of(Phase.MOCK, UP), DOWN), Phase.MOCK, null, SETTINGS, T0);
    assertThat(condition(waiting, Conditions.READY).getReason()).isEqualTo("FrontendUnavailable");
    assertThat(condition(waiting, Conditions.READY).getMessage())
        .isEqualTo("frontend: 0/1 replicas ready");

    ChatbotDeploymentStatus s =
        StatusBuilder.build(
            cr, seen(Map.of(Phase.MOCK, UP), FRONTEND_UP), Phase.MOCK, null, SETTINGS, T0);
    Condition ready = condition(s, Conditions.READY);
    assertThat(ready.getStatus()).isEqualTo("True");
    assertThat(ready.getReason()).isEqualTo("Available");
    assertThat(ready.getMessage()).isEqualTo("mock backend and frontend available");
    assertThat(condition(s, Conditions.PROGRESSING).getReason()).isEqualTo("Complete");
    assertThat(condition(s, Conditions.PROGRESSING).getStatus()).isEqualTo("False");
    assertThat(s.getBackend().getReadyReplicas()).isEqualTo(1);
    assertThat(s.getFrontend().getReadyReplicas()).isEqualTo(2);
  }

  @Test
  void aRunningChangeIsMigratingNotReady() {
    ChatbotDeployment cr = cr("huggingface.yaml");
    MigrationStatus m = migration(MigrationState.StartingBackend, null, "starting");
    ChatbotDeploymentStatus s =
        StatusBuilder.build(
            cr, seen(Map.of(Phase.MOCK, UP), FRONTEND_UP), Phase.MOCK, m, SETTINGS, T0);
    assertThat(condition(s, Conditions.READY).getReason()).isEqualTo("Migrating");
    assertThat(condition(s, Conditions.READY).getMessage())
        .isEqualTo("moving from mock to huggingface: starting");
    assertThat(condition(s, Conditions.PROGRESSING).getReason()).isEqualTo("Migrating");
    assertThat(condition(s, Conditions.PROGRESSING).getStatus()).isEqualTo("True");
    assertThat(s.getBackend().getReadyReplicas()).as("the serving phase's backend").isEqualTo(1);
    assertThat(s.getMigration()).isSameAs(m);
  }

  @Test
  void aFailedChangeIsDegradedWhileTheOldPhaseServes() {
    ChatbotDeployment cr = cr("huggingface.yaml");
    MigrationStatus m =
        migration(MigrationState.Failed, Reason.SmokeTestFailed.name(), "answered HTTP 503");
    ChatbotDeploymentStatus s =
        StatusBuilder.build(
            cr, seen(Map.of(Phase.MOCK, UP), FRONTEND_UP), Phase.MOCK, m, SETTINGS, T0);
    Condition ready = condition(s, Conditions.READY);
    assertThat(ready.getStatus()).isEqualTo("False");
    assertThat(ready.getReason()).isEqualTo("SmokeTestFailed");
    assertThat(ready.getMessage()).isEqualTo("answered HTTP 503; mock keeps serving");
    Condition degraded = condition(s, Conditions.DEGRADED);
    assertThat(degraded.getStatus()).isEqualTo("True");
    assertThat(degraded.getReason()).isEqualTo("SmokeTestFailed");
    assertThat(degraded.getMessage()).isEqualTo("change to huggingface failed: answered HTTP 503");
    assertThat(condition(s, Conditions.PROGRESSING).getStatus()).isEqualTo("False");
  }

  @Test
  void aMissingSecretIsNotProgress() {
    ChatbotDeployment cr = cr("huggingface.yaml");
    Observation obs =
        new Observation(
            new EnumMap<>(Phase.class), null, JobState.NONE, "Secret hf-token not found", "", null);
    ChatbotDeploymentStatus s = StatusBuilder.build(cr, obs, null, null, SETTINGS, T0);
    assertThat(condition(s, Conditions.READY).getReason()).isEqualTo("SecretNotFound");
    assertThat(condition(s, Conditions.READY).getMessage()).isEqualTo("Secret hf-token not found");
    assertThat(condition(s, Conditions.PROGRESSING).getStatus()).isEqualTo("False");
    assertThat(condition(s, Conditions.PROGRESSING).getReason()).isEqualTo("SecretNotFound");
  }

  @Test
  void modelsFollowTheDownloadJob() {
    ChatbotDeployment cr = cr("local-download.yaml");
    Observation running =
        new Observation(
            new EnumMap<>(Phase.class),
            null,
            new JobState(JobState.Kind.RUNNING, "downloading"),
            null,
            "",
            null);
    ChatbotDeploymentStatus s = StatusBuilder.build(cr, running, null, null, SETTINGS, T0);
    assertThat(condition(s, Conditions.MODEL_READY).getReason()).isEqualTo("Downloading");
    assertThat(s.getModels())
        .extracting(ModelStatus::getName, ModelStatus::getState)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("qwen2.5:0.5b", ModelStatus.State.Downloading),
            org.assertj.core.groups.Tuple.tuple("llama3.2", ModelStatus.State.Downloading));

    cr.getSpec().getLocal().setModelSource(ModelSource.IMAGE);
    ChatbotDeploymentStatus image = StatusBuilder.build(cr, running, null, null, SETTINGS, T0);
    assertThat(condition(image, Conditions.MODEL_READY).getReason()).isEqualTo("ModelsInImage");
    assertThat(image.getModels()).allMatch(m -> m.getState() == ModelStatus.State.Ready);
  }

  @Test
  void autoscalingWithoutAnApiIsReported() {
    ChatbotDeployment cr = cr("mock.yaml");
    Observation obs = seen(Map.of(Phase.MOCK, UP), FRONTEND_UP);
    ChatbotDeploymentStatus none =
        StatusBuilder.build(cr, obs, Phase.MOCK, null, Fixtures.settings(AutoscalingApi.NONE), T0);
    Condition autoscaling = condition(none, Conditions.AUTOSCALING);
    assertThat(autoscaling.getStatus()).isEqualTo("False");
    assertThat(autoscaling.getReason()).isEqualTo("AutoscalingAPIUnavailable");
    assertThat(StatusBuilder.build(cr, obs, Phase.MOCK, null, SETTINGS, T0).getConditions())
        .extracting(Condition::getType)
        .doesNotContain(Conditions.AUTOSCALING);
  }

  @Test
  void theSameSituationLaterIsUnchangedSoNothingIsWritten() {
    ChatbotDeployment cr = cr("mock.yaml");
    Observation obs = seen(Map.of(Phase.MOCK, UP), FRONTEND_UP);
    ChatbotDeploymentStatus first = StatusBuilder.build(cr, obs, Phase.MOCK, null, SETTINGS, T0);
    cr.setStatus(first);
    ChatbotDeploymentStatus later = StatusBuilder.build(cr, obs, Phase.MOCK, null, SETTINGS, T1);
    assertThat(StatusBuilder.unchanged(first, later)).isTrue();
    assertThat(condition(later, Conditions.READY).getLastTransitionTime()).isEqualTo(T0);
    // As read back from the API server: an equal copy, not the same objects.
    ChatbotDeploymentStatus readBack =
        Serialization.unmarshal(Serialization.asJson(first), ChatbotDeploymentStatus.class);
    assertThat(StatusBuilder.unchanged(readBack, later)).isTrue();

    ChatbotDeploymentStatus scaled =
        StatusBuilder.build(
            cr,
            seen(Map.of(Phase.MOCK, new Availability(2, 1, false)), FRONTEND_UP),
            Phase.MOCK,
            null,
            SETTINGS,
            T1);
    assertThat(StatusBuilder.unchanged(first, scaled)).isFalse();
    MigrationStatus m = migration(MigrationState.Completed, null, "done");
    ChatbotDeploymentStatus a = StatusBuilder.build(cr, obs, Phase.MOCK, m, SETTINGS, T0);
    MigrationStatus other = m.copy();
    other.setMessage("done, differently");
    ChatbotDeploymentStatus b = StatusBuilder.build(cr, obs, Phase.MOCK, other, SETTINGS, T0);
    assertThat(StatusBuilder.unchanged(a, b)).as("a nested field differs").isFalse();
  }

  @Test
  void anInvalidSpecKeepsWhatWasObservedAndSaysWhy() {
    ChatbotDeployment cr = cr("mock.yaml");
    cr.setStatus(
        StatusBuilder.build(
            cr, seen(Map.of(Phase.MOCK, UP), FRONTEND_UP), Phase.MOCK, null, SETTINGS, T0));
    cr.getMetadata().setGeneration(5L);
    ChatbotDeploymentStatus s =
        StatusBuilder.invalid(
            cr, List.of(new Violation("spec.backend.replicas", "is too many")), T1);
    assertThat(s.getObservedGeneration()).isEqualTo(5L);
    assertThat(s.getActivePhase()).isEqualTo(Phase.MOCK);
    assertThat(s.getBackend().getReadyReplicas()).isEqualTo(1);
    assertThat(s.getEndpoint()).isEqualTo("http://demo.ns");
    for (String type : List.of(Conditions.READY, Conditions.PROGRESSING)) {
      Condition c = condition(s, type);
      assertThat(c.getStatus()).isEqualTo("False");
      assertThat(c.getReason()).isEqualTo("InvalidSpec");
      assertThat(c.getMessage())
          .isEqualTo("invalid spec, nothing was changed: spec.backend.replicas: is too many");
    }
    assertThat(condition(s, Conditions.DEGRADED).getReason()).isEqualTo("AsExpected");
  }

  @Test
  void aReconcileErrorChangesOnlyProgressing() {
    ChatbotDeployment cr = cr("mock.yaml");
    ChatbotDeploymentStatus before =
        StatusBuilder.build(
            cr, seen(Map.of(Phase.MOCK, UP), FRONTEND_UP), Phase.MOCK, null, SETTINGS, T0);
    cr.setStatus(before);
    ChatbotDeploymentStatus s =
        StatusBuilder.reconcileError(cr, "API request failed (403): forbidden", T1);
    assertThat(s.getActivePhase()).isEqualTo(Phase.MOCK);
    assertThat(s.getBackend().getReadyReplicas()).isEqualTo(1);
    assertThat(condition(s, Conditions.READY)).isEqualTo(condition(before, Conditions.READY));
    Condition progressing = condition(s, Conditions.PROGRESSING);
    assertThat(progressing.getReason()).isEqualTo("ReconcileError");
    assertThat(progressing.getMessage()).isEqualTo("API request failed (403): forbidden");
    assertThat(progressing.getStatus()).isEqualTo("False");
    assertThat(progressing.getLastTransitionTime()).as("False before and after").isEqualTo(T0);
    cr.setStatus(s);
    assertThat(
            StatusBuilder.unchanged(
                s, StatusBuilder.reconcileError(cr, "API request failed (403): forbidden", T1)))
        .as("the same error again writes nothing")
        .isTrue();
  }

  /**
   * A chatbot serving local whose model list changed: the new list's Job runs, then the backend
   * rolls new pods. It serves the whole time (Ready), and Progressing says what is still changing
   * (it said False/Complete "rollout complete", found by ModelChangeE2E).
   */
  @Test
  void aModelListChangeWhileLocalServesIsReadyAndProgressing() {
    ChatbotDeployment cr = cr("local-download.yaml");
    // The first pass after the edit: the new list's Job is not created yet.
    ChatbotDeploymentStatus edited =
        StatusBuilder.build(
            cr, seen(Map.of(Phase.LOCAL, UP), FRONTEND_UP), Phase.LOCAL, null, SETTINGS, T1);
    assertThat(condition(edited, Conditions.READY).getStatus()).isEqualTo("True");
    assertThat(condition(edited, Conditions.PROGRESSING).getStatus()).isEqualTo("True");
    assertThat(condition(edited, Conditions.PROGRESSING).getMessage())
        .isEqualTo(
            "starting the download of the models; the running local pods keep serving until new"
                + " pods have them");

    JobState job = new JobState(JobState.Kind.RUNNING, "downloading", "private-download-2", "u2");
    ModelStatus b = new ModelStatus("qwen2.5:0.5b", ModelStatus.State.Downloading, null);
    b.setPercent(40.0);
    b.setBytesCompleted(400_000_000L);
    b.setBytesTotal(1_000_000_000L);
    var sample =
        new dev.chatbot.operator.observer.DownloadSample(
            "private-download-2",
            "u2",
            java.time.Instant.parse(T0),
            List.of(b, new ModelStatus("llama3.2", ModelStatus.State.Pending, null)),
            null,
            null);
    Availability rolling = new Availability(1, 1, true, false);
    Observation downloading = seen(Map.of(Phase.LOCAL, rolling), FRONTEND_UP).withJob(job, sample);
    ChatbotDeploymentStatus s =
        StatusBuilder.build(cr, downloading, Phase.LOCAL, null, SETTINGS, T1);
    assertThat(condition(s, Conditions.READY).getStatus()).isEqualTo("True");
    assertThat(condition(s, Conditions.READY).getReason()).isEqualTo("Available");
    Condition progressing = condition(s, Conditions.PROGRESSING);
    assertThat(progressing.getStatus()).isEqualTo("True");
    assertThat(progressing.getReason()).isEqualTo("RollingOut");
    assertThat(progressing.getMessage())
        .isEqualTo(
            "downloading the models (qwen2.5:0.5b 40.0%, 0/2 ready); the running local pods keep"
                + " serving until new pods have the models");
    assertThat(condition(s, Conditions.MODEL_READY).getReason()).isEqualTo("Downloading");

    // The backend Deployment took the new template; its controller has not observed it yet (so
    // it is not "available"), while the old pod still serves: Ready stays True (it said False,
    // BackendUnavailable "local backend: 1/1 replicas ready", found by ModelChangeE2E).
    Availability unobserved = new Availability(1, 1, false, false);
    ChatbotDeploymentStatus justEdited =
        StatusBuilder.build(
            cr,
            seen(Map.of(Phase.LOCAL, unobserved), FRONTEND_UP).withJob(job, sample),
            Phase.LOCAL,
            null,
            SETTINGS,
            T1);
    assertThat(condition(justEdited, Conditions.READY).getStatus()).isEqualTo("True");
    assertThat(condition(justEdited, Conditions.PROGRESSING).getStatus()).isEqualTo("True");
    // Not before anything served: a first deployment's backend is up only once it is available.
    assertThat(
            condition(
                    StatusBuilder.build(
                        cr,
                        seen(Map.of(Phase.LOCAL, unobserved), FRONTEND_UP),
                        null,
                        null,
                        SETTINGS,
                        T1),
                    Conditions.READY)
                .getStatus())
        .isEqualTo("False");

    // Downloaded; the new pods are not ready yet.
    JobState done = new JobState(JobState.Kind.SUCCEEDED, "downloaded", "private-download-2", "u2");
    ChatbotDeploymentStatus starting =
        StatusBuilder.build(
            cr,
            seen(Map.of(Phase.LOCAL, rolling), FRONTEND_UP).withJob(done, null),
            Phase.LOCAL,
            null,
            SETTINGS,
            T1);
    assertThat(condition(starting, Conditions.READY).getStatus()).isEqualTo("True");
    assertThat(condition(starting, Conditions.PROGRESSING).getStatus()).isEqualTo("True");
    assertThat(condition(starting, Conditions.PROGRESSING).getMessage())
        .isEqualTo(
            "rolling out new local pods; the running ones keep serving until they are ready");

    // Rolled out: nothing progresses.
    ChatbotDeploymentStatus rolledOut =
        StatusBuilder.build(
            cr,
            seen(Map.of(Phase.LOCAL, UP), FRONTEND_UP).withJob(done, null),
            Phase.LOCAL,
            null,
            SETTINGS,
            T1);
    assertThat(condition(rolledOut, Conditions.PROGRESSING).getStatus()).isEqualTo("False");
    assertThat(condition(rolledOut, Conditions.PROGRESSING).getReason()).isEqualTo("Complete");
  }

  @Test
  void aDownloadReadingFillsTheModelsAndThePrinterColumnsAndABridgeSaysSo() {
    ChatbotDeployment cr = cr("local-download.yaml");
    cr.getSpec().getLocal().setBridge(dev.chatbot.api.v1alpha1.Bridge.MOCK);
    JobState job = new JobState(JobState.Kind.RUNNING, "downloading", "private-download-1", "u1");
    ModelStatus first = new ModelStatus("qwen2.5:0.5b", ModelStatus.State.Downloading, null);
    first.setPercent(45.0);
    first.setBytesCompleted(450_000_000L);
    first.setBytesTotal(1_000_000_000L);
    first.setBytesPerSecond(8_400_000L);
    first.setEtaSeconds(130L);
    var sample =
        new dev.chatbot.operator.observer.DownloadSample(
            "private-download-1",
            "u1",
            java.time.Instant.parse(T0),
            List.of(first, new ModelStatus("llama3.2", ModelStatus.State.Pending, null)),
            null,
            null);
    Observation obs = seen(Map.of(Phase.MOCK, UP), FRONTEND_UP).withJob(job, sample);
    MigrationStatus m = migration(MigrationState.Downloading, null, "downloading models");
    m.setToPhase(Phase.LOCAL);
    ChatbotDeploymentStatus s =
        StatusBuilder.build(cr, obs, Phase.MOCK, m, Phase.MOCK, SETTINGS, T1);
    assertThat(s.getBridge()).isEqualTo(Phase.MOCK);
    assertThat(s.getModels())
        .extracting(ModelStatus::getState)
        .containsExactly(ModelStatus.State.Downloading, ModelStatus.State.Pending);
    assertThat(s.getDownload().getPhase()).isEqualTo(ModelStatus.State.Downloading);
    assertThat(s.getDownload().getProgress()).isEqualTo("qwen2.5:0.5b 45.0%, 0/2 ready");
    assertThat(s.getDownload().getRate()).isEqualTo("8.4 MB/s");
    assertThat(s.getDownload().getTimeLeft()).isEqualTo("2m10s");
    assertThat(s.getDownload().getSampledAt()).isEqualTo(T0);
    Condition ready = condition(s, Conditions.READY);
    assertThat(ready.getReason()).isEqualTo("Bridging");
    assertThat(ready.getMessage())
        .isEqualTo(
            "mock serves as a bridge until local is ready: downloading models (qwen2.5:0.5b"
                + " 45.0%, 0/2 ready)");
    assertThat(condition(s, Conditions.PROGRESSING).getReason()).isEqualTo("Bridging");
    assertThat(condition(s, Conditions.MODEL_READY).getMessage())
        .isEqualTo("model download running: qwen2.5:0.5b 45.0%, 0/2 ready");

    // The first pass with the bridge serving, before the change to local has started.
    assertThat(
            condition(
                    StatusBuilder.build(cr, obs, Phase.MOCK, null, Phase.MOCK, SETTINGS, T1),
                    Conditions.READY)
                .getMessage())
        .startsWith("mock serves as a bridge until local is ready: starting the change to local");

    // Between readings (no sample in this pass) the last figures stay.
    cr.setStatus(s);
    ChatbotDeploymentStatus next =
        StatusBuilder.build(
            cr,
            seen(Map.of(Phase.MOCK, UP), FRONTEND_UP).withJob(job, null),
            Phase.MOCK,
            m,
            Phase.MOCK,
            SETTINGS,
            T1);
    assertThat(next.getDownload().getProgress()).isEqualTo(s.getDownload().getProgress());
    assertThat(next.getModels().get(0).getBytesCompleted()).isEqualTo(450_000_000L);
  }

  @Test
  void aFailedDownloadStaysToldOnceTheFailedChangeHasDeletedItsJob() {
    ChatbotDeployment cr = cr("local-download.yaml");
    String why =
        "model download failed: the model volume is too small (spec.local.storage.size 1Gi)";
    JobState failed = new JobState(JobState.Kind.FAILED, why, "private-download-1", "u1");
    MigrationStatus m = migration(MigrationState.Failed, "ModelDownloadFailed", why);
    m.setToPhase(Phase.LOCAL);
    ChatbotDeploymentStatus s =
        StatusBuilder.build(
            cr,
            seen(Map.of(Phase.MOCK, UP), FRONTEND_UP).withJob(failed, null),
            Phase.MOCK,
            m,
            null,
            SETTINGS,
            T1);
    assertThat(condition(s, Conditions.MODEL_READY).getReason()).isEqualTo("ModelDownloadFailed");

    // The next pass: the Job is gone (a failed change deletes it), its name is still the spec's.
    cr.setStatus(s);
    JobState gone = new JobState(JobState.Kind.NONE, null, "private-download-1", null);
    ChatbotDeploymentStatus next =
        StatusBuilder.build(
            cr,
            seen(Map.of(Phase.MOCK, UP), FRONTEND_UP).withJob(gone, null),
            Phase.MOCK,
            m,
            null,
            SETTINGS,
            T1);
    Condition model = condition(next, Conditions.MODEL_READY);
    assertThat(model.getStatus()).isEqualTo("False");
    assertThat(model.getReason()).isEqualTo("ModelDownloadFailed");
    assertThat(model.getMessage()).isEqualTo(why);
    assertThat(next.getDownload().getPhase()).isEqualTo(ModelStatus.State.Failed);
  }
}
