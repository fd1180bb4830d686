package dev.chatbot.operator.realserver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.chatbot.api.v1alpha1.ChatbotDeployment;
import dev.chatbot.api.v1alpha1.ChatbotDeploymentSpec;
import dev.chatbot.api.v1alpha1.Phase;
import dev.chatbot.operator.envtest.ApiServer;
import dev.chatbot.operator.envtest.RealApiServer;
import dev.chatbot.operator.envtest.TestNamespace;
import dev.chatbot.operator.support.Fixtures;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Test 1: the generated CRD installs on a real 1.20 server and the server serves the examples. */
@RealApiServer
class CrdInstallIT {
  static final String API_VERSION = ChatbotDeployment.GROUP + "/" + ChatbotDeployment.VERSION;
  static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void theGeneratedCrdInstallsBecomesEstablishedAndAcceptsEveryExample(
      ApiServer server, KubernetesClient admin, @TestNamespace String ns) throws IOException {
    CustomResourceDefinition installed = RealServer.installCrd(admin);

    // Found here: `kubectl apply --server-side` of the generated CRD fails on 1.20, because SSA
    // builds a typed patch and 1.20's CRD schema has no x-kubernetes-validations. Helm and
    // client-side apply (create/update, as installCrd does) work and drop the CEL rules.
    // (The server answers 500; a client without retries keeps this fast.)
    try (KubernetesClient noRetries =
        new io.fabric8.kubernetes.client.KubernetesClientBuilder()
            .withConfig(
                new io.fabric8.kubernetes.client.ConfigBuilder(server.adminConfig())
                    .withRequestRetryBackoffLimit(0)
                    .build())
            .build()) {
      assertThatThrownBy(
              () ->
                  noRetries
                      .resource(RealServer.loadCrd(admin))
                      .fieldManager("ssa-installer")
                      .forceConflicts()
                      .serverSideApply())
          .isInstanceOf(KubernetesClientException.class)
          .hasMessageContaining("x-kubernetes-validations: field not declared in schema");
    }

    assertThat(installed.getStatus().getConditions())
        .anySatisfy(
            c -> {
              assertThat(c.getType()).isEqualTo("Established");
              assertThat(c.getStatus()).isEqualTo("True");
            })
        .anySatisfy(
            c -> {
              assertThat(c.getType()).isEqualTo("NamesAccepted");
              assertThat(c.getStatus()).isEqualTo("True");
            });
    assertThat(installed.getStatus().getAcceptedNames().getShortNames())
        .containsExactlyInAnyOrder("cbd", "chatbot");
    assertThat(installed.getSpec().getVersions())
        .singleElement()
        .satisfies(
            v -> {
              assertThat(v.getName()).isEqualTo("v1alpha1");
              assertThat(v.getServed()).isTrue();
              assertThat(v.getSubresources().getStatus()).isNotNull();
            });
    // 1.20 knows no CEL: the x-kubernetes-validations of the generated CRD are dropped on the
    // floor, which is why the operator repeats those rules (SpecValidator, see BadInputIT).
    assertThat(Files.readString(RealServer.crdFile())).contains("x-kubernetes-validations");
    assertThat(io.fabric8.kubernetes.client.utils.Serialization.asYaml(installed.getSpec()))
        .doesNotContain("x-kubernetes-validations");

    List<String> files;
    try (Stream<Path> list = Files.list(Fixtures.repoRoot().resolve("examples"))) {
      files =
          list.map(p -> p.getFileName().toString())
              .filter(f -> f.endsWith(".yaml"))
              .sorted()
              .toList();
    }
    assertThat(files).contains("mock.yaml", "huggingface.yaml", "local-download.yaml");
    // Created and read back raw (no Java type, so no field initializer can stand in for a
    // default the server did not apply); the mock server applies none.
    var raw = admin.genericKubernetesResources(API_VERSION, "ChatbotDeployment").inNamespace(ns);
    for (String file : files) {
      GenericKubernetesResource created =
          raw.resource(Fixtures.exampleAsWritten(file, ns)).create();
      assertThat(created.getMetadata().getUid()).as(file).isNotBlank();
      JsonNode spec = JSON.valueToTree(created.getAdditionalProperties().get("spec"));
      for (String path :
          List.of(
              "/migration/strategy",
              "/chat/maxTokens",
              "/frontend/service/type",
              "/backend/autoscaling/enabled")) {
        assertThat(spec.at(path).isMissingNode()).as(file + " " + path + " defaulted").isFalse();
      }
      if (file.equals("mock.yaml")) {
        // It sets only the phase: every other value is a schema default, each as the Java one.
        ChatbotDeploymentSpec defaults = new ChatbotDeploymentSpec();
        defaults.setPhase(Phase.MOCK);
        assertThat(spec).isEqualTo(JSON.valueToTree(defaults));
      }
    }
    assertThat(admin.resources(ChatbotDeployment.class).inNamespace(ns).list().getItems())
        .hasSize(files.size());
    System.out.printf(
        "real server: CRD %s established; %d examples accepted: %s%n",
        RealServer.CRD_NAME, files.size(), files);
  }
}
