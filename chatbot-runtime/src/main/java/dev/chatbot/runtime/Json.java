package dev.chatbot.runtime;

import java.util.List;
import java.util.Map;

/** A small strict JSON parser and writer (RFC 8259) for the runtime's own tree types. */
public final class Json {

  private static final int MAX_DEPTH = 64;

  private Json() {}

  public static ObjectNode object() {
    return new ObjectNode();
  }

  public static ArrayNode array() {
    return new ArrayNode();
  }

  public static ArrayNode messages(List<Message> messages) {
    ArrayNode array = new ArrayNode();
    for (Message m : messages) {
      array.addObject().put("role", m.role()).put("content", m.content());
    }
    return array;
  }

  /** Parses JSON, or returns null when the text is not (exactly one) JSON value. */
  public static JsonNode parseOrNull(String text) {
    if (text == null) {
      return null;
    }
    try {
      Parser p = new Parser(text);
      p.skipWhitespace();
      JsonNode node = p.value(0);
      p.skipWhitespace();
      return p.pos == text.length() ? node : null;
    } catch (IllegalArgumentException | IndexOutOfBoundsException e) {
      return null;
    }
  }

  /** True when an upstream JSON object carries an error ({"error":"..."} or {"error":{...}}). */
  public static boolean hasError(JsonNode node) {
    return node != null && node.isObject() && node.hasNonNull("error");
  }

  /** Serialises a node, a string, a number, a boolean or null. */
  public static String write(Object value) {
    StringBuilder sb = new StringBuilder(128);
    write(sb, value);
    return sb.toString();
  }

  private static void write(StringBuilder sb, Object value) {
    if (value == null) {
      sb.append("null");
    } else if (value instanceof String s) {
      quote(sb, s);
    } else if (value instanceof ObjectNode o) {
      sb.append('{');
      boolean first = true;
      for (Map.Entry<String, JsonNode> e : o.fields.entrySet()) {
        if (!first) {
          sb.append(',');
        }
        first = false;
        quote(sb, e.getKey());
        sb.append(':');
        write(sb, e.getValue());
      }
      sb.append('}');
    } else if (value instanceof ArrayNode a) {
      sb.append('[');
      for (int i = 0; i < a.items.size(); i++) {
        if (i > 0) {
          sb.append(',');
        }
        write(sb, a.items.get(i));
      }
      sb.append(']');
    } else if (value instanceof JsonNode n) {
      switch (n.kind) {
        case STRING -> quote(sb, (String) n.value);
        case NUMBER, BOOLEAN -> write(sb, n.value);
        default -> sb.append("null");
      }
    } else if (value instanceof Double || value instanceof Float) {
      double d = ((Number) value).doubleValue();
      if (Double.isFinite(d)) {
        sb.append(
            d == Math.rint(d) && Math.abs(d) < 1e15
                ? Long.toString((long) d) + ".0"
                : Double.toString(d));
      } else {
        sb.append("null");
      }
    } else if (value instanceof Number || value instanceof Boolean) {
      sb.append(value);
    } else {
      quote(sb, value.toString());
    }
  }

  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private static void quote(StringBuilder sb, String s) {
    sb.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        case '\b' -> sb.append("\\b");
        case '\f' -> sb.append("\\f");
        default -> {
          if (c < 0x20 || c == '\u2028' || c == '\u2029') {
            sb.append("\\u00").append(HEX[(c >> 4) & 0xF]).append(HEX[c & 0xF]);
            if (c > 0xFF) {
              sb.setLength(sb.length() - 4);
              sb.append(HEX[(c >> 12) & 0xF])
                  .append(HEX[(c >> 8) & 0xF])
                  .append(HEX[(c >> 4) & 0xF])
                  .append(HEX[c & 0xF]);
            }
          } else {
            sb.append(c);
          }
        }
      }
    }
    sb.append('"');
  }

  private static final class Parser {
    final String s;
    int pos;

    Parser(String s) {
      this.s = s;
    }

    void skipWhitespace() {
      while (pos < s.length()) {
        char c = s.charAt(pos);
        if (c == ' ' || c == '\n' || c == '\r' || c == '\t') {
          pos++;
        } else {
          return;
        }
      }
    }

    IllegalArgumentException error() {
      return new IllegalArgumentException("invalid JSON at " + pos);
    }

    JsonNode value(int depth) {
      if (depth > MAX_DEPTH) {
        throw error();
      }
      char c = s.charAt(pos);
      switch (c) {
        case '{':
          return object(depth);
        case '[':
          return array(depth);
        case '"':
          return JsonNode.text(string());
        case 't':
          literal("true");
          return JsonNode.TRUE;
        case 'f':
          literal("false");
          return JsonNode.FALSE;
        case 'n':
          literal("null");
          return JsonNode.NULL;
        default:
          if (c == '-' || (c >= '0' && c <= '9')) {
            return number();
          }
          throw error();
      }
    }

    void literal(String word) {
      if (!s.startsWith(word, pos)) {
        throw error();
      }
      pos += word.length();
    }

    ObjectNode object(int depth) {
      ObjectNode o = new ObjectNode();
      pos++; // {
      skipWhitespace();
      if (s.charAt(pos) == '}') {
        pos++;
        return o;
      }
      while (true) {
        skipWhitespace();
        if (s.charAt(pos) != '"') {
          throw error();
        }
        String key = string();
        skipWhitespace();
        if (s.charAt(pos++) != ':') {
          throw error();
        }
        skipWhitespace();
        o.set(key, value(depth + 1));
        skipWhitespace();
        char c = s.charAt(pos++);
        if (c == '}') {
          return o;
        }
        if (c != ',') {
          throw error();
        }
      }
    }

    ArrayNode array(int depth) {
      ArrayNode a = new ArrayNode();
      pos++; // [
      skipWhitespace();
      if (s.charAt(pos) == ']') {
        pos++;
        return a;
      }
      while (true) {
        skipWhitespace();
        a.add(value(depth + 1));
        skipWhitespace();
        char c = s.charAt(pos++);
        if (c == ']') {
          return a;
        }
        if (c != ',') {
          throw error();
        }
      }
    }

    String string() {
      pos++; // opening quote
      StringBuilder sb = null;
      int start = pos;
      while (true) {
        char c = s.charAt(pos);
        if (c == '"') {
          String out = sb == null ? s.substring(start, pos) : sb.append(s, start, pos).toString();
          pos++;
          return out;
        }
        if (c < 0x20) {
          throw error();
        }
        if (c == '\\') {
          if (sb == null) {
            sb = new StringBuilder();
          }
          sb.append(s, start, pos);
          char e = s.charAt(pos + 1);
          pos += 2;
          switch (e) {
            case '"' -> sb.append('"');
            case '\\' -> sb.append('\\');
            case '/' -> sb.append('/');
            case 'b' -> sb.append('\b');
            case 'f' -> sb.append('\f');
            case 'n' -> sb.append('\n');
            case 'r' -> sb.append('\r');
            case 't' -> sb.append('\t');
            case 'u' -> {
              int code = 0;
              for (int i = 0; i < 4; i++) {
                int d = Character.digit(s.charAt(pos + i), 16);
                if (d < 0) {
                  throw error();
                }
                code = code * 16 + d;
              }
              sb.append((char) code);
              pos += 4;
            }
            default -> throw error();
          }
          start = pos;
        } else {
          pos++;
        }
      }
    }

    JsonNode number() {
      int start = pos;
      if (s.charAt(pos) == '-') {
        pos++;
      }
      if (s.charAt(pos) == '0') {
        pos++;
      } else {
        digits();
      }
      boolean integral = true;
      if (pos < s.length() && s.charAt(pos) == '.') {
        integral = false;
        pos++;
        digits();
      }
      if (pos < s.length() && (s.charAt(pos) == 'e' || s.charAt(pos) == 'E')) {
        integral = false;
        pos++;
        if (s.charAt(pos) == '+' || s.charAt(pos) == '-') {
          pos++;
        }
        digits();
      }
      String text = s.substring(start, pos);
      if (integral && text.length() < 19) {
        return JsonNode.number(Long.parseLong(text));
      }
      return JsonNode.number(Double.parseDouble(text));
    }

    void digits() {
      int start = pos;
      while (pos < s.length() && s.charAt(pos) >= '0' && s.charAt(pos) <= '9') {
        pos++;
      }
      if (pos == start) {
        throw error();
      }
    }
  }
}
