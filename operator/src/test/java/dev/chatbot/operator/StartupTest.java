package dev.chatbot.operator;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.IOException;
import java.net.ConnectException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The one line of each start-up failure (StartupProcessIT sees them from a real process). */
class StartupTest {
  static final Config CONFIG =
      new ConfigBuilder(Config.empty())
          .withAutoConfigure(false)
          .withMasterUrl("https://127.0.0.1:6443/")
          .build();

  @Test
  void anUnreachableServerNamesTheUrlAndKubeconfig() {
    var e =
        new KubernetesClientException(
            "Operation failed", new IOException("x", new ConnectException("Connection refused")));
    String line = Startup.explain(e, CONFIG).getMessage();
    assertThat(line)
        .startsWith(
            "cannot reach the Kubernetes API at https://127.0.0.1:6443/ (Connection refused)")
        .contains("set KUBECONFIG")
        .doesNotContain("\n");
  }

  @Test
  void aMissingCrdSaysWhatToApply() {
    var e =
        new KubernetesClientException(
            "Failure executing: GET at: https://127.0.0.1:6443/apis/chatbot.dev/v1alpha1/chatbotdeployments?limit=1. Message: Not Found.",
            404,
            null);
    assertThat(Startup.explain(e, CONFIG).getMessage())
        .startsWith("the ChatbotDeployment CRD (chatbotdeployments.chatbot.dev) is not installed")
        .contains("kubectl apply -f crd/chatbotdeployments.chatbot.dev-v1.yml");
  }

  @Test
  void forbiddenQuotesTheServerAndNamesTheRules() {
    var status =
        new StatusBuilder()
            .withCode(403)
            .withMessage(
                "configmaps is forbidden: User \"x\" cannot list resource \"configmaps\" in API"
                    + " group \"\" at the cluster scope")
            .build();
    var e = new KubernetesClientException(status);
    assertThat(Startup.explain(e, CONFIG).getMessage())
        .isEqualTo(
            "forbidden: configmaps is forbidden: User \"x\" cannot list resource \"configmaps\" in"
                + " API group \"\" at the cluster scope: grant the operator the rules of"
                + " helm/chatbot-operator/files/rbac-rules.yaml (the Helm chart does)");
  }

  @Test
  void theTerminationMessageIsWrittenOnlyWhereKubernetesProvidesTheFile(@TempDir Path dir)
      throws IOException {
    Path log = dir.resolve("termination-log");
    Files.createFile(log);
    Startup.writeTerminationMessage(log, "the ChatbotDeployment CRD is not installed");
    assertThat(Files.readString(log)).isEqualTo("the ChatbotDeployment CRD is not installed\n");
    Path absent = dir.resolve("absent");
    Startup.writeTerminationMessage(absent, "x");
    assertThat(absent).doesNotExist();
  }
}
