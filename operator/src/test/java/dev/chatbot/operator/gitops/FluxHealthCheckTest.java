package dev.chatbot.operator.gitops;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chatbot.api.v1alpha1.ChatbotDeployment;
import dev.chatbot.operator.gitops.StatusSamples.Argo;
import dev.chatbot.operator.gitops.StatusSamples.Flux;
import dev.chatbot.operator.gitops.StatusSamples.Sample;
import dev.chatbot.operator.status.Conditions;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionVersion;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The Flux example: its Kustomization health-checks the sample chatbot; its CEL health expressions
 * give the expected kstatus status for every sample; and the CRD and statuses follow the kstatus
 * conventions Flux relies on without the expressions.
 */
class FluxHealthCheckTest {
  static final FluxHealth CHECK = new FluxHealth();

  static List<Sample> samples() {
    return StatusSamples.all();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("samples")
  void healthCheckExpressionsGiveTheExpectedStatus(Sample sample) {
    assertThat(CHECK.evaluate(sample.object())).isEqualTo(sample.flux());
  }

  @Test
  void healthCheckExpressionsAgreeWithArgoCd() {
    // Healthy is Current; Degraded is Failed; waiting (Progressing, Suspended) is never either.
    // Except for a status without observedGeneration (the operator always writes it): Flux skips
    // the generation check then, the Lua check waits.
    for (Sample s : samples()) {
      boolean hasStatus = s.object().get("status") != null;
      if (hasStatus && FluxHealth.number(s.object(), "status", "observedGeneration") == null) {
        continue;
      }
      Flux f = CHECK.evaluate(s.object());
      assertThat(f == Flux.Current).as(s.name()).isEqualTo(s.argo() == Argo.Healthy);
      assertThat(f == Flux.Failed).as(s.name()).isEqualTo(s.argo() == Argo.Degraded);
    }
  }

  @Test
  void noInProgressExpression() {
    // Flux evaluates inProgress first; ours would only hide a failure behind it.
    assertThat(CHECK.expressions).doesNotContainKey("inProgress");
  }

  @Test
  void theKustomizationHealthChecksTheSampleChatbot() throws IOException {
    String path = CHECK.kustomization.get("spec", "path");
    List<ChatbotDeployment> chatbots = GitOpsFiles.chatbots(Paths.get("..").resolve(path));
    assertThat(chatbots).singleElement();
    ChatbotDeployment cr = chatbots.get(0);
    List<Map<String, Object>> checks = CHECK.kustomization.get("spec", "healthChecks");
    assertThat(checks)
        .singleElement()
        .satisfies(
            c ->
                assertThat(c)
                    .containsEntry("apiVersion", FluxHealth.API_VERSION)
                    .containsEntry("kind", "ChatbotDeployment")
                    .containsEntry("name", cr.getMetadata().getName())
                    .containsEntry("namespace", cr.getMetadata().getNamespace()));
    assertThat(CHECK.kustomization.<Object>get("spec", "timeout")).isNotNull();
  }

  /**
   * What kstatus needs from a custom resource (sigs.k8s.io/cli-utils kstatus, forked by Flux): a
   * status subresource (spec edits bump metadata.generation, status writes do not), an integer
   * status.observedGeneration, and standard conditions, of which it reads Reconciling and Stalled
   * (which the operator must therefore not use with another meaning) and then Ready.
   */
  @Test
  void theCrdFollowsKstatusConventions() throws IOException {
    CustomResourceDefinition crd =
        Serialization.unmarshal(
            Files.readString(Paths.get("..", "crd", "chatbotdeployments.chatbot.dev-v1.yml")),
            CustomResourceDefinition.class);
    CustomResourceDefinitionVersion v1alpha1 =
        crd.getSpec().getVersions().stream()
            .filter(v -> ChatbotDeployment.VERSION.equals(v.getName()))
            .findFirst()
            .orElseThrow();
    assertThat(v1alpha1.getSubresources().getStatus()).isNotNull();
    JSONSchemaProps status =
        v1alpha1.getSchema().getOpenAPIV3Schema().getProperties().get("status");
    assertThat(status.getProperties().get("observedGeneration").getType()).isEqualTo("integer");
    JSONSchemaProps condition = status.getProperties().get("conditions").getItems().getSchema();
    assertThat(condition.getProperties())
        .containsKeys("type", "status", "reason", "message", "lastTransitionTime");
    assertThat(conditionTypes()).contains("Ready").doesNotContain("Reconciling", "Stalled");
  }

  /**
   * Flux without healthCheckExprs (or before 2.5) reads the status with kstatus' generic rules:
   * Current once the chatbot is Ready, but a failure shows only as InProgress until the
   * Kustomization's timeout, and a resource seen before it has a Ready condition (before the
   * operator's first status write) counts as Current. The README says so; this pins it.
   */
  @Test
  void plainKstatusReadsTheStatusSafelyButSlowly() {
    for (Sample s : samples()) {
      boolean noReady =
          FluxHealth.conditions(s.object()).stream().noneMatch(c -> "Ready".equals(c.get("type")));
      assertThat(FluxHealth.plainKstatus(s.object()))
          .as(s.name())
          .isEqualTo(noReady || s.flux() == Flux.Current ? "Current" : "InProgress");
    }
  }

  static List<String> conditionTypes() {
    List<String> types = new ArrayList<>();
    for (Field f : Conditions.class.getFields()) {
      if (Modifier.isStatic(f.getModifiers()) && f.getType() == String.class) {
        try {
          types.add((String) f.get(null));
        } catch (IllegalAccessException e) {
          throw new IllegalStateException(e);
        }
      }
    }
    return types;
  }
}
