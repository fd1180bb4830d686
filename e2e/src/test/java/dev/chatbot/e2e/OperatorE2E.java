package dev.chatbot.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReview;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReviewBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Issue 8, item 1: the operator runs as pods installed from the Helm chart (CRD, ServiceAccount,
 * least-privilege RBAC, Deployment), from the image this build made, with leader election on.
 */
@OneNodeCluster
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OperatorE2E extends OperatorInstalled {

  static final String SERVICE_ACCOUNT =
      "system:serviceaccount:" + OperatorRelease.NAMESPACE + ":" + OperatorRelease.NAME;

  @Test
  void runsAsReadyPodsFromTheBuildsImage() {
    Deployment deployment =
        client
            .apps()
            .deployments()
            .inNamespace(OperatorRelease.NAMESPACE)
            .withName(OperatorRelease.NAME)
            .get();
    assertThat(deployment.getStatus().getReadyReplicas()).isEqualTo(2);
    // A pod deleted by an earlier test (LiveTrafficE2E deletes the leader) may still be
    // terminating.
    await("no operator pod terminating")
        .atMost(Duration.ofMinutes(2))
        .until(
            () ->
                operator.pods().stream()
                    .allMatch(p -> p.getMetadata().getDeletionTimestamp() == null));
    BuiltImage image = cluster.operatorImage();
    assertThat(operator.pods())
        .hasSize(2)
        .allSatisfy(
            pod -> {
              assertThat(Cluster.ready(pod)).as("pod %s Ready", name(pod)).isTrue();
              assertThat(pod.getSpec().getServiceAccountName()).isEqualTo(OperatorRelease.NAME);
              assertThat(pod.getSpec().getNodeName()).isEqualTo(cluster.nodeName());
              Container container = pod.getSpec().getContainers().get(0);
              assertThat(container.getImage()).isEqualTo(image.reference());
              assertThat(container.getImagePullPolicy()).isEqualTo("Never");
              assertThat(env(container, "RUNTIME_IMAGE"))
                  .isEqualTo(cluster.runtimeImage().reference());
              assertThat(env(container, "LEADER_ELECTION")).isEqualTo("true");
              ContainerStatus status = pod.getStatus().getContainerStatuses().get(0);
              // The kubelet reports the ID of the image it ran: the config digest of our tar.
              assertThat(status.getImageID()).endsWith(image.id());
              assertThat(status.getReady()).isTrue();
            });
  }

  @Test
  void oneReplicaHoldsAndRenewsTheLease() {
    List<String> pods = operator.pods().stream().map(OperatorE2E::name).toList();
    List<Lease> leases = client.leases().inNamespace(OperatorRelease.NAMESPACE).list().getItems();
    assertThat(leases).hasSize(1);
    Lease lease = leases.get(0);
    assertThat(lease.getSpec().getHolderIdentity()).isIn(pods);
    ZonedDateTime renewed = lease.getSpec().getRenewTime();
    await("the leader renews its lease")
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                client
                    .leases()
                    .inNamespace(OperatorRelease.NAMESPACE)
                    .withName(lease.getMetadata().getName())
                    .get()
                    .getSpec()
                    .getRenewTime()
                    .isAfter(renewed));
  }

  @Test
  void rbacIsExactlyTheChartsRulesFile() throws IOException {
    ClusterRole role = client.rbac().clusterRoles().withName(OperatorRelease.NAME).get();
    assertThat(role.getRules()).isEqualTo(rulesFile());
  }

  @Test
  void serviceAccountMayDoWhatTheOperatorNeedsAndNothingMore() {
    // Asked of the real authorizer (RBAC), as the operator's ServiceAccount.
    assertThat(allowed("patch", "chatbot.dev", "chatbotdeployments", "status", "e2e")).isTrue();
    assertThat(allowed("watch", "chatbot.dev", "chatbotdeployments", "", "e2e")).isTrue();
    assertThat(allowed("create", "apps", "deployments", "", "e2e")).isTrue();
    assertThat(allowed("get", "", "secrets", "", "e2e")).isTrue();
    assertThat(allowed("list", "", "pods", "", "e2e")).isTrue();
    assertThat(allowed("update", "coordination.k8s.io", "leases", "", "chatbot-system")).isTrue();

    assertThat(allowed("list", "", "secrets", "", "e2e")).isFalse();
    assertThat(allowed("watch", "", "secrets", "", "e2e")).isFalse();
    assertThat(allowed("create", "", "pods", "", "e2e")).isFalse();
    assertThat(allowed("delete", "", "pods", "", "e2e")).isFalse();
    assertThat(allowed("create", "", "pods", "exec", "e2e")).isFalse();
    assertThat(allowed("update", "chatbot.dev", "chatbotdeployments", "", "e2e")).isFalse();
    assertThat(allowed("delete", "", "namespaces", "", "")).isFalse();
    assertThat(allowed("create", "rbac.authorization.k8s.io", "rolebindings", "", "e2e")).isFalse();
  }

  private boolean allowed(
      String verb, String group, String resource, String subresource, String namespace) {
    SubjectAccessReview review =
        new SubjectAccessReviewBuilder()
            .withNewSpec()
            .withUser(SERVICE_ACCOUNT)
            .withGroups(
                "system:serviceaccounts",
                "system:serviceaccounts:" + OperatorRelease.NAMESPACE,
                "system:authenticated")
            .withNewResourceAttributes()
            .withVerb(verb)
            .withGroup(group)
            .withResource(resource)
            .withSubresource(subresource)
            .withNamespace(namespace)
            .endResourceAttributes()
            .endSpec()
            .build();
    return client
        .authorization()
        .v1()
        .subjectAccessReview()
        .create(review)
        .getStatus()
        .getAllowed();
  }

  @SuppressWarnings("unchecked")
  private List<PolicyRule> rulesFile() throws IOException {
    Map<String, Object> file =
        Serialization.unmarshal(
            Files.readString(
                cluster.repoRoot().resolve("helm/chatbot-operator/files/rbac-rules.yaml")),
            Map.class);
    ClusterRole parsed =
        Serialization.unmarshal(
            Serialization.asJson(
                Map.of(
                    "apiVersion",
                    "rbac.authorization.k8s.io/v1",
                    "kind",
                    "ClusterRole",
                    "metadata",
                    Map.of("name", "rules-file"),
                    "rules",
                    file.get("rules"))),
            ClusterRole.class);
    assertThat(parsed.getRules()).isNotEmpty();
    return parsed.getRules();
  }

  private static String env(Container container, String name) {
    return container.getEnv().stream()
        .filter(e -> e.getName().equals(name))
        .map(EnvVar::getValue)
        .findFirst()
        .orElseThrow(() -> new AssertionError("no env var " + name));
  }

  static String name(Pod pod) {
    return pod.getMetadata().getName();
  }
}
