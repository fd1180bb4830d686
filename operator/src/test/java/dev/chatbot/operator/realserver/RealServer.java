package dev.chatbot.operator.realserver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.chatbot.api.v1alpha1.ChatbotDeployment;
import dev.chatbot.operator.OperatorConfig;
import dev.chatbot.operator.envtest.ApiServer;
import dev.chatbot.operator.migration.SmokeTester;
import dev.chatbot.operator.status.Conditions;
import dev.chatbot.operator.support.Fixtures;
import dev.chatbot.operator.support.OperatorRun;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2beta2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBuilder;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * What the real-API-server tests share: the generated CRD, the RBAC rules the Helm chart ships, and
 * an operator in its production configuration (server-side apply on, autoscaling API discovered)
 * running as a given identity and watching one namespace.
 */
final class RealServer {
  static final Duration WAIT = Duration.ofSeconds(40);
  static final String RUNTIME_IMAGE = "example.org/chatbot-runtime:test";
  static final String CRD_NAME = "chatbotdeployments.chatbot.dev";

  /** The ClusterRole (and binding) of {@link ApiServer#OPERATOR_USER} built from the chart file. */
  static final String CHART_ROLE = "chatbot-operator-chart";

  /** Every smoke test passes (there are no pods to talk to); RbacIT uses the real one. */
  static final SmokeTester PASSING = (cr, phase) -> new SmokeTester.Result(true, "answered");

  /** Child kinds the operator writes (autoscaling/v2beta2 on this 1.20 server). */
  static final List<Class<? extends HasMetadata>> CHILD_KINDS =
      List.of(
          ConfigMap.class,
          PersistentVolumeClaim.class,
          Job.class,
          Deployment.class,
          Service.class,
          NetworkPolicy.class,
          HorizontalPodAutoscaler.class);

  private static boolean crdInstalled;
  private static boolean chartRoleBound;

  private RealServer() {}

  static Path crdFile() {
    return Fixtures.repoRoot().resolve("crd/chatbotdeployments.chatbot.dev-v1.yml");
  }

  /** Installs the generated CRD (once per JVM) and waits until it is Established and served. */
  static synchronized CustomResourceDefinition installCrd(KubernetesClient admin) {
    CustomResourceDefinition crd = loadCrd(admin);
    if (!crdInstalled) {
      // A plain create/update, as Helm and client-side `kubectl apply` do: on 1.20 a server-side
      // apply of this CRD fails (x-kubernetes-validations is not in 1.20's typed schema; see
      // CrdInstallIT), while create/update silently drops the CEL rules.
      admin.resource(crd).createOr(io.fabric8.kubernetes.client.dsl.NonDeletingOperation::update);
      crdInstalled = true;
    }
    await()
        .atMost(WAIT)
        // Right after the create the status has no conditions yet.
        .ignoreExceptions()
        .until(
            () -> {
              // A just-written CRD has a status without conditions for a moment.
              var status =
                  admin
                      .apiextensions()
                      .v1()
                      .customResourceDefinitions()
                      .withName(CRD_NAME)
                      .get()
                      .getStatus();
              return status != null
                  && status.getConditions() != null
                  && status.getConditions().stream()
                      .anyMatch(
                          c -> "Established".equals(c.getType()) && "True".equals(c.getStatus()));
            });
    await()
        .atMost(WAIT)
        .ignoreExceptions()
        .until(
            () -> {
              admin.resources(ChatbotDeployment.class).inNamespace("default").list();
              return true;
            });
    return admin.apiextensions().v1().customResourceDefinitions().withName(CRD_NAME).get();
  }

  static CustomResourceDefinition loadCrd(KubernetesClient admin) {
    try (var in = Files.newInputStream(crdFile())) {
      return admin.apiextensions().v1().customResourceDefinitions().load(in).item();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The {@code rules:} list of {@code helm/chatbot-operator/files/rbac-rules.yaml}. */
  static List<PolicyRule> chartRules() {
    Path file = Fixtures.repoRoot().resolve("helm/chatbot-operator/files/rbac-rules.yaml");
    try {
      String yaml = Files.readString(file, StandardCharsets.UTF_8);
      List<PolicyRule> rules = Serialization.unmarshal(yaml, ClusterRole.class).getRules();
      assertThat(rules).as("rules in " + file).isNotEmpty();
      return rules;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Binds {@code user} to exactly a ClusterRole named {@code role} with {@code rules} (replacing
   * any earlier rules of that role), and waits until the authorizer has seen it.
   */
  static void bindClusterRole(
      KubernetesClient admin, String role, String user, List<PolicyRule> rules) {
    admin
        .resource(
            new ClusterRoleBuilder()
                .withNewMetadata()
                .withName(role)
                .endMetadata()
                .withRules(new ArrayList<>(rules))
                .build())
        .fieldManager("envtest-admin")
        .forceConflicts()
        .serverSideApply();
    admin
        .resource(
            new ClusterRoleBindingBuilder()
                .withNewMetadata()
                .withName(role)
                .endMetadata()
                .withNewRoleRef("rbac.authorization.k8s.io", "ClusterRole", role)
                .addNewSubject()
                .withApiGroup("rbac.authorization.k8s.io")
                .withKind("User")
                .withName(user)
                .endSubject()
                .build())
        .fieldManager("envtest-admin")
        .forceConflicts()
        .serverSideApply();
  }

  /**
   * Binds {@link ApiServer#OPERATOR_USER} to the chart's ClusterRole (once per JVM); all tests of
   * this tier run the operator as that user, so every one of them passes under the shipped RBAC.
   */
  static synchronized void bindChartRole(ApiServer server) {
    if (!chartRoleBound) {
      bindClusterRole(server.adminClient(), CHART_ROLE, ApiServer.OPERATOR_USER, chartRules());
      chartRoleBound = true;
    }
    try (KubernetesClient operator = server.clientFor(ApiServer.OPERATOR_USER)) {
      await()
          .atMost(WAIT)
          .ignoreExceptionsInstanceOf(KubernetesClientException.class)
          .until(
              () ->
                  operator.resources(ChatbotDeployment.class).inNamespace("default").list()
                      != null);
    }
  }

  /**
   * The production configuration, watching {@code namespaces}; with {@code podNs} (POD_NAMESPACE)
   * leader election is on and the operator's pods count as living there.
   */
  static OperatorConfig config(Set<String> namespaces, String podNs) {
    return new OperatorConfig(
        namespaces,
        RUNTIME_IMAGE,
        podNs,
        podNs,
        OperatorConfig.DEFAULT_CLUSTER_DOMAIN,
        0,
        true,
        null);
  }

  static OperatorConfig config(String ns, String podNs) {
    return config(Set.of(ns), podNs);
  }

  /** An operator running as {@code user} (chart RBAC for {@link ApiServer#OPERATOR_USER}). */
  static Operator start(ApiServer server, String user, OperatorConfig config, SmokeTester smoke) {
    return new Operator(server.clientFor(user), config, smoke);
  }

  /** An operator as {@link ApiServer#OPERATOR_USER} under the chart's RBAC, watching {@code ns}. */
  static Operator start(ApiServer server, String ns) {
    bindChartRole(server);
    return start(server, ApiServer.OPERATOR_USER, config(ns, null), PASSING);
  }

  /** An {@link OperatorRun} plus the identity's client it was built from. */
  static final class Operator implements AutoCloseable {
    final KubernetesClient identity;
    final OperatorRun run;

    Operator(KubernetesClient identity, OperatorConfig config, SmokeTester smoke) {
      this(identity, config, client -> smoke);
    }

    /**
     * With a smoke tester made from the identity's client (e.g. the production HttpSmokeTester).
     */
    Operator(
        KubernetesClient identity,
        OperatorConfig config,
        java.util.function.Function<KubernetesClient, SmokeTester> smoke) {
      this.identity = identity;
      try {
        this.run = new OperatorRun(identity, config, smoke.apply(identity));
      } catch (RuntimeException e) {
        identity.close();
        throw e;
      }
    }

    List<String> writes() {
      return run.writes.writes();
    }

    double reconciles() {
      return run.reconciles();
    }

    @Override
    public void close() {
      try {
        run.close();
      } finally {
        identity.close();
      }
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Reading state

  /** Creates examples/mock.yaml ("demo") and waits until it is Ready. */
  static void createReadyMock(KubernetesClient admin, String ns) {
    admin.resource(Fixtures.example("mock.yaml", ns)).create();
    org.awaitility.Awaitility.await()
        .atMost(WAIT)
        .untilAsserted(
            () ->
                org.assertj.core.api.Assertions.assertThat(ready(admin, ns, "demo").getStatus())
                    .isEqualTo("True"));
  }

  static ChatbotDeployment cr(KubernetesClient client, String ns, String name) {
    return client.resources(ChatbotDeployment.class).inNamespace(ns).withName(name).get();
  }

  static Condition condition(KubernetesClient client, String ns, String name, String type) {
    ChatbotDeployment cr = cr(client, ns, name);
    var status = cr == null ? null : cr.getStatus();
    return Conditions.find(status == null ? null : status.getConditions(), type)
        .orElseGet(Condition::new);
  }

  static Condition ready(KubernetesClient client, String ns, String name) {
    return condition(client, ns, name, Conditions.READY);
  }

  /** Kind/name of every child the operator made in {@code ns}, with its resourceVersion. */
  static Map<String, String> children(KubernetesClient client, String ns) {
    Map<String, String> out = new TreeMap<>();
    for (Class<? extends HasMetadata> kind : CHILD_KINDS) {
      for (HasMetadata child : client.resources(kind).inNamespace(ns).list().getItems()) {
        out.put(
            child.getKind() + "/" + child.getMetadata().getName(),
            child.getMetadata().getResourceVersion());
      }
    }
    return out;
  }

  static Secret hfTokenSecret(String ns) {
    return new io.fabric8.kubernetes.api.model.SecretBuilder()
        .withNewMetadata()
        .withName("hf-token")
        .withNamespace(ns)
        .endMetadata()
        .withStringData(Map.of("token", "hf_test_token_not_real"))
        .build();
  }
}
