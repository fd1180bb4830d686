package dev.chatbot.operator.gitops;

import dev.chatbot.api.v1alpha1.ChatbotDeployment;
import dev.chatbot.api.v1alpha1.ChatbotDeploymentSpec;
import dev.chatbot.api.v1alpha1.ChatbotDeploymentStatus;
import dev.chatbot.api.v1alpha1.MigrationState;
import dev.chatbot.api.v1alpha1.MigrationStatus;
import dev.chatbot.api.v1alpha1.Phase;
import dev.chatbot.operator.status.Conditions;
import dev.chatbot.operator.status.Reason;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * ChatbotDeployments as the API server returns them, one per situation the operator reports, each
 * with the health Argo CD should show and the status Flux should compute. Condition types and
 * reasons come from the operator's own constants, so a rename there fails the GitOps tests.
 */
final class StatusSamples {
  static final String T0 = "2026-11-30T10:00:00Z";

  enum Argo {
    Healthy,
    Progressing,
    Degraded,
    Suspended
  }

  /** kstatus' statuses as Flux's health check computes them. */
  enum Flux {
    Current,
    InProgress,
    Failed,
    /** An expression could not be evaluated (no status yet): Flux keeps polling, as InProgress. */
    Unknown
  }

  /**
   * @param name what the sample shows
   * @param object the resource as JSON-shaped maps (what Argo CD and Flux read)
   * @param argo the health the Lua check must give
   * @param message a part of the message Argo CD must show
   * @param flux the status Flux's health check (observedGeneration, then the CEL expressions) gives
   */
  record Sample(String name, Map<String, Object> object, Argo argo, String message, Flux flux) {
    @Override
    public String toString() {
      return name;
    }
  }

  private StatusSamples() {}

  static List<Sample> all() {
    List<Sample> s = new ArrayList<>();
    s.add(
        new Sample(
            "just created, no status yet",
            object(1L, Phase.MOCK, null),
            Argo.Progressing,
            "Waiting for the operator",
            Flux.Unknown));
    s.add(
        new Sample(
            "status without observedGeneration",
            object(1L, Phase.MOCK, status(null, Phase.MOCK, null, ready(1L))),
            Argo.Progressing,
            "observe generation 1",
            Flux.Current));
    s.add(
        new Sample(
            "spec edited, operator has not caught up (observedGeneration older)",
            object(3L, Phase.HUGGINGFACE, status(2L, Phase.MOCK, null, ready(2L))),
            Argo.Progressing,
            "observe generation 3",
            Flux.InProgress));
    s.add(
        new Sample(
            "observed but no Ready condition yet",
            object(1L, Phase.MOCK, status(1L, null, null)),
            Argo.Progressing,
            "Ready condition",
            Flux.InProgress));
    s.add(
        new Sample(
            "first deployment rolling out",
            object(
                1L,
                Phase.MOCK,
                status(
                    1L,
                    null,
                    null,
                    cond(
                        Conditions.READY,
                        false,
                        "BackendUnavailable",
                        "mock backend: 0/1 replicas ready",
                        1L),
                    cond(Conditions.PROGRESSING, true, "RollingOut", "rolling out", 1L),
                    notDegraded(1L))),
            Argo.Progressing,
            "BackendUnavailable: mock backend: 0/1 replicas ready",
            Flux.InProgress));
    s.add(
        new Sample(
            "ready",
            object(1L, Phase.MOCK, status(1L, Phase.MOCK, null, ready(1L))),
            Argo.Healthy,
            "Available: mock backend and frontend available",
            Flux.Current));
    for (MigrationState state :
        List.of(
            MigrationState.Preparing,
            MigrationState.Downloading,
            MigrationState.StartingBackend,
            MigrationState.SmokeTesting,
            MigrationState.Switching)) {
      s.add(
          new Sample(
              "migrating, " + state,
              object(
                  2L,
                  Phase.LOCAL,
                  status(
                      2L,
                      Phase.MOCK,
                      migration(Phase.MOCK, Phase.LOCAL, state, null, 2L),
                      cond(
                          Conditions.READY,
                          false,
                          "Migrating",
                          "moving from mock to local: " + state,
                          2L),
                      cond(Conditions.PROGRESSING, true, "Migrating", "moving", 2L),
                      notDegraded(2L))),
              Argo.Progressing,
              "Migrating: moving from mock to local",
              Flux.InProgress));
    }
    s.add(
        new Sample(
            "migration completed",
            object(
                2L,
                Phase.HUGGINGFACE,
                status(
                    2L,
                    Phase.HUGGINGFACE,
                    migration(Phase.MOCK, Phase.HUGGINGFACE, MigrationState.Completed, null, 2L),
                    ready(2L))),
            Argo.Healthy,
            "Available",
            Flux.Current));
    s.add(
        new Sample(
            "migration aborted by changing spec.phase back",
            object(
                3L,
                Phase.MOCK,
                status(
                    3L,
                    Phase.MOCK,
                    migration(Phase.MOCK, Phase.LOCAL, MigrationState.Aborted, null, 2L),
                    ready(3L))),
            Argo.Healthy,
            "Available",
            Flux.Current));
    for (String reason :
        List.of(
            Reason.SmokeTestFailed.name(),
            Reason.ProgressDeadlineExceeded.name(),
            Reason.ModelDownloadFailed.name())) {
      s.add(
          new Sample(
              "migration failed, " + reason,
              object(
                  2L,
                  Phase.LOCAL,
                  status(
                      2L,
                      Phase.MOCK,
                      migration(Phase.MOCK, Phase.LOCAL, MigrationState.Failed, reason, 2L),
                      cond(Conditions.READY, false, reason, "it failed; mock keeps serving", 2L),
                      cond(Conditions.PROGRESSING, false, reason, "it failed", 2L),
                      cond(
                          Conditions.DEGRADED,
                          true,
                          reason,
                          "change to local failed: it failed",
                          2L))),
              Argo.Degraded,
              reason + ": change to local failed",
              Flux.Failed));
    }
    s.add(
        new Sample(
            "migration failed for a missing token Secret, waiting for it",
            object(
                2L,
                Phase.HUGGINGFACE,
                status(
                    2L,
                    Phase.MOCK,
                    migration(
                        Phase.MOCK,
                        Phase.HUGGINGFACE,
                        MigrationState.Failed,
                        Reason.SecretNotFound.name(),
                        2L),
                    cond(
                        Conditions.READY,
                        false,
                        Reason.SecretNotFound.name(),
                        "Secret hf-token not found; mock keeps serving",
                        2L),
                    cond(Conditions.PROGRESSING, false, Reason.SecretNotFound.name(), "x", 2L),
                    cond(
                        Conditions.DEGRADED,
                        true,
                        Reason.SecretNotFound.name(),
                        "change to huggingface failed",
                        2L))),
            Argo.Suspended,
            "SecretNotFound: Secret hf-token not found; mock keeps serving",
            Flux.InProgress));
    s.add(
        new Sample(
            "first deployment waiting for its token Secret",
            object(
                1L,
                Phase.HUGGINGFACE,
                status(
                    1L,
                    null,
                    null,
                    cond(
                        Conditions.READY,
                        false,
                        Reason.SecretNotFound.name(),
                        "Secret hf-token not found",
                        1L),
                    cond(Conditions.PROGRESSING, false, Reason.SecretNotFound.name(), "x", 1L),
                    notDegraded(1L))),
            Argo.Suspended,
            "Secret hf-token not found",
            Flux.InProgress));
    s.add(
        new Sample(
            "invalid spec (a stale Degraded from an earlier failure stays)",
            object(
                4L,
                Phase.LOCAL,
                status(
                    4L,
                    Phase.MOCK,
                    migration(
                        Phase.MOCK, Phase.LOCAL, MigrationState.Failed, "SmokeTestFailed", 3L),
                    cond(
                        Conditions.READY,
                        false,
                        "InvalidSpec",
                        "invalid spec, nothing was changed: spec.local.models: empty",
                        4L),
                    cond(Conditions.PROGRESSING, false, "InvalidSpec", "x", 4L),
                    cond(Conditions.DEGRADED, true, Reason.SmokeTestFailed.name(), "earlier", 3L))),
            Argo.Degraded,
            "InvalidSpec: invalid spec, nothing was changed: spec.local.models",
            Flux.Failed));
    s.add(
        new Sample(
            "first deployment of local, model download failed",
            firstLocal(
                cond(
                    Conditions.MODEL_READY,
                    false,
                    Reason.ModelDownloadFailed.name(),
                    "job failed: BackoffLimitExceeded",
                    1L)),
            Argo.Degraded,
            "ModelDownloadFailed: job failed",
            Flux.Failed));
    s.add(
        new Sample(
            "model downloading on first deployment",
            firstLocal(
                cond(Conditions.MODEL_READY, false, "Downloading", "model download running", 1L)),
            Argo.Progressing,
            "BackendUnavailable",
            Flux.InProgress));
    return s;
  }

  // --- builders ---

  /** A local chatbot's first deployment, its backend waiting for the models. */
  static Map<String, Object> firstLocal(Condition modelReady) {
    return object(
        1L,
        Phase.LOCAL,
        status(
            1L,
            null,
            null,
            cond(
                Conditions.READY,
                false,
                "BackendUnavailable",
                "local backend Deployment not created yet",
                1L),
            cond(Conditions.PROGRESSING, true, "RollingOut", "x", 1L),
            notDegraded(1L),
            modelReady));
  }

  static Map<String, Object> object(Long generation, Phase phase, ChatbotDeploymentStatus status) {
    ChatbotDeployment cr = new ChatbotDeployment();
    cr.setMetadata(
        new ObjectMetaBuilder()
            .withName("demo")
            .withNamespace("chatbots")
            .withGeneration(generation)
            .build());
    ChatbotDeploymentSpec spec = new ChatbotDeploymentSpec();
    spec.setPhase(phase);
    cr.setSpec(spec);
    cr.setStatus(status);
    @SuppressWarnings("unchecked")
    Map<String, Object> map = Serialization.jsonMapper().convertValue(cr, Map.class);
    return map;
  }

  static ChatbotDeploymentStatus status(
      Long observed, Phase active, MigrationStatus migration, Condition... conditions) {
    ChatbotDeploymentStatus s = new ChatbotDeploymentStatus();
    s.setObservedGeneration(observed);
    s.setActivePhase(active);
    s.setMigration(migration);
    s.setConditions(new ArrayList<>(List.of(conditions)));
    return s;
  }

  static MigrationStatus migration(
      Phase from, Phase to, MigrationState state, String reason, Long generation) {
    MigrationStatus m = new MigrationStatus();
    m.setFromPhase(from);
    m.setToPhase(to);
    m.setState(state);
    m.setReason(reason);
    m.setGeneration(generation);
    m.setStartedAt(T0);
    m.setStateSince(T0);
    m.setMessage(state.name());
    return m;
  }

  static Condition ready(Long generation) {
    return cond(
        Conditions.READY, true, "Available", "mock backend and frontend available", generation);
  }

  static Condition notDegraded(Long generation) {
    return cond(Conditions.DEGRADED, false, "AsExpected", "no failed change", generation);
  }

  static Condition cond(
      String type, boolean status, String reason, String message, Long generation) {
    return new ConditionBuilder()
        .withType(type)
        .withStatus(status ? "True" : "False")
        .withReason(reason)
        .withMessage(message)
        .withObservedGeneration(generation)
        .withLastTransitionTime(T0)
        .build();
  }
}
