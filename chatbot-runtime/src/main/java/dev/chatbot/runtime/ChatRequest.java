package dev.chatbot.runtime;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/** A validated chat request: {"message"} or {"messages"}, optional conversationId and stream. */
public record ChatRequest(List<Message> messages, String conversationId, boolean stream) {

  private static final Pattern ID = Pattern.compile("[A-Za-z0-9._:-]{1,128}");
  private static final Set<String> ROLES = Set.of("user", "assistant", "system");

  /** Parses and validates a request body; throws {@link ApiError} 400/413 with a clear reason. */
  public static ChatRequest parse(String body, Config config, boolean openAi) {
    if (!(Json.parseOrNull(body) instanceof JsonObject root)) {
      throw new ApiError(400, "the body must be a JSON object");
    }
    List<Message> messages = new ArrayList<>();
    JsonElement list = present(root, "messages");
    JsonElement single = present(root, "message");
    if (list != null) {
      if (!list.isJsonArray()) {
        throw new ApiError(400, "'messages' must be an array of {role, content}");
      }
      int size = list.getAsJsonArray().size();
      if (size > config.maxMessages) {
        throw new ApiError(
            413, "too many messages: " + size + " (at most " + config.maxMessages + ")");
      }
      for (JsonElement m : list.getAsJsonArray()) {
        JsonElement role = Json.at(m, "role");
        JsonElement content = Json.at(m, "content");
        if (!Json.isText(role) || !ROLES.contains(role.getAsString())) {
          throw new ApiError(400, "each message needs a role: user, assistant or system");
        }
        if (!Json.isText(content)) {
          throw new ApiError(400, "each message needs a text 'content'");
        }
        messages.add(new Message(role.getAsString(), checkLength(content.getAsString(), config)));
      }
    } else if (!openAi && single != null) {
      if (!Json.isText(single)) {
        throw new ApiError(400, "'message' must be a string");
      }
      messages.add(Message.user(checkLength(single.getAsString(), config)));
    } else {
      throw new ApiError(
          400, openAi ? "'messages' is required" : "'message' or 'messages' is required");
    }
    boolean hasUserText = false;
    for (Message m : messages) {
      if (m.role().equals("user") && !m.content().isBlank()) {
        hasUserText = true;
      }
    }
    if (!hasUserText) {
      throw new ApiError(400, "at least one non-empty user message is required");
    }
    String id = null;
    JsonElement idNode = present(root, "conversationId");
    if (idNode != null) {
      if (!Json.isText(idNode) || !ID.matcher(idNode.getAsString()).matches()) {
        throw new ApiError(
            400, "'conversationId' must be 1-128 characters of letters, digits, . _ : -");
      }
      id = idNode.getAsString();
    }
    JsonElement stream = present(root, "stream");
    if (stream != null && !(stream.isJsonPrimitive() && stream.getAsJsonPrimitive().isBoolean())) {
      throw new ApiError(400, "'stream' must be true or false");
    }
    return new ChatRequest(messages, id, Json.bool(stream, false));
  }

  /** A field that is there and not null. */
  private static JsonElement present(JsonObject o, String name) {
    JsonElement e = o.get(name);
    return e == null || e.isJsonNull() ? null : e;
  }

  private static String checkLength(String text, Config config) {
    if (text.length() > config.maxMessageChars) {
      throw new ApiError(
          413,
          "message too long: "
              + text.length()
              + " characters (at most "
              + config.maxMessageChars
              + ")");
    }
    return text;
  }
}
