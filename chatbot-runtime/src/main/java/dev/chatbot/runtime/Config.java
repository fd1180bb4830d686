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
    FRONTEND,
    /** A stand-in Ollama server (docs/mock-simulator.md). */
    OLLAMA_SIM
  }

  /** What the per-client rate limit counts by. */
  public enum ClientKeyKind {
    ADDRESS,
    HEADER,
    NONE
  }

  public enum ProviderKind {
    MOCK,
    HUGGINGFACE,
    OLLAMA;

    /** The chatbot phase whose backend runs this provider (ollama: local). */
    public String phase() {
      return this == OLLAMA ? "local" : name().toLowerCase(java.util.Locale.ROOT);
    }
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
  public final String listenHost;
  public final int port;

  // Runtime extensions (documented in chatbot-runtime/README.md).
  public final int maxBodyBytes;
  public final int maxMessageChars;
  public final int maxMessages;
  public final int clientRequestsPerMinute;
  public final int clientBurst;
  public final ClientKeyKind clientKey;
  public final String clientKeyHeader;
  public final String trustedProxies;
  public final int holdSeconds;
  public final int maxConcurrentChats;
  public final int maxQueuedChats;
  public final int queueTimeoutSeconds;
  public final int shutdownDrainSeconds;
  public final int shutdownGraceSeconds;
  public final MockSettings mock;
  public final OllamaSimSettings ollamaSim;

  // Internal tuning, not configurable through keys (tests shorten it).
  public final long retryInitialBackoffMillis;
  public final int retryMaxAttempts;
  public final int maxRetryAfterSeconds;

  private static final java.util.regex.Pattern HEADER_NAME =
      java.util.regex.Pattern.compile("[A-Za-z0-9!#$%&'*+.^_`|~-]{1,100}");

  private Config(
      Map<String, String> raw,
      String hfToken,
      int port,
      long retryInitialBackoffMillis,
      String ollamaModelsDir,
      String ollamaHost) {
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
    this.clientBurst =
        p.integer("client_burst", Math.max(1, Math.min(10, clientRequestsPerMinute)), 1, 1_000_000);
    this.clientKey = p.enumValue("client_key", ClientKeyKind.class, ClientKeyKind.ADDRESS);
    this.clientKeyHeader = p.string("client_key_header", "");
    if (clientKey == ClientKeyKind.HEADER && !HEADER_NAME.matcher(clientKeyHeader).matches()) {
      throw new ConfigException(
          "client_key_header: client_key=header needs an HTTP header name, got '"
              + Parser.shorten(clientKeyHeader)
              + "'");
    }
    this.trustedProxies = p.string("trusted_proxies", "");
    try {
      Cidr.parseList(trustedProxies);
    } catch (IllegalArgumentException e) {
      throw new ConfigException("trusted_proxies: " + e.getMessage());
    }
    this.holdSeconds = p.integer("hold_seconds", 30, 0, 3600);
    this.maxConcurrentChats = p.integer("max_concurrent_chats", 32, 1, 1_000);
    this.maxQueuedChats = p.integer("max_queued_chats", 1_000, 0, 100_000);
    this.queueTimeoutSeconds = p.integer("queue_timeout_seconds", 10, 1, 3600);
    this.shutdownDrainSeconds = p.integer("shutdown_drain_seconds", 5, 0, 3600);
    this.shutdownGraceSeconds = p.integer("shutdown_grace_seconds", 15, 0, 3600);
    this.mock = new MockSettings(p);
    this.ollamaSim = new OllamaSimSettings(p, ollamaModelsDir);
    this.hfToken = hfToken == null || hfToken.isBlank() ? null : hfToken.trim();
    // An Ollama stand-in listens where Ollama would: OLLAMA_HOST, else port 11434 (unless PORT).
    String[] listen =
        role == Role.OLLAMA_SIM && port < 0 && ollamaHost != null && !ollamaHost.isBlank()
            ? parseHostPort(ollamaHost)
            : null;
    this.listenHost = listen != null ? listen[0] : "0.0.0.0";
    this.port =
        listen != null
            ? Integer.parseInt(listen[1])
            : port >= 0 ? port : role == Role.OLLAMA_SIM ? 11434 : 8080;
    this.retryInitialBackoffMillis = retryInitialBackoffMillis;
    this.retryMaxAttempts = 3;
    this.maxRetryAfterSeconds = Math.min(10, timeoutSeconds);
  }

  /** Loads the configuration from an environment map (the process's, or a test's own). */
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
    return new Config(
        raw, env.get("HF_TOKEN"), port, 500, env.get("OLLAMA_MODELS"), env.get("OLLAMA_HOST"));
  }

  /** Builds a configuration from plain key/values (tests). */
  public static Config of(Map<String, String> keys) {
    return of(keys, null, 0, 10);
  }

  public static Config of(
      Map<String, String> keys, String hfToken, int port, long retryInitialBackoffMillis) {
    return new Config(new HashMap<>(keys), hfToken, port, retryInitialBackoffMillis, null, null);
  }

  /** PORT, or -1 when it is not set (each role has its default). */
  private static int parsePort(String value) {
    if (value == null || value.isBlank()) {
      return -1;
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

  /** Ollama's OLLAMA_HOST forms: {@code host}, {@code host:port}, {@code :port}, with a scheme. */
  static String[] parseHostPort(String value) {
    String v = value.strip().replaceFirst("^https?://", "");
    if (v.endsWith("/")) {
      v = v.substring(0, v.length() - 1);
    }
    int colon = v.lastIndexOf(':');
    String host = colon < 0 ? v : v.substring(0, colon);
    String port = colon < 0 ? "11434" : v.substring(colon + 1);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    try {
      int n = Integer.parseInt(port);
      if (n < 0 || n > 65535) {
        throw new NumberFormatException();
      }
    } catch (NumberFormatException e) {
      throw new ConfigException("OLLAMA_HOST: expected host:port, got '" + value + "'");
    }
    return new String[] {host.isEmpty() ? "0.0.0.0" : host, port};
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
    public final double tokensPerSecond;
    public final int answerTokens;
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
      this.tokensPerSecond = p.decimal("mock_tokens_per_second", 0.0, 0.0, 1_000_000.0);
      this.answerTokens = p.integer("mock_answer_tokens", 0, 0, 1_000_000);
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

  /** The Ollama stand-in's models, downloads and their faults ({@code ollama_sim_*} keys). */
  public static final class OllamaSimSettings {
    public final String store;
    public final java.util.List<String> models;
    public final long modelBytes;
    public final long pullBytesPerSecond;
    public final long diskBytes;
    public final int pullStallSeconds;
    public final int pullStallAtPercent;
    public final String pullError;
    public final int pullErrorAtPercent;
    public final int loadMs;

    OllamaSimSettings(Parser p, String ollamaModelsDir) {
      this.store =
          p.string(
              "ollama_sim_store",
              ollamaModelsDir == null || ollamaModelsDir.isBlank()
                  ? "/tmp/ollama-sim"
                  : ollamaModelsDir);
      this.models =
          java.util.Arrays.stream(p.string("ollama_sim_models", "").split("[,\\s]+"))
              .filter(m -> !m.isEmpty())
              .toList();
      this.modelBytes = p.longValue("ollama_sim_model_bytes", 2_000_000_000L, 1, 1L << 50);
      this.pullBytesPerSecond =
          p.longValue("ollama_sim_pull_bytes_per_second", 200_000_000L, 1, 1L << 50);
      this.diskBytes = p.longValue("ollama_sim_disk_bytes", 0, 0, 1L << 50);
      this.pullStallSeconds = p.integer("ollama_sim_pull_stall_seconds", 0, 0, 86_400);
      this.pullStallAtPercent = p.integer("ollama_sim_pull_stall_at_percent", 50, 0, 99);
      this.pullError = p.string("ollama_sim_pull_error", "");
      this.pullErrorAtPercent = p.integer("ollama_sim_pull_error_at_percent", 0, 0, 99);
      this.loadMs = p.integer("ollama_sim_load_ms", 0, 0, 600_000);
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
      return (int) longValue(key, def, min, max);
    }

    long longValue(String key, long def, long min, long max) {
      String v = value(key);
      if (v == null || v.isEmpty()) {
        return def;
      }
      try {
        long n = Long.parseLong(v);
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
        if (e.name().replace('_', '-').equalsIgnoreCase(v)) {
          return e;
        }
      }
      StringBuilder allowed = new StringBuilder();
      for (E e : type.getEnumConstants()) {
        allowed
            .append(allowed.length() == 0 ? "" : " | ")
            .append(e.name().toLowerCase(Locale.ROOT).replace('_', '-'));
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

    static String shorten(String v) {
      return v.length() > 40 ? v.substring(0, 40) + "..." : v;
    }
  }
}
