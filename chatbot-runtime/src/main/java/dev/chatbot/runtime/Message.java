package dev.chatbot.runtime;

/** One chat message, OpenAI style: role is system, user or assistant. */
public record Message(String role, String content) {
  public static Message user(String content) {
    return new Message("user", content);
  }
}
