package dev.chatbot.operator.gitops;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cel.common.CelAbstractSyntaxTree;
import dev.cel.common.types.SimpleType;
import dev.cel.compiler.CelCompiler;
import dev.cel.compiler.CelCompilerFactory;
import dev.cel.parser.CelStandardMacro;
import dev.cel.runtime.CelRuntime;
import dev.cel.runtime.CelRuntimeFactory;
import dev.chatbot.api.v1alpha1.ChatbotDeployment;
import dev.chatbot.operator.gitops.StatusSamples.Argo;
import dev.chatbot.operator.gitops.StatusSamples.Flux;
import dev.chatbot.operator.gitops.StatusSamples.Sample;
import dev.chatbot.operator.reconciler.Conditions;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionVersion;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The Flux example: its Kustomization health-checks the sample chatbot; its CEL health expressions,
 * evaluated with cel-java in Flux's order, give the expected kstatus status for every sample; and
 * the CRD and statuses follow the kstatus conventions Flux relies on without the expressions.
 */
class FluxHealthCheckTest {
  static final Path GITOPS = Paths.get("..", "examples", "gitops");
  static final String API_VERSION = ChatbotDeployment.GROUP + "/" + ChatbotDeployment.VERSION;

  static GenericKubernetesResource kustomization;
  static CelRuntime.Program current;
  static CelRuntime.Program failed;

  @BeforeAll
  static void load() throws Exception {
    kustomization =
        GitOpsFiles.documents(GITOPS.resolve("flux").resolve("kustomization.yaml")).stream()
            .filter(r -> "Kustomization".equals(r.getKind()))
            .findFirst()
            .orElseThrow();
    List<Map<String, Object>> exprs = kustomization.get("spec", "healthCheckExprs");
    Map<String, Object> ours =
        exprs.stream()
            .filter(e -> API_VERSION.equals(e.get("apiVersion")))
            .filter(e -> "ChatbotDeployment".equals(e.get("kind")))
            .findFirst()
            .orElseThrow();
    assertThat(ours).doesNotContainKey("inProgress");
    current = program((String) ours.get("current"));
    failed = program((String) ours.get("failed"));
  }

  static List<Sample> samples() {
    return StatusSamples.all();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("samples")
  void healthCheckExpressionsGiveTheExpectedStatus(Sample sample) {
    assertThat(flux(sample.object())).isEqualTo(sample.flux());
  }

  @Test
  void healthCheckExpressionsAgreeWithArgoCd() {
    // Healthy is Current; Degraded is Failed; waiting (Progressing, Suspended) is never either.
    // Except for a status without observedGeneration (the operator always writes it): Flux skips
    // the generation check then, the Lua check waits.
    for (Sample s : samples()) {
      if (s.object().get("status") != null
          && number(s.object(), "status", "observedGeneration") == null) {
        continue;
      }
      Flux f = flux(s.object());
      assertThat(f == Flux.Current).as(s.name()).isEqualTo(s.argo() == Argo.Healthy);
      assertThat(f == Flux.Failed).as(s.name()).isEqualTo(s.argo() == Argo.Degraded);
    }
  }

  @Test
  void theKustomizationHealthChecksTheSampleChatbot() throws IOException {
    String path = kustomization.get("spec", "path");
    List<ChatbotDeployment> chatbots = GitOpsFiles.chatbots(Paths.get("..").resolve(path));
    assertThat(chatbots).singleElement();
    ChatbotDeployment cr = chatbots.get(0);
    List<Map<String, Object>> checks = kustomization.get("spec", "healthChecks");
    assertThat(checks)
        .singleElement()
        .satisfies(
            c -> {
              assertThat(c)
                  .containsEntry("apiVersion", API_VERSION)
                  .containsEntry("kind", "ChatbotDeployment")
                  .containsEntry("name", cr.getMetadata().getName())
                  .containsEntry("namespace", cr.getMetadata().getNamespace());
            });
    assertThat(kustomization.<Object>get("spec", "timeout")).isNotNull();
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
   * operator's first status write) counts as Current. The README says so; this pins it. The rules
   * are kstatus' Compute for a kind it has no reader for: observedGeneration, then
   * Reconciling/Stalled, then Ready, else Current.
   */
  @Test
  void plainKstatusReadsTheStatusSafelyButSlowly() {
    for (Sample s : samples()) {
      boolean noReady =
          conditions(s.object()).stream().noneMatch(c -> "Ready".equals(c.get("type")));
      assertThat(plainKstatus(s.object()))
          .as(s.name())
          .isEqualTo(noReady || s.flux() == Flux.Current ? "Current" : "InProgress");
    }
  }

  // --- Flux's evaluation, as in fluxcd/pkg runtime/cel StatusEvaluator (RFC 0009) ---

  static Flux flux(Map<String, Object> object) {
    Long observed = number(object, "status", "observedGeneration");
    Long generation = number(object, "metadata", "generation");
    if (observed != null && generation != null && !observed.equals(generation)) {
      return Flux.InProgress;
    }
    Map<String, Object> activation = celValues(object);
    for (var e : List.of(Map.entry(failed, Flux.Failed), Map.entry(current, Flux.Current))) {
      Object result;
      try {
        result = e.getKey().eval(activation);
      } catch (Exception ex) {
        return Flux.Unknown;
      }
      if (!(result instanceof Boolean)) {
        return Flux.Unknown; // cel-go errors where cel-java yields an unknown: no such attribute
      }
      if ((Boolean) result) {
        return e.getValue();
      }
    }
    return Flux.InProgress;
  }

  static CelRuntime.Program program(String expression) throws Exception {
    assertThat(expression).isNotBlank();
    // Flux parses without declarations; cel-java evaluates checked expressions only, so the
    // resource's top-level fields are declared as dyn, which checks nothing more.
    CelCompiler compiler =
        CelCompilerFactory.standardCelCompilerBuilder()
            .setStandardMacros(CelStandardMacro.STANDARD_MACROS)
            .addVar("apiVersion", SimpleType.DYN)
            .addVar("kind", SimpleType.DYN)
            .addVar("metadata", SimpleType.DYN)
            .addVar("spec", SimpleType.DYN)
            .addVar("status", SimpleType.DYN)
            .build();
    CelAbstractSyntaxTree ast = compiler.compile(expression).getAst();
    return CelRuntimeFactory.standardCelRuntimeBuilder().build().createProgram(ast);
  }

  /** JSON numbers as CEL ints (Long), the rest as it is. */
  @SuppressWarnings("unchecked")
  static <T> T celValues(Object value) {
    if (value instanceof Map<?, ?> map) {
      Map<String, Object> out = new LinkedHashMap<>();
      map.forEach((k, v) -> out.put(String.valueOf(k), celValues(v)));
      return (T) out;
    }
    if (value instanceof List<?> list) {
      List<Object> out = new ArrayList<>();
      list.forEach(v -> out.add(celValues(v)));
      return (T) out;
    }
    if (value instanceof Integer i) {
      return (T) Long.valueOf(i);
    }
    return (T) value;
  }

  // --- kstatus' generic rules for a kind without its own reader ---

  static String plainKstatus(Map<String, Object> object) {
    Long observed = number(object, "status", "observedGeneration");
    Long generation = number(object, "metadata", "generation");
    if (observed != null && !Objects.equals(observed, generation)) {
      return "InProgress";
    }
    List<Map<String, Object>> conditions = conditions(object);
    for (Map<String, Object> c : conditions) {
      if ("Reconciling".equals(c.get("type")) && "True".equals(c.get("status"))) {
        return "InProgress";
      }
      if ("Stalled".equals(c.get("type")) && "True".equals(c.get("status"))) {
        return "Failed";
      }
    }
    for (Map<String, Object> c : conditions) {
      if ("Ready".equals(c.get("type"))) {
        return "True".equals(c.get("status")) ? "Current" : "InProgress";
      }
    }
    return "Current";
  }

  @SuppressWarnings("unchecked")
  static List<Map<String, Object>> conditions(Map<String, Object> object) {
    Map<String, Object> status = (Map<String, Object>) object.get("status");
    if (status == null || status.get("conditions") == null) {
      return List.of();
    }
    return (List<Map<String, Object>>) status.get("conditions");
  }

  @SuppressWarnings("unchecked")
  static Long number(Map<String, Object> object, String parent, String field) {
    Map<String, Object> p = (Map<String, Object>) object.get(parent);
    Object v = p == null ? null : p.get(field);
    return v == null ? null : Long.valueOf(v.toString());
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
