package dev.chatbot.runtime;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/** A JSON array. */
public final class ArrayNode extends JsonNode {

  final List<JsonNode> items = new ArrayList<>();

  ArrayNode() {
    super(Kind.ARRAY, null);
  }

  @Override
  public JsonNode path(int index) {
    return index >= 0 && index < items.size() ? items.get(index) : MISSING;
  }

  public JsonNode get(int index) {
    return index >= 0 && index < items.size() ? items.get(index) : null;
  }

  @Override
  public int size() {
    return items.size();
  }

  @Override
  public Iterator<JsonNode> iterator() {
    return items.iterator();
  }

  public ArrayNode add(JsonNode value) {
    items.add(value == null ? NULL : value);
    return this;
  }

  public ObjectNode addObject() {
    ObjectNode o = new ObjectNode();
    items.add(o);
    return o;
  }
}
