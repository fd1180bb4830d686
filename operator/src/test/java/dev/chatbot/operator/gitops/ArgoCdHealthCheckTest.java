package dev.chatbot.operator.gitops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.chatbot.api.v1alpha1.MigrationState;
import dev.chatbot.operator.gitops.StatusSamples.Argo;
import dev.chatbot.operator.gitops.StatusSamples.Sample;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import java.io.IOException;
import java.nio.file.Paths;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.luaj.vm2.Globals;
import org.luaj.vm2.LuaError;
import org.luaj.vm2.LuaValue;

/** The Argo CD health check of examples/gitops against a sample status for every situation. */
class ArgoCdHealthCheckTest {
  static final ArgoCdHealth CHECK = new ArgoCdHealth();

  static List<Sample> samples() {
    return StatusSamples.all();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("samples")
  void healthOfEachSituation(Sample sample) {
    Map<String, String> health = CHECK.evaluate(sample.object());
    assertThat(health.get("status")).isEqualTo(sample.argo().name());
    assertThat(health.get("message")).contains(sample.message());
  }

  @Test
  void samplesCoverEveryHealthAndEveryMigrationState() {
    Set<String> healths =
        samples().stream()
            .map(s -> CHECK.evaluate(s.object()).get("status"))
            .collect(Collectors.toSet());
    assertThat(healths)
        .containsExactlyInAnyOrderElementsOf(
            EnumSet.allOf(Argo.class).stream().map(Enum::name).toList());
    Set<String> states =
        samples().stream()
            .map(s -> (Map<?, ?>) s.object().get("status"))
            .filter(s -> s != null && s.get("migration") != null)
            .map(s -> (String) ((Map<?, ?>) s.get("migration")).get("state"))
            .collect(Collectors.toSet());
    assertThat(states)
        .containsExactlyInAnyOrderElementsOf(
            EnumSet.allOf(MigrationState.class).stream().map(Enum::name).toList());
  }

  @Test
  void generationAsJsonNumberStringIsReadToo() {
    // Argo CD hands json.Number values to Lua as strings; tonumber() must cope.
    Map<String, Object> object =
        samples().stream()
            .filter(s -> s.name().contains("observedGeneration older"))
            .findFirst()
            .orElseThrow()
            .object();
    @SuppressWarnings("unchecked")
    Map<String, Object> metadata = (Map<String, Object>) object.get("metadata");
    metadata.put("generation", "3");
    assertThat(CHECK.evaluate(object)).containsEntry("status", "Progressing");
  }

  @Test
  void theSandboxHasNoStringLibrary() {
    // So a script that used string.* (which fails in Argo CD) fails here too.
    Globals globals = ArgoCdHealth.sandbox();
    assertThat(globals.get("string").isnil()).isTrue();
    assertThat(globals.get("math").isnil()).isTrue();
    LuaValue probe = globals.load("return ('x'):upper()", "probe");
    assertThatThrownBy(probe::call).isInstanceOf(LuaError.class);
  }

  @Test
  void theConfigMapIsOneArgoCdReads() {
    assertThat(CHECK.configMap.getMetadata().getName()).isEqualTo("argocd-cm");
    // Argo CD only reads an argocd-cm that carries this label.
    assertThat(CHECK.configMap.getMetadata().getLabels())
        .containsEntry("app.kubernetes.io/part-of", "argocd");
  }

  @Test
  void theApplicationDeploysTheSampleChatbot() throws IOException {
    GenericKubernetesResource app =
        GitOpsFiles.documents(Paths.get("..", "examples", "gitops", "argocd", "application.yaml"))
            .get(0);
    assertThat(app.getKind()).isEqualTo("Application");
    String path = app.get("spec", "source", "path");
    assertThat(GitOpsFiles.chatbots(Paths.get("..").resolve(path)))
        .singleElement()
        .satisfies(
            cr ->
                assertThat(cr.getMetadata().getNamespace())
                    .isEqualTo(app.get("spec", "destination", "namespace")));
  }
}
