package dev.chatbot.operator.reconciler;

import dev.chatbot.api.v1alpha1.ChatbotDeployment;
import dev.chatbot.api.v1alpha1.ChatbotDeploymentStatus;
import dev.chatbot.api.v1alpha1.MigrationState;
import dev.chatbot.api.v1alpha1.MigrationStatus;
import dev.chatbot.api.v1alpha1.Phase;
import dev.chatbot.operator.children.AutoscalerDependent;
import dev.chatbot.operator.children.ChildDependent;
import dev.chatbot.operator.children.ConfigMapDependent;
import dev.chatbot.operator.children.DeploymentDependent;
import dev.chatbot.operator.children.JobDependent;
import dev.chatbot.operator.children.ModelClaimDependent;
import dev.chatbot.operator.children.NetworkPolicyDependent;
import dev.chatbot.operator.children.ServiceDependent;
import dev.chatbot.operator.migration.Migrations;
import dev.chatbot.operator.migration.Migrations.Step;
import dev.chatbot.operator.migration.SmokeTester;
import dev.chatbot.operator.model.Names;
import dev.chatbot.operator.model.OperatorSettings;
import dev.chatbot.operator.observer.Observation;
import dev.chatbot.operator.observer.Observer;
import dev.chatbot.operator.status.Conditions;
import dev.chatbot.operator.status.EventRecorder;
import dev.chatbot.operator.status.StatusBuilder;
import dev.chatbot.operator.validation.SpecValidator;
import dev.chatbot.operator.validation.SpecValidator.Violation;
import io.fabric8.kubernetes.api.model.Condition;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.ErrorStatusUpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceUtils;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns a ChatbotDeployment into its children and honest status. Thin: validation, the phase-change
 * decision and the desired state are pure code elsewhere; this class reads, applies and reports.
 */
@ControllerConfiguration(name = "chatbotdeployment", fieldManager = Names.FIELD_MANAGER)
public class ChatbotReconciler implements Reconciler<ChatbotDeployment> {
  private static final Logger LOG = LoggerFactory.getLogger(ChatbotReconciler.class);
  static final Duration MIGRATION_POLL = Duration.ofSeconds(2);
  static final Duration SECRET_POLL = Duration.ofSeconds(60);

  private final OperatorSettings settings;
  private final SmokeTester smokeTester;
  private final Clock clock;
  private final List<ChildDependent<?>> dependents = new ArrayList<>();

  public ChatbotReconciler(OperatorSettings settings, SmokeTester smokeTester, Clock clock) {
    this.settings = settings;
    this.smokeTester = smokeTester;
    this.clock = clock;
    // Order matters on first creation: configuration and storage before the pods that use them.
    dependents.add(new ConfigMapDependent());
    dependents.add(new ModelClaimDependent());
    dependents.add(new JobDependent());
    dependents.add(new DeploymentDependent());
    dependents.add(new ServiceDependent());
    dependents.add(new NetworkPolicyDependent());
    switch (settings.autoscalingApi()) {
      case V2 ->
          dependents.add(
              new AutoscalerDependent<>(
                  io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler.class));
      case V2BETA2 ->
          dependents.add(
              new AutoscalerDependent<>(
                  io.fabric8.kubernetes.api.model.autoscaling.v2beta2.HorizontalPodAutoscaler
                      .class));
      case NONE -> {}
    }
  }

  @Override
  public List<EventSource<?, ChatbotDeployment>> prepareEventSources(
      EventSourceContext<ChatbotDeployment> context) {
    return EventSourceUtils.dependentEventSources(
        context, dependents.toArray(new ChildDependent<?>[0]));
  }

  @Override
  public UpdateControl<ChatbotDeployment> reconcile(
      ChatbotDeployment cr, Context<ChatbotDeployment> context) {
    Instant now = clock.instant().truncatedTo(ChronoUnit.SECONDS);
    String stamp = now.toString();
    EventRecorder events = new EventRecorder(context.getClient());
    ChatbotDeploymentStatus before = StatusBuilder.current(cr);

    List<Violation> violations = SpecValidator.validate(cr);
    if (!violations.isEmpty()) {
      ChatbotDeploymentStatus next = StatusBuilder.invalid(cr, violations, stamp);
      if (!Objects.equals(next, before)) {
        LOG.warn("invalid spec, leaving children as they are: {}", violations);
        events.warning(cr, StatusBuilder.INVALID_SPEC, readyMessage(next));
      }
      return patchIfChanged(cr, before, next);
    }

    Observation observed = Observer.observe(cr, context);
    Step step = Migrations.decide(cr, observed, settings, now);
    if (step.smokeTest()) {
      Phase target = cr.getSpec().getPhase();
      SmokeTester.Result result = smokeTester.test(cr, target);
      LOG.info("smoke test of {} backend: {}", target, result.message());
      step = Migrations.afterSmokeTest(step, result.passed(), result.message(), now);
    }
    context.managedWorkflowAndDependentResourceContext().put(ChildDependent.PLAN_KEY, step.plan());
    for (ChildDependent<?> dependent : dependents) {
      dependent.reconcile(cr, context);
    }

    Observation after = Observer.refresh(cr, context, observed);
    ChatbotDeploymentStatus next = StatusBuilder.build(cr, after, step, settings, stamp);
    recordTransitions(cr, before, next, events);
    UpdateControl<ChatbotDeployment> control = patchIfChanged(cr, before, next);
    MigrationStatus m = next.getMigration();
    boolean stepped =
        m != null
            && (before.getMigration() == null || before.getMigration().getState() != m.getState());
    if ((m != null && !Migrations.finished(m.getState())) || stepped) {
      // A status patch triggers no event: come back for the next step (or the clean-up).
      control.rescheduleAfter(MIGRATION_POLL);
    } else if (cr.getSpec().getPhase() == Phase.HUGGINGFACE
        || next.getActivePhase() == Phase.HUGGINGFACE) {
      // The token Secret is not watched: look again for rotation or for it to appear.
      control.rescheduleAfter(SECRET_POLL);
    }
    return control;
  }

  @Override
  public ErrorStatusUpdateControl<ChatbotDeployment> updateErrorStatus(
      ChatbotDeployment cr, Context<ChatbotDeployment> context, Exception e) {
    if (conflict(e)) {
      // The resource changed while this pass ran (optimistic locking): JOSDK retries with the
      // fresh one. Nothing for the user to see.
      LOG.info("changed during reconcile, retrying");
      return ErrorStatusUpdateControl.noStatusUpdate();
    }
    LOG.error("reconcile failed: {}", e.toString());
    ChatbotDeploymentStatus before = StatusBuilder.current(cr);
    String stamp = clock.instant().truncatedTo(ChronoUnit.SECONDS).toString();
    ChatbotDeploymentStatus next = StatusBuilder.invalid(cr, List.of(), stamp);
    next.setActivePhase(before.getActivePhase());
    next.setConditions(
        Conditions.set(
            before.getConditions(),
            Conditions.PROGRESSING,
            false,
            "ReconcileError",
            errorMessage(e),
            cr.getMetadata().getGeneration(),
            stamp));
    if (Objects.equals(next, before)) {
      return ErrorStatusUpdateControl.noStatusUpdate();
    }
    new EventRecorder(context.getClient()).warning(cr, "ReconcileError", errorMessage(e));
    cr.setStatus(next);
    return ErrorStatusUpdateControl.patchStatus(cr);
  }

  static boolean conflict(Exception e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof io.fabric8.kubernetes.client.KubernetesClientException k
          && k.getCode() == 409) {
        return true;
      }
    }
    return false;
  }

  /** A short, secret-free description: a Forbidden error names the verb and resource. */
  static String errorMessage(Exception e) {
    Throwable t = e;
    while (t.getCause() != null
        && !(t instanceof io.fabric8.kubernetes.client.KubernetesClientException)) {
      t = t.getCause();
    }
    if (t instanceof io.fabric8.kubernetes.client.KubernetesClientException k
        && k.getStatus() != null) {
      return "API request failed (" + k.getCode() + "): " + k.getStatus().getMessage();
    }
    return "reconcile failed: " + t.getClass().getSimpleName();
  }

  private void recordTransitions(
      ChatbotDeployment cr,
      ChatbotDeploymentStatus before,
      ChatbotDeploymentStatus next,
      EventRecorder events) {
    MigrationStatus was = before.getMigration();
    MigrationStatus is = next.getMigration();
    if (is != null
        && (was == null
            || was.getState() != is.getState()
            || was.getToPhase() != is.getToPhase())) {
      String reason = "Migration" + is.getState();
      String message = is.getFromPhase() + " -> " + is.getToPhase() + ": " + is.getMessage();
      LOG.info("migration {} [{}]", message, is.getState());
      if (is.getState() == MigrationState.Failed) {
        events.warning(cr, reason, message);
      } else {
        events.normal(cr, reason, message);
      }
    }
    if (before.getActivePhase() != next.getActivePhase() && next.getActivePhase() != null) {
      LOG.info("{} now serves traffic", next.getActivePhase());
      events.normal(cr, "PhaseActive", next.getActivePhase() + " serves traffic");
    }
    Optional<Condition> readyBefore = Conditions.find(before.getConditions(), Conditions.READY);
    Optional<Condition> readyNow = Conditions.find(next.getConditions(), Conditions.READY);
    String reasonBefore = readyBefore.map(Condition::getReason).orElse(null);
    String reasonNow = readyNow.map(Condition::getReason).orElse(null);
    if (!Objects.equals(reasonBefore, reasonNow) && readyNow.isPresent()) {
      Condition c = readyNow.get();
      LOG.info("Ready={} ({}): {}", c.getStatus(), c.getReason(), c.getMessage());
      if ("True".equals(c.getStatus())) {
        events.normal(cr, c.getReason(), c.getMessage());
      } else if (!"Migrating".equals(c.getReason())
          && !"BackendUnavailable".equals(c.getReason())
          && !"FrontendUnavailable".equals(c.getReason())) {
        events.warning(cr, c.getReason(), c.getMessage());
      }
    }
  }

  private static String readyMessage(ChatbotDeploymentStatus s) {
    return Conditions.find(s.getConditions(), Conditions.READY)
        .map(Condition::getMessage)
        .orElse("");
  }

  /** Status is written only when it changed, so a steady chatbot causes no writes. */
  private static UpdateControl<ChatbotDeployment> patchIfChanged(
      ChatbotDeployment cr, ChatbotDeploymentStatus before, ChatbotDeploymentStatus next) {
    if (Objects.equals(before, next)) {
      return UpdateControl.noUpdate();
    }
    cr.setStatus(next);
    return UpdateControl.patchStatus(cr);
  }
}
