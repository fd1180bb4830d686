package dev.chatbot.operator.status;

import dev.chatbot.api.v1alpha1.ChatbotDeployment;
import dev.chatbot.api.v1alpha1.ChatbotDeploymentStatus;
import dev.chatbot.api.v1alpha1.MigrationState;
import dev.chatbot.api.v1alpha1.MigrationStatus;
import dev.chatbot.api.v1alpha1.ModelSource;
import dev.chatbot.api.v1alpha1.ModelStatus;
import dev.chatbot.api.v1alpha1.Phase;
import dev.chatbot.api.v1alpha1.ReplicaStatus;
import dev.chatbot.operator.migration.Migrations;
import dev.chatbot.operator.migration.Migrations.Step;
import dev.chatbot.operator.model.Defaults;
import dev.chatbot.operator.model.OperatorSettings;
import dev.chatbot.operator.model.OperatorSettings.AutoscalingApi;
import dev.chatbot.operator.observer.Observation;
import dev.chatbot.operator.observer.Observation.Availability;
import dev.chatbot.operator.observer.Observation.JobState;
import dev.chatbot.operator.validation.SpecValidator.Violation;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.List;
import java.util.stream.Collectors;

/** The status a pass reports. Pure: the same inputs give an equal status. */
public final class StatusBuilder {
  public static final String INVALID_SPEC = "InvalidSpec";

  private StatusBuilder() {}

  /** Status for a spec that breaks a rule: reported, and nothing else changes. */
  public static ChatbotDeploymentStatus invalid(
      ChatbotDeployment cr, List<Violation> violations, String now) {
    ChatbotDeploymentStatus old = current(cr);
    ChatbotDeploymentStatus s = copyObserved(old);
    Long gen = cr.getMetadata().getGeneration();
    s.setObservedGeneration(gen);
    s.setTargetPhase(cr.getSpec() == null ? null : cr.getSpec().getPhase());
    String message =
        "invalid spec, nothing was changed: "
            + violations.stream().map(Violation::toString).collect(Collectors.joining("; "));
    List<Condition> c = old.getConditions();
    c = Conditions.set(c, Conditions.READY, false, INVALID_SPEC, message, gen, now);
    c = Conditions.set(c, Conditions.PROGRESSING, false, INVALID_SPEC, message, gen, now);
    s.setConditions(c);
    return s;
  }

  public static ChatbotDeploymentStatus build(
      ChatbotDeployment cr, Observation obs, Step step, OperatorSettings settings, String now) {
    ChatbotDeploymentStatus old = current(cr);
    ChatbotDeploymentStatus s = new ChatbotDeploymentStatus();
    Long gen = cr.getMetadata().getGeneration();
    Phase target = cr.getSpec().getPhase();
    Phase active = step.active();
    MigrationStatus m = step.migration();
    s.setObservedGeneration(gen);
    s.setTargetPhase(target);
    s.setActivePhase(active);
    s.setMigration(m);
    s.setEndpoint(obs.endpoint());
    Phase shown = active != null ? active : target;
    Availability backend = obs.backends().get(shown);
    s.setBackend(
        backend == null
            ? new ReplicaStatus(0, 0)
            : new ReplicaStatus(backend.replicas(), backend.readyReplicas()));
    boolean frontendOn = Boolean.TRUE.equals(cr.getSpec().getFrontend().getEnabled());
    Availability frontend = obs.frontend();
    if (frontendOn) {
      s.setFrontend(
          frontend == null
              ? new ReplicaStatus(0, 0)
              : new ReplicaStatus(frontend.replicas(), frontend.readyReplicas()));
    }
    s.setModels(models(cr, obs.job()));

    boolean failed = m != null && m.getState() == MigrationState.Failed && m.getToPhase() == target;
    boolean migrating = active != null && active != target && !failed;
    boolean backendUp = backend != null && backend.available();
    boolean frontendUp = !frontendOn || (frontend != null && frontend.available());

    boolean ready;
    String reason;
    String message;
    if (failed) {
      ready = false;
      reason = m.getReason();
      message = m.getMessage() + "; " + active + " keeps serving";
    } else if (target == Phase.HUGGINGFACE && obs.secretProblem() != null) {
      ready = false;
      reason = Migrations.SECRET_NOT_FOUND;
      message = obs.secretProblem() + (active == null ? "" : "; " + active + " keeps serving");
    } else if (migrating) {
      ready = false;
      reason = "Migrating";
      message = "moving from " + active + " to " + target + ": " + m.getMessage();
    } else if (!backendUp) {
      ready = false;
      reason = "BackendUnavailable";
      message = availabilityMessage("backend", target, backend);
    } else if (!frontendUp) {
      ready = false;
      reason = "FrontendUnavailable";
      message = availabilityMessage("frontend", null, frontend);
    } else {
      ready = true;
      reason = "Available";
      message = target + " backend" + (frontendOn ? " and frontend" : "") + " available";
    }
    List<Condition> c = old.getConditions();
    c = Conditions.set(c, Conditions.READY, ready, reason, message, gen, now);
    boolean progressing =
        !ready
            && !failed
            && !INVALID_SPEC.equals(reason)
            && !Migrations.SECRET_NOT_FOUND.equals(reason);
    c =
        Conditions.set(
            c,
            Conditions.PROGRESSING,
            progressing,
            progressing ? (migrating ? "Migrating" : "RollingOut") : (ready ? "Complete" : reason),
            progressing ? message : (ready ? "rollout complete" : message),
            gen,
            now);
    c =
        Conditions.set(
            c,
            Conditions.DEGRADED,
            failed,
            failed ? m.getReason() : "AsExpected",
            failed ? "change to " + target + " failed: " + m.getMessage() : "no failed change",
            gen,
            now);
    c = modelCondition(c, cr, obs.job(), gen, now);
    c = autoscalingCondition(c, cr, settings, gen, now);
    s.setConditions(c);
    return s;
  }

  private static String availabilityMessage(String role, Phase phase, Availability a) {
    String what = phase == null ? role : phase + " " + role;
    if (a == null) {
      return what + " Deployment not created yet";
    }
    return what + ": " + a.readyReplicas() + "/" + a.replicas() + " replicas ready";
  }

  private static List<Condition> modelCondition(
      List<Condition> c, ChatbotDeployment cr, JobState job, Long gen, String now) {
    var local = cr.getSpec().getLocal();
    if (local == null) {
      return Conditions.remove(c, Conditions.MODEL_READY);
    }
    if (Defaults.modelSource(local) == ModelSource.IMAGE) {
      return Conditions.set(
          c, Conditions.MODEL_READY, true, "ModelsInImage", "models come with the image", gen, now);
    }
    return switch (job.kind()) {
      case SUCCEEDED ->
          Conditions.set(c, Conditions.MODEL_READY, true, "Downloaded", job.message(), gen, now);
      case FAILED ->
          Conditions.set(
              c,
              Conditions.MODEL_READY,
              false,
              Migrations.DOWNLOAD_FAILED,
              job.message(),
              gen,
              now);
      case RUNNING ->
          Conditions.set(
              c, Conditions.MODEL_READY, false, "Downloading", "model download running", gen, now);
      case NONE ->
          Conditions.set(
              c, Conditions.MODEL_READY, false, "Pending", "model download not started", gen, now);
    };
  }

  private static List<Condition> autoscalingCondition(
      List<Condition> c, ChatbotDeployment cr, OperatorSettings settings, Long gen, String now) {
    boolean wanted =
        Boolean.TRUE.equals(Defaults.backendAutoscaling(cr.getSpec()).getEnabled())
            || (Boolean.TRUE.equals(cr.getSpec().getFrontend().getEnabled())
                && Boolean.TRUE.equals(Defaults.frontendAutoscaling(cr.getSpec()).getEnabled()));
    if (!wanted || settings.autoscalingApi() != AutoscalingApi.NONE) {
      return Conditions.remove(c, Conditions.AUTOSCALING);
    }
    return Conditions.set(
        c,
        Conditions.AUTOSCALING,
        false,
        "AutoscalingAPIUnavailable",
        "the cluster serves neither autoscaling/v2 nor autoscaling/v2beta2; fixed replica counts"
            + " (minReplicas) are used",
        gen,
        now);
  }

  private static List<ModelStatus> models(ChatbotDeployment cr, JobState job) {
    var local = cr.getSpec().getLocal();
    if (local == null || local.getModels() == null) {
      return null;
    }
    boolean image = Defaults.modelSource(local) == ModelSource.IMAGE;
    return local.getModels().stream()
        .map(
            name -> {
              if (image) {
                return new ModelStatus(name, ModelStatus.State.Ready, "in the image");
              }
              return switch (job.kind()) {
                case SUCCEEDED -> new ModelStatus(name, ModelStatus.State.Ready, null);
                case FAILED -> new ModelStatus(name, ModelStatus.State.Failed, job.message());
                case RUNNING -> new ModelStatus(name, ModelStatus.State.Downloading, null);
                case NONE -> new ModelStatus(name, ModelStatus.State.Pending, null);
              };
            })
        .toList();
  }

  public static ChatbotDeploymentStatus current(ChatbotDeployment cr) {
    return cr.getStatus() == null ? new ChatbotDeploymentStatus() : cr.getStatus();
  }

  private static ChatbotDeploymentStatus copyObserved(ChatbotDeploymentStatus old) {
    ChatbotDeploymentStatus s = new ChatbotDeploymentStatus();
    s.setActivePhase(old.getActivePhase());
    s.setMigration(old.getMigration());
    s.setBackend(old.getBackend());
    s.setFrontend(old.getFrontend());
    s.setEndpoint(old.getEndpoint());
    s.setModels(old.getModels());
    return s;
  }
}
