package dev.chatbot.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Size;

/** Conversation settings, written to the runtime's configuration. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ChatSpec {
  public static final int DEFAULT_MAX_TOKENS = 256;
  public static final double DEFAULT_TEMPERATURE = 0.7;
  public static final int DEFAULT_MAX_HISTORY = 10;

  @Size(max = 8000)
  @JsonPropertyDescription("Instructions sent before every conversation. Empty means none.")
  private String systemPrompt;

  @Default("" + DEFAULT_MAX_TOKENS)
  @Min(1)
  @Max(32768)
  @JsonPropertyDescription("Most tokens in one answer.")
  private Integer maxTokens = DEFAULT_MAX_TOKENS;

  @Default("" + DEFAULT_TEMPERATURE)
  @Min(0)
  @Max(2)
  @JsonPropertyDescription("Sampling temperature, 0 (deterministic) to 2.")
  private Double temperature = DEFAULT_TEMPERATURE;

  @Default("" + DEFAULT_MAX_HISTORY)
  @Min(0)
  @Max(200)
  @JsonPropertyDescription("Most earlier messages of a conversation sent along with a question.")
  private Integer maxHistory = DEFAULT_MAX_HISTORY;

  public String getSystemPrompt() {
    return systemPrompt;
  }

  public void setSystemPrompt(String systemPrompt) {
    this.systemPrompt = systemPrompt;
  }

  public Integer getMaxTokens() {
    return maxTokens;
  }

  public void setMaxTokens(Integer maxTokens) {
    this.maxTokens = maxTokens;
  }

  public Double getTemperature() {
    return temperature;
  }

  public void setTemperature(Double temperature) {
    this.temperature = temperature;
  }

  public Integer getMaxHistory() {
    return maxHistory;
  }

  public void setMaxHistory(Integer maxHistory) {
    this.maxHistory = maxHistory;
  }
}
