package dev.chatbot.operator.observer;

import dev.chatbot.api.v1alpha1.ChatbotDeployment;
import dev.chatbot.api.v1alpha1.HuggingFaceSpec;
import dev.chatbot.api.v1alpha1.Phase;
import dev.chatbot.api.v1alpha1.SecretKeySelector;
import dev.chatbot.api.v1alpha1.ServiceType;
import dev.chatbot.api.v1alpha1.StorageSpec;
import dev.chatbot.operator.model.Defaults;
import dev.chatbot.operator.model.Names;
import dev.chatbot.operator.model.OperatorSettings;
import dev.chatbot.operator.model.Storage;
import dev.chatbot.operator.observer.Observation.Availability;
import dev.chatbot.operator.observer.Observation.JobState;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.LoadBalancerIngress;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import java.time.Instant;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Reads what a pass needs from the informer caches (and the token Secret from the API, see {@link
 * TokenSecrets}).
 */
public final class Observer {
  private static final int HTTP_PORT = 80;

  private Observer() {}

  /**
   * What a pass starts from. Reads the token Secret by name, and while a download runs, at most
   * every {@link DownloadLog#SAMPLE_INTERVAL}, the downloader pod's log (its progress).
   */
  public static Observation observe(
      ChatbotDeployment cr,
      Context<ChatbotDeployment> context,
      OperatorSettings settings,
      TokenSecrets secrets,
      Instant now) {
    Observation seen = observe(cr, context, settings, secret(cr, context, secrets));
    JobState job = seen.job();
    if (!DownloadLog.due(cr.getStatus(), job, now)) {
      return seen.withJob(DownloadLog.jobState(job, null, cr.getStatus()), null);
    }
    DownloadSample sample = readDownload(cr, context, job, now);
    return seen.withJob(DownloadLog.jobState(job, sample, cr.getStatus()), sample);
  }

  /**
   * The same look after this pass's writes (the caches hold what was just applied), so the status
   * reports the children as they now are. The Secret is not read twice.
   */
  public static Observation refresh(
      ChatbotDeployment cr,
      Context<ChatbotDeployment> context,
      OperatorSettings settings,
      Observation before) {
    Observation after =
        observe(
            cr, context, settings, new SecretLook(before.secretProblem(), before.secretVersion()));
    JobState job = after.job();
    if (before.job().kind() == JobState.Kind.FAILED
        && Objects.equals(job.uid(), before.job().uid())) {
      // The same Job: what the pass's reading found still holds.
      job = before.job();
    }
    return after.withJob(job, before.download());
  }

  /** What the token Secret's read found: problem names the Secret and key, never the value. */
  private record SecretLook(String problem, String version) {}

  private static Observation observe(
      ChatbotDeployment cr,
      Context<ChatbotDeployment> context,
      OperatorSettings settings,
      SecretLook secret) {
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
        job(cr, context, settings),
        secret.problem(),
        secret.version(),
        endpoint(cr, context, settings.clusterDomain()));
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
    int pods = s.getReplicas() == null ? 0 : s.getReplicas();
    boolean up = current && replicas > 0 && available >= replicas && updated >= replicas;
    return new Availability(replicas, ready, up, up && pods <= replicas);
  }

  private static JobState job(
      ChatbotDeployment cr, Context<ChatbotDeployment> context, OperatorSettings settings) {
    if (!Storage.downloads(cr) || cr.getSpec().getLocal().getModels() == null) {
      return JobState.NONE;
    }
    String name = Storage.downloadJobName(cr, settings);
    Optional<Job> job =
        context.getSecondaryResources(Job.class).stream()
            .filter(j -> name.equals(j.getMetadata().getName()))
            .findFirst();
    if (job.isEmpty()) {
      return new JobState(JobState.Kind.NONE, null, name, null);
    }
    String uid = job.get().getMetadata().getUid();
    var status = job.get().getStatus();
    if (status != null && status.getConditions() != null) {
      for (var c : status.getConditions()) {
        if ("True".equals(c.getStatus()) && "Complete".equals(c.getType())) {
          return new JobState(JobState.Kind.SUCCEEDED, "models downloaded", name, uid);
        }
        if ("True".equals(c.getStatus()) && "Failed".equals(c.getType())) {
          return new JobState(
              JobState.Kind.FAILED,
              "model download Job "
                  + name
                  + " failed: "
                  + (c.getReason() == null ? "" : c.getReason())
                  + (c.getMessage() == null ? "" : " (" + c.getMessage() + ")"),
              name,
              uid);
        }
      }
    }
    return new JobState(
        JobState.Kind.RUNNING, status == null ? "starting" : "downloading", name, uid);
  }

  /**
   * Reads the downloader's progress: its pods (list) and the log tail of the newest one that has
   * run (pods/log get). Read errors are reported in the reading, never fail the pass: progress is
   * for people, the Job's own state decides.
   */
  private static DownloadSample readDownload(
      ChatbotDeployment cr, Context<ChatbotDeployment> context, JobState job, Instant now) {
    String namespace = cr.getMetadata().getNamespace();
    List<String> models = cr.getSpec().getLocal().getModels();
    String size =
        Defaults.or(cr.getSpec().getLocal().getStorage().getSize(), StorageSpec.DEFAULT_SIZE);
    List<DownloadLog.PodFacts> pods;
    try {
      pods =
          context
              .getClient()
              .pods()
              .inNamespace(namespace)
              .withLabel(JOB_NAME_LABEL, job.name())
              .list()
              .getItems()
              .stream()
              .map(Observer::podFacts)
              .toList();
    } catch (KubernetesClientException e) {
      return DownloadLog.sample(
          job, models, List.of(), null, "cannot list its pods: " + apiError(e), now, size);
    }
    Optional<DownloadLog.PodFacts> source = DownloadLog.logSource(pods);
    String log = null;
    String problem = null;
    if (source.isPresent()) {
      try {
        log =
            context
                .getClient()
                .pods()
                .inNamespace(namespace)
                .withName(source.get().name())
                .inContainer(Storage.PULL_CONTAINER)
                .tailingLines(DownloadLog.TAIL_LINES)
                .getLog();
      } catch (KubernetesClientException e) {
        problem = "cannot read the log of pod " + source.get().name() + ": " + apiError(e);
      }
    }
    return DownloadLog.sample(job, models, pods, log, problem, now, size);
  }

  /** The label the Job controller puts on its pods. */
  static final String JOB_NAME_LABEL = "job-name";

  static DownloadLog.PodFacts podFacts(Pod pod) {
    String created = pod.getMetadata().getCreationTimestamp();
    Instant at = created == null ? Instant.EPOCH : Instant.parse(created);
    List<ContainerStatus> statuses =
        pod.getStatus() == null || pod.getStatus().getContainerStatuses() == null
            ? List.of()
            : pod.getStatus().getContainerStatuses();
    for (ContainerStatus c : statuses) {
      if (!Storage.PULL_CONTAINER.equals(c.getName()) || c.getState() == null) {
        continue;
      }
      var terminated = c.getState().getTerminated();
      boolean started = c.getState().getRunning() != null || terminated != null;
      return new DownloadLog.PodFacts(
          pod.getMetadata().getName(),
          at,
          started,
          terminated == null ? null : terminated.getExitCode(),
          terminated == null ? null : terminated.getMessage());
    }
    return new DownloadLog.PodFacts(pod.getMetadata().getName(), at, false, null, null);
  }

  /** An API error in a few words: its code and reason, never a body. */
  private static String apiError(KubernetesClientException e) {
    String reason = e.getStatus() == null ? null : e.getStatus().getReason();
    return "HTTP " + e.getCode() + (reason == null ? "" : " " + reason);
  }

  private static SecretLook secret(
      ChatbotDeployment cr, Context<ChatbotDeployment> context, TokenSecrets secrets) {
    Phase active = cr.getStatus() == null ? null : cr.getStatus().getActivePhase();
    HuggingFaceSpec hf = cr.getSpec().getHuggingface();
    boolean needed =
        cr.getSpec().getPhase() == Phase.HUGGINGFACE
            || active == Phase.HUGGINGFACE
            || (cr.getSpec().getPhase() == Phase.LOCAL
                && Defaults.bridge(cr.getSpec()) == Phase.HUGGINGFACE);
    if (!needed || hf == null || hf.getTokenSecretRef() == null) {
      return new SecretLook(null, "");
    }
    String name = hf.getTokenSecretRef().getName();
    String key = Defaults.or(hf.getTokenSecretRef().getKey(), SecretKeySelector.DEFAULT_KEY);
    TokenSecrets.Look secret =
        secrets.get(context.getClient(), cr.getMetadata().getNamespace(), name, key);
    if (!secret.exists()) {
      return new SecretLook("Secret " + name + " not found", "");
    }
    if (!secret.keys().contains(key)) {
      return new SecretLook("Secret " + name + " has no key " + key, "");
    }
    return new SecretLook(null, secret.version());
  }

  private static String endpoint(
      ChatbotDeployment cr, Context<ChatbotDeployment> context, String clusterDomain) {
    String name = publicService(cr);
    return context.getSecondaryResources(Service.class).stream()
        .filter(s -> name.equals(s.getMetadata().getName()))
        .findFirst()
        .map(service -> endpoint(cr, service, clusterDomain))
        .orElse(null);
  }

  /** The Service users reach: the frontend's, or the backend's when there is no frontend. */
  private static String publicService(ChatbotDeployment cr) {
    return Boolean.TRUE.equals(cr.getSpec().getFrontend().getEnabled())
        ? Names.frontendService(cr)
        : Names.backendService(cr);
  }

  /**
   * Where users reach the chatbot through {@code service}: the load balancer's address once it has
   * one, else the Service's name in the cluster's DNS domain.
   */
  static String endpoint(ChatbotDeployment cr, Service service, String clusterDomain) {
    int port = service.getSpec().getPorts().get(0).getPort();
    String suffix = port == HTTP_PORT ? "" : ":" + port;
    var balancer = service.getStatus() == null ? null : service.getStatus().getLoadBalancer();
    if (ServiceType.LoadBalancer.name().equals(service.getSpec().getType())
        && balancer != null
        && balancer.getIngress() != null
        && !balancer.getIngress().isEmpty()) {
      LoadBalancerIngress ingress = balancer.getIngress().get(0);
      String host = ingress.getHostname() != null ? ingress.getHostname() : ingress.getIp();
      return "http://" + host + suffix;
    }
    return "http://"
        + service.getMetadata().getName()
        + "."
        + cr.getMetadata().getNamespace()
        + ".svc."
        + clusterDomain
        + suffix;
  }
}
