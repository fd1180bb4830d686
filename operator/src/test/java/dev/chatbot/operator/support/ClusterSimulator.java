package dev.chatbot.operator.support;

import dev.chatbot.operator.model.Names;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobConditionBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Plays the parts a test cluster lacks: Deployment and Job controllers (marking them available,
 * complete or failed, as the test allows), and records after every change which backend the backend
 * Service selects and whether that backend is available.
 */
public final class ClusterSimulator implements AutoCloseable {
  private final KubernetesClient client;
  private final String namespace;
  private final List<SharedIndexInformer<?>> informers = new ArrayList<>();

  /** Phases whose backends come up; others stay unavailable. */
  public final Set<String> healthyPhases = ConcurrentHashMap.newKeySet();

  /** Outcome of download Jobs: "Complete", "Failed" or absent to leave them running. */
  public volatile String jobOutcome = "Complete";

  /** One observation: the selected phase and the backends available at that moment. */
  public record Snapshot(String selected, Set<String> available) {
    public boolean servesNothing() {
      return selected != null && !available.contains(selected);
    }
  }

  public final List<Snapshot> trafficLog = new CopyOnWriteArrayList<>();

  /**
   * The snapshots taken since index {@code from}, as a copy: a view of the live log would fail with
   * ConcurrentModificationException as soon as the informers record the next one.
   */
  public List<Snapshot> trafficSince(int from) {
    List<Snapshot> all = List.copyOf(trafficLog);
    return all.subList(from, all.size());
  }

  public ClusterSimulator(KubernetesClient client, String namespace, String... healthy) {
    this.client = client;
    this.namespace = namespace;
    healthyPhases.addAll(List.of(healthy));
    healthyPhases.add("frontend");
    informers.add(
        client.apps().deployments().inNamespace(namespace).inform(handler(this::onDeployment)));
    informers.add(client.batch().v1().jobs().inNamespace(namespace).inform(handler(this::onJob)));
    informers.add(client.services().inNamespace(namespace).inform(handler(s -> record())));
  }

  private <T> ResourceEventHandler<T> handler(java.util.function.Consumer<T> onChange) {
    return new ResourceEventHandler<>() {
      @Override
      public void onAdd(T obj) {
        onChange.accept(obj);
      }

      @Override
      public void onUpdate(T oldObj, T newObj) {
        onChange.accept(newObj);
      }

      @Override
      public void onDelete(T obj, boolean deletedFinalStateUnknown) {
        record();
      }
    };
  }

  private void onDeployment(Deployment d) {
    record();
    Map<String, String> labels = d.getMetadata().getLabels();
    String key =
        Names.COMPONENT_FRONTEND.equals(labels.get(Names.LABEL_COMPONENT))
            ? "frontend"
            : labels.get(Names.LABEL_PHASE);
    boolean available =
        d.getStatus() != null
            && d.getStatus().getAvailableReplicas() != null
            && d.getStatus().getAvailableReplicas() > 0;
    if (healthyPhases.contains(key) && !available) {
      try {
        Fixtures.markAvailable(client, namespace, d.getMetadata().getName());
      } catch (RuntimeException gone) {
        // Deleted meanwhile.
      }
    }
  }

  private void onJob(Job job) {
    String outcome = jobOutcome;
    if (outcome == null
        || (job.getStatus() != null
            && job.getStatus().getConditions() != null
            && !job.getStatus().getConditions().isEmpty())) {
      return;
    }
    job.setStatus(
        new JobStatusBuilder()
            .withConditions(
                new JobConditionBuilder()
                    .withType(outcome)
                    .withStatus("True")
                    .withReason(outcome.equals("Failed") ? "BackoffLimitExceeded" : null)
                    .withMessage(
                        outcome.equals("Failed")
                            ? "Job has reached the specified backoff limit"
                            : null)
                    .build())
            .build());
    try {
      client.batch().v1().jobs().inNamespace(namespace).resource(job).updateStatus();
    } catch (RuntimeException gone) {
      // Deleted meanwhile.
    }
  }

  /** Takes a snapshot of which phase the backend Service selects and which are available. */
  public synchronized void record() {
    String selected = null;
    for (Service s : client.services().inNamespace(namespace).list().getItems()) {
      if (s.getMetadata().getName().endsWith("-backend") && s.getSpec().getSelector() != null) {
        selected = s.getSpec().getSelector().get(Names.LABEL_PHASE);
      }
    }
    Set<String> available = ConcurrentHashMap.newKeySet();
    for (Deployment d : client.apps().deployments().inNamespace(namespace).list().getItems()) {
      String phase = d.getMetadata().getLabels().get(Names.LABEL_PHASE);
      if (phase != null
          && d.getStatus() != null
          && d.getStatus().getAvailableReplicas() != null
          && d.getStatus().getAvailableReplicas() > 0) {
        available.add(phase);
      }
    }
    trafficLog.add(new Snapshot(selected, Set.copyOf(available)));
  }

  @Override
  public void close() {
    informers.forEach(SharedIndexInformer::close);
  }
}
