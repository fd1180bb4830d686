package dev.chatbot.operator.realserver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.chatbot.api.v1alpha1.ChatbotDeployment;
import dev.chatbot.api.v1alpha1.HuggingFaceSpec;
import dev.chatbot.api.v1alpha1.MigrationState;
import dev.chatbot.api.v1alpha1.Phase;
import dev.chatbot.api.v1alpha1.SecretKeySelector;
import dev.chatbot.operator.OperatorConfig;
import dev.chatbot.operator.envtest.ApiServer;
import dev.chatbot.operator.envtest.RealApiServer;
import dev.chatbot.operator.envtest.TestNamespace;
import dev.chatbot.operator.migration.HttpSmokeTester;
import dev.chatbot.operator.status.Conditions;
import dev.chatbot.operator.support.ClusterSimulator;
import dev.chatbot.operator.support.Fixtures;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReview;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReviewBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Test 6: least privilege, shown. The operator runs as an identity bound only to a ClusterRole made
 * from {@code helm/chatbot-operator/files/rbac-rules.yaml} (the file the chart renders), with
 * leader election on so the Lease rule is used. With all rules the examples reconcile; with any
 * single rule removed a scenario that needs it visibly fails.
 *
 * <p>Found here (and since fixed in the file): the Lease rule allowed get/create/update only, but
 * fabric8 7.5.2's LeaseLock renews the Lease with PATCH, so the leader lost the lease after the
 * renew deadline and JOSDK exited the process (exitOnStopLeading): a crash loop every ~15 s. {@link
 * #theShippedLeaseRuleLetsTheLeaderRenew} keeps it fixed.
 *
 * <p>Two more facts shape the cases: an operator whose informer may not list a kind blocks in
 * start-up for JOSDK's cache-sync timeout (2 min) and reconciles nothing meanwhile, so those cases
 * start the operator in the background and close it whenever its start returns; and stopping a
 * leader-electing operator calls System.exit (JOSDK's exitOnStopLeading), so the leader-electing
 * operator of the baseline runs until the test JVM ends.
 */
@RealApiServer
class RbacIT {

  /** What the operator is asked to do in a case. */
  enum Scenario {
    /** examples/mock.yaml; with all rules: Ready, Events recorded, Lease held. */
    MOCK,
    /** examples/huggingface.yaml and its Secret; with all rules: Ready. */
    HUGGINGFACE,
    /** examples/local-download.yaml, the download Job completed; with all rules: Ready. */
    LOCAL_DOWNLOAD,
    /**
     * mock, then phase huggingface with its backend available: the production smoke test lists the
     * backend's pods; none runs, so the migration fails with SmokeTestFailed.
     */
    MIGRATION,
    /**
     * examples/local-download.yaml with its Job left running and a downloader pod whose pull
     * container runs: the operator lists the Job's pods and reads that container's log tail.
     */
    DOWNLOAD_PROGRESS
  }

  /** How the missing rule shows. */
  enum Failure {
    /**
     * An informer may not list its kind: start-up waits for that cache, nothing is reconciled, the
     * audit log shows the 403 list requests.
     */
    LIST_FORBIDDEN,
    /** Children are made but the status never appears (audit: 403 on the status patch). */
    NO_STATUS,
    /** Progressing=False, reason ReconcileError, message with 403/forbidden and the resource. */
    RECONCILE_ERROR,
    /** The chatbot gets Ready, but no Event is recorded (audit: 403 on create events). */
    NO_EVENTS,
    /** Leader election refuses to start: the operator never leads, nothing is reconciled. */
    NEVER_LEADS,
    /** status.download.message says the downloader's log cannot be read: HTTP 403. */
    NO_PROGRESS
  }

  record Need(Scenario scenario, Failure failure) {}

  /** Every rule of the file, by its first resource: the scenario that needs it. */
  static final Map<String, Need> NEEDS =
      Map.ofEntries(
          Map.entry("chatbotdeployments", new Need(Scenario.MOCK, Failure.LIST_FORBIDDEN)),
          Map.entry("chatbotdeployments/status", new Need(Scenario.MOCK, Failure.NO_STATUS)),
          Map.entry("configmaps", new Need(Scenario.MOCK, Failure.LIST_FORBIDDEN)),
          Map.entry("deployments", new Need(Scenario.MOCK, Failure.LIST_FORBIDDEN)),
          Map.entry("jobs", new Need(Scenario.LOCAL_DOWNLOAD, Failure.LIST_FORBIDDEN)),
          Map.entry("networkpolicies", new Need(Scenario.MOCK, Failure.LIST_FORBIDDEN)),
          Map.entry("horizontalpodautoscalers", new Need(Scenario.MOCK, Failure.LIST_FORBIDDEN)),
          Map.entry("secrets", new Need(Scenario.HUGGINGFACE, Failure.RECONCILE_ERROR)),
          Map.entry("pods", new Need(Scenario.MIGRATION, Failure.RECONCILE_ERROR)),
          Map.entry("pods/log", new Need(Scenario.DOWNLOAD_PROGRESS, Failure.NO_PROGRESS)),
          Map.entry("events", new Need(Scenario.MOCK, Failure.NO_EVENTS)),
          Map.entry("leases", new Need(Scenario.MOCK, Failure.NEVER_LEADS)));

  static final Map<String, String> SHOWN = new TreeMap<>();

  /** Leader-electing operators: stopping one would exit the JVM, so they run until it ends. */
  static final List<RealServer.Operator> LEADERS = new ArrayList<>();

  @BeforeAll
  static void install(ApiServer server, KubernetesClient admin) {
    RealServer.installCrd(admin);
    RealServer.bindChartRole(server);
  }

  @AfterAll
  static void table() {
    System.out.println("RBAC rules and the test that shows each is needed:");
    SHOWN.forEach((rule, shown) -> System.out.println("  " + rule + " -> " + shown));
  }

  static PolicyRule leaseRule(List<PolicyRule> rules) {
    return rules.stream()
        .filter(r -> r.getResources().contains("leases"))
        .findFirst()
        .orElseThrow();
  }

  static String describe(PolicyRule rule) {
    String group = String.join(",", rule.getApiGroups());
    return (group.isEmpty() ? "core" : group)
        + "/"
        + String.join(",", rule.getResources())
        + " "
        + rule.getVerbs();
  }

  static Stream<PolicyRule> rules() {
    return RealServer.chartRules().stream();
  }

  // ---------------------------------------------------------------------------------------------

  /**
   * With exactly the chart's rules, all examples reconcile, the Lease is held, the smoke test runs.
   */
  @Test
  void everyExampleReconcilesUnderTheChartRulesWithLeaderElection(
      ApiServer server, KubernetesClient admin, @TestNamespace String ns) {
    ClusterSimulator cluster = new ClusterSimulator(admin, ns, "mock", "huggingface", "local");
    try {
      RealServer.Operator op = operator(server, ApiServer.OPERATOR_USER, ns, true);
      LEADERS.add(op);
      admin.resource(RealServer.hfTokenSecret(ns)).create();
      for (String file :
          List.of("mock.yaml", "huggingface.yaml", "local-download.yaml", "local-image.yaml")) {
        admin.resource(Fixtures.example(file, ns)).create();
      }
      await()
          .atMost(RealServer.WAIT)
          .untilAsserted(
              () -> {
                for (String name : List.of("demo", "assistant", "private", "private-image")) {
                  assertThat(RealServer.ready(admin, ns, name).getStatus())
                      .as(name + ": " + RealServer.ready(admin, ns, name).getMessage())
                      .isEqualTo("True");
                }
              });
      Lease lease = admin.leases().inNamespace(ns).withName(OperatorConfig.LEASE_NAME).get();
      assertThat(lease.getSpec().getHolderIdentity()).as("lease holder").isNotBlank();
      assertThat(admin.v1().events().inNamespace(ns).list().getItems())
          .as("events recorded")
          .isNotEmpty();

      // The pods rule at work: the smoke test lists the new backend's pods (and finds none).
      startMigration(admin, ns, "migrating");
      await()
          .atMost(RealServer.WAIT)
          .untilAsserted(
              () -> {
                var m = RealServer.cr(admin, ns, "migrating").getStatus().getMigration();
                assertThat(m).isNotNull();
                assertThat(m.getState()).isEqualTo(MigrationState.Failed);
                assertThat(m.getReason()).isEqualTo("SmokeTestFailed");
                assertThat(m.getMessage()).contains("no ready huggingface backend pod");
              });

      // The pods/log rule at work: the log is read (this API server answers an empty log for a
      // pod without a node) and no problem is reported; without the rule it says 403.
      cluster.jobOutcome = null;
      downloadWithPod(admin, ns, "watched");
      await()
          .atMost(RealServer.WAIT)
          .untilAsserted(
              () -> {
                var status = RealServer.cr(admin, ns, "watched").getStatus();
                var d = status.getDownload();
                assertThat(d).as(Serialization.asJson(status)).isNotNull();
                assertThat(d.getSampledAt()).isNotNull();
                assertThat(d.getMessage()).as(Serialization.asJson(d)).isNull();
              });
      String logRead =
          "read at " + RealServer.cr(admin, ns, "watched").getStatus().getDownload().getSampledAt();
      SHOWN.put(
          "(all rules)",
          "4 examples Ready, Lease held, Events recorded, smoke test ran (SmokeTestFailed: no"
              + " ready huggingface backend pod), downloader pod's log "
              + logRead);
    } finally {
      cluster.close();
    }
  }

  /** The chart's rules minus one: a scenario that needs the missing rule fails visibly. */
  @ParameterizedTest(name = "without {0}")
  @MethodSource("rules")
  void everyRuleIsNeeded(
      PolicyRule removed, ApiServer server, KubernetesClient admin, @TestNamespace String ns) {
    String key = removed.getResources().get(0);
    Need need = NEEDS.get(key);
    assertThat(need).as("a scenario that needs the rule for " + removed.getResources()).isNotNull();
    String user = "rbac-without-" + key.replace("/", "-");
    List<PolicyRule> rules = new ArrayList<>(RealServer.chartRules());
    assertThat(rules.remove(removed)).isTrue();
    RealServer.bindClusterRole(admin, user, user, rules);
    awaitAuthorized(admin, user, rules.get(rules.size() - 1), ns);

    boolean leaderElection = need.failure() == Failure.NEVER_LEADS;
    int mark = server.auditMark();
    String shown;
    ClusterSimulator cluster = new ClusterSimulator(admin, ns, "mock", "huggingface", "local");
    CompletableFuture<RealServer.Operator> op =
        CompletableFuture.supplyAsync(() -> operator(server, user, ns, leaderElection));
    try {
      if (need.scenario() == Scenario.DOWNLOAD_PROGRESS) {
        cluster.jobOutcome = null;
      }
      String name = start(need.scenario(), admin, ns);
      shown = expectFailure(need, removed, server, mark, user, admin, ns, name, op);
    } finally {
      cluster.close();
      // Closed when its start returns (at once, or after JOSDK's cache-sync timeout).
      op.whenComplete(
          (running, failed) -> {
            if (running != null) {
              running.close();
            }
          });
    }
    SHOWN.put(describe(removed), need.scenario() + ": " + shown);
  }

  /**
   * The verbs fabric8's LeaseLock uses on the Lease (get, create, and patch to renew) and the ones
   * JOSDK checks before it starts (get, create, update) must all be in the shipped file.
   */
  @Test
  void theShippedLeaseRuleLetsTheLeaderRenew() {
    assertThat(leaseRule(RealServer.chartRules()).getVerbs())
        .contains("get", "create", "update", "patch");
  }

  /** An Event said again is counted on the existing one: fetched, then its count patched. */
  @Test
  void theShippedEventRuleLetsRepeatsBeCounted() {
    PolicyRule events =
        RealServer.chartRules().stream()
            .filter(r -> r.getResources().contains("events"))
            .findFirst()
            .orElseThrow();
    assertThat(events.getVerbs()).contains("create", "get", "patch");
  }

  // ---------------------------------------------------------------------------------------------

  static RealServer.Operator operator(
      ApiServer server, String user, String ns, boolean leaderElection) {
    return new RealServer.Operator(
        server.clientFor(user),
        RealServer.config(ns, leaderElection ? ns : null), // the Lease lives in the test namespace
        HttpSmokeTester::new);
  }

  /** Waits until the authorizer lets {@code user} do what {@code rule} allows. */
  static void awaitAuthorized(KubernetesClient admin, String user, PolicyRule rule, String ns) {
    await()
        .atMost(RealServer.WAIT)
        .until(
            () -> {
              SubjectAccessReview review =
                  new SubjectAccessReviewBuilder()
                      .withNewSpec()
                      .withUser(user)
                      .withNewResourceAttributes()
                      .withNamespace(ns)
                      .withGroup(rule.getApiGroups().get(0))
                      .withResource(rule.getResources().get(0))
                      .withVerb(rule.getVerbs().get(0))
                      .endResourceAttributes()
                      .endSpec()
                      .build();
              return admin.resource(review).create().getStatus().getAllowed();
            });
  }

  static String start(Scenario scenario, KubernetesClient admin, String ns) {
    switch (scenario) {
      case MOCK -> {
        admin.resource(Fixtures.example("mock.yaml", ns)).create();
        return "demo";
      }
      case HUGGINGFACE -> {
        admin.resource(RealServer.hfTokenSecret(ns)).create();
        admin.resource(Fixtures.example("huggingface.yaml", ns)).create();
        return "assistant";
      }
      case LOCAL_DOWNLOAD -> {
        admin.resource(Fixtures.example("local-download.yaml", ns)).create();
        return "private";
      }
      case MIGRATION -> {
        startMigration(admin, ns, "migrating");
        return "migrating";
      }
      case DOWNLOAD_PROGRESS -> {
        downloadWithPod(admin, ns, "watched");
        return "watched";
      }
    }
    throw new IllegalArgumentException(scenario.toString());
  }

  /**
   * A local chatbot whose download Job runs, with the pod the Job controller would make (this API
   * server has none): labelled with the Job's name, its pull container running.
   */
  static void downloadWithPod(KubernetesClient admin, String ns, String name) {
    ChatbotDeployment cr = Fixtures.example("local-download.yaml", ns);
    cr.getMetadata().setName(name);
    admin.resource(cr).create();
    String job =
        await()
            .atMost(RealServer.WAIT)
            .until(
                () ->
                    admin.batch().v1().jobs().inNamespace(ns).list().getItems().stream()
                        .map(j -> j.getMetadata().getName())
                        .filter(n -> n.startsWith(name + "-"))
                        .findFirst(),
                java.util.Optional::isPresent)
            .orElseThrow();
    Pod pod =
        admin
            .resource(
                new PodBuilder()
                    .withNewMetadata()
                    .withName(job + "-x1")
                    .withNamespace(ns)
                    .withLabels(Map.of("job-name", job))
                    .endMetadata()
                    .withNewSpec()
                    .addNewContainer()
                    .withName("pull")
                    .withImage("chatbot-runtime")
                    .endContainer()
                    .endSpec()
                    .build())
            .create();
    pod.setStatus(
        new PodStatusBuilder()
            .withPhase("Running")
            .addNewContainerStatus()
            .withName("pull")
            .withImage("chatbot-runtime")
            .withImageID("")
            .withReady(true)
            .withRestartCount(0)
            .withNewState()
            .withNewRunning()
            .withStartedAt("2026-11-30T05:00:00Z")
            .endRunning()
            .endState()
            .endContainerStatus()
            .build());
    admin.pods().inNamespace(ns).resource(pod).updateStatus();
  }

  /** A mock chatbot serving, then moved to huggingface (its Secret exists). */
  static void startMigration(KubernetesClient admin, String ns, String name) {
    if (admin.secrets().inNamespace(ns).withName("hf-token").get() == null) {
      admin.resource(RealServer.hfTokenSecret(ns)).create();
    }
    ChatbotDeployment cr = Fixtures.example("mock.yaml", ns);
    cr.getMetadata().setName(name);
    admin.resource(cr).create();
    await()
        .atMost(RealServer.WAIT)
        .untilAsserted(
            () -> {
              var s = RealServer.cr(admin, ns, name).getStatus();
              assertThat(s).isNotNull();
              assertThat(s.getActivePhase()).isEqualTo(Phase.MOCK);
            });
    Fixtures.editChatbot(
        admin,
        ns,
        name,
        c -> {
          c.getSpec().setPhase(Phase.HUGGINGFACE);
          HuggingFaceSpec hf = new HuggingFaceSpec();
          hf.setModel("meta-llama/Llama-3.1-8B-Instruct");
          hf.setTokenSecretRef(new SecretKeySelector("hf-token", "token"));
          c.getSpec().setHuggingface(hf);
        });
  }

  /** The audited requests of {@code user} since {@code mark} that were refused (403). */
  static List<String> forbidden(ApiServer server, int mark, String user) {
    List<JsonNode> events = server.auditEvents();
    return events.subList(Math.min(mark, events.size()), events.size()).stream()
        .filter(e -> user.equals(e.at("/user/username").asText()))
        .filter(e -> e.at("/responseStatus/code").asInt() == 403)
        .map(
            e ->
                e.at("/verb").asText()
                    + " "
                    + e.at("/objectRef/resource").asText()
                    + (e.at("/objectRef/subresource").asText().isEmpty()
                        ? ""
                        : "/" + e.at("/objectRef/subresource").asText()))
        .distinct()
        .toList();
  }

  /** Whether the operator wrote a status (the model gives an empty one when there is none). */
  static boolean statusWritten(KubernetesClient admin, String ns, String name) {
    var status = RealServer.cr(admin, ns, name).getStatus();
    return status != null
        && (status.getObservedGeneration() != null
            || (status.getConditions() != null && !status.getConditions().isEmpty()));
  }

  static void assertNothingReconciled(KubernetesClient admin, String ns, String name) {
    await()
        .during(Duration.ofSeconds(4))
        .atMost(Duration.ofSeconds(8))
        .untilAsserted(
            () -> {
              assertThat(RealServer.children(admin, ns)).as("children").isEmpty();
              assertThat(statusWritten(admin, ns, name)).as("status written").isFalse();
            });
  }

  static String expectFailure(
      Need need,
      PolicyRule removed,
      ApiServer server,
      int mark,
      String user,
      KubernetesClient admin,
      String ns,
      String name,
      CompletableFuture<RealServer.Operator> op) {
    List<String> resources = removed.getResources();
    switch (need.failure()) {
      case LIST_FORBIDDEN -> {
        assertNothingReconciled(admin, ns, name);
        await()
            .atMost(Duration.ofSeconds(10))
            .untilAsserted(
                () ->
                    assertThat(forbidden(server, mark, user))
                        .anyMatch(
                            r -> r.startsWith("list ") && resources.contains(r.substring(5))));
        return "nothing reconciled within 4 s (start-up stops on the forbidden list);"
            + " audit: "
            + forbidden(server, mark, user);
      }
      case NO_STATUS -> {
        await().atMost(RealServer.WAIT).until(() -> !RealServer.children(admin, ns).isEmpty());
        await()
            .during(Duration.ofSeconds(3))
            .atMost(Duration.ofSeconds(8))
            .untilAsserted(
                () -> assertThat(statusWritten(admin, ns, name)).as("status written").isFalse());
        assertThat(forbidden(server, mark, user)).contains("patch chatbotdeployments/status");
        return "children made, status never written; audit: " + forbidden(server, mark, user);
      }
      case RECONCILE_ERROR -> {
        await()
            .atMost(RealServer.WAIT)
            .untilAsserted(
                () -> {
                  var c = RealServer.condition(admin, ns, name, Conditions.PROGRESSING);
                  assertThat(c.getReason()).isEqualTo("ReconcileError");
                  assertThat(c.getMessage()).contains("403").contains("forbidden");
                  assertThat(resources).anyMatch(r -> c.getMessage().contains(r));
                });
        String message = RealServer.condition(admin, ns, name, Conditions.PROGRESSING).getMessage();
        return "Progressing=False ReconcileError \""
            + message.substring(0, Math.min(120, message.length()))
            + "...\"";
      }
      case NO_EVENTS -> {
        await()
            .atMost(RealServer.WAIT)
            .untilAsserted(
                () -> assertThat(RealServer.ready(admin, ns, name).getStatus()).isEqualTo("True"));
        await()
            .during(Duration.ofSeconds(1))
            .atMost(Duration.ofSeconds(4))
            .untilAsserted(
                () -> assertThat(admin.v1().events().inNamespace(ns).list().getItems()).isEmpty());
        assertThat(forbidden(server, mark, user)).contains("create events");
        return "Ready, but no Event recorded; audit: " + forbidden(server, mark, user);
      }
      case NO_PROGRESS -> {
        await()
            .atMost(RealServer.WAIT)
            .untilAsserted(
                () -> {
                  var d = RealServer.cr(admin, ns, name).getStatus().getDownload();
                  assertThat(d).isNotNull();
                  assertThat(d.getMessage()).contains("cannot read the log").contains("403");
                });
        assertThat(forbidden(server, mark, user)).contains("get pods/log");
        return "status.download.message \""
            + RealServer.cr(admin, ns, name).getStatus().getDownload().getMessage()
            + "\"; audit: "
            + forbidden(server, mark, user);
      }
      case NEVER_LEADS -> {
        assertNothingReconciled(admin, ns, name);
        assertThat(admin.leases().inNamespace(ns).list().getItems()).as("leases").isEmpty();
        String why =
            op.handle(
                    (running, failed) ->
                        failed == null ? "still trying to lead" : rootMessage(failed))
                .getNow("still starting");
        return "no Lease, nothing reconciled; operator start: " + why;
      }
    }
    throw new IllegalArgumentException(need.toString());
  }

  static String rootMessage(Throwable t) {
    while (t.getCause() != null) {
      t = t.getCause();
    }
    return t.getClass().getSimpleName() + ": " + t.getMessage();
  }
}
