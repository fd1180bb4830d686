package dev.chatbot.operator.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.chatbot.api.v1alpha1.ChatbotDeployment;
import dev.chatbot.operator.validation.SpecValidator;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Every problem of a ChatbotDeployment document, with the rules the operator lives by: the CRD's
 * schema as the API server checks it, then the operator's own {@link SpecValidator} (the CEL rules
 * and the rules only the operator knows) on what the server would accept.
 */
final class Checker {
  private final CrdSchema schema = CrdSchema.load();

  /**
   * The outcome for one document.
   *
   * @param problems every problem, schema first; empty when the operator would accept it
   * @param resource the resource as the operator sees it (Java defaults filled in, the same as the
   *     schema's), null when the document is not even of the CRD's shape
   */
  record Result(List<Problem> problems, ChatbotDeployment resource) {
    boolean valid() {
      return problems.isEmpty();
    }
  }

  Result check(JsonNode doc) {
    List<Problem> problems = new ArrayList<>();
    String apiVersion = doc.path("apiVersion").asText("");
    if (!ChatbotFile.API_VERSION.equals(apiVersion)) {
      problems.add(
          new Problem(
              "apiVersion",
              (apiVersion.isEmpty() ? "Required value" : "\"" + apiVersion + "\" is not served")
                  + ": use "
                  + ChatbotFile.API_VERSION));
    }
    problems.addAll(schema.validate(doc));
    ChatbotDeployment cr = resource(doc);
    if (cr == null && !problems.isEmpty()) {
      // A value the classes cannot hold (a phase or bridge the API does not know): the schema
      // named it; the rest of the resource still gets the operator's rules.
      JsonNode rest = doc.deepCopy();
      problems.forEach(p -> remove(rest, p.field()));
      cr = resource(rest);
    }
    if (cr == null) {
      return new Result(List.copyOf(problems), null);
    }
    if (cr.getMetadata() == null) {
      cr.setMetadata(new io.fabric8.kubernetes.api.model.ObjectMeta());
    }
    Set<String> named = new HashSet<>();
    problems.forEach(p -> named.add(p.field()));
    for (SpecValidator.Violation v : SpecValidator.validate(cr)) {
      if (!named.contains(v.field())) {
        problems.add(new Problem(v.field(), v.message()));
      }
    }
    return new Result(List.copyOf(problems), cr);
  }

  private static ChatbotDeployment resource(JsonNode doc) {
    try {
      return Serialization.jsonMapper().treeToValue(doc, ChatbotDeployment.class);
    } catch (Exception e) {
      return null;
    }
  }

  /** Removes the field at a dotted path such as spec.local.bridge (list items: name[2]). */
  private static void remove(JsonNode root, String path) {
    String[] parts = path.split("\\.");
    JsonNode node = root;
    for (int i = 0; i < parts.length && node != null; i++) {
      String part = parts[i];
      int bracket = part.indexOf('[');
      String name = bracket < 0 ? part : part.substring(0, bracket);
      boolean last = i == parts.length - 1;
      if (last && bracket < 0) {
        if (node instanceof ObjectNode object) {
          object.remove(name);
        }
        return;
      }
      node = node.get(name);
      if (bracket >= 0 && node != null) {
        int index = Integer.parseInt(part.substring(bracket + 1, part.indexOf(']', bracket)));
        if (last) {
          if (node instanceof ArrayNode array && index < array.size()) {
            array.remove(index);
          }
          return;
        }
        node = node.get(index);
      }
    }
  }
}
