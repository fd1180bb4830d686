package dev.chatbot.runtime;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Prepares the conversation (system prompt, history limit), calls the provider and falls back to
 * the mock when the provider fails and fallback_to_mock is on.
 */
public final class ChatService {

  private static final Logger LOG = LoggerFactory.getLogger(ChatService.class);

  /** Receives a streamed answer. {@link #start} comes once, before the first delta. */
  public interface StreamSink {
    void start(String conversationId, String provider, String model, boolean fallback);

    void delta(String text);
  }

  private final Config config;
  private final Provider provider;
  private final MockProvider fallback;
  private final Metrics metrics;

  public ChatService(Config config, Provider provider, Metrics metrics) {
    this.config = config;
    this.provider = provider;
    this.metrics = metrics;
    this.fallback = MockProvider.fallback();
  }

  public Provider provider() {
    return provider;
  }

  private boolean canFallBack() {
    return config.fallbackToMock && !"mock".equals(provider.name());
  }

  /** The messages sent upstream: system prompt first, then at most max_history + 1 messages. */
  List<Message> prepare(List<Message> input) {
    List<Message> conversation = new ArrayList<>();
    for (Message m : input) {
      if (!"system".equals(m.role())) {
        conversation.add(m);
      }
    }
    int keep = config.maxHistory + 1;
    if (conversation.size() > keep) {
      conversation = conversation.subList(conversation.size() - keep, conversation.size());
    }
    List<Message> out = new ArrayList<>(conversation.size() + 1);
    if (!config.systemPrompt.isEmpty()) {
      out.add(new Message("system", config.systemPrompt));
    } else {
      // Without an operator-set prompt the client's own system message (the last one) is kept.
      for (int i = input.size() - 1; i >= 0; i--) {
        if ("system".equals(input.get(i).role())) {
          out.add(input.get(i));
          break;
        }
      }
    }
    out.addAll(conversation);
    return out;
  }

  static String conversationId(String requested) {
    return requested == null ? UUID.randomUUID().toString() : requested;
  }

  /** The phase whose backend this is (the configured provider's; ollama: local). */
  public String phase() {
    return config.provider.phase();
  }

  public ChatResult chat(List<Message> input, String requestedId) {
    long start = System.nanoTime();
    String id = conversationId(requestedId);
    List<Message> messages = prepare(input);
    try {
      Completion c = provider.complete(messages);
      countTokens(provider.name(), c);
      return timed(start, result(id, c, provider, false));
    } catch (UpstreamException e) {
      if (!canFallBack()) {
        countMockFault(e);
        timeError(start);
        throw e;
      }
      noteFallback(e);
      Completion c = fallback.complete(messages);
      return timed(start, result(id, c, fallback, true));
    }
  }

  public ChatResult stream(List<Message> input, String requestedId, StreamSink sink) {
    long start = System.nanoTime();
    String id = conversationId(requestedId);
    List<Message> messages = prepare(input);
    boolean[] started = {false};
    Consumer<String> onDelta =
        text -> {
          if (!started[0]) {
            started[0] = true;
            sink.start(id, provider.name(), provider.model(), false);
          }
          sink.delta(text);
        };
    try {
      Completion c = provider.stream(messages, onDelta);
      if (!started[0]) {
        sink.start(id, provider.name(), provider.model(), false);
      }
      countTokens(provider.name(), c);
      return timed(start, result(id, c, provider, false));
    } catch (UpstreamException e) {
      if (started[0] || !canFallBack()) {
        countMockFault(e);
        timeError(start);
        throw e;
      }
      noteFallback(e);
      sink.start(id, fallback.name(), fallback.model(), true);
      Completion c = fallback.stream(messages, sink::delta);
      return timed(start, result(id, c, fallback, true));
    }
  }

  /** Labelled by the configured provider: a fallback counts against it, answered or not. */
  private ChatResult timed(long start, ChatResult r) {
    metrics.chat(
        phase(), provider.name(), r.fallback() ? "fallback" : "ok", System.nanoTime() - start);
    return r;
  }

  private void timeError(long start) {
    metrics.chat(phase(), provider.name(), "error", System.nanoTime() - start);
  }

  private void countMockFault(UpstreamException e) {
    if ("mock".equals(provider.name())) {
      metrics.upstreamError("mock", e.statusLabel());
    }
  }

  private void noteFallback(UpstreamException e) {
    metrics.fallback(provider.name(), e.statusLabel());
    LOG.warn(
        "{} failed ({}); answering from the mock as a fallback", provider.name(), e.getMessage());
  }

  private void countTokens(String providerName, Completion c) {
    metrics.tokens(providerName, "prompt", c.promptTokens());
    metrics.tokens(providerName, "completion", c.completionTokens());
  }

  private static ChatResult result(String id, Completion c, Provider p, boolean fallback) {
    return new ChatResult(
        id,
        c.text(),
        p.name(),
        p.model(),
        fallback,
        c.promptTokens(),
        c.completionTokens(),
        c.finishReason());
  }
}
