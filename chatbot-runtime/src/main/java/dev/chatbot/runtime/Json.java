package dev.chatbot.runtime;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import java.io.IOException;
import java.io.StringReader;
import java.util.List;

/**
 * JSON through Gson's tree: strict parsing of untrusted text, writing, and navigation that never
 * throws ({@link #at} gives null for anything absent or of another shape).
 */
final class Json {

  /** Deeper nesting is refused: no chat request or upstream answer comes near it. */
  static final int MAX_DEPTH = 64;

  private Json() {}

  /** Parses exactly one RFC 8259 value (no lenient extensions), or returns null. */
  static JsonElement parseOrNull(String text) {
    if (text == null || text.isBlank()) {
      return null;
    }
    try {
      JsonReader reader = new JsonReader(new StringReader(text));
      reader.setStrictness(Strictness.STRICT);
      reader.setNestingLimit(MAX_DEPTH);
      JsonElement value = JsonParser.parseReader(reader);
      return reader.peek() == JsonToken.END_DOCUMENT ? value : null;
    } catch (JsonParseException | IOException | IllegalStateException e) {
      return null;
    }
  }

  static String write(JsonElement value) {
    return value.toString();
  }

  static JsonArray messages(List<Message> messages) {
    JsonArray array = new JsonArray(messages.size());
    for (Message m : messages) {
      JsonObject o = new JsonObject();
      o.addProperty("role", m.role());
      o.addProperty("content", m.content());
      array.add(o);
    }
    return array;
  }

  /** The value at a path of field names and array indexes; null when a step is missing. */
  static JsonElement at(JsonElement root, Object... path) {
    JsonElement e = root;
    for (Object step : path) {
      if (step instanceof String name && e instanceof JsonObject o) {
        e = o.get(name);
      } else if (step instanceof Integer i && e instanceof JsonArray a && i < a.size()) {
        e = a.get(i);
      } else {
        return null;
      }
    }
    return e;
  }

  static boolean isText(JsonElement e) {
    return e instanceof JsonPrimitive p && p.isString();
  }

  /** A string's text, a number's or boolean's literal, else {@code fallback}. */
  static String text(JsonElement e, String fallback) {
    return e instanceof JsonPrimitive p ? p.getAsString() : fallback;
  }

  /** A number in int range (truncated), or a string holding an integer, else {@code fallback}. */
  static int integer(JsonElement e, int fallback) {
    if (e instanceof JsonPrimitive p && p.isNumber()) {
      double d = p.getAsDouble();
      return d >= Integer.MIN_VALUE && d <= Integer.MAX_VALUE ? (int) d : fallback;
    }
    if (e instanceof JsonPrimitive p && p.isString()) {
      try {
        return Integer.parseInt(p.getAsString().strip());
      } catch (NumberFormatException notAnInt) {
        return fallback;
      }
    }
    return fallback;
  }

  static double decimal(JsonElement e, double fallback) {
    if (e instanceof JsonPrimitive p && (p.isNumber() || p.isString())) {
      try {
        return Double.parseDouble(p.getAsString().strip());
      } catch (NumberFormatException notANumber) {
        return fallback;
      }
    }
    return fallback;
  }

  static boolean bool(JsonElement e, boolean fallback) {
    return e instanceof JsonPrimitive p && p.isBoolean() ? p.getAsBoolean() : fallback;
  }

  /** True when an upstream JSON object carries an error ({"error":"..."} or {"error":{...}}). */
  static boolean hasError(JsonElement node) {
    JsonElement error = at(node, "error");
    return error != null && !error.isJsonNull();
  }
}
