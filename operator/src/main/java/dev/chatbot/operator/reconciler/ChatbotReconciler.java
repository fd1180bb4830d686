package dev.chatbot.operator.reconciler;

import dev.chatbot.api.v1alpha1.ChatbotDeployment;
import dev.chatbot.api.v1alpha1.ChatbotDeploymentStatus;
import dev.chatbot.api.v1alpha1.MigrationStatus;
import dev.chatbot.api.v1alpha1.Phase;
import dev.chatbot.operator.children.AutoscalerV2Dependent;
import dev.chatbot.operator.children.AutoscalerV2beta2Dependent;
import dev.chatbot.operator.children.ChildDependent;
import dev.chatbot.operator.children.ConfigMapDependent;
import dev.chatbot.operator.children.DeploymentDependent;
import dev.chatbot.operator.children.JobDependent;
import dev.chatbot.operator.children.ModelClaimDependent;
import dev.chatbot.operator.children.NetworkPolicyDependent;
import dev.chatbot.operator.children.ServiceDependent;
import dev.chatbot.operator.metrics.StatusMetrics;
import dev.chatbot.operator.migration.Migrations;
import dev.chatbot.operator.migration.Migrations.Step;
import dev.chatbot.operator.migration.SmokeTester;
import dev.chatbot.operator.model.DesiredState;
import dev.chatbot.operator.model.Names;
import dev.chatbot.operator.model.OperatorSettings;
import dev.chatbot.operator.model.OperatorSettings.AutoscalingApi;
import dev.chatbot.operator.observer.DownloadLog;
import dev.chatbot.operator.observer.Observation;
import dev.chatbot.operator.observer.Observer;
import dev.chatbot.operator.observer.TokenSecrets;
import dev.chatbot.operator.status.Conditions;
import dev.chatbot.operator.status.EventRecorder;
import dev.chatbot.operator.status.Reason;
import dev.chatbot.operator.status.StatusBuilder;
import dev.chatbot.operator.status.Transitions;
import dev.chatbot.operator.validation.SpecValidator;
import dev.chatbot.operator.validation.SpecValidator.Violation;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.AggregatedOperatorException;
import io.javaoperatorsdk.operator.api.config.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.config.ResolvedControllerConfiguration;
import io.javaoperatorsdk.operator.api.config.dependent.DependentResourceSpec;
import io.javaoperatorsdk.operator.api.config.workflow.WorkflowSpec;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ErrorStatusUpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.Workflow;
import io.javaoperatorsdk.operator.api.reconciler.dependent.Dependent;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns a ChatbotDeployment into its children and honest status, one pass at a time: validate,
 * observe, decide the migration step, compute the desired state once, run the managed workflow that
 * applies it (order by {@code dependsOn}), then report. Thin: every decision is pure code in its
 * stage's package.
 */
@Workflow(
    explicitInvocation = true,
    dependents = {
      @Dependent(name = ConfigMapDependent.NAME, type = ConfigMapDependent.class),
      @Dependent(name = ModelClaimDependent.NAME, type = ModelClaimDependent.class),
      @Dependent(
          name = JobDependent.NAME,
          type = JobDependent.class,
          dependsOn = ModelClaimDependent.NAME),
      // The policy guards the backend pods from their first moment.
      @Dependent(name = NetworkPolicyDependent.NAME, type = NetworkPolicyDependent.class),
      @Dependent(
          name = DeploymentDependent.NAME,
          type = DeploymentDependent.class,
          dependsOn = {
            ConfigMapDependent.NAME,
            ModelClaimDependent.NAME,
            NetworkPolicyDependent.NAME
          }),
      @Dependent(name = ServiceDependent.NAME, type = ServiceDependent.class),
      @Dependent(
          name = AutoscalerV2Dependent.NAME,
          type = AutoscalerV2Dependent.class,
          dependsOn = DeploymentDependent.NAME),
      @Dependent(
          name = AutoscalerV2beta2Dependent.NAME,
          type = AutoscalerV2beta2Dependent.class,
          dependsOn = DeploymentDependent.NAME)
    })
@io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration(
    name = "chatbotdeployment",
    fieldManager = Names.FIELD_MANAGER)
public class ChatbotReconciler implements Reconciler<ChatbotDeployment> {
  private static final Logger LOG = LoggerFactory.getLogger(ChatbotReconciler.class);
  public static final Duration MIGRATION_POLL = Duration.ofSeconds(2);
  static final Duration SECRET_POLL = Duration.ofSeconds(60);
  static final Duration DOWNLOAD_POLL = DownloadLog.SAMPLE_INTERVAL;

  private final OperatorSettings settings;
  private final SmokeTester smokeTester;
  private final Clock clock;
  private final TokenSecrets secrets;
  private final StatusMetrics metrics;

  public ChatbotReconciler(
      OperatorSettings settings, SmokeTester smokeTester, Clock clock, StatusMetrics metrics) {
    this.settings = settings;
    this.smokeTester = smokeTester;
    this.clock = clock;
    this.secrets = new TokenSecrets(clock);
    this.metrics = metrics;
  }

  /**
   * The workflow above with only the autoscaler dependent of the API the cluster serves (discovered
   * once at start), or none. Chosen at registration rather than by an activation condition: JOSDK
   * starts an activation-conditioned dependent's informer inside the first reconcile, so an
   * autoscaler kind the operator may not list would no longer stop start-up, and the first pass
   * would write the other children before failing (shown on the real API server by RbacIT).
   */
  public static ControllerConfiguration<ChatbotDeployment> servingAutoscalingApi(
      ControllerConfiguration<ChatbotDeployment> configuration, AutoscalingApi api) {
    Map<String, AutoscalingApi> autoscalers =
        Map.of(
            AutoscalerV2Dependent.NAME, AutoscalingApi.V2,
            AutoscalerV2beta2Dependent.NAME, AutoscalingApi.V2BETA2);
    WorkflowSpec workflow = configuration.getWorkflowSpec().orElseThrow();
    @SuppressWarnings("rawtypes")
    List<DependentResourceSpec> kept =
        workflow.getDependentResourceSpecs().stream()
            .filter(d -> autoscalers.getOrDefault(d.getName(), api) == api)
            .toList();
    var resolved = new ResolvedControllerConfiguration<>(configuration);
    resolved.setWorkflowSpec(
        new WorkflowSpec() {
          @Override
          @SuppressWarnings("rawtypes")
          public List<DependentResourceSpec> getDependentResourceSpecs() {
            return kept;
          }

          @Override
          public boolean isExplicitInvocation() {
            return workflow.isExplicitInvocation();
          }

          @Override
          public boolean handleExceptionsInReconciler() {
            return workflow.handleExceptionsInReconciler();
          }
        });
    return resolved;
  }

  @Override
  public UpdateControl<ChatbotDeployment> reconcile(
      ChatbotDeployment cr, Context<ChatbotDeployment> context) {
    Instant now = clock.instant().truncatedTo(ChronoUnit.SECONDS);
    String stamp = now.toString();
    EventRecorder events = new EventRecorder(context.getClient(), clock);
    ChatbotDeploymentStatus before = StatusBuilder.current(cr);

    List<Violation> violations = SpecValidator.validate(cr);
    if (!violations.isEmpty()) {
      ChatbotDeploymentStatus next = StatusBuilder.invalid(cr, violations, stamp);
      if (!StatusBuilder.unchanged(before, next)) {
        LOG.warn("invalid spec, leaving children as they are: {}", violations);
        events.record(cr, Reason.InvalidSpec, readyMessage(next));
      }
      return patchIfChanged(cr, before, next);
    }

    Observation observed = Observer.observe(cr, context, settings, secrets, now);
    Step step = Migrations.decide(cr, observed, settings, now);
    if (step.smokeTest()) {
      Phase target = cr.getSpec().getPhase();
      SmokeTester.Result result = smokeTester.test(cr, target);
      LOG.info("smoke test of {} backend: {}", target, result.message());
      step = Migrations.afterSmokeTest(step, result.passed(), result.message(), now);
    }
    ChildDependent.use(context, DesiredState.of(step.plan()));
    context.managedWorkflowAndDependentResourceContext().reconcileManagedWorkflow();

    Observation after = Observer.refresh(cr, context, settings, observed);
    step = Migrations.afterApply(step, cr, after);
    ChatbotDeploymentStatus next =
        StatusBuilder.build(
            cr, after, step.active(), step.migration(), step.bridge(), settings, stamp);
    for (Transitions.Notice notice : Transitions.between(before, next)) {
      LOG.info("{}: {}", notice.reason(), notice.message());
      events.record(cr, notice.reason(), notice.message());
    }
    metrics.record(cr.getMetadata().getNamespace(), cr.getMetadata().getName(), before, next);
    UpdateControl<ChatbotDeployment> control = patchIfChanged(cr, before, next);
    MigrationStatus m = next.getMigration();
    boolean stepped =
        m != null
            && (before.getMigration() == null || before.getMigration().getState() != m.getState());
    if ((m != null && !Migrations.finished(m.getState())) || stepped) {
      // A status patch triggers no event: come back for the next step (or the clean-up).
      control.rescheduleAfter(MIGRATION_POLL);
    } else if (after.job().kind() == Observation.JobState.Kind.RUNNING) {
      // Pods' progress raises no event either: read it again when the next reading is due.
      control.rescheduleAfter(DOWNLOAD_POLL);
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
    String message = errorMessage(e);
    ChatbotDeploymentStatus before = StatusBuilder.current(cr);
    ChatbotDeploymentStatus next =
        StatusBuilder.reconcileError(
            cr, message, clock.instant().truncatedTo(ChronoUnit.SECONDS).toString());
    if (StatusBuilder.unchanged(before, next)) {
      return ErrorStatusUpdateControl.noStatusUpdate();
    }
    new EventRecorder(context.getClient(), clock).record(cr, Reason.ReconcileError, message);
    cr.setStatus(next);
    return ErrorStatusUpdateControl.patchStatus(cr);
  }

  static boolean conflict(Exception e) {
    return apiError(e).filter(k -> k.getCode() == 409).isPresent();
  }

  /** A short, secret-free description: a Forbidden error names the verb and resource. */
  static String errorMessage(Exception e) {
    return apiError(e)
        .filter(k -> k.getStatus() != null)
        .map(k -> "API request failed (" + k.getCode() + "): " + k.getStatus().getMessage())
        .orElse("reconcile failed: " + innermost(e).getClass().getSimpleName());
  }

  /**
   * The API error behind a failure, found along the causes and into the workflow's aggregated
   * exception (each dependent's failure).
   */
  static Optional<KubernetesClientException> apiError(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof KubernetesClientException k) {
        return Optional.of(k);
      }
      if (t instanceof AggregatedOperatorException aggregated) {
        return aggregated.getAggregatedExceptions().values().stream()
            .map(ChatbotReconciler::apiError)
            .flatMap(Optional::stream)
            .findFirst();
      }
    }
    return Optional.empty();
  }

  /** The root cause, following the first failed dependent into the workflow's aggregate. */
  private static Throwable innermost(Throwable e) {
    Throwable t = e;
    while (true) {
      if (t instanceof AggregatedOperatorException aggregated
          && !aggregated.getAggregatedExceptions().isEmpty()) {
        t = aggregated.getAggregatedExceptions().values().iterator().next();
      } else if (t.getCause() != null) {
        t = t.getCause();
      } else {
        return t;
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
    if (StatusBuilder.unchanged(before, next)) {
      return UpdateControl.noUpdate();
    }
    cr.setStatus(next);
    return UpdateControl.patchStatus(cr);
  }
}
