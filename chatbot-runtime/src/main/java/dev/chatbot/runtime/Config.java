package dev.chatbot.runtime;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Runtime configuration, read per docs/runtime-contract.md: one file per key in {@code
 * CHATBOT_CONFIG_DIR} (default {@code /etc/chatbot}), overridden by {@code CHATBOT_<KEY>}
 * environment variables. Unknown keys are ignored; malformed values fail with a {@link
 * ConfigException} naming the key. The Hugging Face token comes only from {@code HF_TOKEN}.
 */
public final class Config {

  public enum Role {
    BACKEND,
    FRONTEND
  }

  public enum ProviderKind {
    MOCK,
    HUGGINGFACE,
    OLLAMA
  }

  /** Thrown for a malformed value; the message names the key and never echoes secrets. */
  public static final class ConfigException extends RuntimeException {
    public ConfigException(String message) {
      super(message);
    }
  }

  // Contract keys.
  public final Role role;
  public final ProviderKind provider;
  public final String model;
  public final String systemPrompt;
  public final int maxTokens;
  public final double temperature;
  public final int maxHistory;
  public final String huggingfaceEndpoint;
  public final int requestsPerMinute;
  public final int timeoutSeconds;
  public final boolean fallbackToMock;
  public final String ollamaUrl;
  public final String backendUrl;
  public final String hfToken;
  public final int port;

  // Runtime extensions (documented in chatbot-runtime/README.md).
  public final int maxBodyBytes;
  public final int maxMessageChars;
  public final int maxMessages;
  public final int clientRequestsPerMinute;
  public final int maxConcurrentChats;
  public final int maxQueuedChats;
  public final int queueTimeoutSeconds;
  public final int shutdownDrainSeconds;
  public final int shutdownGraceSeconds;
  public final MockSettings mock;

  // Internal tuning, not configurable through keys (tests shorten it).
  public final long retryInitialBackoffMillis;
  public final int retryMaxAttempts;
  public final int maxRetryAfterSeconds;

  private Config(
      Map<String, String> raw, String hfToken, int port, long retryInitialBackoffMillis) {
    Parser p = new Parser(raw);
    this.role = p.enumValue("role", Role.class, Role.BACKEND);
    this.provider = p.enumValue("model_provider", ProviderKind.class, ProviderKind.MOCK);
    String defaultModel =
        switch (provider) {
          case MOCK -> "mock-1";
          case HUGGINGFACE -> "meta-llama/Llama-3.1-8B-Instruct";
          case OLLAMA -> "llama3.2";
        };
    this.model = p.string("model", defaultModel);
    this.systemPrompt = p.string("system_prompt", "");
    this.maxTokens = p.integer("max_tokens", 256, 1, Integer.MAX_VALUE);
    this.temperature = p.decimal("temperature", 0.7, 0.0, 2.0);
    this.maxHistory = p.integer("max_history", 10, 0, Integer.MAX_VALUE);
    this.huggingfaceEndpoint = p.url("huggingface_endpoint", "https://router.huggingface.co/v1");
    this.requestsPerMinute = p.integer("requests_per_minute", 0, 0, Integer.MAX_VALUE);
    this.timeoutSeconds = p.integer("timeout_seconds", 30, 1, 3600);
    this.fallbackToMock = p.bool("fallback_to_mock", true);
    this.ollamaUrl = p.url("ollama_url", "http://127.0.0.1:11434");
    this.backendUrl = p.url("backend_url", "http://localhost:8081");
    this.maxBodyBytes = p.integer("max_body_bytes", 65_536, 1_024, 16 * 1024 * 1024);
    this.maxMessageChars = p.integer("max_message_chars", 8_000, 1, 1_000_000);
    this.maxMessages = p.integer("max_messages", 50, 1, 10_000);
    this.clientRequestsPerMinute =
        p.integer("client_requests_per_minute", 600, 0, Integer.MAX_VALUE);
    this.maxConcurrentChats = p.integer("max_concurrent_chats", 32, 1, 1_000);
    this.maxQueuedChats = p.integer("max_queued_chats", 1_000, 0, 100_000);
    this.queueTimeoutSeconds = p.integer("queue_timeout_seconds", 10, 1, 3600);
    this.shutdownDrainSeconds = p.integer("shutdown_drain_seconds", 5, 0, 3600);
    this.shutdownGraceSeconds = p.integer("shutdown_grace_seconds", 15, 0, 3600);
    this.mock = new MockSettings(p);
    this.hfToken = hfToken == null || hfToken.isBlank() ? null : hfToken.trim();
    this.port = port;
    this.retryInitialBackoffMillis = retryInitialBackoffMillis;
    this.retryMaxAttempts = 3;
    this.maxRetryAfterSeconds = Math.min(10, timeoutSeconds);
  }

  /** Loads the configuration from the process environment. */
  public static Config fromEnvironment() {
    return load(System.getenv());
  }

  /** Loads the configuration from the given environment map (tests pass their own). */
  public static Config load(Map<String, String> env) {
    String dir = env.getOrDefault("CHATBOT_CONFIG_DIR", "/etc/chatbot");
    Map<String, String> raw = new HashMap<>(readDir(Path.of(dir)));
    for (Map.Entry<String, String> e : env.entrySet()) {
      String name = e.getKey();
      if (name.startsWith("CHATBOT_") && !name.equals("CHATBOT_CONFIG_DIR")) {
        raw.put(name.substring("CHATBOT_".length()).toLowerCase(Locale.ROOT), e.getValue());
      }
    }
    int port = parsePort(env.get("PORT"));
    return new Config(raw, env.get("HF_TOKEN"), port, 500);
  }

  /** Builds a configuration from plain key/values (tests). */
  public static Config of(Map<String, String> keys) {
    return of(keys, null, 0, 10);
  }

  public static Config of(
      Map<String, String> keys, String hfToken, int port, long retryInitialBackoffMillis) {
    return new Config(new HashMap<>(keys), hfToken, port, retryInitialBackoffMillis);
  }

  private static int parsePort(String value) {
    if (value == null || value.isBlank()) {
      return 8080;
    }
    try {
      int port = Integer.parseInt(value.trim());
      if (port < 0 || port > 65535) {
        throw new NumberFormatException();
      }
      return port;
    } catch (NumberFormatException e) {
      throw new ConfigException("PORT: expected a port number 0..65535");
    }
  }

  private static Map<String, String> readDir(Path dir) {
    Map<String, String> values = new HashMap<>();
    if (!Files.isDirectory(dir)) {
      return values;
    }
    try (var files = Files.list(dir)) {
      for (Path file : (Iterable<Path>) files::iterator) {
        String name = file.getFileName().toString();
        // ConfigMap volumes contain ..data and timestamped dirs; keys are regular files/links.
        if (name.startsWith(".") || !Files.isRegularFile(file)) {
          continue;
        }
        values.put(name.toLowerCase(Locale.ROOT), Files.readString(file, StandardCharsets.UTF_8));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read config dir " + dir, e);
    }
    return values;
  }

  /** Mock-provider settings and fault injection ({@code mock_*} keys). */
  public static final class MockSettings {
    public final String reply;
    public final int latencyMs;
    public final int tokenDelayMs;
    public final double errorRate;
    public final double rateLimitRate;
    public final int retryAfterSeconds;
    public final double loadingRate;
    public final double breakStreamRate;
    public final Long seed;

    MockSettings(Parser p) {
      this.reply = p.string("mock_reply", "");
      this.latencyMs = p.integer("mock_latency_ms", 0, 0, 600_000);
      this.tokenDelayMs = p.integer("mock_token_delay_ms", 15, 0, 60_000);
      this.errorRate = p.decimal("mock_error_rate", 0.0, 0.0, 1.0);
      this.rateLimitRate = p.decimal("mock_rate_limit_rate", 0.0, 0.0, 1.0);
      this.retryAfterSeconds = p.integer("mock_retry_after_seconds", 1, 0, 3600);
      this.loadingRate = p.decimal("mock_loading_rate", 0.0, 0.0, 1.0);
      this.breakStreamRate = p.decimal("mock_break_stream_rate", 0.0, 0.0, 1.0);
      String seedText = p.string("mock_seed", "");
      if (seedText.isEmpty()) {
        this.seed = null;
      } else {
        try {
          this.seed = Long.parseLong(seedText);
        } catch (NumberFormatException e) {
          throw new ConfigException("mock_seed: expected an integer");
        }
      }
    }
  }

  private static final class Parser {
    private final Map<String, String> raw;

    Parser(Map<String, String> raw) {
      this.raw = raw;
    }

    private String value(String key) {
      String v = raw.get(key);
      return v == null ? null : v.strip();
    }

    String string(String key, String def) {
      String v = value(key);
      return v == null || v.isEmpty() ? def : v;
    }

    int integer(String key, int def, int min, int max) {
      String v = value(key);
      if (v == null || v.isEmpty()) {
        return def;
      }
      try {
        int n = Integer.parseInt(v);
        if (n < min || n > max) {
          throw new NumberFormatException();
        }
        return n;
      } catch (NumberFormatException e) {
        throw new ConfigException(
            key + ": expected an integer in " + min + ".." + max + ", got '" + shorten(v) + "'");
      }
    }

    double decimal(String key, double def, double min, double max) {
      String v = value(key);
      if (v == null || v.isEmpty()) {
        return def;
      }
      try {
        double d = Double.parseDouble(v);
        if (!(d >= min && d <= max)) {
          throw new NumberFormatException();
        }
        return d;
      } catch (NumberFormatException e) {
        throw new ConfigException(
            key + ": expected a number in " + min + ".." + max + ", got '" + shorten(v) + "'");
      }
    }

    boolean bool(String key, boolean def) {
      String v = value(key);
      if (v == null || v.isEmpty()) {
        return def;
      }
      return switch (v.toLowerCase(Locale.ROOT)) {
        case "true" -> true;
        case "false" -> false;
        default ->
            throw new ConfigException(key + ": expected true or false, got '" + shorten(v) + "'");
      };
    }

    <E extends Enum<E>> E enumValue(String key, Class<E> type, E def) {
      String v = value(key);
      if (v == null || v.isEmpty()) {
        return def;
      }
      for (E e : type.getEnumConstants()) {
        if (e.name().equalsIgnoreCase(v)) {
          return e;
        }
      }
      StringBuilder allowed = new StringBuilder();
      for (E e : type.getEnumConstants()) {
        allowed
            .append(allowed.length() == 0 ? "" : " | ")
            .append(e.name().toLowerCase(Locale.ROOT));
      }
      throw new ConfigException(key + ": expected " + allowed + ", got '" + shorten(v) + "'");
    }

    String url(String key, String def) {
      String v = string(key, def);
      try {
        URI uri = URI.create(v);
        if (uri.getHost() == null
            || !("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))) {
          throw new IllegalArgumentException();
        }
      } catch (IllegalArgumentException e) {
        throw new ConfigException(key + ": expected an http(s) URL, got '" + shorten(v) + "'");
      }
      return v.endsWith("/") ? v.substring(0, v.length() - 1) : v;
    }

    private static String shorten(String v) {
      return v.length() > 40 ? v.substring(0, 40) + "..." : v;
    }
  }
}
