package dev.chatbot.api.v1alpha1;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceColumnDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionVersion;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import io.fabric8.kubernetes.api.model.apiextensions.v1.ValidationRule;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Key facts of the generated ChatbotDeployment CRD schema. */
class ChatbotDeploymentSchemaTest {
  /**
   * Properties still without a description, and why: they come from types outside this project
   * (fabric8's Toleration and Condition) or are the spec/status roots the generator does not
   * describe. The list may only shrink: a newly undocumented property fails the test, and so does
   * an entry here that has become documented.
   */
  // The spec and status roots come from fabric8's CustomResource, whose fields take no
  // description; everything below them is documented.
  static final Set<String> KNOWN_UNDOCUMENTED = Set.of(".spec", ".status");

  static CustomResourceDefinition crd;
  static CustomResourceDefinitionVersion version;
  static JSONSchemaProps spec;

  @BeforeAll
  @SuppressWarnings("deprecation")
  static void load() throws IOException {
    crd =
        Serialization.unmarshal(
            Files.readString(CrdInSyncTest.GENERATED), CustomResourceDefinition.class);
    version = crd.getSpec().getVersions().get(0);
    spec = version.getSchema().getOpenAPIV3Schema().getProperties().get("spec");
  }

  @Test
  void namesScopeAndVersion() {
    assertThat(crd.getMetadata().getName()).isEqualTo("chatbotdeployments.chatbot.dev");
    assertThat(crd.getSpec().getGroup()).isEqualTo("chatbot.dev");
    assertThat(crd.getSpec().getScope()).isEqualTo("Namespaced");
    assertThat(crd.getSpec().getNames().getKind()).isEqualTo("ChatbotDeployment");
    assertThat(crd.getSpec().getNames().getPlural()).isEqualTo("chatbotdeployments");
    assertThat(crd.getSpec().getNames().getShortNames()).contains("cbd", "chatbot");
    assertThat(crd.getSpec().getVersions()).hasSize(1);
    assertThat(version.getName()).isEqualTo("v1alpha1");
    assertThat(version.getServed()).isTrue();
    assertThat(version.getStorage()).isTrue();
  }

  @Test
  void statusSubresourceAndPrinterColumns() {
    assertThat(version.getSubresources()).isNotNull();
    assertThat(version.getSubresources().getStatus()).isNotNull();
    assertThat(version.getAdditionalPrinterColumns())
        .extracting(CustomResourceColumnDefinition::getName)
        .contains("Phase", "Active", "Ready", "Endpoint", "Age");
    assertThat(column("Phase").getJsonPath()).isEqualTo(".spec.phase");
    assertThat(column("Age").getJsonPath()).isEqualTo(".metadata.creationTimestamp");
  }

  @Test
  void phaseIsARequiredEnum() {
    JSONSchemaProps phase = spec.getProperties().get("phase");
    assertThat(phase.getEnum())
        .extracting(n -> n.asText())
        .containsExactlyInAnyOrder("mock", "huggingface", "local");
    assertThat(spec.getRequired()).contains("phase");
  }

  @Test
  void defaults() {
    JSONSchemaProps frontendAutoscaling = at("frontend", "autoscaling");
    assertThat(at("frontend").getDefault().get("autoscaling").get("minReplicas").asInt())
        .isEqualTo(2);
    assertThat(frontendAutoscaling.getDefault().get("minReplicas").asInt()).isEqualTo(2);
    assertThat(frontendAutoscaling.getDefault().get("maxReplicas").asInt()).isEqualTo(10);
    assertThat(frontendAutoscaling.getDefault().get("targetCPUUtilizationPercentage").asInt())
        .isEqualTo(70);
    assertThat(at("local", "storage", "size").getDefault().asText()).isEqualTo("20Gi");
    assertThat(at("migration", "progressDeadlineSeconds").getDefault().asInt()).isEqualTo(600);
    assertThat(at("huggingface", "endpoint").getDefault().asText())
        .isEqualTo("https://router.huggingface.co/v1");
  }

  /**
   * The schema's defaults (what the API server fills in) and the Java field initializers (what the
   * operator sees when a cluster or a test leaves a field out) come from the same named constants;
   * this holds them equal for every defaulted property, enums included.
   */
  @Test
  void everySchemaDefaultIsTheJavaDefault() {
    ChatbotDeploymentSpec withEverySection =
        Serialization.unmarshal(
            "{\"phase\":\"mock\",\"huggingface\":{\"tokenSecretRef\":{}},\"local\":{}}",
            ChatbotDeploymentSpec.class);
    JsonNode java = Serialization.jsonMapper().valueToTree(withEverySection);
    List<String> checked = new ArrayList<>();
    List<String> differing = new ArrayList<>();
    compareDefaults(spec, java, ".spec", checked, differing);
    assertThat(checked).as("defaulted properties").hasSizeGreaterThan(25);
    assertThat(differing).as("schema default differs from the Java default").isEmpty();
  }

  private static void compareDefaults(
      JSONSchemaProps node,
      JsonNode java,
      String path,
      List<String> checked,
      List<String> differing) {
    if (node.getDefault() != null) {
      (contains(java, node.getDefault()) ? checked : differing)
          .add(path + " " + node.getDefault() + " vs " + java);
    }
    if (node.getProperties() != null) {
      node.getProperties()
          .forEach(
              (name, child) ->
                  compareDefaults(
                      child,
                      java == null ? null : java.get(name),
                      path + "." + name,
                      checked,
                      differing));
    }
  }

  /** Whether {@code actual} holds {@code expected}: every field of an object, a value exactly. */
  private static boolean contains(JsonNode actual, JsonNode expected) {
    if (actual == null) {
      return false;
    }
    if (expected.isObject()) {
      for (Map.Entry<String, JsonNode> field : expected.properties()) {
        if (!contains(actual.get(field.getKey()), field.getValue())) {
          return false;
        }
      }
      return true;
    }
    if (expected.isNumber() && actual.isNumber()) {
      return expected.decimalValue().compareTo(actual.decimalValue()) == 0;
    }
    return expected.equals(actual);
  }

  @Test
  void validationRules() {
    assertThat(rules(at("frontend", "autoscaling")))
        .anySatisfy(r -> assertThat(r).contains("self.minReplicas <= self.maxReplicas"));
    assertThat(rules(at("backend", "autoscaling")))
        .anySatisfy(r -> assertThat(r).contains("self.minReplicas <= self.maxReplicas"));
    assertThat(rules(spec))
        .anySatisfy(r -> assertThat(r).contains("'huggingface'").contains("self.huggingface.model"))
        .anySatisfy(
            r ->
                assertThat(r).contains("'huggingface'").contains("self.huggingface.tokenSecretRef"))
        .anySatisfy(r -> assertThat(r).contains("'local'").contains("self.local.models"));
  }

  @Test
  void everyPropertyIsDocumented() {
    List<String> undocumented = new ArrayList<>();
    List<String> seen = new ArrayList<>();
    walk(version.getSchema().getOpenAPIV3Schema(), "", undocumented, seen);
    assertThat(seen).as("schema walk").hasSizeGreaterThan(50);
    assertThat(undocumented)
        .as("properties without a description (add @JsonPropertyDescription)")
        .containsExactlyInAnyOrderElementsOf(KNOWN_UNDOCUMENTED);
  }

  private static void walk(
      JSONSchemaProps node, String path, List<String> undocumented, List<String> seen) {
    if (node == null) {
      return;
    }
    if (node.getProperties() != null) {
      for (Map.Entry<String, JSONSchemaProps> e : node.getProperties().entrySet()) {
        String child = path + "." + e.getKey();
        seen.add(child);
        String description = e.getValue().getDescription();
        if (description == null || description.isBlank()) {
          undocumented.add(child);
        }
        walk(e.getValue(), child, undocumented, seen);
      }
    }
    if (node.getItems() != null) {
      walk(node.getItems().getSchema(), path + "[]", undocumented, seen);
    }
    if (node.getAdditionalProperties() != null) {
      walk(node.getAdditionalProperties().getSchema(), path + "{}", undocumented, seen);
    }
  }

  private static JSONSchemaProps at(String... path) {
    JSONSchemaProps node = spec;
    for (String p : path) {
      assertThat(node.getProperties()).as("spec." + String.join(".", path)).containsKey(p);
      node = node.getProperties().get(p);
    }
    return node;
  }

  private static List<String> rules(JSONSchemaProps node) {
    List<ValidationRule> rules = node.getXKubernetesValidations();
    assertThat(rules).as("x-kubernetes-validations").isNotNull();
    return rules.stream().map(ValidationRule::getRule).toList();
  }

  private static CustomResourceColumnDefinition column(String name) {
    return version.getAdditionalPrinterColumns().stream()
        .filter(c -> c.getName().equals(name))
        .findFirst()
        .orElseThrow();
  }
}
