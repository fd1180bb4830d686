package dev.chatbot.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ConfigTest {

  @Test
  void defaultsFollowTheContract(@TempDir Path empty) {
    Config c = Config.load(Map.of("CHATBOT_CONFIG_DIR", empty.toString()));
    assertThat(c.role).isEqualTo(Config.Role.BACKEND);
    assertThat(c.provider).isEqualTo(Config.ProviderKind.MOCK);
    assertThat(c.systemPrompt).isEmpty();
    assertThat(c.maxTokens).isEqualTo(256);
    assertThat(c.temperature).isEqualTo(0.7);
    assertThat(c.maxHistory).isEqualTo(10);
    assertThat(c.huggingfaceEndpoint).isEqualTo("https://router.huggingface.co/v1");
    assertThat(c.requestsPerMinute).isZero();
    assertThat(c.timeoutSeconds).isEqualTo(30);
    assertThat(c.fallbackToMock).isTrue();
    assertThat(c.ollamaUrl).isEqualTo("http://127.0.0.1:11434");
    assertThat(c.backendUrl).isEqualTo("http://localhost:8081");
    assertThat(c.port).isEqualTo(8080);
    assertThat(c.hfToken).isNull();
  }

  @Test
  void overloadAndShutdownDefaultsFitTheDefaultTerminationGracePeriod(@TempDir Path empty) {
    Config c = Config.load(Map.of("CHATBOT_CONFIG_DIR", empty.toString()));
    assertThat(c.maxConcurrentChats).isEqualTo(32);
    assertThat(c.maxQueuedChats).isEqualTo(1000);
    assertThat(c.queueTimeoutSeconds).isEqualTo(10);
    assertThat(c.shutdownDrainSeconds).isEqualTo(5);
    assertThat(c.shutdownGraceSeconds).isEqualTo(15);
    // Kubernetes kills after 30 s by default: leave room for a preStop pause.
    assertThat(c.shutdownDrainSeconds + c.shutdownGraceSeconds).isLessThanOrEqualTo(20);
  }

  @Test
  void filesAreReadAndEnvironmentOverrides(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("model_provider"), "huggingface\n");
    Files.writeString(dir.resolve("model"), "org/from-file");
    Files.writeString(dir.resolve("max_tokens"), "100");
    Files.writeString(dir.resolve("unknown_key"), "whatever");
    Files.createDirectory(dir.resolve("..2026_01_01"));
    Files.writeString(dir.resolve("..data"), "not a key");
    Config c =
        Config.load(
            Map.of(
                "CHATBOT_CONFIG_DIR", dir.toString(),
                "CHATBOT_MODEL", "org/from-env:novita",
                "CHATBOT_FALLBACK_TO_MOCK", "false",
                "HF_TOKEN", "hf_secret",
                "PORT", "9090"));
    assertThat(c.provider).isEqualTo(Config.ProviderKind.HUGGINGFACE);
    assertThat(c.model).isEqualTo("org/from-env:novita");
    assertThat(c.maxTokens).isEqualTo(100);
    assertThat(c.fallbackToMock).isFalse();
    assertThat(c.hfToken).isEqualTo("hf_secret");
    assertThat(c.port).isEqualTo(9090);
  }

  @Test
  void providerSpecificDefaultModels() {
    assertThat(Config.of(Map.of("model_provider", "ollama")).model).isEqualTo("llama3.2");
    assertThat(Config.of(Map.of("model_provider", "huggingface")).model).contains("/");
    assertThat(Config.of(Map.of()).model).isEqualTo("mock-1");
  }

  @ParameterizedTest
  @CsvSource({
    "role, sidecar",
    "model_provider, openai",
    "max_tokens, 0",
    "max_tokens, many",
    "temperature, 2.5",
    "temperature, warm",
    "max_history, -1",
    "requests_per_minute, -5",
    "timeout_seconds, 0",
    "fallback_to_mock, yes",
    "huggingface_endpoint, router.huggingface.co",
    "ollama_url, ftp://x",
    "backend_url, ://nope",
    "mock_error_rate, 1.5",
    "mock_latency_ms, -1",
    "mock_seed, abc",
    "max_concurrent_chats, 0",
    "max_queued_chats, -1",
    "queue_timeout_seconds, 0",
    "shutdown_drain_seconds, soon",
    "shutdown_grace_seconds, -3",
    "hold_seconds, -1",
    "client_burst, 0",
    "client_key, cookie",
    "trusted_proxies, 10.0.0.0/40",
    "mock_tokens_per_second, fast",
    "mock_answer_tokens, -2",
    "ollama_sim_model_bytes, 0",
    "ollama_sim_disk_bytes, lots",
    "ollama_sim_pull_stall_at_percent, 100",
    "ollama_sim_pull_error_at_percent, -1"
  })
  void malformedValuesNameTheKey(String key, String value) {
    assertThatThrownBy(() -> Config.of(Map.of(key, value)))
        .isInstanceOf(Config.ConfigException.class)
        .hasMessageStartingWith(key + ":");
  }

  @Test
  void holdLimitAndSimulatorDefaults(@TempDir Path empty) {
    Config c = Config.load(Map.of("CHATBOT_CONFIG_DIR", empty.toString()));
    assertThat(c.holdSeconds).isEqualTo(30);
    assertThat(c.clientRequestsPerMinute).isEqualTo(600);
    assertThat(c.clientBurst).isEqualTo(10);
    assertThat(c.clientKey).isEqualTo(Config.ClientKeyKind.ADDRESS);
    assertThat(c.trustedProxies).isEmpty();
    assertThat(c.mock.tokensPerSecond).isZero();
    assertThat(c.mock.answerTokens).isZero();
    assertThat(c.ollamaSim.store).isEqualTo("/tmp/ollama-sim");
    assertThat(c.ollamaSim.modelBytes).isEqualTo(2_000_000_000L);
    assertThat(c.ollamaSim.diskBytes).isZero();
    assertThat(c.ollamaSim.pullStallSeconds).isZero();
    assertThat(c.listenHost).isEqualTo("0.0.0.0");
  }

  @Test
  void anOllamaStandInListensWhereOllamaWould(@TempDir Path empty) {
    String dir = empty.toString();
    Config plain = Config.load(Map.of("CHATBOT_CONFIG_DIR", dir, "CHATBOT_ROLE", "ollama-sim"));
    assertThat(plain.role).isEqualTo(Config.Role.OLLAMA_SIM);
    assertThat(plain.port).isEqualTo(11434);
    Config host =
        Config.load(
            Map.of(
                "CHATBOT_CONFIG_DIR", dir,
                "CHATBOT_ROLE", "ollama-sim",
                "OLLAMA_HOST", "127.0.0.1:11500",
                "OLLAMA_MODELS", "/models"));
    assertThat(host.listenHost).isEqualTo("127.0.0.1");
    assertThat(host.port).isEqualTo(11500);
    assertThat(host.ollamaSim.store).isEqualTo("/models");
    Config port =
        Config.load(
            Map.of(
                "CHATBOT_CONFIG_DIR", dir,
                "CHATBOT_ROLE", "ollama-sim",
                "OLLAMA_HOST", "127.0.0.1:11500",
                "PORT", "9000"));
    assertThat(port.port).isEqualTo(9000);
    assertThat(Config.parseHostPort("http://0.0.0.0:7")).containsExactly("0.0.0.0", "7");
    assertThat(Config.parseHostPort(":8")).containsExactly("0.0.0.0", "8");
    assertThat(Config.parseHostPort("[::1]:9")).containsExactly("::1", "9");
    // OLLAMA_HOST means nothing to the other roles.
    assertThat(Config.load(Map.of("CHATBOT_CONFIG_DIR", dir, "OLLAMA_HOST", "1.2.3.4:5")).port)
        .isEqualTo(8080);
  }

  @Test
  void malformedPortIsReported(@TempDir Path empty) {
    assertThatThrownBy(
            () -> Config.load(Map.of("CHATBOT_CONFIG_DIR", empty.toString(), "PORT", "http")))
        .hasMessageContaining("PORT");
  }

  @Test
  void trailingSlashOfUrlsIsDropped() {
    assertThat(Config.of(Map.of("huggingface_endpoint", "http://fake:1/v1/")).huggingfaceEndpoint)
        .isEqualTo("http://fake:1/v1");
  }
}
