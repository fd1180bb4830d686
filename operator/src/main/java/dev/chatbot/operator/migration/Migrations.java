package dev.chatbot.operator.migration;

import dev.chatbot.api.v1alpha1.ChatbotDeployment;
import dev.chatbot.api.v1alpha1.ChatbotDeploymentStatus;
import dev.chatbot.api.v1alpha1.MigrationSpec;
import dev.chatbot.api.v1alpha1.MigrationState;
import dev.chatbot.api.v1alpha1.MigrationStatus;
import dev.chatbot.api.v1alpha1.MigrationStrategy;
import dev.chatbot.api.v1alpha1.Phase;
import dev.chatbot.operator.model.Defaults;
import dev.chatbot.operator.model.OperatorSettings;
import dev.chatbot.operator.model.Plan;
import dev.chatbot.operator.model.Storage;
import dev.chatbot.operator.observer.Observation;
import dev.chatbot.operator.observer.Observation.JobState;
import dev.chatbot.operator.status.Reason;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * The phase-change state machine. Pure: the next step follows from the resource, its status and
 * what was observed, never from memory, so a restarted operator continues where the last one was.
 * One transition per pass; the reconciler applies the step's plan and records the new state.
 */
public final class Migrations {
  private Migrations() {}

  /**
   * One pass's decision.
   *
   * @param plan what must exist now
   * @param active the phase serving traffic once the plan is applied (null: none yet); during a
   *     Recreate change the old phase until the new one has taken over
   * @param migration the phase change's new status, null when there is none
   * @param smokeTest whether to send the target a chat request before the next step
   * @param bridge the phase serving (or starting to serve) as a bridge while the local phase has no
   *     model ready, null when none
   */
  public record Step(
      Plan plan, Phase active, MigrationStatus migration, boolean smokeTest, Phase bridge) {

    public Step(Plan plan, Phase active, MigrationStatus migration, boolean smokeTest) {
      this(plan, active, migration, smokeTest, null);
    }
  }

  public static Step decide(
      ChatbotDeployment cr, Observation obs, OperatorSettings settings, Instant now) {
    ChatbotDeploymentStatus status = cr.getStatus();
    Phase target = cr.getSpec().getPhase();
    Phase active = status == null ? null : status.getActivePhase();
    MigrationStatus previous = status == null ? null : status.getMigration();
    Map<Phase, String> hashes = rollHashes(obs);
    boolean storage = Storage.downloads(cr);

    if (active == null) {
      return firstDeployment(cr, obs, settings, hashes, storage);
    }
    Phase bridge = target == Phase.LOCAL ? Defaults.bridge(cr.getSpec()) : null;
    if (active != bridge) {
      bridge = null;
    }
    if (active == target) {
      MigrationStatus m = previous == null ? null : previous.copy();
      if (m != null && !finished(m.getState())) {
        if (m.getToPhase() == target) {
          finish(m, MigrationState.Completed, null, target + " serves traffic", now);
        } else {
          finish(m, MigrationState.Aborted, null, abortMessage(target), now);
        }
      }
      boolean job = target == Phase.LOCAL && storage;
      return new Step(
          plan(cr, settings, Set.of(target), target, hashes, storage, job), target, m, false, null);
    }

    MigrationStatus m = previous == null ? null : previous.copy();
    if (m == null || m.getToPhase() != target || m.getFromPhase() != active || retry(m, cr, obs)) {
      m = new MigrationStatus();
      m.setFromPhase(active);
      m.setToPhase(target);
      m.setGeneration(cr.getMetadata().getGeneration());
      m.setStartedAt(now.toString());
      // Preparing passes within this pass: its checks need only what was observed, and it starts
      // no backend (a downloader Job at most, found again by a retry), so the start is recorded
      // with the step it leads to. One status write less per change.
      enter(m, MigrationState.Preparing, "checking what " + target + " needs", now);
    }
    MigrationSpec spec = cr.getSpec().getMigration();
    boolean downloadsTarget = target == Phase.LOCAL && storage;
    if (downloadsTarget
        && BACKEND_STATES.contains(m.getState())
        && obs.job().kind() != JobState.Kind.SUCCEEDED) {
      // The model list changed after its models were downloaded: the new backend's pods would
      // wait for models not yet there. Download first; the backend's deadline starts again.
      m.setBackendStartedAt(null);
      enter(m, MigrationState.Downloading, "the model list changed; downloading models", now);
    }
    if (m.getBackendStartedAt() == null && BACKEND_STATES.contains(m.getState())) {
      // A change started by an older operator: its deadline counted from this state's start.
      m.setBackendStartedAt(m.getStateSince());
    }
    // A bridge exists to serve until the local backend does: always make-before-break.
    boolean recreate =
        bridge == null
            && Defaults.or(spec.getStrategy(), MigrationSpec.DEFAULT_STRATEGY)
                == MigrationStrategy.Recreate;
    Set<Phase> both = EnumSet.of(active, target);
    Set<Phase> starting = recreate ? Set.of(target) : both;
    Phase servingWhileStarting = recreate ? target : active;

    switch (m.getState()) {
      case Preparing -> {
        if (target == Phase.HUGGINGFACE && obs.secretProblem() != null) {
          finish(m, MigrationState.Failed, Reason.SecretNotFound, obs.secretProblem(), now);
        } else if (downloadsTarget) {
          enter(m, MigrationState.Downloading, "downloading models", now);
        } else {
          enter(m, MigrationState.StartingBackend, "starting the " + target + " backend", now);
        }
        return new Step(
            plan(cr, settings, Set.of(active), active, hashes, storage, downloadsTarget),
            active,
            m,
            false,
            bridge);
      }
      case Downloading -> {
        JobState job = obs.job();
        if (job.kind() == JobState.Kind.SUCCEEDED) {
          enter(m, MigrationState.StartingBackend, "models ready; starting the backend", now);
        } else if (job.kind() == JobState.Kind.FAILED) {
          finish(m, MigrationState.Failed, Reason.ModelDownloadFailed, job.message(), now);
        }
        return new Step(
            plan(cr, settings, Set.of(active), active, hashes, storage, true),
            active,
            m,
            false,
            bridge);
      }
      case StartingBackend -> {
        Plan plan =
            plan(cr, settings, starting, servingWhileStarting, hashes, storage, downloadsTarget);
        boolean smoke = false;
        if (obs.available(target)) {
          // The test request changes nothing: it is sent in this pass, and Switching (recorded
          // before the Service moves) follows from its answer.
          smoke = Defaults.or(spec.getSmokeTest(), MigrationSpec.DEFAULT_SMOKE_TEST);
          enter(
              m,
              smoke ? MigrationState.SmokeTesting : MigrationState.Switching,
              smoke ? "sending a test chat request" : "moving traffic",
              now);
        } else {
          failIfOverdue(m, spec, target, now);
        }
        return new Step(plan, active, m, smoke, bridge);
      }
      case SmokeTesting -> {
        // Checked here too: a backend flapping between available and not would otherwise pass
        // StartingBackend each time it happens to be available.
        Plan plan =
            plan(cr, settings, starting, servingWhileStarting, hashes, storage, downloadsTarget);
        if (failIfOverdue(m, spec, target, now)) {
          return new Step(plan, active, m, false, bridge);
        }
        if (!obs.available(target)) {
          enter(m, MigrationState.StartingBackend, "backend lost availability; waiting", now);
          return new Step(plan, active, m, false, bridge);
        }
        return new Step(plan, active, m, true, bridge);
      }
      case Switching -> {
        if (!obs.available(target)) {
          // Never point the Service at a backend that is not available.
          if (!failIfOverdue(m, spec, target, now)) {
            enter(m, MigrationState.StartingBackend, "backend lost availability; waiting", now);
          }
          return new Step(
              plan(cr, settings, starting, servingWhileStarting, hashes, storage, downloadsTarget),
              active,
              m,
              false,
              bridge);
        }
        // The Service moves to the target in this pass; the old backend goes in the next.
        finish(m, MigrationState.Completed, null, target + " serves traffic", now);
        return new Step(
            plan(cr, settings, starting, target, hashes, storage, downloadsTarget),
            target,
            m,
            false,
            null);
      }
      default -> {
        // Failed (or a finished state from an older change): the old phase keeps serving, the
        // target's half-made backend goes; a model volume stays for the retry.
        return new Step(
            plan(cr, settings, Set.of(active), active, hashes, storage, false),
            active,
            m,
            false,
            bridge);
      }
    }
  }

  /** The step after the smoke test's answer. */
  public static Step afterSmokeTest(Step step, boolean passed, String message, Instant now) {
    MigrationStatus m = step.migration().copy();
    if (passed) {
      enter(m, MigrationState.Switching, "test chat answered; moving traffic", now);
    } else {
      finish(m, MigrationState.Failed, Reason.SmokeTestFailed, message, now);
    }
    return new Step(step.plan(), step.active(), m, false, step.bridge());
  }

  /**
   * The step once its plan was applied, from what the caches show now: a first deployment serves as
   * soon as its backend is available, also when that happened while this pass ran. Otherwise the
   * status would say Ready with no active phase, and be corrected only by a later event.
   */
  public static Step afterApply(Step step, ChatbotDeployment cr, Observation after) {
    Phase target = cr.getSpec().getPhase();
    if (step.active() == null
        && step.migration() == null
        && step.plan().backends().contains(target)
        && after.available(target)) {
      return new Step(step.plan(), target, null, false, null);
    }
    return step;
  }

  private static Step firstDeployment(
      ChatbotDeployment cr,
      Observation obs,
      OperatorSettings settings,
      Map<Phase, String> hashes,
      boolean storage) {
    Phase target = cr.getSpec().getPhase();
    boolean job = target == Phase.LOCAL && storage;
    Phase bridge = bridge(cr, obs);
    if (bridge != null) {
      // Nothing local is ready yet: the bridge serves first, and the change to local (downloads,
      // start, smoke test, switch) begins once it does.
      return new Step(
          plan(cr, settings, Set.of(bridge), bridge, hashes, storage, job),
          obs.available(bridge) ? bridge : null,
          null,
          false,
          bridge);
    }
    boolean blocked =
        (target == Phase.HUGGINGFACE && obs.secretProblem() != null)
            || (job && obs.job().kind() != JobState.Kind.SUCCEEDED);
    Set<Phase> backends = blocked ? Set.of() : Set.of(target);
    Phase active = !blocked && obs.available(target) ? target : null;
    return new Step(
        plan(cr, settings, backends, target, hashes, storage, job), active, null, false);
  }

  /**
   * The bridge a local chatbot's first deployment starts with: spec.local.bridge, when it can serve
   * (a huggingface bridge needs its token Secret); null otherwise.
   */
  static Phase bridge(ChatbotDeployment cr, Observation obs) {
    if (cr.getSpec().getPhase() != Phase.LOCAL) {
      return null;
    }
    Phase bridge = Defaults.bridge(cr.getSpec());
    if (bridge == Phase.HUGGINGFACE && obs.secretProblem() != null) {
      return null;
    }
    return bridge;
  }

  private static Plan plan(
      ChatbotDeployment cr,
      OperatorSettings settings,
      Set<Phase> backends,
      Phase serving,
      Map<Phase, String> hashes,
      boolean storage,
      boolean job) {
    return new Plan(cr, settings, backends, serving, hashes, storage, job);
  }

  private static Map<Phase, String> rollHashes(Observation obs) {
    Map<Phase, String> hashes = new HashMap<>();
    if (obs.secretVersion() != null && !obs.secretVersion().isEmpty()) {
      hashes.put(Phase.HUGGINGFACE, "secret:" + obs.secretVersion());
    }
    return hashes;
  }

  /** A failed change is tried again once the resource changed, or its Secret appeared. */
  private static boolean retry(MigrationStatus m, ChatbotDeployment cr, Observation obs) {
    if (m.getState() != MigrationState.Failed && m.getState() != MigrationState.Aborted) {
      return false;
    }
    if (m.getState() == MigrationState.Aborted) {
      return true;
    }
    Long generation = cr.getMetadata().getGeneration();
    boolean changed = generation != null && !generation.equals(m.getGeneration());
    boolean secretFixed =
        Reason.SecretNotFound.name().equals(m.getReason()) && obs.secretProblem() == null;
    return changed || secretFixed;
  }

  /**
   * Fails the change once the target backend has had {@code progressDeadlineSeconds} since it was
   * first started, whatever states it went through since: the deadline is "at most".
   */
  private static boolean failIfOverdue(
      MigrationStatus m, MigrationSpec spec, Phase target, Instant now) {
    int seconds =
        Defaults.or(
            spec.getProgressDeadlineSeconds(), MigrationSpec.DEFAULT_PROGRESS_DEADLINE_SECONDS);
    Instant since = Instant.parse(m.getBackendStartedAt());
    if (!now.isAfter(since.plus(Duration.ofSeconds(seconds)))) {
      return false;
    }
    finish(
        m,
        MigrationState.Failed,
        Reason.ProgressDeadlineExceeded,
        "the " + target + " backend was not available within " + seconds + "s",
        now);
    return true;
  }

  /** States in which the target backend runs and the deadline counts. */
  private static final Set<MigrationState> BACKEND_STATES =
      EnumSet.of(
          MigrationState.StartingBackend, MigrationState.SmokeTesting, MigrationState.Switching);

  public static boolean finished(MigrationState state) {
    return state == MigrationState.Completed
        || state == MigrationState.Failed
        || state == MigrationState.Aborted;
  }

  private static String abortMessage(Phase target) {
    return "spec.phase changed back to " + target + " before the change finished";
  }

  private static void enter(MigrationStatus m, MigrationState state, String message, Instant now) {
    if (state == MigrationState.StartingBackend && m.getBackendStartedAt() == null) {
      m.setBackendStartedAt(now.toString());
    }
    m.setState(state);
    m.setStateSince(now.toString());
    m.setMessage(message);
    m.setReason(null);
  }

  private static void finish(
      MigrationStatus m, MigrationState state, Reason reason, String message, Instant now) {
    m.setState(state);
    m.setStateSince(now.toString());
    m.setFinishedAt(now.toString());
    m.setMessage(message);
    m.setReason(reason == null ? null : reason.name());
  }
}
