package dev.chatbot.runtime;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;

/**
 * Deterministic canned answers, with optional fault injection (see README, "Mock provider"). The
 * same last user message always gets the same answer.
 */
public final class MockProvider implements Provider {

  private static final String[] ANSWERS = {
    "Hello! I am the mock model. I answer instantly and never call a real LLM.",
    "That is an interesting question. A real model would think about it; I only pretend to.",
    "Here is a deterministic answer, handy for tests and for the operator's smoke checks.",
    "I am running in mock mode. Switch model_provider to huggingface or ollama for real answers.",
    "Mock mode: same question, same answer. Ask me something else to get another one."
  };

  private final String model;
  private final Config.MockSettings settings;
  private final Random seeded;

  public MockProvider(String model, Config.MockSettings settings) {
    this.model = model;
    this.settings = settings;
    this.seeded = settings.seed == null ? null : new Random(settings.seed);
  }

  /** The mock used as fallback for another provider: canned answers, no faults, no delays. */
  public static MockProvider fallback() {
    return new MockProvider("mock-1", Config.of(java.util.Map.of("mock_token_delay_ms", "0")).mock);
  }

  @Override
  public String name() {
    return "mock";
  }

  @Override
  public String model() {
    return model;
  }

  @Override
  public boolean ready() {
    return true;
  }

  /** The canned answer for a conversation. */
  public String answerFor(List<Message> messages) {
    if (!settings.reply.isEmpty()) {
      return settings.reply;
    }
    String last = "";
    for (int i = messages.size() - 1; i >= 0; i--) {
      if ("user".equals(messages.get(i).role())) {
        last = messages.get(i).content();
        break;
      }
    }
    String trimmed = last.strip();
    if (trimmed.equalsIgnoreCase("ping")) {
      return "pong";
    }
    int index = Math.floorMod(trimmed.hashCode(), ANSWERS.length);
    return ANSWERS[index];
  }

  @Override
  public Completion complete(List<Message> messages) {
    injectFaults();
    String text = answerFor(messages);
    return new Completion(text, countTokens(messages), tokens(text).size(), "stop");
  }

  @Override
  public Completion stream(List<Message> messages, Consumer<String> onDelta) {
    injectFaults();
    String text = answerFor(messages);
    List<String> pieces = tokens(text);
    boolean breakMidway = chance(settings.breakStreamRate);
    int breakAt = Math.max(1, pieces.size() / 2);
    for (int i = 0; i < pieces.size(); i++) {
      if (breakMidway && i == breakAt) {
        throw new UpstreamException(
            UpstreamException.Kind.MID_STREAM, 0, "mock stream broke midway (injected)", -1, false);
      }
      if (i > 0) {
        pause(settings.tokenDelayMs);
      }
      onDelta.accept(pieces.get(i));
    }
    return new Completion(text, countTokens(messages), pieces.size(), "stop");
  }

  private void injectFaults() {
    pause(settings.latencyMs);
    if (chance(settings.rateLimitRate)) {
      throw UpstreamException.forStatus(
          429, settings.retryAfterSeconds, "mock provider (injected)");
    }
    if (chance(settings.loadingRate)) {
      throw UpstreamException.forStatus(
          503, settings.retryAfterSeconds, "mock provider (injected)");
    }
    if (chance(settings.errorRate)) {
      throw UpstreamException.forStatus(500, -1, "mock provider (injected)");
    }
  }

  private boolean chance(double rate) {
    if (rate <= 0) {
      return false;
    }
    if (rate >= 1) {
      return true;
    }
    if (seeded != null) {
      synchronized (seeded) {
        return seeded.nextDouble() < rate;
      }
    }
    return ThreadLocalRandom.current().nextDouble() < rate;
  }

  private static void pause(int millis) {
    if (millis <= 0) {
      return;
    }
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new UpstreamException(UpstreamException.Kind.UNAVAILABLE, 0, "interrupted", -1, false);
    }
  }

  /** Splits text into word pieces that concatenate back to the text. */
  static List<String> tokens(String text) {
    List<String> out = new ArrayList<>();
    int start = 0;
    for (int i = 1; i <= text.length(); i++) {
      if (i == text.length() || text.charAt(i) == ' ') {
        out.add(text.substring(start, i));
        start = i;
      }
    }
    return out;
  }

  private static int countTokens(List<Message> messages) {
    int n = 0;
    for (Message m : messages) {
      n += tokens(m.content()).size();
    }
    return n;
  }
}
