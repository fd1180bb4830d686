package dev.chatbot.operator.model;

import dev.chatbot.api.v1alpha1.AutoscalingSpec;
import dev.chatbot.api.v1alpha1.BackendSpec;
import dev.chatbot.api.v1alpha1.ChatbotDeployment;
import dev.chatbot.api.v1alpha1.ChatbotDeploymentSpec;
import dev.chatbot.api.v1alpha1.FrontendSpec;
import dev.chatbot.api.v1alpha1.HuggingFaceSpec;
import dev.chatbot.api.v1alpha1.LocalSpec;
import dev.chatbot.api.v1alpha1.ModelSource;
import dev.chatbot.api.v1alpha1.OllamaSpec;
import dev.chatbot.api.v1alpha1.Phase;
import dev.chatbot.api.v1alpha1.SecretKeySelector;
import dev.chatbot.operator.model.OperatorSettings.AutoscalingApi;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.PodSpecBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Backend and frontend Deployments. */
public final class Deployments {
  public static final String MODELS_VOLUME = "models";
  public static final String MODELS_PATH = "/models";
  public static final String TOKEN_ENV = "HF_TOKEN";

  /** Where the runtime (and the downloader's CLI) reach Ollama: in the pod, over loopback. */
  static final String OLLAMA_HOST = "127.0.0.1:" + Names.OLLAMA_PORT;

  /**
   * Where the Ollama sidecar listens: all of the pod's addresses, because the kubelet's probes
   * connect to the pod IP (on loopback only, its startup probe never passed: found on real pods).
   * Other pods cannot reach it: the backend's NetworkPolicy admits the runtime's port only.
   */
  static final String OLLAMA_LISTEN = "0.0.0.0:" + Names.OLLAMA_PORT;

  /**
   * How long the Ollama sidecar keeps serving after its pod is told to stop: the runtime's drain
   * and grace (shutdown_drain_seconds 5 + shutdown_grace_seconds 15, docs/runtime-contract.md), so
   * the chats the runtime still finishes do not lose their model halfway. The runtime container
   * needs no preStop: on SIGTERM it turns not ready and keeps serving for its drain by itself.
   */
  static final int OLLAMA_STOP_PAUSE_SECONDS = 20;

  /** Above the sidecar's pause plus Ollama's own exit: the kubelet kills what is left after it. */
  static final long TERMINATION_GRACE_SECONDS = 30;

  private Deployments() {}

  /**
   * One phase's backend.
   *
   * @param configHash hash of everything that should roll the pods when it changes: the ConfigMap's
   *     data and, for huggingface, the token Secret's resourceVersion
   */
  public static Deployment backend(
      ChatbotDeployment cr, Phase phase, OperatorSettings settings, String configHash) {
    ChatbotDeploymentSpec spec = cr.getSpec();
    String image = Defaults.or(spec.getBackend().getImage(), settings.runtimeImage());
    ResourceRequirements resources =
        Defaults.requirements(spec.getBackend().getResources(), Defaults.backendResources(phase));
    List<EnvVar> env = new ArrayList<>();
    if (phase == Phase.HUGGINGFACE) {
      HuggingFaceSpec hf = spec.getHuggingface();
      env.add(
          new EnvVarBuilder()
              .withName(TOKEN_ENV)
              .withNewValueFrom()
              .withNewSecretKeyRef()
              .withName(hf.getTokenSecretRef().getName())
              .withKey(Defaults.or(hf.getTokenSecretRef().getKey(), SecretKeySelector.DEFAULT_KEY))
              .withOptional(false)
              .endSecretKeyRef()
              .endValueFrom()
              .build());
    }
    List<Container> containers = new ArrayList<>();
    containers.add(PodParts.runtimeContainer(image, resources, env));
    List<Volume> volumes = new ArrayList<>();
    volumes.add(PodParts.configVolume(Names.backend(cr, phase)));
    volumes.add(PodParts.tmpVolume());
    PodSpecBuilder pod = new PodSpecBuilder();
    if (phase == Phase.LOCAL) {
      LocalSpec local = spec.getLocal();
      containers.add(ollamaSidecar(local));
      if (Defaults.modelSource(local) == ModelSource.DOWNLOAD) {
        volumes.add(modelsVolume(cr, true));
      }
      pod.withNodeSelector(local.getNodeSelector()).withTolerations(local.getTolerations());
    }
    AutoscalingSpec autoscaling = Defaults.backendAutoscaling(spec);
    Integer replicas =
        replicas(
            autoscaling,
            spec.getBackend().getReplicas(),
            settings.autoscalingApi(),
            BackendSpec.DEFAULT_REPLICAS);
    return deployment(
        Meta.of(cr, Names.backend(cr, phase), Names.backendLabels(cr, phase)),
        replicas,
        Names.backendSelector(cr, phase),
        configHash,
        pod.withContainers(containers).withVolumes(volumes));
  }

  /** The Ollama server beside the runtime; it loads models from the volume (or its image). */
  static Container ollamaSidecar(LocalSpec local) {
    OllamaSpec ollama = local.getOllama() == null ? new OllamaSpec() : local.getOllama();
    ResourceRequirements resources =
        Defaults.requirements(ollama.getResources(), Defaults.OLLAMA_RESOURCES);
    int gpus = Defaults.or(ollama.getGpus(), OllamaSpec.DEFAULT_GPUS);
    if (gpus > 0) {
      Quantity count = new Quantity(String.valueOf(gpus));
      resources.getLimits().put(ollama.getGpuResourceName(), count);
      resources.getRequests().put(ollama.getGpuResourceName(), count);
    }
    List<EnvVar> env = new ArrayList<>();
    env.add(env("OLLAMA_HOST", OLLAMA_LISTEN));
    env.add(env("HOME", "/tmp"));
    env.add(env("OLLAMA_KEEP_ALIVE", "-1"));
    ContainerBuilder container =
        new ContainerBuilder()
            .withName("ollama")
            .withImage(Defaults.or(ollama.getImage(), OllamaSpec.DEFAULT_IMAGE))
            .withImagePullPolicy("IfNotPresent")
            .withCommand("ollama")
            .withArgs("serve")
            // Ollama stops at once on SIGTERM: hold it until the runtime has drained.
            .withNewLifecycle()
            .withNewPreStop()
            .withNewExec()
            .withCommand("/bin/sh", "-c", "sleep " + OLLAMA_STOP_PAUSE_SECONDS)
            .endExec()
            .endPreStop()
            .endLifecycle()
            .withResources(resources)
            .withSecurityContext(PodParts.containerSecurityContext())
            // Generous budget: a multi-GB model can take minutes to map into memory.
            .withStartupProbe(
                new io.fabric8.kubernetes.api.model.ProbeBuilder()
                    .withNewTcpSocket()
                    .withNewPort(Names.OLLAMA_PORT)
                    .endTcpSocket()
                    .withPeriodSeconds(5)
                    .withFailureThreshold(120)
                    .build())
            .withLivenessProbe(
                new io.fabric8.kubernetes.api.model.ProbeBuilder()
                    .withNewTcpSocket()
                    .withNewPort(Names.OLLAMA_PORT)
                    .endTcpSocket()
                    .withPeriodSeconds(20)
                    .withFailureThreshold(3)
                    .build());
    List<io.fabric8.kubernetes.api.model.VolumeMount> mounts = new ArrayList<>();
    mounts.add(PodParts.mount(PodParts.TMP_VOLUME, "/tmp", false));
    if (Defaults.modelSource(local) == ModelSource.DOWNLOAD) {
      env.add(env("OLLAMA_MODELS", MODELS_PATH));
      env.add(env("OLLAMA_NOPRUNE", "1"));
      mounts.add(PodParts.mount(MODELS_VOLUME, MODELS_PATH, true));
    }
    return container.withEnv(env).withVolumeMounts(mounts).build();
  }

  static Volume modelsVolume(ChatbotDeployment cr, boolean readOnly) {
    String claim =
        Defaults.or(cr.getSpec().getLocal().getStorage().getExistingClaim(), Names.modelClaim(cr));
    return new VolumeBuilder()
        .withName(MODELS_VOLUME)
        .withNewPersistentVolumeClaim()
        .withClaimName(claim)
        // Omitted when false, as the server stores it (see PodParts.mount).
        .withReadOnly(readOnly ? Boolean.TRUE : null)
        .endPersistentVolumeClaim()
        .build();
  }

  static EnvVar env(String name, String value) {
    return new EnvVarBuilder().withName(name).withValue(value).build();
  }

  /** The web page and API proxy. */
  public static Deployment frontend(ChatbotDeployment cr, OperatorSettings settings) {
    ChatbotDeploymentSpec spec = cr.getSpec();
    FrontendSpec frontend = spec.getFrontend();
    String image =
        Defaults.or(
            frontend.getImage(),
            Defaults.or(spec.getBackend().getImage(), settings.runtimeImage()));
    ResourceRequirements resources =
        Defaults.requirements(frontend.getResources(), Defaults.FRONTEND_RESOURCES);
    Integer replicas =
        replicas(
            Defaults.frontendAutoscaling(spec),
            frontend.getReplicas(),
            settings.autoscalingApi(),
            FrontendSpec.DEFAULT_REPLICAS);
    return deployment(
        Meta.of(cr, Names.frontend(cr), Names.labels(cr, Names.COMPONENT_FRONTEND)),
        replicas,
        Names.selector(cr, Names.COMPONENT_FRONTEND),
        RuntimeConfig.hash(RuntimeConfig.frontend(cr)),
        new PodSpecBuilder()
            .withContainers(PodParts.runtimeContainer(image, resources, List.of()))
            .withVolumes(PodParts.configVolume(Names.frontend(cr)), PodParts.tmpVolume()));
  }

  /**
   * The shape every chatbot Deployment shares: rolling updates that never drop below the wanted
   * replicas, the restricted pod, and the config hash on the template so a change rolls the pods.
   */
  private static Deployment deployment(
      ObjectMeta meta,
      Integer replicas,
      Map<String, String> selector,
      String configHash,
      PodSpecBuilder pod) {
    return new DeploymentBuilder()
        .withMetadata(meta)
        .withNewSpec()
        .withReplicas(replicas)
        .withRevisionHistoryLimit(3)
        .withNewSelector()
        .withMatchLabels(selector)
        .endSelector()
        .withNewStrategy()
        .withType("RollingUpdate")
        .withNewRollingUpdate()
        .withNewMaxSurge(1)
        .withNewMaxUnavailable(0)
        .endRollingUpdate()
        .endStrategy()
        .withNewTemplate()
        .withNewMetadata()
        .withLabels(meta.getLabels())
        .withAnnotations(Map.of(Names.ANNOTATION_CONFIG_HASH, configHash))
        .endMetadata()
        .withSpec(
            pod.withAutomountServiceAccountToken(false)
                .withEnableServiceLinks(false)
                .withTerminationGracePeriodSeconds(TERMINATION_GRACE_SECONDS)
                .withSecurityContext(PodParts.podSecurityContext())
                .build())
        .endTemplate()
        .endSpec()
        .build();
  }

  /**
   * Replicas the operator writes: none while an autoscaler owns the count (so the two never fight),
   * the autoscaler's minimum when autoscaling is asked for but the cluster has no API.
   */
  static Integer replicas(
      AutoscalingSpec autoscaling, Integer replicas, AutoscalingApi api, int fallback) {
    if (Boolean.TRUE.equals(autoscaling.getEnabled())) {
      return api == AutoscalingApi.NONE ? autoscaling.getMinReplicas() : null;
    }
    return Defaults.or(replicas, fallback);
  }
}
