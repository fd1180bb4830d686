package dev.chatbot.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;

/** How a phase change is carried out. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class MigrationSpec {
  static final String DEFAULT_STRATEGY_NAME = "MakeBeforeBreak";
  public static final MigrationStrategy DEFAULT_STRATEGY =
      MigrationStrategy.valueOf(DEFAULT_STRATEGY_NAME);
  public static final int DEFAULT_PROGRESS_DEADLINE_SECONDS = 600;
  public static final boolean DEFAULT_SMOKE_TEST = true;

  @Default(DEFAULT_STRATEGY_NAME)
  @JsonPropertyDescription(
      "MakeBeforeBreak: the new backend must be ready before traffic moves (no downtime)."
          + " Recreate: the old backend goes first (downtime), for clusters that cannot run both.")
  private MigrationStrategy strategy = DEFAULT_STRATEGY;

  @Default("" + DEFAULT_PROGRESS_DEADLINE_SECONDS)
  @Min(30)
  @Max(86400)
  @JsonPropertyDescription(
      "Seconds a phase change may take (model download excluded, see local.download) before it"
          + " is abandoned and the old phase keeps serving.")
  private Integer progressDeadlineSeconds = DEFAULT_PROGRESS_DEADLINE_SECONDS;

  @Default("" + DEFAULT_SMOKE_TEST)
  @JsonPropertyDescription(
      "Send one real chat request to the new backend before moving traffic to it.")
  private Boolean smokeTest = DEFAULT_SMOKE_TEST;

  public MigrationStrategy getStrategy() {
    return strategy;
  }

  public void setStrategy(MigrationStrategy strategy) {
    this.strategy = strategy;
  }

  public Integer getProgressDeadlineSeconds() {
    return progressDeadlineSeconds;
  }

  public void setProgressDeadlineSeconds(Integer progressDeadlineSeconds) {
    this.progressDeadlineSeconds = progressDeadlineSeconds;
  }

  public Boolean getSmokeTest() {
    return smokeTest;
  }

  public void setSmokeTest(Boolean smokeTest) {
    this.smokeTest = smokeTest;
  }
}
