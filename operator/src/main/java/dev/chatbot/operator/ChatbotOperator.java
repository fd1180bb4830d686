package dev.chatbot.operator;

import dev.chatbot.operator.children.InformerStores;
import dev.chatbot.operator.metrics.SdkMetrics;
import dev.chatbot.operator.metrics.StatusMetrics;
import dev.chatbot.operator.migration.SmokeTester;
import dev.chatbot.operator.model.OperatorSettings;
import dev.chatbot.operator.model.OperatorSettings.AutoscalingApi;
import dev.chatbot.operator.reconciler.ChatbotReconciler;
import io.fabric8.kubernetes.api.model.APIGroup;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.api.config.ControllerConfigurationOverrider;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import io.javaoperatorsdk.operator.monitoring.micrometer.MicrometerMetrics;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Builds the operator the same way for production and for the tests. */
public final class ChatbotOperator {
  private static final Logger LOG = LoggerFactory.getLogger(ChatbotOperator.class);

  /**
   * Passes at once, and threads for the children of those passes (JOSDK's defaults are 50 each). A
   * pass is a few API round trips; with 1000 chatbots the API server, not this pool, bounds the
   * pace, and 50 concurrent passes only queued there: requests took seconds, the Lease renewals
   * waited behind them and the leader lost its lease. Each running pass also holds a thread and its
   * objects (docs/BENCHMARKS.md, "Operator at scale").
   */
  static final int RECONCILE_THREADS = 10;

  static final int WORKFLOW_THREADS = 10;

  /**
   * Lease timing. A leader that cannot renew within the deadline exits and its pod restarts, which
   * costs a full resync on top of the load that slowed the renewal; on a loaded API server renewals
   * took several seconds and Kubernetes' usual 15/10/2 s lost the lease. A standby takes over at
   * most {@link #LEASE_DURATION} after a leader dies.
   */
  static final Duration LEASE_DURATION = Duration.ofSeconds(30);

  static final Duration RENEW_DEADLINE = Duration.ofSeconds(20);
  static final Duration RETRY_PERIOD = Duration.ofSeconds(4);

  private ChatbotOperator() {}

  public static Operator create(
      KubernetesClient client,
      OperatorConfig config,
      SmokeTester smokeTester,
      MeterRegistry registry) {
    AutoscalingApi api =
        config.autoscalingApi() != null ? config.autoscalingApi() : discoverAutoscaling(client);
    OperatorSettings settings = config.settings(api);
    AtomicBoolean stopping = new AtomicBoolean();
    StatusMetrics statusMetrics = new StatusMetrics(registry);
    Operator operator =
        new Operator(
            o -> {
              o.withKubernetesClient(client)
                  .withCloseClientOnStop(false)
                  .withMetrics(
                      new SdkMetrics(
                          MicrometerMetrics.withoutPerResourceMetrics(registry), statusMetrics))
                  .withSSABasedCreateUpdateMatchForDependentResources(config.serverSideApply())
                  .withUseSSAToPatchPrimaryResource(config.serverSideApply())
                  // A kind it may not list (RBAC) or a missing CRD stops start-up at once with
                  // the API's answer, instead of a silent wait for the informer caches.
                  .withStopOnInformerErrorDuringStartup(true)
                  .withCacheSyncTimeout(Duration.ofSeconds(60))
                  .withConcurrentReconciliationThreads(RECONCILE_THREADS)
                  .withConcurrentWorkflowExecutorThreads(WORKFLOW_THREADS);
              if (config.serverSideApply()) {
                // One write path for every child kind: apply, ConfigMaps included.
                o.withDefaultNonSSAResource(Set.of());
              }
              if (config.leaseNamespace() != null) {
                o.withLeaderElectionConfiguration(leaderElection(config, stopping));
              }
            }) {
          @Override
          public void stop() {
            stopping.set(true);
            super.stop();
          }
        };
    ChatbotReconciler reconciler =
        new ChatbotReconciler(settings, smokeTester, Clock.systemUTC(), statusMetrics);
    var overrider =
        ControllerConfigurationOverrider.override(
                operator.getConfigurationService().getConfigurationFor(reconciler))
            .withItemStore(InformerStores.primaries())
            .withInformerListLimit(InformerStores.LIST_PAGE);
    if (config.namespaces().isEmpty()) {
      overrider.watchingAllNamespaces();
    } else {
      overrider.settingNamespaces(config.namespaces());
    }
    operator.register(reconciler, ChatbotReconciler.servingAutoscalingApi(overrider.build(), api));
    LOG.info(
        "watching {}; autoscaling API {}; runtime image {}; leader election {}; cluster domain {}",
        config.namespaces().isEmpty() ? "all namespaces" : config.namespaces(),
        api,
        config.runtimeImage(),
        config.leaseNamespace() == null ? "off" : "on in " + config.leaseNamespace(),
        config.clusterDomain());
    if (config.operatorNamespace() == null) {
      LOG.warn(
          "POD_NAMESPACE is not set (outside a cluster?): backend NetworkPolicies admit no"
              + " operator pod, so where they are enforced a migration's smoke test cannot reach"
              + " the new backend and the change fails with SmokeTestFailed");
    }
    return operator;
  }

  /**
   * Leader election in the operator's namespace. A leader that loses its Lease exits (a standby
   * replica takes over; two active operators would fight), but not while it is being stopped:
   * JOSDK's own exit on stop-leading ran System.exit inside the JVM's shutdown hook, which blocks
   * forever, so a SIGTERM'd leader hung until the kubelet killed it (the pod sat Terminating for
   * the whole grace period).
   */
  static LeaderElectionConfiguration leaderElection(OperatorConfig config, AtomicBoolean stopping) {
    LeaderCallbacks callbacks =
        new LeaderCallbacks(
            () -> LOG.info("leading: reconciling"),
            () -> {
              if (!stopping.get()) {
                LOG.error("lost the leader-election Lease: exiting, another replica takes over");
                // Not on this (the elector's) thread: System.exit waits for the shutdown hook,
                // which stops the elector.
                new Thread(() -> System.exit(1), "exit-on-lost-lease").start();
              }
            },
            leader -> LOG.info("leader: {}", leader));
    return new LeaderElectionConfiguration(
        OperatorConfig.LEASE_NAME,
        config.leaseNamespace(),
        LEASE_DURATION,
        RENEW_DEADLINE,
        RETRY_PERIOD,
        null,
        callbacks,
        false);
  }

  /** The HorizontalPodAutoscaler API the cluster serves, asked once at start. */
  static AutoscalingApi discoverAutoscaling(KubernetesClient client) {
    try {
      APIGroup group = client.getApiGroup("autoscaling");
      if (group == null || group.getVersions() == null) {
        return AutoscalingApi.NONE;
      }
      Set<String> versions =
          group.getVersions().stream()
              .map(v -> v.getVersion())
              .collect(java.util.stream.Collectors.toSet());
      if (versions.contains("v2")) {
        return AutoscalingApi.V2;
      }
      if (versions.contains("v2beta2")) {
        return AutoscalingApi.V2BETA2;
      }
      return AutoscalingApi.NONE;
    } catch (RuntimeException e) {
      LOG.warn("could not discover the autoscaling API ({}); autoscaling is off", e.toString());
      return AutoscalingApi.NONE;
    }
  }
}
