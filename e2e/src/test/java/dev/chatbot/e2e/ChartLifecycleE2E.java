package dev.chatbot.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Issue 9: the chart installed, upgraded (a changed value that rolls the operator) and uninstalled
 * on the one-node cluster; the operator reconciles after install and after upgrade; uninstall
 * leaves no cluster-scoped object of the release besides the CRD (Helm keeps CRDs). The next test
 * that needs the operator installs it again.
 */
@OneNodeCluster
class ChartLifecycleE2E {
  static final Duration RECONCILED = Duration.ofMinutes(3);
  static final String RELEASE_LABEL = "app.kubernetes.io/instance";

  @Test
  void installUpgradeUninstall(Cluster cluster) throws IOException {
    KubernetesClient client = cluster.client();
    OperatorRelease operator = cluster.operator();
    try {
      String namespace = cluster.freshNamespace("chart-lifecycle");
      assertThat(operator.pods()).isNotEmpty().allMatch(Cluster::ready);
      reconciles(cluster, namespace, "after-install");

      Set<String> before = uids(operator.pods());
      var upgraded = operator.upgrade(Map.of("podAnnotations.e2e-upgrade", "rolled"));
      assertThat(upgraded.getRevision()).isEqualTo("2");
      await("the upgraded operator pods ready, the old ones gone")
          .atMost(Duration.ofMinutes(5))
          .pollInterval(Duration.ofSeconds(1))
          .until(
              () -> {
                List<Pod> pods = operator.pods();
                return !pods.isEmpty()
                    && pods.stream().allMatch(Cluster::ready)
                    && pods.stream().noneMatch(p -> before.contains(p.getMetadata().getUid()))
                    && pods.stream()
                        .allMatch(
                            p ->
                                "rolled"
                                    .equals(p.getMetadata().getAnnotations().get("e2e-upgrade")));
              });
      reconciles(cluster, namespace, "after-upgrade");

      OperatorRelease.uninstallRelease(cluster);
      List<String> leftovers = clusterScopedOfTheRelease(client);
      assertThat(leftovers).as("cluster-scoped objects left by helm uninstall").isEmpty();
      assertThat(
              client
                  .apiextensions()
                  .v1()
                  .customResourceDefinitions()
                  .withName(OperatorRelease.CRD)
                  .get())
          .as("Helm keeps the CRD (and with it every ChatbotDeployment)")
          .isNotNull();
      await("operator pods gone")
          .atMost(Duration.ofMinutes(2))
          .until(() -> operator.pods().isEmpty());
    } finally {
      operator.uninstall();
      cluster.operatorUninstalled();
    }
  }

  /** A ChatbotDeployment applied now gets its children and a status from the operator. */
  static void reconciles(Cluster cluster, String namespace, String name) throws IOException {
    KubernetesClient client = cluster.client();
    GenericKubernetesResource cr;
    try (InputStream in = Files.newInputStream(cluster.repoRoot().resolve("examples/mock.yaml"))) {
      cr = client.getKubernetesSerialization().unmarshal(in, GenericKubernetesResource.class);
    }
    cr.getMetadata().setName(name);
    cr.getMetadata().setNamespace(namespace);
    client.resource(cr).create();
    long start = System.nanoTime();
    await(name + " reconciled: its frontend Deployment and an observed status")
        .atMost(RECONCILED)
        .pollInterval(Duration.ofMillis(500))
        .until(
            () -> {
              GenericKubernetesResource now = client.resource(cr).get();
              Object status = now.getAdditionalProperties().get("status");
              return status instanceof Map<?, ?> m
                  && now.getMetadata().getGeneration().equals(toLong(m.get("observedGeneration")))
                  && client
                          .apps()
                          .deployments()
                          .inNamespace(namespace)
                          .withName(name + "-frontend")
                          .get()
                      != null;
            });
    System.out.printf(
        "%s reconciled %.1f s after create%n", name, (System.nanoTime() - start) / 1e9);
  }

  private static Long toLong(Object o) {
    return o instanceof Number n ? n.longValue() : null;
  }

  /** ClusterRoles, ClusterRoleBindings, webhooks, API services, namespaces of the release. */
  static List<String> clusterScopedOfTheRelease(KubernetesClient client) {
    String name = OperatorRelease.NAME;
    List<HasMetadata> found = new ArrayList<>();
    found.addAll(client.rbac().clusterRoles().withLabel(RELEASE_LABEL, name).list().getItems());
    found.addAll(
        client.rbac().clusterRoleBindings().withLabel(RELEASE_LABEL, name).list().getItems());
    found.addAll(
        client
            .admissionRegistration()
            .v1()
            .validatingWebhookConfigurations()
            .withLabel(RELEASE_LABEL, name)
            .list()
            .getItems());
    found.addAll(
        client
            .admissionRegistration()
            .v1()
            .mutatingWebhookConfigurations()
            .withLabel(RELEASE_LABEL, name)
            .list()
            .getItems());
    found.addAll(client.namespaces().withLabel(RELEASE_LABEL, name).list().getItems());
    // By name too: a chart object that lost its labels would still be a leftover.
    client.rbac().clusterRoles().list().getItems().stream()
        .filter(r -> r.getMetadata().getName().startsWith(name))
        .forEach(found::add);
    client.rbac().clusterRoleBindings().list().getItems().stream()
        .filter(r -> r.getMetadata().getName().startsWith(name))
        .forEach(found::add);
    return found.stream()
        .map(o -> o.getKind() + "/" + o.getMetadata().getName())
        .distinct()
        .collect(Collectors.toList());
  }

  private static Set<String> uids(List<Pod> pods) {
    return pods.stream().map(p -> p.getMetadata().getUid()).collect(Collectors.toSet());
  }
}
