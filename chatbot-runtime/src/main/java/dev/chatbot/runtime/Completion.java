package dev.chatbot.runtime;

/** A finished answer from a provider. Token counts are -1 when the provider did not report them. */
public record Completion(
    String text, int promptTokens, int completionTokens, String finishReason) {}
