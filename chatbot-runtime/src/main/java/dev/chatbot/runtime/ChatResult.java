package dev.chatbot.runtime;

/** The answer the API returns: text, who produced it, and whether it was a fallback. */
public record ChatResult(
    String conversationId,
    String reply,
    String provider,
    String model,
    boolean fallback,
    int promptTokens,
    int completionTokens,
    String finishReason) {}
