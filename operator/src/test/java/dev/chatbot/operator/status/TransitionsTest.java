package dev.chatbot.operator.status;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chatbot.api.v1alpha1.ChatbotDeploymentStatus;
import dev.chatbot.api.v1alpha1.MigrationState;
import dev.chatbot.api.v1alpha1.MigrationStatus;
import dev.chatbot.api.v1alpha1.Phase;
import dev.chatbot.operator.status.Transitions.Notice;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Which changes raise an Event, and of what reason and type. */
class TransitionsTest {
  static final String T0 = "2026-01-01T00:00:00Z";

  static ChatbotDeploymentStatus status(Phase active, Reason ready, boolean isReady) {
    ChatbotDeploymentStatus s = new ChatbotDeploymentStatus();
    s.setActivePhase(active);
    s.setConditions(Conditions.set(null, Conditions.READY, isReady, ready, "because", 1L, T0));
    return s;
  }

  @Test
  void nothingChangedNothingToSay() {
    ChatbotDeploymentStatus s = status(Phase.MOCK, Reason.Available, true);
    assertThat(Transitions.between(s, status(Phase.MOCK, Reason.Available, true))).isEmpty();
  }

  @Test
  void aFirstDeploymentBecomingReadyIsOneNormalEvent() {
    List<Notice> notices =
        Transitions.between(
            new ChatbotDeploymentStatus(), status(Phase.MOCK, Reason.Available, true));
    assertThat(notices)
        .singleElement()
        .isEqualTo(new Notice(Reason.Available, "because"))
        .satisfies(n -> assertThat(n.reason().eventType()).isEqualTo(Reason.EventType.Normal));
  }

  @Test
  void trafficMovingToAnotherPhaseIsAnEvent() {
    assertThat(
            Transitions.between(
                status(Phase.MOCK, Reason.Available, true),
                status(Phase.HUGGINGFACE, Reason.Available, true)))
        .containsExactly(new Notice(Reason.PhaseActive, "huggingface serves traffic"));
  }

  @Test
  void passingStatesRaiseNoEventButFailuresWarn() {
    ChatbotDeploymentStatus serving = status(Phase.MOCK, Reason.Available, true);
    for (Reason passing :
        List.of(Reason.Migrating, Reason.BackendUnavailable, Reason.FrontendUnavailable)) {
      assertThat(Transitions.between(serving, status(Phase.MOCK, passing, false))).isEmpty();
    }
    assertThat(Transitions.between(serving, status(Phase.MOCK, Reason.SmokeTestFailed, false)))
        .singleElement()
        .satisfies(n -> assertThat(n.reason().eventType()).isEqualTo(Reason.EventType.Warning));
  }

  @Test
  void eachStepOfAChangeIsAnEvent() {
    ChatbotDeploymentStatus before = status(Phase.MOCK, Reason.Migrating, false);
    MigrationStatus m = new MigrationStatus();
    m.setFromPhase(Phase.MOCK);
    m.setToPhase(Phase.LOCAL);
    m.setState(MigrationState.Downloading);
    m.setMessage("downloading models");
    ChatbotDeploymentStatus next = status(Phase.MOCK, Reason.Migrating, false);
    next.setMigration(m);
    assertThat(Transitions.between(before, next))
        .containsExactly(
            new Notice(Reason.MigrationDownloading, "mock -> local: downloading models"));
    before.setMigration(m);
    assertThat(Transitions.between(before, next)).as("same state again").isEmpty();
  }

  @Test
  void aCompletedChangeSaysSoOnceNotAlsoAsPhaseActive() {
    ChatbotDeploymentStatus before = status(Phase.MOCK, Reason.Migrating, false);
    before.setMigration(migration(MigrationState.Switching, "moving traffic"));
    ChatbotDeploymentStatus next = status(Phase.HUGGINGFACE, Reason.Available, true);
    next.setMigration(migration(MigrationState.Completed, "huggingface serves traffic"));
    assertThat(Transitions.between(before, next))
        .containsExactly(
            new Notice(
                Reason.MigrationCompleted, "mock -> huggingface: huggingface serves traffic"),
            new Notice(Reason.Available, "because"));
  }

  @Test
  void stepsThatPassQuicklyRaiseNoEvent() {
    ChatbotDeploymentStatus before = status(Phase.MOCK, Reason.Available, true);
    for (MigrationState passing :
        List.of(MigrationState.Preparing, MigrationState.SmokeTesting, MigrationState.Switching)) {
      ChatbotDeploymentStatus next = status(Phase.MOCK, Reason.Migrating, false);
      next.setMigration(migration(passing, "on its way"));
      assertThat(Transitions.between(before, next)).as(passing.name()).isEmpty();
    }
  }

  private static MigrationStatus migration(MigrationState state, String message) {
    MigrationStatus m = new MigrationStatus();
    m.setFromPhase(Phase.MOCK);
    m.setToPhase(Phase.HUGGINGFACE);
    m.setState(state);
    m.setMessage(message);
    return m;
  }

  @ParameterizedTest
  @EnumSource(MigrationState.class)
  void everyMigrationStateHasAnEventReason(MigrationState state) {
    Reason reason = Reason.migration(state);
    assertThat(reason.name()).isEqualTo("Migration" + state.name());
    Reason.EventType expected =
        switch (state) {
          case Failed -> Reason.EventType.Warning;
          case Preparing, SmokeTesting, Switching -> Reason.EventType.None;
          default -> Reason.EventType.Normal;
        };
    assertThat(reason.eventType()).isEqualTo(expected);
  }
}
