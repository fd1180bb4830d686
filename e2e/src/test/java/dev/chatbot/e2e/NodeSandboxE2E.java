package dev.chatbot.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.ContainerStateWaiting;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The cluster the other tests run in keeps its promises: a pod reaches only 198.18.0.0/15 (no
 * default route), its resolver knows cluster names and nothing else, an image that was not loaded
 * fails to pull at once, and the egress guard rejects nothing meanwhile.
 */
@OneNodeCluster
class NodeSandboxE2E {

  static final String PROBES =
      String.join(
          "; ",
          "ip route",
          "nslookup kubernetes.default.svc.cluster.local 2>&1",
          "nslookup example.com 2>&1",
          // TEST-NET-3: never routed anywhere, even if this check failed
          "nc -w 2 203.0.113.1 80 </dev/null 2>&1",
          "echo probes done");

  @Test
  void podsReachOnlyTheClusterAndPullsFailAtOnce(Cluster cluster) {
    KubernetesClient client = cluster.client();
    String ns = cluster.freshNamespace("e2e-sandbox");
    long rejectedBefore = cluster.guardRejections();

    client.pods().inNamespace(ns).resource(pod("probe", cluster.toolsImage(), "Never")).create();
    long pullStart = System.nanoTime();
    client
        .pods()
        .inNamespace(ns)
        .resource(pod("pull", "docker.io/library/busybox:1.36", "Always"))
        .create();

    await("the pull fails")
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(200))
        .until(() -> waiting(client.pods().inNamespace(ns).withName("pull").get()) != null);
    ContainerStateWaiting waiting = waiting(client.pods().inNamespace(ns).withName("pull").get());
    System.out.printf(
        "image pull failed after %.1f s: %s%n", (System.nanoTime() - pullStart) / 1e9, waiting);
    assertThat(waiting.getMessage()).contains("127.0.0.1:9");

    await("the probe pod finishes")
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(500))
        .until(
            () ->
                "Succeeded"
                    .equals(
                        client
                            .pods()
                            .inNamespace(ns)
                            .withName("probe")
                            .get()
                            .getStatus()
                            .getPhase()));
    String out = client.pods().inNamespace(ns).withName("probe").getLog();
    assertThat(out).contains("probes done");
    // One route, to the allowed range through the bridge; no default route.
    assertThat(out).contains("198.18.0.0/15 via 198.18.0.1").doesNotContainPattern("(?m)^default ");
    assertThat(out)
        .containsPattern(
            "Name:\\s+kubernetes\\.default\\.svc\\.cluster\\.local\\s+Address: 198\\.19\\.0\\.1\\b");
    assertThat(out).contains("can't find example.com: REFUSED");
    assertThat(out).contains("203.0.113.1): Network is unreachable");

    assertThat(cluster.guardRejections()).isEqualTo(rejectedBefore);
  }

  private static Pod pod(String name, String image, String pullPolicy) {
    return new PodBuilder()
        .withNewMetadata()
        .withName(name)
        .endMetadata()
        .withNewSpec()
        .withRestartPolicy("Never")
        .withAutomountServiceAccountToken(false)
        .addNewContainer()
        .withName(name)
        .withImage(image)
        .withImagePullPolicy(pullPolicy)
        .withCommand("sh", "-c", PROBES)
        .endContainer()
        .endSpec()
        .build();
  }

  private static ContainerStateWaiting waiting(Pod pod) {
    if (pod.getStatus() == null || pod.getStatus().getContainerStatuses().isEmpty()) {
      return null;
    }
    ContainerStateWaiting w = pod.getStatus().getContainerStatuses().get(0).getState().getWaiting();
    return w != null && w.getReason() != null && w.getReason().contains("ImagePull") ? w : null;
  }
}
