package dev.chatbot.operator.gitops;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cel.common.CelAbstractSyntaxTree;
import dev.cel.common.CelValidationException;
import dev.cel.common.types.SimpleType;
import dev.cel.compiler.CelCompiler;
import dev.cel.compiler.CelCompilerFactory;
import dev.cel.parser.CelStandardMacro;
import dev.cel.runtime.CelEvaluationException;
import dev.cel.runtime.CelRuntime;
import dev.cel.runtime.CelRuntimeFactory;
import dev.chatbot.api.v1alpha1.ChatbotDeployment;
import dev.chatbot.operator.gitops.StatusSamples.Flux;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Flux's view of a ChatbotDeployment: the health check expressions of examples/gitops (CEL,
 * evaluated with cel-java in the order of fluxcd/pkg's StatusEvaluator, RFC 0009), and kstatus'
 * generic rules for a kind without its own reader (what Flux uses without the expressions).
 */
final class FluxHealth {
  static final Path FILE = Paths.get("..", "examples", "gitops", "flux", "kustomization.yaml");
  static final String API_VERSION = ChatbotDeployment.GROUP + "/" + ChatbotDeployment.VERSION;

  final GenericKubernetesResource kustomization;
  final Map<String, Object> expressions;
  final CelRuntime.Program current;
  final CelRuntime.Program failed;

  FluxHealth() {
    try {
      kustomization =
          GitOpsFiles.documents(FILE).stream()
              .filter(r -> "Kustomization".equals(r.getKind()))
              .findFirst()
              .orElseThrow();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    List<Map<String, Object>> all = kustomization.get("spec", "healthCheckExprs");
    expressions =
        all.stream()
            .filter(e -> API_VERSION.equals(e.get("apiVersion")))
            .filter(e -> "ChatbotDeployment".equals(e.get("kind")))
            .findFirst()
            .orElseThrow();
    current = program((String) expressions.get("current"));
    failed = program((String) expressions.get("failed"));
  }

  /**
   * observedGeneration first, then the expressions (inProgress, failed, current), else InProgress.
   */
  Flux evaluate(Map<String, Object> object) {
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
      } catch (CelEvaluationException ex) {
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

  /** kstatus' Compute for an unknown kind: observedGeneration, Reconciling/Stalled, Ready. */
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

  static CelRuntime.Program program(String expression) {
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
    try {
      CelAbstractSyntaxTree ast = compiler.compile(expression).getAst();
      return CelRuntimeFactory.standardCelRuntimeBuilder().build().createProgram(ast);
    } catch (CelValidationException | CelEvaluationException e) {
      throw new AssertionError("bad CEL expression: " + expression, e);
    }
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
}
