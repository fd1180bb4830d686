package dev.chatbot.runtime;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Deterministic canned answers, paced like a model server and with optional fault injection (see
 * docs/mock-simulator.md). The same last user message always gets the same answer.
 */
public final class MockProvider implements Provider {

  private static final String[] ANSWERS = {
    "Hello! I am the mock model. I answer instantly and never call a real LLM.",
    "That is an interesting question. A real model would think about it; I only pretend to.",
    "Here is a deterministic answer, handy for tests and for the operator's smoke checks.",
    "I am running in mock mode. Switch model_provider to huggingface or ollama for real answers.",
    "Mock mode: same question, same answer. Ask me something else to get another one."
  };

  /** An answer: its pieces (tokens), its text and why it ended (stop or length). */
  public record Answer(List<String> pieces, String text, String finishReason) {}

  private final String model;
  private final Config.MockSettings settings;
  private final int maxTokens;
  private final long tokenNanos;
  private final Random seeded;

  public MockProvider(String model, Config.MockSettings settings) {
    this(model, settings, Integer.MAX_VALUE);
  }

  /** {@code maxTokens} caps every answer (finish reason "length"), like max_tokens upstream. */
  public MockProvider(String model, Config.MockSettings settings, int maxTokens) {
    this.model = model;
    this.settings = settings;
    this.maxTokens = maxTokens;
    this.tokenNanos =
        settings.tokensPerSecond > 0
            ? (long) (1e9 / settings.tokensPerSecond)
            : TimeUnit.MILLISECONDS.toNanos(settings.tokenDelayMs);
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

  /** Without a time to first token or a generation rate, a whole answer never waits. */
  @Override
  public boolean instant() {
    return settings.latencyMs == 0 && settings.tokensPerSecond <= 0;
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

  /**
   * The answer's pieces: the canned answer, repeated or cut to mock_answer_tokens when set, and at
   * most {@code limit} (then the finish reason is "length").
   */
  public Answer answer(List<Message> messages, int limit) {
    String text = answerFor(messages);
    List<String> pieces = tokens(text);
    int wanted = settings.answerTokens > 0 ? settings.answerTokens : pieces.size();
    int size = Math.min(wanted, Math.min(limit, maxTokens));
    if (size == pieces.size()) {
      return new Answer(pieces, text, "stop");
    }
    List<String> out = new ArrayList<>(size);
    for (int i = 0; i < size && !pieces.isEmpty(); i++) {
      String piece = pieces.get(i % pieces.size());
      out.add(i > 0 && i % pieces.size() == 0 && !piece.startsWith(" ") ? " " + piece : piece);
    }
    return new Answer(out, String.join("", out), size < wanted ? "length" : "stop");
  }

  @Override
  public Completion complete(List<Message> messages) {
    return complete(messages, Integer.MAX_VALUE);
  }

  /** A whole answer: time to first token, then (with mock_tokens_per_second) its generation. */
  public Completion complete(List<Message> messages, int limit) {
    injectFaults();
    Answer a = answer(messages, limit);
    if (settings.tokensPerSecond > 0 && a.pieces().size() > 1) {
      pauseNanos(tokenNanos * (a.pieces().size() - 1));
    }
    return new Completion(a.text(), countTokens(messages), a.pieces().size(), a.finishReason());
  }

  @Override
  public Completion stream(List<Message> messages, Consumer<String> onDelta) {
    return stream(messages, Integer.MAX_VALUE, onDelta);
  }

  /** Streams the answer: the first piece after the time to first token, then one per interval. */
  public Completion stream(List<Message> messages, int limit, Consumer<String> onDelta) {
    injectFaults();
    Answer a = answer(messages, limit);
    List<String> pieces = a.pieces();
    boolean breakMidway = chance(settings.breakStreamRate);
    int breakAt = Math.max(1, pieces.size() / 2);
    long first = System.nanoTime();
    for (int i = 0; i < pieces.size(); i++) {
      if (breakMidway && i == breakAt) {
        throw new UpstreamException(
            UpstreamException.Kind.MID_STREAM, 0, "mock stream broke midway (injected)", -1, false);
      }
      if (i > 0) {
        // Against a schedule, so that sleeping late does not slow the rate down.
        pauseNanos(first + i * tokenNanos - System.nanoTime());
      }
      onDelta.accept(pieces.get(i));
    }
    return new Completion(a.text(), countTokens(messages), pieces.size(), a.finishReason());
  }

  /** Time to first token, then the injected failures (the same for every wire format). */
  public void injectFaults() {
    pauseNanos(TimeUnit.MILLISECONDS.toNanos(settings.latencyMs));
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

  private static void pauseNanos(long nanos) {
    if (nanos <= 0) {
      return;
    }
    try {
      TimeUnit.NANOSECONDS.sleep(nanos);
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

  /** Words of the prompt: the mock's token count. */
  static int countTokens(List<Message> messages) {
    int n = 0;
    for (Message m : messages) {
      n += tokens(m.content()).size();
    }
    return n;
  }
}
