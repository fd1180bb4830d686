package dev.chatbot.operator.status;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Condition;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Standard conditions: lastTransitionTime moves only with the status. */
class ConditionsTest {
  static final String T0 = "2026-01-01T00:00:00Z";
  static final String T1 = "2026-01-01T00:05:00Z";

  static Condition ready(List<Condition> conditions) {
    return Conditions.find(conditions, Conditions.READY).orElseThrow();
  }

  @Test
  void aNewConditionStartsNow() {
    List<Condition> c =
        Conditions.set(List.of(), Conditions.READY, true, Reason.Available, "up", 3L, T0);
    assertThat(c).singleElement();
    Condition ready = ready(c);
    assertThat(ready.getType()).isEqualTo("Ready");
    assertThat(ready.getStatus()).isEqualTo("True");
    assertThat(ready.getReason()).isEqualTo("Available");
    assertThat(ready.getMessage()).isEqualTo("up");
    assertThat(ready.getObservedGeneration()).isEqualTo(3L);
    assertThat(ready.getLastTransitionTime()).isEqualTo(T0);
  }

  @Test
  void theSameStatusKeepsItsTransitionTimeWhileReasonAndMessageChange() {
    List<Condition> c =
        Conditions.set(
            List.of(), Conditions.READY, false, Reason.BackendUnavailable, "0/1", 1L, T0);
    c = Conditions.set(c, Conditions.READY, false, Reason.FrontendUnavailable, "0/2", 2L, T1);
    Condition ready = ready(c);
    assertThat(ready.getLastTransitionTime()).isEqualTo(T0);
    assertThat(ready.getReason()).isEqualTo("FrontendUnavailable");
    assertThat(ready.getMessage()).isEqualTo("0/2");
    assertThat(ready.getObservedGeneration()).isEqualTo(2L);
  }

  @Test
  void aStatusChangeMovesTheTransitionTime() {
    List<Condition> c =
        Conditions.set(
            List.of(), Conditions.READY, false, Reason.BackendUnavailable, "0/1", 1L, T0);
    c = Conditions.set(c, Conditions.READY, true, Reason.Available, "up", 1L, T1);
    assertThat(ready(c).getStatus()).isEqualTo("True");
    assertThat(ready(c).getLastTransitionTime()).isEqualTo(T1);
  }

  @Test
  void settingOneConditionKeepsTheOthersInTheirPlace() {
    List<Condition> c =
        Conditions.set(List.of(), Conditions.READY, true, Reason.Available, "up", 1L, T0);
    c = Conditions.set(c, Conditions.PROGRESSING, false, Reason.Complete, "done", 1L, T0);
    c = Conditions.set(c, Conditions.READY, false, Reason.Migrating, "moving", 2L, T1);
    assertThat(c).extracting(Condition::getType).containsExactly("Ready", "Progressing");
    assertThat(c.get(1).getReason()).isEqualTo("Complete");
    assertThat(c.get(1).getLastTransitionTime()).isEqualTo(T0);
  }

  @Test
  void removeDropsOnlyThatTypeAndFindToleratesNull() {
    List<Condition> c =
        Conditions.set(List.of(), Conditions.READY, true, Reason.Available, "up", 1L, T0);
    c = Conditions.set(c, Conditions.MODEL_READY, true, Reason.Downloaded, "models", 1L, T0);
    assertThat(Conditions.remove(c, Conditions.MODEL_READY))
        .extracting(Condition::getType)
        .containsExactly("Ready");
    assertThat(Conditions.remove(null, Conditions.READY)).isEmpty();
    assertThat(Conditions.find(null, Conditions.READY)).isEmpty();
  }
}
