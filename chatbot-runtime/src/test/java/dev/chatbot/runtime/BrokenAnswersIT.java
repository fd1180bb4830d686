package dev.chatbot.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Broken answers from either provider, called directly against a fake speaking its wire format:
 * whether a failure may be retried (or fall back) depends only on whether text reached the client.
 */
class BrokenAnswersIT {

  static final List<Message> HELLO = List.of(new Message("user", "hello"));

  FakeUpstream upstream;

  @BeforeEach
  void fake() throws Exception {
    upstream = new FakeUpstream(FakeUpstream.hfCompletion("unused"));
  }

  @AfterEach
  void stop() {
    upstream.close();
  }

  HuggingFaceProvider huggingFace() {
    Map<String, String> keys =
        Servers.keys(
            "model_provider", "huggingface",
            "huggingface_endpoint", upstream.baseUrl() + "/v1",
            "timeout_seconds", "2");
    return new HuggingFaceProvider(Config.of(keys, HuggingFaceIT.TOKEN, 0, 10));
  }

  OllamaProvider ollama() {
    Map<String, String> keys =
        Servers.keys(
            "model_provider", "ollama", "ollama_url", upstream.baseUrl(), "timeout_seconds", "2");
    return new OllamaProvider(Config.of(keys, null, 0, 10));
  }

  static FakeUpstream.Reply stream(String contentType, String... parts) {
    return new FakeUpstream.Reply(200, contentType, Map.of(), List.of(parts), 0, 0, null);
  }

  static UpstreamException streaming(Provider provider, List<String> deltas) {
    return catchThrowableOfType(UpstreamException.class, () -> provider.stream(HELLO, deltas::add));
  }

  static UpstreamException completing(Provider provider) {
    return catchThrowableOfType(UpstreamException.class, () -> provider.complete(HELLO));
  }

  static void assertBeforeText(UpstreamException e, String message) {
    assertThat(e).as("the failure").isNotNull();
    assertThat(e.kind()).isEqualTo(UpstreamException.Kind.UNAVAILABLE);
    assertThat(e.retryable()).isTrue();
    assertThat(e.status()).isZero();
    assertThat(e.getMessage()).isEqualTo(message);
  }

  static void assertAfterText(UpstreamException e, String message) {
    assertThat(e).as("the failure").isNotNull();
    assertThat(e.kind()).isEqualTo(UpstreamException.Kind.MID_STREAM);
    assertThat(e.retryable()).isFalse();
    assertThat(e.getMessage()).isEqualTo(message);
  }

  @Test
  void aRouterStreamEndingWithoutDoneIsRetryableOnlyBeforeText() {
    List<String> deltas = new ArrayList<>();
    upstream.then(stream("text/event-stream", ": keep-alive\n\n"));
    assertBeforeText(
        streaming(huggingFace(), deltas),
        "the Hugging Face router ended the stream without [DONE]");
    upstream.then(stream("text/event-stream", FakeUpstream.hfChunk("Par")));
    assertAfterText(
        streaming(huggingFace(), deltas),
        "the Hugging Face router ended the stream without [DONE]");
    assertThat(deltas).containsExactly("Par");
  }

  @Test
  void routerAnswersWithoutTextOrJsonAreRetryable() {
    upstream.then(FakeUpstream.Reply.json(200, "{\"choices\":[{\"message\":{}}]}"));
    assertBeforeText(
        completing(huggingFace()), "the Hugging Face router sent an answer without text");
    upstream.then(FakeUpstream.Reply.json(200, "{not json"));
    assertBeforeText(completing(huggingFace()), "the Hugging Face router sent malformed JSON");
  }

  @Test
  void anOllamaStreamEndingBeforeDoneIsRetryableOnlyBeforeText() {
    List<String> deltas = new ArrayList<>();
    upstream.then(stream("application/x-ndjson", "\n"));
    assertBeforeText(streaming(ollama(), deltas), "Ollama ended the stream before done");
    upstream.then(stream("application/x-ndjson", FakeUpstream.ollamaLine("Par", false)));
    assertAfterText(streaming(ollama(), deltas), "Ollama ended the stream before done");
    assertThat(deltas).containsExactly("Par");
  }

  @Test
  void aMalformedOllamaLineIsRetryableOnlyBeforeText() {
    List<String> deltas = new ArrayList<>();
    upstream.then(stream("application/x-ndjson", "{oops\n"));
    assertBeforeText(streaming(ollama(), deltas), "Ollama sent a malformed line");
    upstream.then(stream("application/x-ndjson", FakeUpstream.ollamaLine("Par", false), "{oops\n"));
    assertAfterText(streaming(ollama(), deltas), "Ollama sent a malformed line");
    assertThat(deltas).containsExactly("Par");
  }

  @Test
  void ollamaAnswersWithoutTextOrJsonAreRetryable() {
    upstream.then(FakeUpstream.Reply.json(200, "{\"done\":true}"));
    assertBeforeText(completing(ollama()), "Ollama sent an answer without text");
    upstream.then(FakeUpstream.Reply.json(200, "[]"));
    assertBeforeText(completing(ollama()), "Ollama sent malformed JSON");
  }
}
