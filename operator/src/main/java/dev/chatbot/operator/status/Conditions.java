package dev.chatbot.operator.status;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Standard conditions; a condition keeps its lastTransitionTime while its status stays. */
public final class Conditions {
  public static final String READY = "Ready";
  public static final String PROGRESSING = "Progressing";
  public static final String DEGRADED = "Degraded";
  public static final String MODEL_READY = "ModelReady";
  public static final String AUTOSCALING = "AutoscalingAvailable";

  private Conditions() {}

  public static Optional<Condition> find(List<Condition> conditions, String type) {
    return conditions == null
        ? Optional.empty()
        : conditions.stream().filter(c -> type.equals(c.getType())).findFirst();
  }

  /**
   * The conditions with one set: lastTransitionTime moves only when the status changes, so a pass
   * that changes nothing yields an equal list.
   */
  public static List<Condition> set(
      List<Condition> previous,
      String type,
      boolean status,
      Reason reason,
      String message,
      Long generation,
      String now) {
    List<Condition> out = new ArrayList<>();
    String value = status ? "True" : "False";
    boolean replaced = false;
    for (Condition c : previous == null ? List.<Condition>of() : previous) {
      if (!type.equals(c.getType())) {
        out.add(c);
        continue;
      }
      String since = value.equals(c.getStatus()) ? c.getLastTransitionTime() : now;
      out.add(build(type, value, reason.name(), message, generation, since));
      replaced = true;
    }
    if (!replaced) {
      out.add(build(type, value, reason.name(), message, generation, now));
    }
    return out;
  }

  public static List<Condition> remove(List<Condition> previous, String type) {
    List<Condition> out = new ArrayList<>(previous == null ? List.of() : previous);
    out.removeIf(c -> type.equals(c.getType()));
    return out;
  }

  private static Condition build(
      String type, String status, String reason, String message, Long generation, String since) {
    return new ConditionBuilder()
        .withType(type)
        .withStatus(status)
        .withReason(reason)
        .withMessage(message)
        .withObservedGeneration(generation)
        .withLastTransitionTime(since)
        .build();
  }
}
