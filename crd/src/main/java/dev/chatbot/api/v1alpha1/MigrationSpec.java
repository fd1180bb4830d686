package dev.chatbot.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;

/** How a phase change is carried out. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class MigrationSpec {

  @Default("MakeBeforeBreak")
  @JsonPropertyDescription(
      "MakeBeforeBreak: the new backend must be ready before traffic moves (no downtime)."
          + " Recreate: the old backend goes first (downtime), for clusters that cannot run both.")
  private MigrationStrategy strategy = MigrationStrategy.MakeBeforeBreak;

  @Default("600")
  @Min(30)
  @Max(86400)
  @JsonPropertyDescription(
      "Seconds a phase change may take (model download excluded, see local.download) before it"
          + " is abandoned and the old phase keeps serving.")
  private Integer progressDeadlineSeconds = 600;

  @Default("true")
  @JsonPropertyDescription(
      "Send one real chat request to the new backend before moving traffic to it.")
  private Boolean smokeTest = true;

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
