package dev.chatbot.bench;

import com.sun.net.httpserver.HttpServer;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The benchmark's stand-in for the kubelets and controllers a cluster would have ("kubelet
 * stand-in"). It plays, instantly, the part of the Deployment controller plus kubelets (every
 * Deployment the operator made is reported fully available at its current generation) and of the
 * Job controller (Jobs complete). When {@link #podsForBackends} is on (the phase-change step) it
 * also creates one ready Pod per backend Deployment before reporting it available, with the pod IP
 * of its own HTTP server, which answers the operator's migration smoke test ({@code POST
 * /api/chat}) with the chatbot-runtime's answer shape. No runtime process runs, so nothing calls a
 * model router.
 *
 * <p>It also records, per chatbot, how many backend Deployments existed at once (from the watch,
 * which delivers adds and deletes in order).
 */
final class StandIn implements AutoCloseable {
  static final String MANAGED = "app.kubernetes.io/managed-by=chatbot-operator";
  static final String INSTANCE = "app.kubernetes.io/instance";
  static final String COMPONENT = "app.kubernetes.io/component";
  static final String PHASE = "chatbot.dev/phase";

  private final KubernetesClient client;
  private final ExecutorService writers = Executors.newFixedThreadPool(8);
  private final Map<String, Long> inFlight = new ConcurrentHashMap<>();
  private final Set<String> podsMade = ConcurrentHashMap.newKeySet();
  private final SharedIndexInformer<Deployment> deployments;
  private final SharedIndexInformer<Job> jobs;
  private final HttpServer smokeServer;
  private final ExecutorService smokeThreads = Executors.newFixedThreadPool(4);
  private final String podIp;

  volatile boolean podsForBackends;
  final AtomicInteger smokeRequests = new AtomicInteger();
  final AtomicLong statusWrites = new AtomicLong();
  final AtomicInteger writeErrors = new AtomicInteger();

  // Backend Deployments per chatbot (namespace/instance), from the watch; guarded by this.
  private final Map<String, Set<String>> backends = new HashMap<>();
  private final Map<String, Integer> maxBackends = new HashMap<>();

  StandIn(KubernetesClient client, String podIp, int smokePort) throws IOException {
    this.client = client;
    this.podIp = podIp;
    smokeServer = HttpServer.create(new InetSocketAddress(podIp, smokePort), 256);
    smokeServer.setExecutor(smokeThreads);
    smokeServer.createContext(
        "/api/chat",
        ex -> {
          smokeRequests.incrementAndGet();
          ex.getRequestBody().readAllBytes();
          byte[] body =
              ("{\"conversationId\":\"bench\",\"reply\":\"Hello from the benchmark stand-in.\","
                      + "\"provider\":\"huggingface\",\"model\":\"stand-in\",\"fallback\":false}")
                  .getBytes(StandardCharsets.UTF_8);
          ex.getResponseHeaders().add("Content-Type", "application/json");
          ex.sendResponseHeaders(200, body.length);
          try (var out = ex.getResponseBody()) {
            out.write(body);
          }
        });
    smokeServer.start();
    deployments =
        client
            .apps()
            .deployments()
            .inAnyNamespace()
            .withLabelSelector(MANAGED)
            .inform(
                new ResourceEventHandler<>() {
                  @Override
                  public void onAdd(Deployment d) {
                    track(d, true);
                    onDeployment(d);
                  }

                  @Override
                  public void onUpdate(Deployment old, Deployment d) {
                    onDeployment(d);
                  }

                  @Override
                  public void onDelete(Deployment d, boolean unknown) {
                    track(d, false);
                  }
                });
    jobs =
        client
            .batch()
            .v1()
            .jobs()
            .inAnyNamespace()
            .withLabelSelector(MANAGED)
            .inform(
                new ResourceEventHandler<>() {
                  @Override
                  public void onAdd(Job j) {
                    onJob(j);
                  }

                  @Override
                  public void onUpdate(Job old, Job j) {
                    onJob(j);
                  }

                  @Override
                  public void onDelete(Job j, boolean unknown) {}
                });
  }

  private static String key(io.fabric8.kubernetes.api.model.HasMetadata r) {
    return r.getMetadata().getNamespace() + "/" + r.getMetadata().getName();
  }

  private synchronized void track(Deployment d, boolean added) {
    Map<String, String> labels = d.getMetadata().getLabels();
    if (labels == null || !"backend".equals(labels.get(COMPONENT))) {
      return;
    }
    String chatbot = d.getMetadata().getNamespace() + "/" + labels.get(INSTANCE);
    Set<String> set = backends.computeIfAbsent(chatbot, k -> new HashSet<>());
    if (added) {
      set.add(d.getMetadata().getName());
      maxBackends.merge(chatbot, set.size(), Math::max);
    } else {
      set.remove(d.getMetadata().getName());
    }
  }

  /** The most backend Deployments any one chatbot had at once since the last reset. */
  synchronized int maxBackendsPerChatbot() {
    return maxBackends.values().stream().mapToInt(Integer::intValue).max().orElse(0);
  }

  synchronized void resetMaxBackends() {
    maxBackends.clear();
    backends.forEach((k, v) -> maxBackends.put(k, v.size()));
  }

  /** Chatbots (namespace/name) that still have a backend of {@code phase}. */
  synchronized Set<String> chatbotsWithBackend(String phase) {
    Set<String> out = new HashSet<>();
    backends.forEach(
        (chatbot, names) -> {
          if (names.stream().anyMatch(n -> n.endsWith("-backend-" + phase))) {
            out.add(chatbot);
          }
        });
    return out;
  }

  private void onDeployment(Deployment d) {
    int replicas = d.getSpec().getReplicas() == null ? 1 : d.getSpec().getReplicas();
    Long generation = d.getMetadata().getGeneration();
    var s = d.getStatus();
    boolean current =
        s != null
            && s.getObservedGeneration() != null
            && s.getObservedGeneration().equals(generation)
            && s.getAvailableReplicas() != null
            && s.getAvailableReplicas() >= replicas
            && s.getUpdatedReplicas() != null
            && s.getUpdatedReplicas() >= replicas;
    if (current) {
      return;
    }
    String key = key(d);
    if (generation.equals(inFlight.put(key, generation))) {
      return;
    }
    writers.execute(
        () -> {
          try {
            Map<String, String> labels = d.getMetadata().getLabels();
            if (podsForBackends && "backend".equals(labels.get(COMPONENT))) {
              readyPod(d);
            }
            String status =
                "{\"status\":{\"observedGeneration\":"
                    + generation
                    + ",\"replicas\":"
                    + replicas
                    + ",\"updatedReplicas\":"
                    + replicas
                    + ",\"readyReplicas\":"
                    + replicas
                    + ",\"availableReplicas\":"
                    + replicas
                    + ",\"conditions\":[{\"type\":\"Available\",\"status\":\"True\","
                    + "\"reason\":\"MinimumReplicasAvailable\"}]}}";
            // resource(d): a patch of a named resource would first GET it.
            client
                .apps()
                .deployments()
                .inNamespace(d.getMetadata().getNamespace())
                .resource(d)
                .subresource("status")
                .patch(PatchContext.of(PatchType.JSON_MERGE), status);
            statusWrites.incrementAndGet();
          } catch (KubernetesClientException e) {
            if (e.getCode() != 404) {
              writeErrors.incrementAndGet();
            }
          } finally {
            inFlight.remove(key, generation);
          }
        });
  }

  /** A running, ready Pod of this backend whose IP is the stand-in's smoke-test server. */
  private void readyPod(Deployment d) {
    String ns = d.getMetadata().getNamespace();
    String name = d.getMetadata().getName() + "-standin";
    if (!podsMade.add(ns + "/" + name)) {
      return;
    }
    Pod pod =
        new PodBuilder()
            .withNewMetadata()
            .withName(name)
            .withNamespace(ns)
            .withLabels(d.getSpec().getTemplate().getMetadata().getLabels())
            .endMetadata()
            .withNewSpec()
            .withContainers(
                new ContainerBuilder()
                    .withName("runtime")
                    .withImage(
                        d.getSpec().getTemplate().getSpec().getContainers().get(0).getImage())
                    .build())
            .endSpec()
            .build();
    try {
      pod = client.pods().inNamespace(ns).resource(pod).create();
    } catch (KubernetesClientException e) {
      if (e.getCode() != 409) {
        throw e;
      }
    }
    client
        .pods()
        .inNamespace(ns)
        .resource(pod)
        .subresource("status")
        .patch(
            PatchContext.of(PatchType.JSON_MERGE),
            "{\"status\":{\"phase\":\"Running\",\"podIP\":\""
                + podIp
                + "\",\"podIPs\":[{\"ip\":\""
                + podIp
                + "\"}],\"conditions\":[{\"type\":\"Ready\",\"status\":\"True\"},"
                + "{\"type\":\"ContainersReady\",\"status\":\"True\"}]}}");
  }

  private void onJob(Job job) {
    if (job.getStatus() != null
        && job.getStatus().getConditions() != null
        && !job.getStatus().getConditions().isEmpty()) {
      return;
    }
    String key = key(job);
    if (inFlight.putIfAbsent(key, 0L) != null) {
      return;
    }
    writers.execute(
        () -> {
          try {
            client
                .batch()
                .v1()
                .jobs()
                .inNamespace(job.getMetadata().getNamespace())
                .resource(job)
                .subresource("status")
                .patch(
                    PatchContext.of(PatchType.JSON_MERGE),
                    "{\"status\":{\"succeeded\":1,\"conditions\":[{\"type\":\"Complete\","
                        + "\"status\":\"True\"}]}}");
            statusWrites.incrementAndGet();
          } catch (KubernetesClientException e) {
            if (e.getCode() != 404) {
              writeErrors.incrementAndGet();
            }
          } finally {
            inFlight.remove(key);
          }
        });
  }

  @Override
  public void close() {
    deployments.close();
    jobs.close();
    writers.shutdownNow();
    try {
      writers.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    smokeServer.stop(0);
    smokeThreads.shutdownNow();
  }
}
