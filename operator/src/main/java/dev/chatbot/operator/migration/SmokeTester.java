package dev.chatbot.operator.migration;

import dev.chatbot.api.v1alpha1.ChatbotDeployment;
import dev.chatbot.api.v1alpha1.Phase;

/** Sends one real chat request to a phase's backend before traffic moves to it. */
@FunctionalInterface
public interface SmokeTester {

  /** The outcome; message says what went wrong (never a secret, never an upstream body). */
  record Result(boolean passed, String message) {}

  Result test(ChatbotDeployment cr, Phase phase);
}
