package dev.chatbot.operator.status;

import dev.chatbot.api.v1alpha1.ChatbotDeploymentStatus;
import dev.chatbot.api.v1alpha1.MigrationState;
import dev.chatbot.api.v1alpha1.MigrationStatus;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The Events of a pass: what changed between the status read and the status written that a person
 * should hear of. Pure; only transitions count, so a steady chatbot raises none.
 */
public final class Transitions {
  /** One Event to record. */
  public record Notice(Reason reason, String message) {}

  private Transitions() {}

  public static List<Notice> between(ChatbotDeploymentStatus before, ChatbotDeploymentStatus next) {
    List<Notice> out = new ArrayList<>();
    MigrationStatus was = before.getMigration();
    MigrationStatus is = next.getMigration();
    boolean completed = false;
    if (is != null
        && (was == null
            || was.getState() != is.getState()
            || was.getToPhase() != is.getToPhase())) {
      Reason reason = Reason.migration(is.getState());
      completed = is.getState() == MigrationState.Completed;
      if (reason.eventType() != Reason.EventType.None) {
        out.add(
            new Notice(
                reason, is.getFromPhase() + " -> " + is.getToPhase() + ": " + is.getMessage()));
      }
    }
    // Traffic moved from one phase to another. A first deployment raises none: its Ready event
    // ("mock backend ... available") says the same; nor does a completed change, whose
    // MigrationCompleted event ("... serves traffic") does. Every write counts at a thousand
    // chatbots.
    if (!completed
        && before.getActivePhase() != null
        && next.getActivePhase() != null
        && before.getActivePhase() != next.getActivePhase()) {
      out.add(new Notice(Reason.PhaseActive, next.getActivePhase() + " serves traffic"));
    }
    Optional<Condition> readyBefore = Conditions.find(before.getConditions(), Conditions.READY);
    Optional<Condition> readyNow = Conditions.find(next.getConditions(), Conditions.READY);
    if (readyNow.isPresent()
        && !Objects.equals(
            readyBefore.map(Condition::getReason).orElse(null), readyNow.get().getReason())) {
      Reason reason = Reason.valueOf(readyNow.get().getReason());
      if (reason.eventType() != Reason.EventType.None) {
        out.add(new Notice(reason, readyNow.get().getMessage()));
      }
    }
    return out;
  }
}
