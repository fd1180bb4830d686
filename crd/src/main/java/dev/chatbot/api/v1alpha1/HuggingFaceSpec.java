package dev.chatbot.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;

/** The huggingface phase: answers from the Hugging Face router. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class HuggingFaceSpec {
  public static final String DEFAULT_ENDPOINT = "https://router.huggingface.co/v1";
  public static final int DEFAULT_REQUESTS_PER_MINUTE = 60;
  public static final int DEFAULT_TIMEOUT_SECONDS = 30;
  public static final boolean DEFAULT_FALLBACK_TO_MOCK = true;

  @Pattern("^[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9][A-Za-z0-9._-]*(:[A-Za-z0-9][A-Za-z0-9._-]*)?$")
  @JsonPropertyDescription(
      "Model id as org/name, optionally :provider to pin an inference provider, for example"
          + " meta-llama/Llama-3.1-8B-Instruct or openai/gpt-oss-20b:groq.")
  private String model;

  @JsonPropertyDescription(
      "The Secret key holding the Hugging Face token. The token reaches the pods only through"
          + " secretKeyRef.")
  private SecretKeySelector tokenSecretRef;

  @Default(DEFAULT_ENDPOINT)
  @Pattern("^https?://[^\\s]+$")
  @JsonPropertyDescription("Base URL of the OpenAI-compatible chat completions API.")
  private String endpoint = DEFAULT_ENDPOINT;

  @Default("" + DEFAULT_REQUESTS_PER_MINUTE)
  @Min(0)
  @Max(100000)
  @JsonPropertyDescription("Most upstream requests per minute per pod; 0 means no limit.")
  private Integer requestsPerMinute = DEFAULT_REQUESTS_PER_MINUTE;

  @Default("" + DEFAULT_TIMEOUT_SECONDS)
  @Min(1)
  @Max(600)
  @JsonPropertyDescription("Seconds to wait for an upstream answer.")
  private Integer timeoutSeconds = DEFAULT_TIMEOUT_SECONDS;

  @Default("" + DEFAULT_FALLBACK_TO_MOCK)
  @JsonPropertyDescription(
      "Answer with a mock answer, marked as a fallback, when the router fails instead of an error.")
  private Boolean fallbackToMock = DEFAULT_FALLBACK_TO_MOCK;

  public String getModel() {
    return model;
  }

  public void setModel(String model) {
    this.model = model;
  }

  public SecretKeySelector getTokenSecretRef() {
    return tokenSecretRef;
  }

  public void setTokenSecretRef(SecretKeySelector tokenSecretRef) {
    this.tokenSecretRef = tokenSecretRef;
  }

  public String getEndpoint() {
    return endpoint;
  }

  public void setEndpoint(String endpoint) {
    this.endpoint = endpoint;
  }

  public Integer getRequestsPerMinute() {
    return requestsPerMinute;
  }

  public void setRequestsPerMinute(Integer requestsPerMinute) {
    this.requestsPerMinute = requestsPerMinute;
  }

  public Integer getTimeoutSeconds() {
    return timeoutSeconds;
  }

  public void setTimeoutSeconds(Integer timeoutSeconds) {
    this.timeoutSeconds = timeoutSeconds;
  }

  public Boolean getFallbackToMock() {
    return fallbackToMock;
  }

  public void setFallbackToMock(Boolean fallbackToMock) {
    this.fallbackToMock = fallbackToMock;
  }
}
