package dev.chatbot.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

class ChatServiceTest {

  /** A provider that fails (optionally after some deltas) or answers. */
  static final class Scripted implements Provider {
    final UpstreamException failure;
    final List<String> deltasBeforeFailure;
    List<Message> lastMessages;

    Scripted(UpstreamException failure, String... deltasBeforeFailure) {
      this.failure = failure;
      this.deltasBeforeFailure = List.of(deltasBeforeFailure);
    }

    @Override
    public String name() {
      return "huggingface";
    }

    @Override
    public String model() {
      return "org/model";
    }

    @Override
    public Completion complete(List<Message> messages) {
      lastMessages = messages;
      if (failure != null) {
        throw failure;
      }
      return new Completion("real answer", 3, 2, "stop");
    }

    @Override
    public Completion stream(List<Message> messages, Consumer<String> onDelta) {
      lastMessages = messages;
      deltasBeforeFailure.forEach(onDelta);
      if (failure != null) {
        throw failure;
      }
      return new Completion(String.join("", deltasBeforeFailure), 3, 2, "stop");
    }

    @Override
    public boolean ready() {
      return true;
    }
  }

  static ChatService service(Provider p, String... kv) {
    return new ChatService(Config.of(Servers.keys(kv)), p, new Metrics());
  }

  @Test
  void systemPromptAndHistoryLimit() {
    Scripted p = new Scripted(null);
    List<Message> input = new ArrayList<>();
    input.add(new Message("system", "client prompt"));
    for (int i = 0; i < 6; i++) { // m0..m5, the last is the current one
      input.add(new Message(i % 2 == 0 ? "user" : "assistant", "m" + i));
    }
    service(p, "system_prompt", "operator prompt", "max_history", "2").chat(input, null);
    assertThat(p.lastMessages)
        .containsExactly(
            new Message("system", "operator prompt"),
            new Message("assistant", "m3"),
            new Message("user", "m4"),
            new Message("assistant", "m5"));
    // max_history 0 keeps only the last message; without an operator prompt the client's stays.
    service(p, "max_history", "0").chat(input, null);
    assertThat(p.lastMessages)
        .containsExactly(new Message("system", "client prompt"), new Message("assistant", "m5"));
  }

  @Test
  void fallbackIsMarkedAndCounted() {
    Metrics metrics = new Metrics();
    ChatService s =
        new ChatService(
            Config.of(Map.of()), new Scripted(UpstreamException.forStatus(503, 5, "x")), metrics);
    ChatResult r = s.chat(List.of(Message.user("ping")), "c1");
    assertThat(r.fallback()).isTrue();
    assertThat(r.provider()).isEqualTo("mock");
    assertThat(r.reply()).isEqualTo("pong");
    assertThat(r.conversationId()).isEqualTo("c1");
    assertThat(metrics.scrape())
        .contains("chatbot_fallbacks_total{provider=\"huggingface\",reason=\"503\"} 1.0");
  }

  @Test
  void noFallbackWhenDisabled() {
    ChatService s =
        service(
            new Scripted(UpstreamException.forStatus(401, -1, "x")), "fallback_to_mock", "false");
    assertThatThrownBy(() -> s.chat(List.of(Message.user("hi")), null))
        .isInstanceOf(UpstreamException.class);
  }

  @Test
  void streamFallsBackOnlyBeforeTheFirstDelta() {
    List<String> started = new ArrayList<>();
    List<String> deltas = new ArrayList<>();
    ChatService.StreamSink sink =
        new ChatService.StreamSink() {
          @Override
          public void start(String id, String provider, String model, boolean fallback) {
            started.add(provider + ":" + fallback);
          }

          @Override
          public void delta(String text) {
            deltas.add(text);
          }
        };
    ChatResult r =
        service(new Scripted(UpstreamException.forStatus(500, -1, "x"))).stream(
            List.of(Message.user("ping")), null, sink);
    assertThat(started).containsExactly("mock:true");
    assertThat(String.join("", deltas)).isEqualTo("pong");
    assertThat(r.fallback()).isTrue();

    started.clear();
    deltas.clear();
    UpstreamException mid =
        new UpstreamException(UpstreamException.Kind.MID_STREAM, 0, "broke", -1, false);
    assertThatThrownBy(
            () ->
                service(new Scripted(mid, "Hel", "lo")).stream(
                    List.of(Message.user("x")), null, sink))
        .isSameAs(mid);
    assertThat(started).containsExactly("huggingface:false");
    assertThat(deltas).containsExactly("Hel", "lo");
  }

  @Test
  void chatCallsAreTimedByPhaseProviderAndOutcome() {
    Metrics metrics = new Metrics();
    Config hf = Config.of(Map.of("model_provider", "huggingface", "fallback_to_mock", "false"));
    new ChatService(hf, new Scripted(null), metrics).chat(List.of(Message.user("a")), null);
    ChatService failing =
        new ChatService(hf, new Scripted(UpstreamException.forStatus(500, -1, "x")), metrics);
    assertThatThrownBy(() -> failing.chat(List.of(Message.user("b")), null))
        .isInstanceOf(UpstreamException.class);
    Config withFallback = Config.of(Map.of("model_provider", "ollama"));
    new ChatService(withFallback, new Scripted(UpstreamException.forStatus(503, 5, "x")), metrics)
        .chat(List.of(Message.user("c")), null);
    assertThat(metrics.scrape())
        .contains(
            "chatbot_chat_seconds_count{outcome=\"ok\",phase=\"huggingface\",provider=\"huggingface\"} 1",
            "chatbot_chat_seconds_count{outcome=\"error\",phase=\"huggingface\",provider=\"huggingface\"} 1",
            // The phase is the configured provider's (ollama: local); Scripted calls itself
            // huggingface.
            "chatbot_chat_seconds_count{outcome=\"fallback\",phase=\"local\",provider=\"huggingface\"} 1");
  }

  @Test
  void clientErrorMapping() {
    assertThat(
            ApiError.fromUpstream(UpstreamException.forStatus(401, -1, "x"), "huggingface")
                .status())
        .isEqualTo(502);
    ApiError limited =
        ApiError.fromUpstream(UpstreamException.forStatus(429, 12, "x"), "huggingface");
    assertThat(limited.status()).isEqualTo(429);
    assertThat(limited.retryAfterSeconds()).isEqualTo(12);
    assertThat(ApiError.fromUpstream(UpstreamException.forStatus(500, -1, "x"), "mock").status())
        .isEqualTo(500);
    assertThat(
            ApiError.fromUpstream(
                    new UpstreamException(UpstreamException.Kind.TIMEOUT, 0, "t", -1, true),
                    "ollama")
                .status())
        .isEqualTo(504);
  }
}
