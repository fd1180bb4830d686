package dev.chatbot.operator.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeType;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * The generated CRD's OpenAPI v3 schema (the copy in the API jar), checked as the API server checks
 * a ChatbotDeployment before storing it: types, enums, patterns, ranges, lengths, item counts and
 * required fields, with messages in the server's words. Fields the schema does not know are
 * reported too: the server drops them silently, and {@code kubectl apply} (strict validation)
 * refuses them. The CEL rules are not evaluated here: {@code SpecValidator} repeats them.
 */
final class CrdSchema {
  static final String RESOURCE = "/META-INF/fabric8/chatbotdeployments.chatbot.dev-v1.yml";

  private static final Pattern DNS_SUBDOMAIN =
      Pattern.compile("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$");
  private static final Pattern DNS_LABEL = Pattern.compile("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$");

  private final JsonNode schema;
  private final Map<String, Pattern> patterns = new ConcurrentHashMap<>();

  private CrdSchema(JsonNode schema) {
    this.schema = schema;
  }

  /** The schema of the CRD version the operator serves. */
  static CrdSchema load() {
    try (InputStream in = CrdSchema.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException(RESOURCE + " is not on the class path");
      }
      JsonNode crd = Serialization.yamlMapper().readTree(in);
      for (JsonNode version : crd.path("spec").path("versions")) {
        if (ChatbotFile.VERSION.equals(version.path("name").asText())) {
          return new CrdSchema(version.path("schema").path("openAPIV3Schema"));
        }
      }
      throw new IllegalStateException("no version " + ChatbotFile.VERSION + " in " + RESOURCE);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Every schema problem of one ChatbotDeployment document (apiVersion and kind already known). */
  List<Problem> validate(JsonNode resource) {
    List<Problem> out = new ArrayList<>();
    metadata(out, resource.path("metadata"));
    Iterator<Map.Entry<String, JsonNode>> fields = resource.fields();
    while (fields.hasNext()) {
      Map.Entry<String, JsonNode> f = fields.next();
      switch (f.getKey()) {
        case "apiVersion", "kind", "metadata" -> {}
        // Written by the operator through the status subresource; an apply ignores it.
        case "status" -> {}
        default -> {
          JsonNode property = schema.path("properties").path(f.getKey());
          if (property.isMissingNode()) {
            out.add(unknown(f.getKey()));
          } else {
            check(out, property, f.getValue(), f.getKey());
          }
        }
      }
    }
    required(out, schema, resource, "");
    return out;
  }

  private static void metadata(List<Problem> out, JsonNode metadata) {
    String name = metadata.path("name").asText("");
    if (name.isEmpty()) {
      if (metadata.path("generateName").asText("").isEmpty()) {
        out.add(new Problem("metadata.name", "Required value: name or generateName is required"));
      }
    } else if (name.length() > 253 || !DNS_SUBDOMAIN.matcher(name).matches()) {
      out.add(
          new Problem(
              "metadata.name",
              "Invalid value: \""
                  + name
                  + "\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric"
                  + " characters, '-' or '.', and must start and end with an alphanumeric"
                  + " character"));
    }
    String namespace = metadata.path("namespace").asText("");
    if (!namespace.isEmpty()
        && (namespace.length() > 63 || !DNS_LABEL.matcher(namespace).matches())) {
      out.add(
          new Problem(
              "metadata.namespace",
              "Invalid value: \""
                  + namespace
                  + "\": a lowercase RFC 1123 label must consist of lower case alphanumeric"
                  + " characters or '-', and must start and end with an alphanumeric character"));
    }
  }

  private void check(List<Problem> out, JsonNode s, JsonNode value, String path) {
    if (value == null || value.isNull() || value.isMissingNode()) {
      // The server prunes a null of a field that is not nullable; required catches a missing one.
      return;
    }
    if (s.path("x-kubernetes-int-or-string").asBoolean(false)) {
      if (!value.isIntegralNumber() && !value.isTextual()) {
        out.add(invalid(path, value, "must be an integer or a string"));
      }
      return;
    }
    String type = s.path("type").asText("");
    if (!type.isEmpty() && !hasType(value, type)) {
      out.add(invalid(path, value, "must be of type " + type));
      return;
    }
    JsonNode enumeration = s.get("enum");
    if (enumeration != null && enumeration.isArray() && !contains(enumeration, value)) {
      List<String> supported = new ArrayList<>();
      enumeration.forEach(e -> supported.add(quote(e)));
      out.add(
          new Problem(
              path,
              "Unsupported value: "
                  + quote(value)
                  + ": supported values: "
                  + String.join(", ", supported)));
      return;
    }
    switch (type) {
      case "string" -> string(out, s, value, path);
      case "integer", "number" -> number(out, s, value, path);
      case "array" -> array(out, s, value, path);
      case "object" -> object(out, s, value, path);
      default -> {}
    }
  }

  private void string(List<Problem> out, JsonNode s, JsonNode value, String path) {
    String text = value.asText();
    int length = text.codePointCount(0, text.length());
    if (s.has("maxLength") && length > s.get("maxLength").asLong()) {
      out.add(
          new Problem(
              path, "Too long: may not be longer than " + s.get("maxLength").asLong() + ""));
    }
    if (s.has("minLength") && length < s.get("minLength").asLong()) {
      out.add(invalid(path, value, "should be at least " + s.get("minLength").asLong() + " chars"));
    }
    if (s.has("pattern")) {
      String regex = s.get("pattern").asText();
      if (!patterns.computeIfAbsent(regex, Pattern::compile).matcher(text).find()) {
        out.add(invalid(path, value, "should match '" + regex + "'"));
      }
    }
  }

  private static void number(List<Problem> out, JsonNode s, JsonNode value, String path) {
    double v = value.asDouble();
    if (s.has("minimum")) {
      double min = s.get("minimum").asDouble();
      boolean exclusive = s.path("exclusiveMinimum").asBoolean(false);
      if (exclusive ? v <= min : v < min) {
        out.add(
            invalid(
                path,
                value,
                "should be greater than " + (exclusive ? "" : "or equal to ") + plain(min)));
      }
    }
    if (s.has("maximum")) {
      double max = s.get("maximum").asDouble();
      boolean exclusive = s.path("exclusiveMaximum").asBoolean(false);
      if (exclusive ? v >= max : v > max) {
        out.add(
            invalid(
                path,
                value,
                "should be less than " + (exclusive ? "" : "or equal to ") + plain(max)));
      }
    }
  }

  private void array(List<Problem> out, JsonNode s, JsonNode value, String path) {
    int size = value.size();
    if (s.has("minItems") && size < s.get("minItems").asInt()) {
      out.add(
          invalid(
              path,
              new com.fasterxml.jackson.databind.node.IntNode(size),
              "should have at least " + s.get("minItems").asInt() + " items"));
    }
    if (s.has("maxItems") && size > s.get("maxItems").asInt()) {
      out.add(
          new Problem(
              path,
              "Too many: " + size + ": must have at most " + s.get("maxItems").asInt() + " items"));
    }
    JsonNode items = s.path("items");
    if (!items.isMissingNode()) {
      for (int i = 0; i < size; i++) {
        check(out, items, value.get(i), path + "[" + i + "]");
      }
    }
  }

  private void object(List<Problem> out, JsonNode s, JsonNode value, String path) {
    JsonNode properties = s.path("properties");
    JsonNode additional = s.get("additionalProperties");
    boolean preserve = s.path("x-kubernetes-preserve-unknown-fields").asBoolean(false);
    Iterator<Map.Entry<String, JsonNode>> fields = value.fields();
    while (fields.hasNext()) {
      Map.Entry<String, JsonNode> f = fields.next();
      String child = path + "." + f.getKey();
      JsonNode property = properties.path(f.getKey());
      if (!property.isMissingNode()) {
        check(out, property, f.getValue(), child);
      } else if (additional != null && additional.isObject()) {
        check(out, additional, f.getValue(), child);
      } else if (!preserve && (additional == null || !additional.asBoolean(false))) {
        out.add(unknown(child));
      }
    }
    required(out, s, value, path);
  }

  /** Required fields that are missing and have no default (the server defaults first). */
  private static void required(List<Problem> out, JsonNode s, JsonNode value, String path) {
    for (JsonNode name : s.path("required")) {
      String field = name.asText();
      JsonNode present = value.get(field);
      boolean defaulted = s.path("properties").path(field).has("default");
      if ((present == null || present.isNull()) && !defaulted) {
        out.add(new Problem(path.isEmpty() ? field : path + "." + field, "Required value"));
      }
    }
  }

  private static boolean hasType(JsonNode value, String type) {
    return switch (type) {
      case "string" -> value.isTextual();
      case "integer" -> value.isIntegralNumber();
      case "number" -> value.isNumber();
      case "boolean" -> value.isBoolean();
      case "array" -> value.isArray();
      case "object" -> value.isObject();
      default -> true;
    };
  }

  private static boolean contains(JsonNode enumeration, JsonNode value) {
    for (JsonNode e : enumeration) {
      if (e.equals(value)
          || (e.isNumber() && value.isNumber() && e.asDouble() == value.asDouble())) {
        return true;
      }
    }
    return false;
  }

  private static Problem invalid(String path, JsonNode value, String rule) {
    return new Problem(path, "Invalid value: " + shown(value) + ": " + rule);
  }

  private static Problem unknown(String path) {
    return new Problem(
        path,
        "unknown field (not in the CRD's schema: the API server drops it, kubectl apply refuses it)");
  }

  private static String shown(JsonNode value) {
    if (value.isContainerNode()) {
      return value.getNodeType() == JsonNodeType.ARRAY ? "array" : "object";
    }
    return quote(value);
  }

  private static String quote(JsonNode value) {
    return value.isTextual() ? "\"" + value.asText() + "\"" : value.toString();
  }

  private static String plain(double d) {
    return d == Math.rint(d) ? String.valueOf((long) d) : String.valueOf(d);
  }
}
