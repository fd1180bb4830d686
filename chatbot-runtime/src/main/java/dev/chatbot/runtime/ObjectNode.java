package dev.chatbot.runtime;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/** A JSON object with insertion-ordered fields. */
public final class ObjectNode extends JsonNode {

  final Map<String, JsonNode> fields = new LinkedHashMap<>();

  ObjectNode() {
    super(Kind.OBJECT, null);
  }

  @Override
  public JsonNode path(String name) {
    return fields.getOrDefault(name, MISSING);
  }

  @Override
  public JsonNode get(String name) {
    return fields.get(name);
  }

  @Override
  public int size() {
    return fields.size();
  }

  @Override
  public Iterator<JsonNode> iterator() {
    return fields.values().iterator();
  }

  @Override
  public Iterator<String> fieldNames() {
    return fields.keySet().iterator();
  }

  public ObjectNode set(String name, JsonNode value) {
    fields.put(name, value == null ? NULL : value);
    return this;
  }

  public ObjectNode put(String name, String value) {
    return set(name, text(value));
  }

  public ObjectNode put(String name, int value) {
    return set(name, number((long) value));
  }

  public ObjectNode put(String name, long value) {
    return set(name, number(value));
  }

  public ObjectNode put(String name, double value) {
    return set(name, number(value));
  }

  public ObjectNode put(String name, boolean value) {
    return set(name, bool(value));
  }

  public ObjectNode putNull(String name) {
    return set(name, NULL);
  }

  public ObjectNode putObject(String name) {
    ObjectNode o = new ObjectNode();
    set(name, o);
    return o;
  }

  public ArrayNode putArray(String name) {
    ArrayNode a = new ArrayNode();
    set(name, a);
    return a;
  }
}
