package dev.chatbot.runtime;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/** A validated chat request: {"message"} or {"messages"}, optional conversationId and stream. */
public record ChatRequest(List<Message> messages, String conversationId, boolean stream) {

  private static final Pattern ID = Pattern.compile("[A-Za-z0-9._:-]{1,128}");

  /** Parses and validates a request body; throws {@link ApiError} 400/413 with a clear reason. */
  public static ChatRequest parse(String body, Config config, boolean openAi) {
    JsonNode root = Json.parseOrNull(body);
    if (root == null || !root.isObject()) {
      throw new ApiError(400, "the body must be a JSON object");
    }
    List<Message> messages = new ArrayList<>();
    JsonNode list = root.get("messages");
    JsonNode single = root.get("message");
    if (list != null && !list.isNull()) {
      if (!list.isArray()) {
        throw new ApiError(400, "'messages' must be an array of {role, content}");
      }
      if (list.size() > config.maxMessages) {
        throw new ApiError(
            413, "too many messages: " + list.size() + " (at most " + config.maxMessages + ")");
      }
      for (JsonNode m : list) {
        String role = m.path("role").asText("");
        JsonNode content = m.get("content");
        if (!(role.equals("user") || role.equals("assistant") || role.equals("system"))) {
          throw new ApiError(400, "each message needs a role: user, assistant or system");
        }
        if (content == null || !content.isTextual()) {
          throw new ApiError(400, "each message needs a text 'content'");
        }
        messages.add(new Message(role, checkLength(content.asText(), config)));
      }
    } else if (!openAi && single != null && !single.isNull()) {
      if (!single.isTextual()) {
        throw new ApiError(400, "'message' must be a string");
      }
      messages.add(Message.user(checkLength(single.asText(), config)));
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
    JsonNode idNode = root.get("conversationId");
    if (idNode != null && !idNode.isNull()) {
      if (!idNode.isTextual() || !ID.matcher(idNode.asText()).matches()) {
        throw new ApiError(
            400, "'conversationId' must be 1-128 characters of letters, digits, . _ : -");
      }
      id = idNode.asText();
    }
    JsonNode stream = root.get("stream");
    if (stream != null && !stream.isNull() && !stream.isBoolean()) {
      throw new ApiError(400, "'stream' must be true or false");
    }
    return new ChatRequest(messages, id, stream != null && stream.asBoolean(false));
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
