package dev.chatbot.runtime;

import java.util.List;
import java.util.function.Consumer;

/** A model provider: mock, Hugging Face router or Ollama. */
public interface Provider {

  /** Label used in responses and metrics: mock, huggingface or ollama. */
  String name();

  String model();

  /** Answers in one piece. */
  Completion complete(List<Message> messages);

  /**
   * Streams the answer; {@code onDelta} receives each piece of text as it arrives. Throws {@link
   * UpstreamException} of kind MID_STREAM when it breaks after the first delta.
   */
  Completion stream(List<Message> messages, Consumer<String> onDelta);

  /**
   * Whether a whole answer costs only CPU: no network, no pacing. Such answers run on the server's
   * CPU pool, without a chat slot ({@link InstantChat}).
   */
  default boolean instant() {
    return false;
  }

  /** Whether the provider can answer now (readiness). */
  boolean ready();

  /** Starts background work (e.g. Ollama preload). */
  default void start() {}

  default void close() {}
}
