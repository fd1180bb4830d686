package dev.chatbot.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;

/** The model-downloader Job's limits. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class DownloadSpec {

  @Default("3")
  @Min(0)
  @Max(20)
  @JsonPropertyDescription("Retries of the downloader pod before the download counts as failed.")
  private Integer backoffLimit = 3;

  @Default("3600")
  @Min(60)
  @Max(86400)
  @JsonPropertyDescription("Seconds the whole download may take before it counts as failed.")
  private Integer activeDeadlineSeconds = 3600;

  public Integer getBackoffLimit() {
    return backoffLimit;
  }

  public void setBackoffLimit(Integer backoffLimit) {
    this.backoffLimit = backoffLimit;
  }

  public Integer getActiveDeadlineSeconds() {
    return activeDeadlineSeconds;
  }

  public void setActiveDeadlineSeconds(Integer activeDeadlineSeconds) {
    this.activeDeadlineSeconds = activeDeadlineSeconds;
  }
}
