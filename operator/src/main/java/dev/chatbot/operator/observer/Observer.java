package dev.chatbot.operator.observer;

import dev.chatbot.api.v1alpha1.ChatbotDeployment;
import dev.chatbot.api.v1alpha1.HuggingFaceSpec;
import dev.chatbot.api.v1alpha1.Phase;
import dev.chatbot.api.v1alpha1.SecretKeySelector;
import dev.chatbot.api.v1alpha1.ServiceType;
import dev.chatbot.operator.model.Defaults;
import dev.chatbot.operator.model.Names;
import dev.chatbot.operator.model.Storage;
import dev.chatbot.operator.observer.Observation.Availability;
import dev.chatbot.operator.observer.Observation.JobState;
import io.fabric8.kubernetes.api.model.LoadBalancerIngress;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;

/** Reads what a pass needs from the informer caches (and the token Secret from the API). */
public final class Observer {
  private Observer() {}

  public static Observation observe(ChatbotDeployment cr, Context<ChatbotDeployment> context) {
    return observe(cr, context, secret(cr, context));
  }

  /**
   * The same look after this pass's writes (the caches hold what was just applied), so the status
   * reports the children as they now are. The Secret is not read twice.
   */
  public static Observation refresh(
      ChatbotDeployment cr, Context<ChatbotDeployment> context, Observation before) {
    return observe(cr, context, new String[] {before.secretProblem(), before.secretVersion()});
  }

  private static Observation observe(
      ChatbotDeployment cr, Context<ChatbotDeployment> context, String[] secret) {
    Map<String, Deployment> deployments = new java.util.HashMap<>();
    context
        .getSecondaryResources(Deployment.class)
        .forEach(d -> deployments.put(d.getMetadata().getName(), d));
    Map<Phase, Availability> backends = new EnumMap<>(Phase.class);
    for (Phase phase : Phase.values()) {
      Deployment d = deployments.get(Names.backend(cr, phase));
      if (d != null) {
        backends.put(phase, availability(d));
      }
    }
    Deployment frontend = deployments.get(Names.frontend(cr));
    return new Observation(
        backends,
        frontend == null ? null : availability(frontend),
        job(cr, context),
        secret[0],
        secret[1],
        endpoint(cr, context));
  }

  static Availability availability(Deployment d) {
    int replicas =
        d.getSpec() == null || d.getSpec().getReplicas() == null ? 1 : d.getSpec().getReplicas();
    var s = d.getStatus();
    if (s == null) {
      return new Availability(replicas, 0, false);
    }
    int ready = s.getReadyReplicas() == null ? 0 : s.getReadyReplicas();
    int available = s.getAvailableReplicas() == null ? 0 : s.getAvailableReplicas();
    int updated = s.getUpdatedReplicas() == null ? 0 : s.getUpdatedReplicas();
    Long generation = d.getMetadata().getGeneration();
    boolean current =
        generation == null
            || (s.getObservedGeneration() != null && s.getObservedGeneration() >= generation);
    return new Availability(
        replicas, ready, current && replicas > 0 && available >= replicas && updated >= replicas);
  }

  private static JobState job(ChatbotDeployment cr, Context<ChatbotDeployment> context) {
    if (!Storage.downloads(cr)) {
      return JobState.NONE;
    }
    String name = Storage.downloadJobName(cr);
    Optional<Job> job =
        context.getSecondaryResources(Job.class).stream()
            .filter(j -> name.equals(j.getMetadata().getName()))
            .findFirst();
    if (job.isEmpty() || job.get().getStatus() == null) {
      return job.isEmpty() ? JobState.NONE : new JobState(JobState.Kind.RUNNING, "starting");
    }
    var status = job.get().getStatus();
    if (status.getConditions() != null) {
      for (var c : status.getConditions()) {
        if ("True".equals(c.getStatus()) && "Complete".equals(c.getType())) {
          return new JobState(JobState.Kind.SUCCEEDED, "models downloaded");
        }
        if ("True".equals(c.getStatus()) && "Failed".equals(c.getType())) {
          return new JobState(
              JobState.Kind.FAILED,
              "model download Job "
                  + name
                  + " failed: "
                  + (c.getReason() == null ? "" : c.getReason())
                  + (c.getMessage() == null ? "" : " (" + c.getMessage() + ")"));
        }
      }
    }
    return new JobState(JobState.Kind.RUNNING, "downloading");
  }

  /** [problem, resourceVersion]: problem names the Secret and key, never the value. */
  private static String[] secret(ChatbotDeployment cr, Context<ChatbotDeployment> context) {
    Phase active = cr.getStatus() == null ? null : cr.getStatus().getActivePhase();
    HuggingFaceSpec hf = cr.getSpec().getHuggingface();
    boolean needed = cr.getSpec().getPhase() == Phase.HUGGINGFACE || active == Phase.HUGGINGFACE;
    if (!needed || hf == null || hf.getTokenSecretRef() == null) {
      return new String[] {null, ""};
    }
    String name = hf.getTokenSecretRef().getName();
    String key = Defaults.or(hf.getTokenSecretRef().getKey(), SecretKeySelector.DEFAULT_KEY);
    Secret secret =
        context
            .getClient()
            .secrets()
            .inNamespace(cr.getMetadata().getNamespace())
            .withName(name)
            .get();
    if (secret == null) {
      return new String[] {"Secret " + name + " not found", ""};
    }
    boolean hasKey =
        (secret.getData() != null && secret.getData().containsKey(key))
            || (secret.getStringData() != null && secret.getStringData().containsKey(key));
    if (!hasKey) {
      return new String[] {"Secret " + name + " has no key " + key, ""};
    }
    return new String[] {null, secret.getMetadata().getResourceVersion()};
  }

  private static String endpoint(ChatbotDeployment cr, Context<ChatbotDeployment> context) {
    String ns = cr.getMetadata().getNamespace();
    boolean frontendOn = Boolean.TRUE.equals(cr.getSpec().getFrontend().getEnabled());
    String name = frontendOn ? Names.frontendService(cr) : Names.backendService(cr);
    Optional<Service> service =
        context.getSecondaryResources(Service.class).stream()
            .filter(s -> name.equals(s.getMetadata().getName()))
            .findFirst();
    if (service.isEmpty()) {
      return null;
    }
    int port = service.get().getSpec().getPorts().get(0).getPort();
    if (frontendOn
        && ServiceType.LoadBalancer.name().equals(service.get().getSpec().getType())
        && service.get().getStatus() != null
        && service.get().getStatus().getLoadBalancer() != null
        && service.get().getStatus().getLoadBalancer().getIngress() != null
        && !service.get().getStatus().getLoadBalancer().getIngress().isEmpty()) {
      LoadBalancerIngress ingress = service.get().getStatus().getLoadBalancer().getIngress().get(0);
      String host = ingress.getHostname() != null ? ingress.getHostname() : ingress.getIp();
      return "http://" + host + (port == 80 ? "" : ":" + port);
    }
    return "http://" + name + "." + ns + ".svc.cluster.local" + (port == 80 ? "" : ":" + port);
  }
}
