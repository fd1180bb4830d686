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

  @Size(max = 8000)
  @JsonPropertyDescription("Instructions sent before every conversation. Empty means none.")
  private String systemPrompt;

  @Default("256")
  @Min(1)
  @Max(32768)
  @JsonPropertyDescription("Most tokens in one answer.")
  private Integer maxTokens = 256;

  @Default("0.7")
  @Min(0)
  @Max(2)
  @JsonPropertyDescription("Sampling temperature, 0 (deterministic) to 2.")
  private Double temperature = 0.7;

  @Default("10")
  @Min(0)
  @Max(200)
  @JsonPropertyDescription("Most earlier messages of a conversation sent along with a question.")
  private Integer maxHistory = 10;

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
