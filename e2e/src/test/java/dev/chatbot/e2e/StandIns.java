package dev.chatbot.e2e;

import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Stand-ins for what cannot be had on this machine (no internet, no registry, no storage
 * provisioner). Each speaks the real wire format, so the product runs its own code path unchanged
 * (e2e/README.md, "Stand-ins"):
 *
 * <ul>
 *   <li>the Hugging Face router: the chatbot-runtime image in its mock role, a Deployment and
 *       Service in the test namespace ({@link #deployRouter}); a ChatbotDeployment's {@code
 *       spec.huggingface.endpoint} points at its OpenAI-compatible {@code /v1} ({@link
 *       #routerEndpoint}), the token is a dummy in a Secret ({@link #createTokenSecret});
 *   <li>Ollama: the image {@code target/ollama-stand-in.tar} of this module (the runtime image plus
 *       Debian's static busybox as {@code /bin/sh} and an {@code ollama} script running the
 *       runtime's {@code ollama serve|list|show|pull}), named in {@code spec.local.ollama.image}
 *       ({@link Cluster#ollamaStandInImage()}); its knobs are files on the model volume ({@link
 *       ModelVolume#knob});
 *   <li>a storage provisioner: the model claim binds to a hostPath PersistentVolume the test makes
 *       ({@link ModelVolume}).
 * </ul>
 */
final class StandIns {

  /** The Ollama stand-in's image tar, relative to the repository root (e2e/pom.xml). */
  static final String OLLAMA_TAR = "e2e/target/ollama-stand-in.tar";

  static final String ROUTER = "hf-router-stand-in";
  static final String TOKEN_SECRET = "hf-token";
  static final String TOKEN_KEY = "token";
  static final String HF_MODEL = "meta-llama/Llama-3.1-8B-Instruct";

  /**
   * Paced like a hosted model, so that answers and streams take a while (streams are open when
   * traffic moves): 100 ms to the first token, 50 tokens a second, 30 tokens (0.7 s an answer).
   */
  static final Map<String, String> PACED_LIKE_A_MODEL =
      Map.of("mock_latency_ms", "100", "mock_tokens_per_second", "50", "mock_answer_tokens", "30");

  private StandIns() {}

  /**
   * A Hugging Face router stand-in named {@code name}: the runtime image in its mock role (it
   * answers {@code POST /v1/chat/completions}, streaming too, to any bearer token), configured by
   * {@code knobs} (runtime configuration keys, docs/runtime-contract.md), behind a Service on port
   * 80. It has no per-client limit (the chatbot's backend pods are its only clients, and the real
   * router limits per token, which the chatbot's own {@code requestsPerMinute} respects).
   */
  static void deployRouter(
      Cluster cluster, String namespace, String name, Map<String, String> knobs) {
    KubernetesClient client = cluster.client();
    Map<String, String> labels = Map.of("app", name);
    Map<String, String> config = new LinkedHashMap<>();
    config.put("client_requests_per_minute", "0");
    // A paced answer holds a server thread for its length.
    config.put("max_concurrent_chats", "256");
    config.putAll(knobs);
    List<EnvVar> env = new ArrayList<>();
    config.forEach(
        (k, v) ->
            env.add(
                new EnvVarBuilder()
                    .withName("CHATBOT_" + k.toUpperCase(Locale.ROOT))
                    .withValue(v)
                    .build()));
    client
        .apps()
        .deployments()
        .inNamespace(namespace)
        .resource(
            new DeploymentBuilder()
                .withNewMetadata()
                .withName(name)
                .withLabels(labels)
                .endMetadata()
                .withNewSpec()
                .withReplicas(1)
                .withNewSelector()
                .withMatchLabels(labels)
                .endSelector()
                .withNewTemplate()
                .withNewMetadata()
                .withLabels(labels)
                .endMetadata()
                .withNewSpec()
                .withAutomountServiceAccountToken(false)
                .withNewSecurityContext()
                .withRunAsNonRoot(true)
                .withRunAsUser(ModelVolume.POD_USER)
                .withNewSeccompProfile()
                .withType("RuntimeDefault")
                .endSeccompProfile()
                .endSecurityContext()
                .addNewContainer()
                .withName("router")
                .withImage(cluster.runtimeImage().reference())
                .withImagePullPolicy("Never")
                .withEnv(env)
                .addNewPort()
                .withContainerPort(8080)
                .endPort()
                .withNewReadinessProbe()
                .withNewHttpGet()
                .withPath("/readyz")
                .withNewPort(8080)
                .endHttpGet()
                .withPeriodSeconds(2)
                .endReadinessProbe()
                .withNewResources()
                .addToRequests("cpu", new Quantity("50m"))
                .addToRequests("memory", new Quantity("64Mi"))
                .addToLimits("cpu", new Quantity("500m"))
                .addToLimits("memory", new Quantity("256Mi"))
                .endResources()
                .withNewSecurityContext()
                .withAllowPrivilegeEscalation(false)
                .withReadOnlyRootFilesystem(true)
                .withNewCapabilities()
                .withDrop("ALL")
                .endCapabilities()
                .endSecurityContext()
                .addNewVolumeMount()
                .withName("tmp")
                .withMountPath("/tmp")
                .endVolumeMount()
                .endContainer()
                .addNewVolume()
                .withName("tmp")
                .withNewEmptyDir()
                .endEmptyDir()
                .endVolume()
                .endSpec()
                .endTemplate()
                .endSpec()
                .build())
        .create();
    client
        .services()
        .inNamespace(namespace)
        .resource(
            new ServiceBuilder()
                .withNewMetadata()
                .withName(name)
                .endMetadata()
                .withNewSpec()
                .withSelector(labels)
                .addNewPort()
                .withPort(80)
                .withNewTargetPort(8080)
                .endPort()
                .endSpec()
                .build())
        .create();
  }

  /** Waits until the router stand-in {@code name} has a ready pod. */
  static void awaitRouter(Cluster cluster, String namespace, String name) {
    cluster
        .client()
        .apps()
        .deployments()
        .inNamespace(namespace)
        .withName(name)
        .waitUntilCondition(
            d -> d != null && d.getStatus() != null && d.getStatus().getReadyReplicas() != null,
            3,
            java.util.concurrent.TimeUnit.MINUTES);
  }

  /** {@code spec.huggingface.endpoint} for the router stand-in {@code name}: its {@code /v1}. */
  static String routerEndpoint(String namespace, String name) {
    return "http://" + name + "." + namespace + ".svc.cluster.local/v1";
  }

  /**
   * The {@code huggingface:} block of a spec (indented for {@code spec:}): the router stand-in
   * {@code router} as endpoint, the dummy token, no fallback to mock answers (a failure of the
   * huggingface path must show as a failed request, not as a mock answer), and an upstream budget
   * raised above the load the tests bring (the default, 60 a minute, would turn most of it into
   * 429s).
   */
  static String huggingfaceSpec(String namespace, String router) {
    return String.join(
        "\n",
        "  huggingface:",
        "    model: " + HF_MODEL,
        "    tokenSecretRef: {name: " + TOKEN_SECRET + ", key: " + TOKEN_KEY + "}",
        "    endpoint: " + routerEndpoint(namespace, router),
        "    requestsPerMinute: 6000",
        "    fallbackToMock: false",
        "");
  }

  /** The model the local phase serves in the tests. */
  static final String LOCAL_MODEL = "qwen2.5:0.5b";

  /**
   * The {@code local:} block of a spec: one model downloaded into the claim (1Gi: the hostPath does
   * not enforce it), served by the Ollama stand-in, whose resources fit this 2-core node (the
   * default asks for 1500m and 4Gi, for a real model). {@code extra} lines go into {@code local:}.
   */
  static String localSpec(Cluster cluster, String... extra) {
    List<String> lines = new ArrayList<>();
    lines.add("  local:");
    lines.add("    models: [\"" + LOCAL_MODEL + "\"]");
    lines.add("    storage: {size: 1Gi}");
    lines.add("    ollama:");
    lines.add("      image: " + cluster.ollamaStandInImage().reference());
    lines.add("      resources:");
    lines.add("        requests: {cpu: 100m, memory: 128Mi}");
    lines.add("        limits: {cpu: \"1\", memory: 512Mi}");
    lines.addAll(List.of(extra));
    return String.join("\n", lines) + "\n";
  }

  /** The claim the operator makes for chatbot {@code chatbot}'s models (operator Names). */
  static String modelClaim(String chatbot) {
    return chatbot + "-models";
  }

  /** The token Secret the huggingface phase reads; any value works with the stand-in. */
  static void createTokenSecret(KubernetesClient client, String namespace) {
    client
        .secrets()
        .inNamespace(namespace)
        .resource(
            new SecretBuilder()
                .withNewMetadata()
                .withName(TOKEN_SECRET)
                .endMetadata()
                .addToStringData(TOKEN_KEY, "hf_e2e_dummy_token_for_the_router_stand_in")
                .build())
        .create();
  }
}
