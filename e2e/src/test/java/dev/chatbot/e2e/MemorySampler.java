package dev.chatbot.e2e;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Samples the working set of every container in one namespace from the kubelet's summary API
 * ({@code /api/v1/nodes/<node>/proxy/stats/summary}, what {@code kubectl top} reads) every two
 * seconds and keeps each container's peak, with its memory limit from the pod spec.
 */
final class MemorySampler implements AutoCloseable {

  /** A container's peak working set; {@code who} is its pod name without the pod's hash. */
  record Peak(String who, String container, long peakBytes, long limitBytes, int samples) {
    String row() {
      return String.format(
          Locale.ROOT,
          "| %s | %s | %.1f | %s |",
          who,
          container,
          peakBytes / 1048576.0,
          limitBytes <= 0 ? "none" : String.format(Locale.ROOT, "%.0f", limitBytes / 1048576.0));
    }

    static final String HEADER =
        "| pod | container | peak working set (MiB) | limit (MiB) |\n|---|---|---|---|";
  }

  private final KubernetesClient client;
  private final String node;
  private final String namespace;
  private final Map<String, Peak> peaks = new ConcurrentHashMap<>();
  private final Map<String, Long> limits = new ConcurrentHashMap<>();
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();

  MemorySampler(KubernetesClient client, String node, String namespace) {
    this.client = client;
    this.node = node;
    this.namespace = namespace;
    timer.scheduleWithFixedDelay(this::sampleQuietly, 0, 2, TimeUnit.SECONDS);
  }

  private void sampleQuietly() {
    try {
      sample();
    } catch (RuntimeException e) {
      System.out.println("memory sample failed: " + e);
    }
  }

  @SuppressWarnings("unchecked")
  private void sample() {
    String json = client.raw("/api/v1/nodes/" + node + "/proxy/stats/summary");
    Map<String, Object> summary = Serialization.unmarshal(json, Map.class);
    for (Object p : (List<Object>) summary.getOrDefault("pods", List.of())) {
      Map<String, Object> pod = (Map<String, Object>) p;
      Map<String, Object> ref = (Map<String, Object>) pod.get("podRef");
      if (!namespace.equals(ref.get("namespace"))) {
        continue;
      }
      String podName = (String) ref.get("name");
      for (Object c : (List<Object>) pod.getOrDefault("containers", List.of())) {
        Map<String, Object> container = (Map<String, Object>) c;
        Map<String, Object> memory = (Map<String, Object>) container.get("memory");
        if (memory == null || !(memory.get("workingSetBytes") instanceof Number ws)) {
          continue;
        }
        String name = (String) container.get("name");
        long limit = limits.computeIfAbsent(podName + "/" + name, k -> limit(podName, name));
        String who = owner(podName);
        peaks.merge(
            who + "/" + name,
            new Peak(who, name, ws.longValue(), limit, 1),
            (a, b) ->
                new Peak(
                    who,
                    name,
                    Math.max(a.peakBytes(), b.peakBytes()),
                    Math.max(a.limitBytes(), b.limitBytes()),
                    a.samples() + 1));
      }
    }
  }

  private long limit(String podName, String container) {
    Pod pod = client.pods().inNamespace(namespace).withName(podName).get();
    if (pod == null) {
      return -1;
    }
    for (Container c : pod.getSpec().getContainers()) {
      Quantity q = c.getResources() == null ? null : c.getResources().getLimits().get("memory");
      if (c.getName().equals(container) && q != null) {
        return Quantity.getAmountInBytes(q).longValue();
      }
    }
    return -1;
  }

  /** A Deployment's pod name without its ReplicaSet and pod hashes ({@code a-b-5f7d-x2x}: a-b). */
  static String owner(String podName) {
    String[] parts = podName.split("-");
    return parts.length > 2
        ? String.join("-", java.util.Arrays.copyOf(parts, parts.length - 2))
        : podName;
  }

  /** The peaks so far, by pod then container. */
  List<Peak> peaks() {
    return new ArrayList<>(new TreeMap<>(peaks).values());
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}
