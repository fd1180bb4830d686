package dev.chatbot.runtime;

import java.util.Collections;
import java.util.Iterator;

/**
 * A JSON value (a small, dependency-free stand-in for the few parts of a JSON tree API the runtime
 * needs; keeping Jackson out saves start-up time and memory in a 96 MiB pod). Navigation never
 * throws: {@link #path} on something absent gives a "missing" node whose accessors give defaults.
 */
public class JsonNode implements Iterable<JsonNode> {

  enum Kind {
    OBJECT,
    ARRAY,
    STRING,
    NUMBER,
    BOOLEAN,
    NULL,
    MISSING
  }

  static final JsonNode MISSING = new JsonNode(Kind.MISSING, null);
  static final JsonNode NULL = new JsonNode(Kind.NULL, null);
  static final JsonNode TRUE = new JsonNode(Kind.BOOLEAN, Boolean.TRUE);
  static final JsonNode FALSE = new JsonNode(Kind.BOOLEAN, Boolean.FALSE);

  final Kind kind;
  final Object value;

  JsonNode(Kind kind, Object value) {
    this.kind = kind;
    this.value = value;
  }

  static JsonNode text(String s) {
    return s == null ? NULL : new JsonNode(Kind.STRING, s);
  }

  static JsonNode number(Number n) {
    return new JsonNode(Kind.NUMBER, n);
  }

  static JsonNode bool(boolean b) {
    return b ? TRUE : FALSE;
  }

  public JsonNode path(String name) {
    return MISSING;
  }

  public JsonNode path(int index) {
    return MISSING;
  }

  /** The field, or null when absent (or when this is not an object). */
  public JsonNode get(String name) {
    return null;
  }

  public boolean has(String name) {
    return get(name) != null;
  }

  public boolean hasNonNull(String name) {
    JsonNode n = get(name);
    return n != null && !n.isNull();
  }

  public boolean isObject() {
    return kind == Kind.OBJECT;
  }

  public boolean isArray() {
    return kind == Kind.ARRAY;
  }

  public boolean isTextual() {
    return kind == Kind.STRING;
  }

  public boolean isNumber() {
    return kind == Kind.NUMBER;
  }

  public boolean isBoolean() {
    return kind == Kind.BOOLEAN;
  }

  public boolean isNull() {
    return kind == Kind.NULL;
  }

  public boolean isMissingNode() {
    return kind == Kind.MISSING;
  }

  public String asText() {
    return switch (kind) {
      case STRING -> (String) value;
      case NUMBER, BOOLEAN -> Json.write(this);
      case NULL -> "null";
      default -> "";
    };
  }

  public String asText(String defaultValue) {
    return kind == Kind.NULL || kind == Kind.MISSING ? defaultValue : asText();
  }

  public int asInt() {
    return asInt(0);
  }

  public int asInt(int defaultValue) {
    return switch (kind) {
      case NUMBER -> ((Number) value).intValue();
      case BOOLEAN -> (Boolean) value ? 1 : 0;
      case STRING -> {
        try {
          yield Integer.parseInt(((String) value).strip());
        } catch (NumberFormatException e) {
          yield defaultValue;
        }
      }
      default -> defaultValue;
    };
  }

  public double asDouble() {
    return asDouble(0.0);
  }

  public double asDouble(double defaultValue) {
    return switch (kind) {
      case NUMBER -> ((Number) value).doubleValue();
      case STRING -> {
        try {
          yield Double.parseDouble(((String) value).strip());
        } catch (NumberFormatException e) {
          yield defaultValue;
        }
      }
      default -> defaultValue;
    };
  }

  public boolean asBoolean() {
    return asBoolean(false);
  }

  public boolean asBoolean(boolean defaultValue) {
    return switch (kind) {
      case BOOLEAN -> (Boolean) value;
      case NUMBER -> ((Number) value).doubleValue() != 0;
      case STRING -> "true".equals(value) || (!"false".equals(value) && defaultValue);
      default -> defaultValue;
    };
  }

  public boolean canConvertToInt() {
    if (kind != Kind.NUMBER) {
      return false;
    }
    double d = ((Number) value).doubleValue();
    return d >= Integer.MIN_VALUE && d <= Integer.MAX_VALUE;
  }

  /** Number of elements or fields; 0 for scalars. */
  public int size() {
    return 0;
  }

  public boolean isEmpty() {
    return size() == 0;
  }

  @Override
  public Iterator<JsonNode> iterator() {
    return Collections.emptyIterator();
  }

  public Iterator<String> fieldNames() {
    return Collections.emptyIterator();
  }

  @Override
  public String toString() {
    return Json.write(this);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof JsonNode other && Json.write(this).equals(Json.write(other));
  }

  @Override
  public int hashCode() {
    return Json.write(this).hashCode();
  }
}
