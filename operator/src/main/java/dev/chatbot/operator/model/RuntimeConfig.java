package dev.chatbot.operator.model;

import dev.chatbot.api.v1alpha1.ChatSpec;
import dev.chatbot.api.v1alpha1.ChatbotDeployment;
import dev.chatbot.api.v1alpha1.ClientKey;
import dev.chatbot.api.v1alpha1.FrontendSpec;
import dev.chatbot.api.v1alpha1.HuggingFaceSpec;
import dev.chatbot.api.v1alpha1.LocalSpec;
import dev.chatbot.api.v1alpha1.Phase;
import dev.chatbot.api.v1alpha1.RateLimitSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The runtime's configuration files (docs/runtime-contract.md), one map per role and phase. Never
 * holds a secret: the token reaches the pod only through a secretKeyRef.
 */
public final class RuntimeConfig {
  private RuntimeConfig() {}

  /** Configuration of one phase's backend. */
  public static Map<String, String> backend(ChatbotDeployment cr, Phase phase) {
    Map<String, String> data = new TreeMap<>();
    data.put("role", "backend");
    ChatSpec chat = cr.getSpec().getChat() == null ? new ChatSpec() : cr.getSpec().getChat();
    if (chat.getSystemPrompt() != null && !chat.getSystemPrompt().isEmpty()) {
      data.put("system_prompt", chat.getSystemPrompt());
    }
    data.put(
        "max_tokens",
        String.valueOf(Defaults.or(chat.getMaxTokens(), ChatSpec.DEFAULT_MAX_TOKENS)));
    data.put(
        "temperature",
        String.valueOf(Defaults.or(chat.getTemperature(), ChatSpec.DEFAULT_TEMPERATURE)));
    data.put(
        "max_history",
        String.valueOf(Defaults.or(chat.getMaxHistory(), ChatSpec.DEFAULT_MAX_HISTORY)));
    switch (phase) {
      case MOCK -> data.put("model_provider", "mock");
      case HUGGINGFACE -> {
        HuggingFaceSpec hf = cr.getSpec().getHuggingface();
        data.put("model_provider", "huggingface");
        data.put("model", hf.getModel());
        data.put(
            "huggingface_endpoint",
            Defaults.or(hf.getEndpoint(), HuggingFaceSpec.DEFAULT_ENDPOINT));
        data.put(
            "requests_per_minute",
            String.valueOf(
                Defaults.or(
                    hf.getRequestsPerMinute(), HuggingFaceSpec.DEFAULT_REQUESTS_PER_MINUTE)));
        data.put(
            "timeout_seconds",
            String.valueOf(
                Defaults.or(hf.getTimeoutSeconds(), HuggingFaceSpec.DEFAULT_TIMEOUT_SECONDS)));
        data.put(
            "fallback_to_mock",
            String.valueOf(
                Defaults.or(hf.getFallbackToMock(), HuggingFaceSpec.DEFAULT_FALLBACK_TO_MOCK)));
      }
      case LOCAL -> {
        LocalSpec local = cr.getSpec().getLocal();
        data.put("model_provider", "ollama");
        data.put("model", local.getModels().get(0));
        data.put("ollama_url", "http://" + Deployments.OLLAMA_HOST);
      }
    }
    return data;
  }

  /**
   * Configuration of the frontend: where the backend Service is, how long a chat call is held while
   * no backend is ready, and the per-client limit.
   */
  public static Map<String, String> frontend(ChatbotDeployment cr) {
    FrontendSpec frontend = cr.getSpec().getFrontend();
    RateLimitSpec limit = Defaults.rateLimit(frontend);
    Map<String, String> data = new TreeMap<>();
    data.put("role", "frontend");
    data.put("backend_url", "http://" + Names.backendService(cr) + ":" + Names.RUNTIME_PORT);
    data.put(
        "hold_seconds",
        String.valueOf(Defaults.or(frontend.getHoldSeconds(), FrontendSpec.DEFAULT_HOLD_SECONDS)));
    data.put("client_requests_per_minute", String.valueOf(Defaults.requestsPerMinute(limit)));
    data.put("client_burst", String.valueOf(Defaults.burst(limit)));
    ClientKey key = Defaults.or(limit.getKey(), RateLimitSpec.DEFAULT_KEY);
    data.put("client_key", key.value());
    if (key == ClientKey.HEADER) {
      data.put("client_key_header", limit.getHeader());
    }
    if (limit.getTrustedProxies() != null && !limit.getTrustedProxies().isEmpty()) {
      data.put("trusted_proxies", String.join(",", limit.getTrustedProxies()));
    }
    return data;
  }

  /** A short stable hash of configuration, put on pod templates so a change rolls the pods. */
  public static String hash(Map<String, String> data, String... extra) {
    List<String> parts = new ArrayList<>();
    new TreeMap<>(data)
        .forEach(
            (k, v) -> {
              parts.add(k);
              parts.add(v);
            });
    parts.addAll(List.of(extra));
    return Hashes.of(parts.toArray(String[]::new));
  }
}
