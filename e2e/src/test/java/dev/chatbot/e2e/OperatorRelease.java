package dev.chatbot.e2e;

import static org.awaitility.Awaitility.await;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.Release;
import io.fabric8.kubernetes.api.model.Pod;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The operator installed from {@code helm/chatbot-operator} by helm-java (in-process, offline) with
 * the cluster's admin kubeconfig: CRD, ServiceAccount, RBAC and Deployment, this build's images,
 * the chart's defaults otherwise (two replicas, leader election on).
 */
final class OperatorRelease {

  static final String NAME = "chatbot-operator";
  static final String NAMESPACE = "chatbot-system";
  static final String CRD = "chatbotdeployments.chatbot.dev";

  private final Cluster cluster;
  private final Release release;
  private final Duration installTime;

  private OperatorRelease(Cluster cluster, Release release, Duration installTime) {
    this.cluster = cluster;
    this.release = release;
    this.installTime = installTime;
  }

  static OperatorRelease install(Cluster cluster) {
    removeLeftovers(cluster);
    long start = System.nanoTime();
    Release release =
        new Helm(cluster.repoRoot().resolve("helm").resolve("chatbot-operator"))
            .install()
            .withKubeConfig(cluster.kubeconfig())
            .withName(NAME)
            .withNamespace(NAMESPACE)
            .createNamespace()
            .set("image.repository", cluster.operatorImage().repository())
            .set("image.tag", cluster.operatorImage().tag())
            // Only the image loaded from this build will do: never pull.
            .set("image.pullPolicy", "Never")
            // The runtime image tag of this build (the operator's default is the release tag).
            .set("runtimeImage", cluster.runtimeImage().reference())
            // Two JVMs start at once: minutes on a busy 2-core machine (the time is printed).
            .waitReady()
            .withTimeout(600)
            .call();
    Duration took = Duration.ofNanos(System.nanoTime() - start);
    System.out.printf(
        "helm install %s (chart %s): %s, deployment ready after %.1f s%n",
        NAME, release.getChart(), release.getStatus(), took.toMillis() / 1000.0);
    return new OperatorRelease(cluster, release, took);
  }

  /** A release, CRD or namespace left by an earlier run (the CRD must be this build's). */
  static void removeLeftovers(Cluster cluster) {
    uninstallRelease(cluster);
    cluster.client().apiextensions().v1().customResourceDefinitions().withName(CRD).delete();
    await("CRD " + CRD + " gone")
        .atMost(Duration.ofSeconds(120))
        .pollInterval(Duration.ofMillis(500))
        .until(
            () ->
                cluster
                        .client()
                        .apiextensions()
                        .v1()
                        .customResourceDefinitions()
                        .withName(CRD)
                        .get()
                    == null);
    cluster.deleteNamespace(NAMESPACE, true);
  }

  /** {@code helm uninstall}: what Helm removes (it keeps the CRD). */
  static void uninstallRelease(Cluster cluster) {
    Helm.uninstall(NAME)
        .withKubeConfig(cluster.kubeconfig())
        .withNamespace(NAMESPACE)
        .ignoreNotFound()
        .call();
  }

  /**
   * {@code helm upgrade} with the values of the install plus {@code values}; waits until the
   * Deployment has rolled out.
   */
  Release upgrade(Map<String, String> values) {
    long start = System.nanoTime();
    var upgrade =
        new Helm(cluster.repoRoot().resolve("helm").resolve("chatbot-operator"))
            .upgrade()
            .withKubeConfig(cluster.kubeconfig())
            .withName(NAME)
            .withNamespace(NAMESPACE)
            .reuseValues();
    values.forEach(upgrade::set);
    Release upgraded = upgrade.waitReady().withTimeout(600).call();
    System.out.printf(
        "helm upgrade %s %s: %s, revision %s, ready after %.1f s%n",
        NAME,
        values,
        upgraded.getStatus(),
        upgraded.getRevision(),
        (System.nanoTime() - start) / 1e9);
    return upgraded;
  }

  Release release() {
    return release;
  }

  Duration installTime() {
    return installTime;
  }

  List<Pod> pods() {
    return cluster
        .client()
        .pods()
        .inNamespace(NAMESPACE)
        .withLabel("app.kubernetes.io/instance", NAME)
        .list()
        .getItems();
  }

  /** Uninstalls the release and removes the CRD and namespace it leaves (without waiting). */
  void uninstall() {
    uninstallRelease(cluster);
    cluster.client().apiextensions().v1().customResourceDefinitions().withName(CRD).delete();
    cluster.deleteNamespace(NAMESPACE, false);
  }
}
