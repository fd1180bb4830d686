package dev.chatbot.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MockProviderTest {

  static MockProvider mock(String... kv) {
    Map<String, String> keys = Servers.keys(kv);
    keys.putIfAbsent("mock_token_delay_ms", "0");
    return new MockProvider("mock-1", Config.of(keys).mock);
  }

  @Test
  void deterministicAnswers() {
    MockProvider m = mock();
    List<Message> a = List.of(Message.user("What is Kubernetes?"));
    assertThat(m.complete(a).text()).isEqualTo(m.complete(a).text()).isNotBlank();
    assertThat(m.complete(List.of(Message.user("ping"))).text()).isEqualTo("pong");
    assertThat(mock("mock_reply", "always this").complete(a).text()).isEqualTo("always this");
  }

  @Test
  void aWholeAnswerCostsOnlyCpuUnlessPaced() {
    assertThat(mock().instant()).isTrue();
    // Streams are paced by mock_token_delay_ms; whole answers are not.
    assertThat(mock("mock_token_delay_ms", "50").instant()).isTrue();
    assertThat(mock("mock_latency_ms", "1").instant()).isFalse();
    assertThat(mock("mock_tokens_per_second", "20").instant()).isFalse();
    assertThat(MockProvider.fallback().instant()).isTrue();
  }

  @Test
  void differentQuestionsCanGetDifferentAnswers() {
    MockProvider m = mock();
    long distinct =
        java.util.stream.IntStream.range(0, 20)
            .mapToObj(i -> m.complete(List.of(Message.user("question " + i))).text())
            .distinct()
            .count();
    assertThat(distinct).isGreaterThan(1);
  }

  @Test
  void streamPiecesConcatenateToTheAnswer() {
    MockProvider m = mock();
    List<Message> q = List.of(Message.user("hello"));
    List<String> pieces = new ArrayList<>();
    Completion c = m.stream(q, pieces::add);
    assertThat(pieces).hasSizeGreaterThan(3);
    assertThat(String.join("", pieces)).isEqualTo(c.text()).isEqualTo(m.complete(q).text());
    assertThat(c.completionTokens()).isEqualTo(pieces.size());
  }

  @Test
  void faultInjection() {
    List<Message> q = List.of(Message.user("x"));
    assertThatThrownBy(
            () -> mock("mock_rate_limit_rate", "1", "mock_retry_after_seconds", "4").complete(q))
        .isInstanceOfSatisfying(
            UpstreamException.class,
            e -> {
              assertThat(e.status()).isEqualTo(429);
              assertThat(e.retryAfterSeconds()).isEqualTo(4);
            });
    assertThatThrownBy(() -> mock("mock_loading_rate", "1").complete(q))
        .isInstanceOfSatisfying(
            UpstreamException.class, e -> assertThat(e.status()).isEqualTo(503));
    assertThatThrownBy(() -> mock("mock_error_rate", "1").complete(q))
        .isInstanceOfSatisfying(
            UpstreamException.class, e -> assertThat(e.status()).isEqualTo(500));
    List<String> pieces = new ArrayList<>();
    assertThatThrownBy(() -> mock("mock_break_stream_rate", "1").stream(q, pieces::add))
        .isInstanceOfSatisfying(
            UpstreamException.class,
            e -> assertThat(e.kind()).isEqualTo(UpstreamException.Kind.MID_STREAM));
    assertThat(pieces).isNotEmpty();
  }

  @Test
  void seededErrorRateIsReproducible() {
    List<Boolean> first = outcomes(mock("mock_error_rate", "0.5", "mock_seed", "7"));
    List<Boolean> second = outcomes(mock("mock_error_rate", "0.5", "mock_seed", "7"));
    assertThat(first).isEqualTo(second).contains(true, false);
  }

  private static List<Boolean> outcomes(MockProvider m) {
    List<Boolean> out = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      try {
        m.complete(List.of(Message.user("x")));
        out.add(true);
      } catch (UpstreamException e) {
        out.add(false);
      }
    }
    return out;
  }

  @Test
  void answerLengthRepeatsOrCutsTheCannedAnswer() {
    List<Message> q = List.of(Message.user("hello"));
    String canned = mock().complete(q).text();
    Completion longer = mock("mock_answer_tokens", "40").complete(q);
    assertThat(longer.completionTokens()).isEqualTo(40);
    assertThat(longer.text().split(" ")).hasSize(40);
    assertThat(longer.text()).startsWith(canned + " ");
    assertThat(longer.finishReason()).isEqualTo("stop");
    Completion cut = mock("mock_answer_tokens", "3").complete(q);
    assertThat(cut.text().split(" ")).hasSize(3);
    assertThat(canned).startsWith(cut.text());
    MockProvider capped =
        new MockProvider("mock-1", Config.of(Map.of("mock_answer_tokens", "40")).mock, 25);
    assertThat(capped.complete(q).completionTokens()).isEqualTo(25);
    assertThat(capped.complete(q).finishReason()).isEqualTo("length");
    List<String> pieces = new ArrayList<>();
    assertThat(capped.stream(q, 5, pieces::add).finishReason()).isEqualTo("length");
    assertThat(pieces).hasSize(5);
  }
}
