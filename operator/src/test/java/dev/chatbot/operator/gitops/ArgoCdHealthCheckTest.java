package dev.chatbot.operator.gitops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.chatbot.api.v1alpha1.MigrationState;
import dev.chatbot.operator.gitops.StatusSamples.Argo;
import dev.chatbot.operator.gitops.StatusSamples.Sample;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.luaj.vm2.Globals;
import org.luaj.vm2.LoadState;
import org.luaj.vm2.LuaError;
import org.luaj.vm2.LuaString;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.compiler.LuaC;
import org.luaj.vm2.lib.PackageLib;
import org.luaj.vm2.lib.TableLib;
import org.luaj.vm2.lib.jse.JseBaseLib;

/**
 * Runs the Argo CD health check of examples/gitops (the Lua in the argocd-cm patch, byte for byte)
 * with luaj against every sample status, in a sandbox like Argo CD's: base, package and table
 * libraries only (Argo CD adds a safe os library the script does not use; no string library).
 */
class ArgoCdHealthCheckTest {
  static final Path GITOPS = Paths.get("..", "examples", "gitops");
  static final String KEY = "resource.customizations.health.chatbot.dev_ChatbotDeployment";

  static String script;

  @BeforeAll
  static void load() throws IOException {
    ConfigMap cm =
        Serialization.unmarshal(
            Files.readString(GITOPS.resolve("argocd").resolve("argocd-cm-health.yaml")),
            ConfigMap.class);
    assertThat(cm.getMetadata().getName()).isEqualTo("argocd-cm");
    // Argo CD only reads an argocd-cm that carries this label.
    assertThat(cm.getMetadata().getLabels()).containsEntry("app.kubernetes.io/part-of", "argocd");
    script = cm.getData().get(KEY);
    assertThat(script).as("data key %s", KEY).isNotBlank();
  }

  static List<Sample> samples() {
    return StatusSamples.all();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("samples")
  void healthOfEachSituation(Sample sample) {
    Map<String, String> health = run(sample.object());
    assertThat(health.get("status")).isEqualTo(sample.argo().name());
    assertThat(health.get("message")).contains(sample.message());
  }

  @Test
  void samplesCoverEveryHealthAndEveryMigrationState() {
    Set<Argo> healths =
        samples().stream()
            .map(s -> Argo.valueOf(run(s.object()).get("status")))
            .collect(Collectors.toSet());
    assertThat(healths).isEqualTo(EnumSet.allOf(Argo.class));
    Set<String> states =
        samples().stream()
            .map(Sample::object)
            .map(o -> (Map<?, ?>) o.get("status"))
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
    assertThat(run(object)).containsEntry("status", "Progressing");
  }

  @Test
  void theSandboxHasNoStringLibrary() {
    // So the test fails if the script starts using string.* like Argo CD would at run time.
    Globals globals = argoLikeGlobals();
    assertThat(globals.get("string").isnil()).isTrue();
    assertThat(globals.get("math").isnil()).isTrue();
    LuaValue probe = globals.load("return ('x'):upper()", "probe");
    assertThatThrownBy(probe::call).isInstanceOf(LuaError.class);
  }

  @Test
  void theApplicationDeploysTheSampleChatbot() throws IOException {
    GenericKubernetesResource app =
        GitOpsFiles.documents(GITOPS.resolve("argocd").resolve("application.yaml")).get(0);
    assertThat(app.getKind()).isEqualTo("Application");
    String path = app.get("spec", "source", "path");
    assertThat(GitOpsFiles.chatbots(Paths.get("..").resolve(path)))
        .singleElement()
        .satisfies(
            cr ->
                assertThat(cr.getMetadata().getNamespace())
                    .isEqualTo(app.get("spec", "destination", "namespace")));
  }

  // --- helpers ---

  Map<String, String> run(Map<String, Object> object) {
    Globals globals = argoLikeGlobals();
    globals.set("obj", toLua(object));
    LuaValue result = globals.load(script, "health.lua").call();
    assertThat(result.istable()).as("the script returns a table").isTrue();
    return Map.of(
        "status", result.get("status").tojstring(), "message", result.get("message").tojstring());
  }

  static Globals argoLikeGlobals() {
    // luaj keeps the string metatable in a static; drop it so string methods fail as in Argo CD.
    LuaString.s_metatable = null;
    Globals globals = new Globals();
    globals.load(new JseBaseLib());
    globals.load(new PackageLib());
    globals.load(new TableLib());
    LoadState.install(globals);
    LuaC.install(globals);
    return globals;
  }

  /** JSON-shaped values to Lua the way Argo CD does (numbers as floats, lists 1-based). */
  static LuaValue toLua(Object value) {
    if (value == null) {
      return LuaValue.NIL;
    }
    if (value instanceof Map<?, ?> map) {
      LuaTable t = new LuaTable();
      map.forEach((k, v) -> t.set(String.valueOf(k), toLua(v)));
      return t;
    }
    if (value instanceof List<?> list) {
      LuaTable t = new LuaTable();
      for (int i = 0; i < list.size(); i++) {
        t.set(i + 1, toLua(list.get(i)));
      }
      return t;
    }
    if (value instanceof Number n) {
      return LuaValue.valueOf(n.doubleValue());
    }
    if (value instanceof Boolean b) {
      return LuaValue.valueOf(b);
    }
    return LuaValue.valueOf(value.toString());
  }
}
