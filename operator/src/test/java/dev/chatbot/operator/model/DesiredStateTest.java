package dev.chatbot.operator.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chatbot.api.v1alpha1.AutoscalingSpec;
import dev.chatbot.api.v1alpha1.ChatbotDeployment;
import dev.chatbot.api.v1alpha1.ClientKey;
import dev.chatbot.api.v1alpha1.ExternalTrafficPolicy;
import dev.chatbot.api.v1alpha1.Phase;
import dev.chatbot.api.v1alpha1.ServiceType;
import dev.chatbot.operator.model.OperatorSettings.AutoscalingApi;
import dev.chatbot.operator.support.Fixtures;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.TolerationBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** The effect of each spec field on the desired children. */
class DesiredStateTest {
  static final OperatorSettings SETTINGS = Fixtures.settings();

  static ChatbotDeployment mock(Consumer<ChatbotDeployment> change) {
    ChatbotDeployment cr = Fixtures.example("mock.yaml", "chat");
    change.accept(cr);
    return cr;
  }

  static List<HasMetadata> children(ChatbotDeployment cr, OperatorSettings settings) {
    Phase phase = cr.getSpec().getPhase();
    boolean storage = Storage.downloads(cr);
    return DesiredState.of(new Plan(cr, settings, Set.of(phase), phase, Map.of(), storage, storage))
        .children();
  }

  static <T extends HasMetadata> T one(List<HasMetadata> all, Class<T> type, String name) {
    return all.stream()
        .filter(type::isInstance)
        .map(type::cast)
        .filter(r -> r.getMetadata().getName().equals(name))
        .findFirst()
        .orElse(null);
  }

  static Deployment backend(ChatbotDeployment cr) {
    return Deployments.backend(cr, cr.getSpec().getPhase(), SETTINGS, "h");
  }

  @Test
  void replicasImageAndResourcesReachTheBackend() {
    ChatbotDeployment cr =
        mock(
            c -> {
              c.getSpec().getBackend().setReplicas(4);
              c.getSpec().getBackend().setImage("example.org/rt:2");
              c.getSpec().getBackend().setResources(Defaults.resources("300m", null, null, "1Gi"));
            });
    Deployment d = backend(cr);
    assertThat(d.getSpec().getReplicas()).isEqualTo(4);
    var c = d.getSpec().getTemplate().getSpec().getContainers().get(0);
    assertThat(c.getImage()).isEqualTo("example.org/rt:2");
    assertThat(c.getResources().getRequests().get("cpu").toString()).isEqualTo("300m");
    assertThat(c.getResources().getRequests().get("memory").toString())
        .as("unset fields keep the phase default")
        .isEqualTo("128Mi");
    assertThat(c.getResources().getLimits().get("memory").toString()).isEqualTo("1Gi");
  }

  @Test
  void phaseDefaultsFollowTheSeedTable() {
    assertThat(Defaults.backendResources(Phase.MOCK).getRequests().getCpu()).isEqualTo("100m");
    assertThat(Defaults.backendResources(Phase.HUGGINGFACE).getRequests().getMemory())
        .isEqualTo("256Mi");
    assertThat(Defaults.OLLAMA_RESOURCES.getRequests().getCpu()).isEqualTo("1500m");
    assertThat(Defaults.OLLAMA_RESOURCES.getRequests().getMemory()).isEqualTo("4Gi");
  }

  @Test
  void autoscalingOwnsReplicasAndFallsBackWithoutAnApi() {
    ChatbotDeployment cr =
        mock(c -> c.getSpec().getBackend().setAutoscaling(new AutoscalingSpec(true, 3, 6, 50)));
    assertThat(backend(cr).getSpec().getReplicas()).as("HPA owns replicas").isNull();
    var hpa =
        (io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler)
            Autoscalers.backend(cr, Phase.MOCK, SETTINGS);
    assertThat(hpa.getSpec().getMinReplicas()).isEqualTo(3);
    assertThat(hpa.getSpec().getMetrics().get(0).getResource().getTarget().getAverageUtilization())
        .isEqualTo(50);
    var beta = Autoscalers.backend(cr, Phase.MOCK, Fixtures.settings(AutoscalingApi.V2BETA2));
    assertThat(beta.getApiVersion()).isEqualTo("autoscaling/v2beta2");
    OperatorSettings none = Fixtures.settings(AutoscalingApi.NONE);
    assertThat(Autoscalers.backend(cr, Phase.MOCK, none)).isNull();
    assertThat(Deployments.backend(cr, Phase.MOCK, none, "h").getSpec().getReplicas())
        .as("no autoscaler API: the minimum, fixed")
        .isEqualTo(3);
  }

  @Test
  void frontendDisabledLeavesOnlyTheBackend() {
    ChatbotDeployment cr = mock(c -> c.getSpec().getFrontend().setEnabled(false));
    List<HasMetadata> all = children(cr, SETTINGS);
    assertThat(all).noneMatch(r -> r.getMetadata().getName().startsWith("demo-frontend"));
    assertThat(one(all, Service.class, "demo")).isNull();
    assertThat(one(all, Deployment.class, "demo-backend-mock")).isNotNull();
  }

  @Test
  void serviceSettingsReachThePublicService() {
    ChatbotDeployment cr =
        mock(
            c -> {
              var s = c.getSpec().getFrontend().getService();
              s.setPort(8443);
              s.setAnnotations(Map.of("cloud/lb", "internal"));
              s.setLoadBalancerSourceRanges(List.of("10.0.0.0/8"));
            });
    Service svc = Services.frontend(cr);
    assertThat(svc.getSpec().getPorts().get(0).getPort()).isEqualTo(8443);
    assertThat(svc.getSpec().getPorts().get(0).getProtocol()).isEqualTo("TCP");
    assertThat(svc.getMetadata().getAnnotations()).containsEntry("cloud/lb", "internal");
    assertThat(svc.getSpec().getLoadBalancerSourceRanges()).containsExactly("10.0.0.0/8");
    cr.getSpec().getFrontend().getService().setType(ServiceType.ClusterIP);
    assertThat(Services.frontend(cr).getSpec().getLoadBalancerSourceRanges())
        .as("source ranges only make sense on a load balancer")
        .isNull();
  }

  @Test
  void chatSettingsReachTheConfigurationAndChangeTheHash() {
    ChatbotDeployment cr = mock(c -> {});
    ConfigMap before = ConfigMaps.backend(cr, Phase.MOCK);
    cr.getSpec().getChat().setSystemPrompt("Answer in French.");
    cr.getSpec().getChat().setTemperature(0.2);
    ConfigMap after = ConfigMaps.backend(cr, Phase.MOCK);
    assertThat(after.getData())
        .containsEntry("system_prompt", "Answer in French.")
        .containsEntry("temperature", "0.2")
        .containsEntry("model_provider", "mock");
    assertThat(RuntimeConfig.hash(after.getData()))
        .isNotEqualTo(RuntimeConfig.hash(before.getData()));
  }

  @Test
  void huggingfaceTokenComesOnlyFromTheSecret() {
    ChatbotDeployment cr = Fixtures.example("huggingface.yaml", "chat");
    Deployment d = backend(cr);
    var env = d.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv();
    var token = env.stream().filter(e -> e.getName().equals("HF_TOKEN")).findFirst().orElseThrow();
    assertThat(token.getValue()).isNull();
    assertThat(token.getValueFrom().getSecretKeyRef().getName()).isEqualTo("hf-token");
    assertThat(token.getValueFrom().getSecretKeyRef().getKey()).isEqualTo("token");
    Map<String, String> config = ConfigMaps.backend(cr, Phase.HUGGINGFACE).getData();
    assertThat(config)
        .containsEntry("model", "meta-llama/Llama-3.1-8B-Instruct")
        .containsEntry("huggingface_endpoint", "https://router.huggingface.co/v1")
        .containsEntry("requests_per_minute", "60")
        .containsEntry("timeout_seconds", "30")
        .containsEntry("fallback_to_mock", "true");
    assertThat(config.values()).noneMatch(v -> v.contains("replace-me"));
  }

  @Test
  void localPhaseHasASidecarAVolumeAndADownloader() {
    ChatbotDeployment cr = Fixtures.example("local-download.yaml", "chat");
    cr.getSpec().getLocal().getOllama().setGpus(1);
    cr.getSpec().getLocal().setNodeSelector(Map.of("gpu", "true"));
    cr.getSpec()
        .getLocal()
        .setTolerations(
            List.of(new TolerationBuilder().withKey("gpu").withOperator("Exists").build()));
    List<HasMetadata> all = children(cr, SETTINGS);
    Deployment d = one(all, Deployment.class, "private-backend-local");
    var pod = d.getSpec().getTemplate().getSpec();
    var ollama = pod.getContainers().get(1);
    assertThat(ollama.getName()).isEqualTo("ollama");
    assertThat(ollama.getResources().getLimits()).containsKey("nvidia.com/gpu");
    assertThat(
            ollama.getStartupProbe().getFailureThreshold()
                * ollama.getStartupProbe().getPeriodSeconds())
        .as("seconds allowed for model loading")
        .isGreaterThanOrEqualTo(600);
    assertThat(pod.getNodeSelector()).containsEntry("gpu", "true");
    assertThat(pod.getTolerations()).hasSize(1);
    assertThat(pod.getVolumes()).anyMatch(v -> v.getPersistentVolumeClaim() != null);
    PersistentVolumeClaim pvc = one(all, PersistentVolumeClaim.class, "private-models");
    assertThat(pvc.getSpec().getResources().getRequests().get("storage").toString())
        .isEqualTo("20Gi");
    Job job = one(all, Job.class, Storage.downloadJobName(cr, Fixtures.settings()));
    assertThat(job.getSpec().getBackoffLimit()).isEqualTo(3);
    assertThat(job.getSpec().getActiveDeadlineSeconds()).isEqualTo(3600L);
    var containers = job.getSpec().getTemplate().getSpec().getContainers();
    assertThat(containers).extracting(c -> c.getName()).containsExactly("ollama", "pull");
    String script = containers.get(0).getCommand().get(2);
    assertThat(script).contains("ollama serve").contains("$RESULT");
    var pull = containers.get(1);
    assertThat(pull.getImage()).isEqualTo(Fixtures.settings().runtimeImage());
    assertThat(pull.getArgs())
        .startsWith("pull")
        .containsSubsequence("--stall-seconds", "120")
        .containsSubsequence("--termination-log", "/run/download/result")
        .endsWith("qwen2.5:0.5b", "llama3.2");
    assertThat(pull.getTerminationMessagePolicy()).isEqualTo("FallbackToLogsOnError");
    // The models volume is read-only for the pull; the result volume is shared.
    assertThat(pull.getVolumeMounts())
        .anyMatch(
            m -> m.getMountPath().equals("/run/download") && !Boolean.TRUE.equals(m.getReadOnly()));
    assertThat(containers.get(0).getEnv()).anyMatch(e -> e.getName().equals("OLLAMA_NOPRUNE"));
  }

  @Test
  void stallSecondsReachThePullAndAnyJobChangeIsANewJob() {
    ChatbotDeployment cr = Fixtures.example("local-download.yaml", "chat");
    String first = Storage.downloadJobName(cr, Fixtures.settings());
    cr.getSpec().getLocal().getDownload().setStallSeconds(30);
    Job job = Storage.downloadJob(cr, Fixtures.settings());
    assertThat(job.getSpec().getTemplate().getSpec().getContainers().get(1).getArgs())
        .containsSubsequence("--stall-seconds", "30");
    assertThat(job.getMetadata().getName()).isNotEqualTo(first);
    cr.getSpec().getLocal().getDownload().setStallSeconds(120);
    assertThat(Storage.downloadJobName(cr, Fixtures.settings())).isEqualTo(first);
    cr.getSpec().getLocal().getStorage().setSize("40Gi");
    assertThat(Storage.downloadJobName(cr, Fixtures.settings()))
        .as("a larger volume retries a download that filled the old one")
        .isNotEqualTo(first);
  }

  @Test
  void aNewModelListIsANewJobAndExistingClaimsAreReused() {
    ChatbotDeployment cr = Fixtures.example("local-download.yaml", "chat");
    String first = Storage.downloadJobName(cr, Fixtures.settings());
    cr.getSpec().getLocal().setModels(List.of("phi3"));
    assertThat(Storage.downloadJobName(cr, Fixtures.settings())).isNotEqualTo(first);
    cr.getSpec().getLocal().getStorage().setExistingClaim("shared-models");
    assertThat(Storage.modelClaim(cr)).isNull();
    assertThat(Deployments.modelsVolume(cr, true).getPersistentVolumeClaim().getClaimName())
        .isEqualTo("shared-models");
  }

  @Test
  void imageModelSourceNeedsNoVolumeAndNoJob() {
    ChatbotDeployment cr = Fixtures.example("local-image.yaml", "chat");
    List<HasMetadata> all = children(cr, SETTINGS);
    assertThat(all).noneMatch(r -> r instanceof PersistentVolumeClaim || r instanceof Job);
    Deployment d = one(all, Deployment.class, "private-image-backend-local");
    assertThat(d.getSpec().getTemplate().getSpec().getVolumes())
        .noneMatch(v -> v.getPersistentVolumeClaim() != null);
  }

  @Test
  void theBackendServiceSelectsOnePhase() {
    ChatbotDeployment cr = mock(c -> {});
    assertThat(Services.backend(cr, Phase.LOCAL).getSpec().getSelector())
        .containsEntry(Names.LABEL_PHASE, "local");
  }

  @Test
  void thePolicyAdmitsTheFrontendAndOnlyTheOperatorsPodsInItsNamespace() {
    ChatbotDeployment cr = mock(c -> {});
    var from = NetworkPolicies.backend(cr, SETTINGS).getSpec().getIngress().get(0).getFrom();
    assertThat(from).hasSize(2);
    assertThat(from.get(0).getPodSelector().getMatchLabels())
        .isEqualTo(Names.selector(cr, Names.COMPONENT_FRONTEND));
    assertThat(from.get(0).getNamespaceSelector()).as("the chatbot's own namespace").isNull();
    assertThat(from.get(1).getPodSelector().getMatchLabels())
        .isEqualTo(Map.of(Names.LABEL_NAME, "chatbot-operator"));
    assertThat(from.get(1).getNamespaceSelector().getMatchLabels())
        .as("only the operator's namespace, by the name label every namespace has")
        .isEqualTo(Map.of("kubernetes.io/metadata.name", Fixtures.OPERATOR_NAMESPACE));

    cr.getMetadata().setNamespace(Fixtures.OPERATOR_NAMESPACE);
    var together = NetworkPolicies.backend(cr, SETTINGS).getSpec().getIngress().get(0).getFrom();
    assertThat(together.get(1).getNamespaceSelector())
        .as("in the operator's own namespace a pod selector alone says so")
        .isNull();

    OperatorSettings outside =
        new OperatorSettings(
            SETTINGS.runtimeImage(),
            SETTINGS.autoscalingApi(),
            SETTINGS.operatorPodLabels(),
            null,
            SETTINGS.clusterDomain());
    assertThat(NetworkPolicies.backend(cr, outside).getSpec().getIngress().get(0).getFrom())
        .as("operator namespace unknown: no operator pod is admitted")
        .singleElement()
        .satisfies(
            p ->
                assertThat(p.getPodSelector().getMatchLabels()).containsKey(Names.LABEL_COMPONENT));
  }

  @Test
  void frontendLimitsAndHoldReachTheRuntimeConfig() {
    ChatbotDeployment cr = Fixtures.example("mock.yaml", "chat");
    assertThat(RuntimeConfig.frontend(cr))
        .containsEntry("hold_seconds", "30")
        .containsEntry("client_requests_per_minute", "600")
        .containsEntry("client_burst", "10")
        .containsEntry("client_key", "address")
        .doesNotContainKeys("client_key_header", "trusted_proxies");
    cr.getSpec().getFrontend().setHoldSeconds(0);
    var limit = cr.getSpec().getFrontend().getRateLimit();
    limit.setRequestsPerMinute(6);
    limit.setKey(ClientKey.HEADER);
    limit.setHeader("X-User");
    limit.setTrustedProxies(List.of("10.0.0.0/8", "fd00::/8"));
    assertThat(RuntimeConfig.frontend(cr))
        .containsEntry("hold_seconds", "0")
        .containsEntry("client_requests_per_minute", "6")
        .as("the default burst stays within a small budget")
        .containsEntry("client_burst", "6")
        .containsEntry("client_key", "header")
        .containsEntry("client_key_header", "X-User")
        .containsEntry("trusted_proxies", "10.0.0.0/8,fd00::/8");
    cr.getSpec().getFrontend().setRateLimit(null);
    assertThat(RuntimeConfig.frontend(cr)).containsEntry("client_burst", "10");
  }

  @Test
  void externalTrafficPolicyOnlyOnServicesThatTakeOutsideTraffic() {
    ChatbotDeployment cr = Fixtures.example("mock.yaml", "chat");
    assertThat(Services.frontend(cr).getSpec().getExternalTrafficPolicy()).isEqualTo("Cluster");
    cr.getSpec().getFrontend().getService().setExternalTrafficPolicy(ExternalTrafficPolicy.Local);
    assertThat(Services.frontend(cr).getSpec().getExternalTrafficPolicy()).isEqualTo("Local");
    cr.getSpec().getFrontend().getService().setType(ServiceType.ClusterIP);
    assertThat(Services.frontend(cr).getSpec().getExternalTrafficPolicy()).isNull();
  }
}
