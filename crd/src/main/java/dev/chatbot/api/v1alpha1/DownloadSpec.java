package dev.chatbot.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;

/** The model-downloader Job's limits. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class DownloadSpec {
  public static final int DEFAULT_BACKOFF_LIMIT = 3;
  public static final int DEFAULT_ACTIVE_DEADLINE_SECONDS = 3600;
  public static final int DEFAULT_STALL_SECONDS = 120;

  @Default("" + DEFAULT_BACKOFF_LIMIT)
  @Min(0)
  @Max(20)
  @JsonPropertyDescription("Retries of the downloader pod before the download counts as failed.")
  private Integer backoffLimit = DEFAULT_BACKOFF_LIMIT;

  @Default("" + DEFAULT_ACTIVE_DEADLINE_SECONDS)
  @Min(60)
  @Max(86400)
  @JsonPropertyDescription("Seconds the whole download may take before it counts as failed.")
  private Integer activeDeadlineSeconds = DEFAULT_ACTIVE_DEADLINE_SECONDS;

  @Default("" + DEFAULT_STALL_SECONDS)
  @Min(10)
  @Max(3600)
  @JsonPropertyDescription(
      "Seconds a model's download may make no progress before it is cut and started again (from"
          + " the bytes already stored); after 3 such retries the downloader pod fails and the Job"
          + " retries it (backoffLimit).")
  private Integer stallSeconds = DEFAULT_STALL_SECONDS;

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

  public Integer getStallSeconds() {
    return stallSeconds;
  }

  public void setStallSeconds(Integer stallSeconds) {
    this.stallSeconds = stallSeconds;
  }
}
