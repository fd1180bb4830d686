package dev.chatbot.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.marcnuri.helm.Release;
import io.fabric8.kubernetes.api.model.APIResource;
import io.fabric8.kubernetes.api.model.APIResourceList;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
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
 * on the one-node cluster. The operator reconciles after install and after upgrade; uninstall
 * leaves no object of the release, cluster-scoped or in its namespace, besides the CRD (Helm keeps
 * CRDs). The next test that needs the operator installs it again ({@link Cluster#operator()}).
 */
@OneNodeCluster
class ChartLifecycleE2E {
  static final Duration RECONCILED = Duration.ofMinutes(3);

  /** Helm writes these annotations on every object it installs (not on crds/). */
  static final String RELEASE_NAME = "meta.helm.sh/release-name";

  static final String RELEASE_NAMESPACE = "meta.helm.sh/release-namespace";

  @Test
  void installUpgradeUninstall(Cluster cluster) throws IOException {
    KubernetesClient client = cluster.client();
    OperatorRelease operator = cluster.operator();
    try {
      String namespace = cluster.freshNamespace("chart-lifecycle");
      assertThat(operator.pods()).isNotEmpty().allMatch(Cluster::ready);
      // What uninstall must remove, seen while installed: the check below can find leftovers.
      assertThat(clusterScopedOfTheRelease(client))
          .as("cluster-scoped objects of the installed release")
          .contains(
              "ClusterRole/" + OperatorRelease.NAME, "ClusterRoleBinding/" + OperatorRelease.NAME);
      assertThat(namespacedOfTheRelease(client))
          .as("namespaced objects of the installed release")
          .contains("Deployment/" + OperatorRelease.NAME, "ServiceAccount/" + OperatorRelease.NAME);
      reconciles(cluster, namespace, "after-install");

      Set<String> before = uids(operator.pods());
      int installed = Integer.parseInt(operator.release().getRevision());
      Release upgraded =
          operator.upgrade(Map.of("extraEnv[0].name", "LOG_LEVEL", "extraEnv[0].value", "DEBUG"));
      assertThat(upgraded.getStatus()).isEqualTo("deployed");
      assertThat(upgraded.getRevision()).isEqualTo(String.valueOf(installed + 1));
      await("the upgraded operator pods Ready with LOG_LEVEL=DEBUG, the old ones gone")
          .atMost(Duration.ofMinutes(5))
          .pollInterval(Duration.ofSeconds(1))
          .until(
              () -> {
                List<Pod> pods = operator.pods();
                return pods.size() == 2
                    && pods.stream().allMatch(Cluster::ready)
                    && pods.stream().noneMatch(p -> before.contains(p.getMetadata().getUid()))
                    && pods.stream().allMatch(ChartLifecycleE2E::debugLogging);
              });
      reconciles(cluster, namespace, "after-upgrade");

      long uninstall = System.nanoTime();
      OperatorRelease.uninstallRelease(cluster);
      await("operator pods gone")
          .atMost(Duration.ofMinutes(2))
          .pollInterval(Duration.ofMillis(500))
          .until(() -> operator.pods().isEmpty());
      System.out.printf(
          "| helm uninstall | operator pods gone %.1f s after |%n",
          (System.nanoTime() - uninstall) / 1e9);
      assertThat(clusterScopedOfTheRelease(client))
          .as("cluster-scoped objects left by helm uninstall")
          .isEmpty();
      assertThat(namespacedOfTheRelease(client))
          .as("namespaced objects left by helm uninstall")
          .isEmpty();
      assertThat(
              client
                  .apiextensions()
                  .v1()
                  .customResourceDefinitions()
                  .withName(OperatorRelease.CRD)
                  .get())
          .as("Helm keeps the CRD (and with it every ChatbotDeployment)")
          .isNotNull();
    } catch (AssertionError | RuntimeException e) {
      cluster.dumpDiagnostics("ChartLifecycleE2E");
      throw e;
    } finally {
      operator.uninstall();
      cluster.operatorUninstalled();
    }
  }

  /**
   * A ChatbotDeployment created now gets its children and an observed status from the operator;
   * then it is deleted (its children go with it: owner references), to spare the CPU.
   */
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
        "| %s | reconciled %.1f s after create |%n", name, (System.nanoTime() - start) / 1e9);
    client.resource(cr).delete();
  }

  private static boolean debugLogging(Pod pod) {
    return pod.getSpec().getContainers().get(0).getEnv().stream()
        .anyMatch(e -> "LOG_LEVEL".equals(e.getName()) && "DEBUG".equals(e.getValue()));
  }

  private static Long toLong(Object o) {
    return o instanceof Number n ? n.longValue() : null;
  }

  /**
   * Every cluster-scoped object Helm installed for the release, of every listable kind the API
   * server serves (ClusterRoles, bindings, webhooks, namespaces, ...), found by Helm's annotation.
   */
  static List<String> clusterScopedOfTheRelease(KubernetesClient client) {
    return ofTheRelease(client, false, null);
  }

  /** Every object of the release in its namespace (Helm's release Secrets included). */
  static List<String> namespacedOfTheRelease(KubernetesClient client) {
    List<String> found = ofTheRelease(client, true, OperatorRelease.NAMESPACE);
    client
        .secrets()
        .inNamespace(OperatorRelease.NAMESPACE)
        .withLabel("owner", "helm")
        .withLabel("name", OperatorRelease.NAME)
        .list()
        .getItems()
        .forEach(s -> found.add("Secret/" + s.getMetadata().getName()));
    return found;
  }

  private static List<String> ofTheRelease(
      KubernetesClient client, boolean namespaced, String namespace) {
    List<String> groupVersions = new ArrayList<>(List.of("v1"));
    client
        .getApiGroups()
        .getGroups()
        // An object shows in every version of its group: the preferred one finds it.
        .forEach(g -> groupVersions.add(g.getPreferredVersion().getGroupVersion()));
    List<String> found = new ArrayList<>();
    for (String gv : groupVersions) {
      APIResourceList resources = client.getApiResources(gv);
      for (APIResource r : resources.getResources()) {
        if (r.getName().contains("/")
            || r.getNamespaced() != namespaced
            || !r.getVerbs().contains("list")) {
          continue;
        }
        String group = gv.contains("/") ? gv.substring(0, gv.indexOf('/')) : "";
        String version = gv.substring(gv.indexOf('/') + 1);
        var context =
            new ResourceDefinitionContext.Builder()
                .withGroup(group)
                .withVersion(version)
                .withKind(r.getKind())
                .withPlural(r.getName())
                .withNamespaced(namespaced)
                .build();
        var op = client.genericKubernetesResources(context);
        List<GenericKubernetesResource> items =
            namespaced ? op.inNamespace(namespace).list().getItems() : op.list().getItems();
        items.stream()
            .filter(ChartLifecycleE2E::ofTheRelease)
            .map(o -> r.getKind() + "/" + o.getMetadata().getName())
            .forEach(found::add);
      }
    }
    return found.stream().distinct().collect(Collectors.toList());
  }

  private static boolean ofTheRelease(HasMetadata o) {
    Map<String, String> annotations = o.getMetadata().getAnnotations();
    return annotations != null
        && OperatorRelease.NAME.equals(annotations.get(RELEASE_NAME))
        && OperatorRelease.NAMESPACE.equals(annotations.get(RELEASE_NAMESPACE));
  }

  private static Set<String> uids(List<Pod> pods) {
    return pods.stream().map(p -> p.getMetadata().getUid()).collect(Collectors.toSet());
  }
}
