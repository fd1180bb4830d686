package dev.chatbot.runtime;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/** One shared Jackson mapper and small helpers. */
public final class Json {
  public static final ObjectMapper MAPPER = new ObjectMapper();

  private Json() {}

  public static ObjectNode object() {
    return MAPPER.createObjectNode();
  }

  public static ArrayNode messages(List<Message> messages) {
    ArrayNode array = MAPPER.createArrayNode();
    for (Message m : messages) {
      array.addObject().put("role", m.role()).put("content", m.content());
    }
    return array;
  }

  /** Parses JSON, or returns null when the text is not JSON. */
  public static JsonNode parseOrNull(String text) {
    try {
      return MAPPER.readTree(text);
    } catch (JsonProcessingException e) {
      return null;
    }
  }

  public static String write(Object node) {
    try {
      return MAPPER.writeValueAsString(node);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialise JSON", e);
    }
  }

  /** True when an upstream JSON object carries an error ({"error":"..."} or {"error":{...}}). */
  public static boolean hasError(JsonNode node) {
    return node != null && node.isObject() && node.hasNonNull("error");
  }
}
