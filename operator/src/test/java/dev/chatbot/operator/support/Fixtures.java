package dev.chatbot.operator.support;

import dev.chatbot.api.v1alpha1.ChatbotDeployment;
import dev.chatbot.operator.OperatorConfig;
import dev.chatbot.operator.model.OperatorSettings;
import dev.chatbot.operator.model.OperatorSettings.AutoscalingApi;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/** Loading examples and faking what kubelets and controllers would do. */
public final class Fixtures {
  /** Namespace of the operator's pods in the pure tests (the chatbots live elsewhere). */
  public static final String OPERATOR_NAMESPACE = "chatbot-operator";

  private Fixtures() {}

  /** The settings of an operator installed by the chart in {@link #OPERATOR_NAMESPACE}. */
  public static OperatorSettings settings() {
    return settings(AutoscalingApi.V2);
  }

  public static OperatorSettings settings(AutoscalingApi api) {
    return new OperatorConfig(
            java.util.Set.of(),
            OperatorConfig.DEFAULT_RUNTIME_IMAGE,
            null,
            OPERATOR_NAMESPACE,
            OperatorConfig.DEFAULT_CLUSTER_DOMAIN,
            OperatorConfig.DEFAULT_HTTP_PORT,
            true,
            api)
        .settings(api);
  }

  /** A test operator's configuration: no leader election, outside any cluster. */
  public static OperatorConfig config(
      java.util.Set<String> namespaces, String runtimeImage, boolean ssa, AutoscalingApi api) {
    return new OperatorConfig(
        namespaces, runtimeImage, null, null, OperatorConfig.DEFAULT_CLUSTER_DOMAIN, 0, ssa, api);
  }

  public static Path repoRoot() {
    Path p = Path.of("").toAbsolutePath();
    while (p != null && !Files.exists(p.resolve("examples"))) {
      p = p.getParent();
    }
    return p;
  }

  /** The ChatbotDeployment of an example file (its other documents, such as Secrets, skipped). */
  public static ChatbotDeployment example(String file, String namespace) {
    ChatbotDeployment cr = Serialization.unmarshal(exampleDocument(file), ChatbotDeployment.class);
    cr.getMetadata().setNamespace(namespace);
    return cr;
  }

  /**
   * The same, exactly as written: no Java field initializer fills in what the file leaves out, so
   * what the API server returns for it shows the server's own defaults.
   */
  public static GenericKubernetesResource exampleAsWritten(String file, String namespace) {
    GenericKubernetesResource cr =
        Serialization.unmarshal(exampleDocument(file), GenericKubernetesResource.class);
    cr.getMetadata().setNamespace(namespace);
    return cr;
  }

  private static String exampleDocument(String file) {
    try (InputStream in = Files.newInputStream(repoRoot().resolve("examples").resolve(file))) {
      String yaml = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
      for (String doc : yaml.split("(?m)^---\\s*$")) {
        if (doc.contains("kind: ChatbotDeployment")) {
          return doc;
        }
      }
      throw new IllegalArgumentException("no ChatbotDeployment in " + file);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Changes a ChatbotDeployment as a user would, bumping generation (the mock server does not),
   * retrying when the operator's status write got in between.
   */
  public static void editChatbot(
      KubernetesClient client,
      String namespace,
      String name,
      java.util.function.Consumer<ChatbotDeployment> change) {
    for (int attempt = 1; ; attempt++) {
      try {
        client
            .resources(ChatbotDeployment.class)
            .inNamespace(namespace)
            .withName(name)
            .edit(
                cr -> {
                  change.accept(cr);
                  Long generation = cr.getMetadata().getGeneration();
                  cr.getMetadata().setGeneration(generation == null ? 1 : generation + 1);
                  return cr;
                });
        return;
      } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
        if (e.getCode() != 409 || attempt == 10) {
          throw e;
        }
      }
    }
  }

  /**
   * Changes a chatbot's phase, with the settings every phase needs in place (so the phase being
   * left can still be rendered while the change runs).
   */
  public static void moveToPhase(
      KubernetesClient client,
      String namespace,
      String name,
      dev.chatbot.api.v1alpha1.Phase phase) {
    editChatbot(
        client,
        namespace,
        name,
        cr -> {
          cr.getSpec().setPhase(phase);
          var hf = new dev.chatbot.api.v1alpha1.HuggingFaceSpec();
          hf.setModel("meta-llama/Llama-3.1-8B-Instruct");
          hf.setTokenSecretRef(new dev.chatbot.api.v1alpha1.SecretKeySelector("hf-token", "token"));
          cr.getSpec().setHuggingface(hf);
          var local = new dev.chatbot.api.v1alpha1.LocalSpec();
          local.setModels(java.util.List.of("qwen2.5:0.5b"));
          cr.getSpec().setLocal(local);
        });
  }

  /** Reports all replicas of a Deployment available, as its controller would. */
  public static void markAvailable(KubernetesClient client, String namespace, String name) {
    Deployment d = client.apps().deployments().inNamespace(namespace).withName(name).get();
    int replicas = d.getSpec().getReplicas() == null ? 1 : d.getSpec().getReplicas();
    d.setStatus(
        new DeploymentStatusBuilder()
            .withObservedGeneration(d.getMetadata().getGeneration())
            .withReplicas(replicas)
            .withReadyReplicas(replicas)
            .withAvailableReplicas(replicas)
            .withUpdatedReplicas(replicas)
            .build());
    client.apps().deployments().inNamespace(namespace).resource(d).updateStatus();
  }
}
