package dev.chatbot.operator.status;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.chatbot.api.v1alpha1.ChatbotDeployment;
import dev.chatbot.api.v1alpha1.ChatbotDeploymentStatus;
import dev.chatbot.api.v1alpha1.DownloadStatus;
import dev.chatbot.api.v1alpha1.MigrationState;
import dev.chatbot.api.v1alpha1.MigrationStatus;
import dev.chatbot.api.v1alpha1.ModelSource;
import dev.chatbot.api.v1alpha1.ModelStatus;
import dev.chatbot.api.v1alpha1.Phase;
import dev.chatbot.api.v1alpha1.ReplicaStatus;
import dev.chatbot.operator.model.Defaults;
import dev.chatbot.operator.model.OperatorSettings;
import dev.chatbot.operator.model.OperatorSettings.AutoscalingApi;
import dev.chatbot.operator.model.Storage;
import dev.chatbot.operator.observer.Observation;
import dev.chatbot.operator.observer.Observation.Availability;
import dev.chatbot.operator.observer.Observation.JobState;
import dev.chatbot.operator.validation.SpecValidator.Violation;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The status a pass reports. Pure: the same inputs give an equal status, and {@link #unchanged}
 * tells whether a write is needed.
 */
public final class StatusBuilder {
  private static final ObjectMapper JSON = new ObjectMapper();

  private StatusBuilder() {}

  /**
   * Whether two statuses say the same, compared as the JSON they are written as (so a new status
   * field needs no equals to keep a steady chatbot free of writes).
   */
  public static boolean unchanged(ChatbotDeploymentStatus a, ChatbotDeploymentStatus b) {
    return JSON.valueToTree(a).equals(JSON.valueToTree(b));
  }

  /** The status a resource has, or an empty one before the first write. */
  public static ChatbotDeploymentStatus current(ChatbotDeployment cr) {
    return cr.getStatus() == null ? new ChatbotDeploymentStatus() : cr.getStatus();
  }

  /** Status for a spec that breaks a rule: reported, and nothing else changes. */
  public static ChatbotDeploymentStatus invalid(
      ChatbotDeployment cr, List<Violation> violations, String now) {
    String message =
        "invalid spec, nothing was changed: "
            + violations.stream().map(Violation::toString).collect(Collectors.joining("; "));
    Long gen = cr.getMetadata().getGeneration();
    ChatbotDeploymentStatus s = observedAsBefore(cr);
    List<Condition> c = current(cr).getConditions();
    c = Conditions.set(c, Conditions.READY, false, Reason.InvalidSpec, message, gen, now);
    c = Conditions.set(c, Conditions.PROGRESSING, false, Reason.InvalidSpec, message, gen, now);
    s.setConditions(c);
    return s;
  }

  /**
   * Status after a pass that failed (an API error): what was observed stays, Progressing says why.
   * The next pass, or JOSDK's retry, reports afresh.
   */
  public static ChatbotDeploymentStatus reconcileError(
      ChatbotDeployment cr, String message, String now) {
    ChatbotDeploymentStatus s = observedAsBefore(cr);
    s.setConditions(
        Conditions.set(
            current(cr).getConditions(),
            Conditions.PROGRESSING,
            false,
            Reason.ReconcileError,
            message,
            cr.getMetadata().getGeneration(),
            now));
    return s;
  }

  /** The status of a pass that ran, with no bridge. */
  public static ChatbotDeploymentStatus build(
      ChatbotDeployment cr,
      Observation obs,
      Phase active,
      MigrationStatus migration,
      OperatorSettings settings,
      String now) {
    return build(cr, obs, active, migration, null, settings, now);
  }

  /**
   * The status of a pass that ran.
   *
   * @param active the phase serving traffic once this pass's plan is applied (null: none yet)
   * @param migration the phase change's new status, null when there is none
   * @param bridge the phase serving (or starting to serve) as a bridge while the local models are
   *     not ready, null when none
   */
  public static ChatbotDeploymentStatus build(
      ChatbotDeployment cr,
      Observation obs,
      Phase active,
      MigrationStatus migration,
      Phase bridge,
      OperatorSettings settings,
      String now) {
    ChatbotDeploymentStatus old = current(cr);
    ChatbotDeploymentStatus s = new ChatbotDeploymentStatus();
    Long gen = cr.getMetadata().getGeneration();
    Phase target = cr.getSpec().getPhase();
    MigrationStatus m = migration;
    s.setObservedGeneration(gen);
    s.setTargetPhase(target);
    s.setActivePhase(active);
    s.setMigration(m);
    s.setEndpoint(obs.endpoint());
    s.setBridge(bridge);
    Phase shown = active != null ? active : bridge != null ? bridge : target;
    Availability backend = obs.backends().get(shown);
    s.setBackend(replicas(backend));
    boolean frontendOn = Boolean.TRUE.equals(cr.getSpec().getFrontend().getEnabled());
    Availability frontend = obs.frontend();
    if (frontendOn) {
      s.setFrontend(replicas(frontend));
    }
    s.setModels(ModelStatuses.models(cr, obs.job(), obs.download(), old));
    s.setDownload(ModelStatuses.download(obs.job(), obs.download(), s.getModels(), old));

    boolean failed = m != null && m.getState() == MigrationState.Failed && m.getToPhase() == target;
    boolean migrating = active != null && active != target && !failed;
    boolean bridging = migrating && active == bridge;
    // The serving phase's pods stay up while its Deployment takes a new template, also before
    // its controller has observed the change (then the Deployment is not "available" yet).
    boolean backendUp =
        backend != null
            && (backend.available() || (active != null && shown == active && backend.allReady()));
    boolean frontendUp = !frontendOn || (frontend != null && frontend.available());

    boolean ready;
    Reason reason;
    String message;
    if (failed) {
      ready = false;
      reason = Reason.valueOf(m.getReason());
      message = m.getMessage() + "; " + active + " keeps serving";
    } else if (target == Phase.HUGGINGFACE && obs.secretProblem() != null) {
      ready = false;
      reason = Reason.SecretNotFound;
      message = obs.secretProblem() + (active == null ? "" : "; " + active + " keeps serving");
    } else if (bridging) {
      ready = false;
      reason = Reason.Bridging;
      message =
          active
              + " serves as a bridge until "
              + target
              + " is ready: "
              // The first pass with the bridge serving has not started the change yet.
              + (m == null ? "starting the change to " + target : m.getMessage())
              + (s.getDownload() == null || s.getDownload().getPhase() == ModelStatus.State.Ready
                  ? ""
                  : " (" + s.getDownload().getProgress() + ")");
    } else if (migrating) {
      ready = false;
      reason = Reason.Migrating;
      message = "moving from " + active + " to " + target + ": " + m.getMessage();
    } else if (!backendUp) {
      ready = false;
      reason = Reason.BackendUnavailable;
      message = availabilityMessage("backend", target, backend);
    } else if (!frontendUp) {
      ready = false;
      reason = Reason.FrontendUnavailable;
      message = availabilityMessage("frontend", null, frontend);
    } else {
      ready = true;
      reason = Reason.Available;
      message = target + " backend" + (frontendOn ? " and frontend" : "") + " available";
    }
    List<Condition> c = old.getConditions();
    c = Conditions.set(c, Conditions.READY, ready, reason, message, gen, now);
    boolean progressing;
    Reason progressReason;
    String progressMessage;
    // Serving, yet still changing: a changed model list downloads, or the backend rolls new pods
    // (they wait for the new models); the pods that serve now keep serving meanwhile.
    String change =
        ready ? changeWhileServing(cr, target, obs.job(), s.getDownload(), backend) : null;
    if (ready) {
      progressing = change != null;
      progressReason = progressing ? Reason.RollingOut : Reason.Complete;
      progressMessage = progressing ? change : "rollout complete";
    } else {
      progressing = !failed && reason != Reason.SecretNotFound;
      progressReason =
          !progressing
              ? reason
              : bridging ? Reason.Bridging : migrating ? Reason.Migrating : Reason.RollingOut;
      progressMessage = message;
    }
    c =
        Conditions.set(
            c, Conditions.PROGRESSING, progressing, progressReason, progressMessage, gen, now);
    c =
        Conditions.set(
            c,
            Conditions.DEGRADED,
            failed,
            failed ? reason : Reason.AsExpected,
            failed ? "change to " + target + " failed: " + m.getMessage() : "no failed change",
            gen,
            now);
    c = modelCondition(c, cr, obs.job(), s.getDownload(), gen, now);
    c = autoscalingCondition(c, cr, settings, gen, now);
    s.setConditions(c);
    return s;
  }

  /**
   * What still changes while the chatbot serves, or null: the changed model list's download (the
   * Job of the current list is wanted and not done yet), or the backend's rollout of new pods.
   */
  private static String changeWhileServing(
      ChatbotDeployment cr,
      Phase target,
      JobState job,
      DownloadStatus download,
      Availability backend) {
    boolean downloads = target == Phase.LOCAL && Storage.downloads(cr);
    if (downloads && job.kind() == JobState.Kind.NONE) {
      return "starting the download of the models; the running "
          + target
          + " pods keep serving until new pods have them";
    }
    if (downloads && job.kind() == JobState.Kind.RUNNING) {
      return "downloading the models"
          + (download == null || download.getProgress() == null
              ? ""
              : " (" + download.getProgress() + ")")
          + "; the running "
          + target
          + " pods keep serving until new pods have the models";
    }
    if (backend != null && !backend.rolledOut()) {
      return "rolling out new "
          + target
          + " pods; the running ones keep serving until they are ready";
    }
    return null;
  }

  private static ReplicaStatus replicas(Availability a) {
    return a == null ? new ReplicaStatus(0, 0) : new ReplicaStatus(a.replicas(), a.readyReplicas());
  }

  private static String availabilityMessage(String role, Phase phase, Availability a) {
    String what = phase == null ? role : phase + " " + role;
    if (a == null) {
      return what + " Deployment not created yet";
    }
    return what + ": " + a.readyReplicas() + "/" + a.replicas() + " replicas ready";
  }

  private static List<Condition> modelCondition(
      List<Condition> c,
      ChatbotDeployment cr,
      JobState job,
      DownloadStatus download,
      Long gen,
      String now) {
    var local = cr.getSpec().getLocal();
    if (local == null) {
      return Conditions.remove(c, Conditions.MODEL_READY);
    }
    if (Defaults.modelSource(local) == ModelSource.IMAGE) {
      return Conditions.set(
          c,
          Conditions.MODEL_READY,
          true,
          Reason.ModelsInImage,
          "models come with the image",
          gen,
          now);
    }
    return switch (job.kind()) {
      case SUCCEEDED ->
          Conditions.set(
              c, Conditions.MODEL_READY, true, Reason.Downloaded, job.message(), gen, now);
      case FAILED ->
          Conditions.set(
              c,
              Conditions.MODEL_READY,
              false,
              Reason.ModelDownloadFailed,
              job.message(),
              gen,
              now);
      case RUNNING ->
          Conditions.set(
              c,
              Conditions.MODEL_READY,
              false,
              Reason.Downloading,
              "model download running"
                  + (download == null ? "" : ": " + download.getProgress())
                  + (download == null || download.getMessage() == null
                      ? ""
                      : " (" + download.getMessage() + ")"),
              gen,
              now);
      case NONE ->
          // A failed change deletes its Job; the failure stays told (status.download keeps it).
          download != null && download.getPhase() == ModelStatus.State.Failed
              ? Conditions.set(
                  c,
                  Conditions.MODEL_READY,
                  false,
                  Reason.ModelDownloadFailed,
                  download.getMessage(),
                  gen,
                  now)
              : Conditions.set(
                  c,
                  Conditions.MODEL_READY,
                  false,
                  Reason.Pending,
                  "model download not started",
                  gen,
                  now);
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
        Reason.AutoscalingAPIUnavailable,
        "the cluster serves neither autoscaling/v2 nor autoscaling/v2beta2; fixed replica counts"
            + " (minReplicas) are used",
        gen,
        now);
  }

  /** The status as it was, with the generation and target phase of this resource. */
  private static ChatbotDeploymentStatus observedAsBefore(ChatbotDeployment cr) {
    ChatbotDeploymentStatus old = current(cr);
    ChatbotDeploymentStatus s = new ChatbotDeploymentStatus();
    s.setObservedGeneration(cr.getMetadata().getGeneration());
    s.setTargetPhase(cr.getSpec() == null ? null : cr.getSpec().getPhase());
    s.setActivePhase(old.getActivePhase());
    s.setMigration(old.getMigration());
    s.setBackend(old.getBackend());
    s.setFrontend(old.getFrontend());
    s.setEndpoint(old.getEndpoint());
    s.setModels(old.getModels());
    s.setDownload(old.getDownload());
    s.setBridge(old.getBridge());
    return s;
  }
}
