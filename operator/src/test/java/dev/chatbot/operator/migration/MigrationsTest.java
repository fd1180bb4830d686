package dev.chatbot.operator.migration;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chatbot.api.v1alpha1.Bridge;
import dev.chatbot.api.v1alpha1.ChatbotDeployment;
import dev.chatbot.api.v1alpha1.ChatbotDeploymentStatus;
import dev.chatbot.api.v1alpha1.MigrationState;
import dev.chatbot.api.v1alpha1.MigrationStatus;
import dev.chatbot.api.v1alpha1.MigrationStrategy;
import dev.chatbot.api.v1alpha1.Phase;
import dev.chatbot.operator.migration.Migrations.Step;
import dev.chatbot.operator.model.OperatorSettings;
import dev.chatbot.operator.observer.Observation;
import dev.chatbot.operator.observer.Observation.Availability;
import dev.chatbot.operator.observer.Observation.JobState;
import dev.chatbot.operator.status.Reason;
import dev.chatbot.operator.support.Fixtures;
import java.time.Instant;
import java.util.EnumMap;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The phase-change state machine, step by step, without a cluster. */
class MigrationsTest {
  static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  static final OperatorSettings SETTINGS = Fixtures.settings();

  static ChatbotDeployment servingMock(Phase target) {
    ChatbotDeployment cr = Fixtures.example("huggingface.yaml", "ns");
    cr.getMetadata().setGeneration(2L);
    cr.getSpec().setPhase(target);
    ChatbotDeploymentStatus status = new ChatbotDeploymentStatus();
    status.setActivePhase(Phase.MOCK);
    cr.setStatus(status);
    return cr;
  }

  static Observation seen(Set<Phase> available, String secretProblem) {
    Map<Phase, Availability> backends = new EnumMap<>(Phase.class);
    for (Phase p : Phase.values()) {
      backends.put(p, new Availability(1, available.contains(p) ? 1 : 0, available.contains(p)));
    }
    return new Observation(backends, null, JobState.NONE, secretProblem, "7", null);
  }

  static Step advance(ChatbotDeployment cr, Observation obs, Instant now) {
    Step step = Migrations.decide(cr, obs, SETTINGS, now);
    cr.getStatus().setMigration(step.migration());
    cr.getStatus().setActivePhase(step.active());
    return step;
  }

  @Test
  void aFirstDeploymentServesOnceItsBackendIsAvailableAlsoWithinThePass() {
    ChatbotDeployment cr = servingMock(Phase.MOCK);
    cr.setStatus(null);
    Step s = Migrations.decide(cr, seen(Set.of(), null), SETTINGS, T0);
    assertThat(s.active()).isNull();
    assertThat(s.plan().backends()).containsExactly(Phase.MOCK);

    // The backend was not there when the pass began; the caches show it available after the apply.
    assertThat(Migrations.afterApply(s, cr, seen(Set.of(Phase.MOCK), null)).active())
        .isEqualTo(Phase.MOCK);
    assertThat(Migrations.afterApply(s, cr, seen(Set.of(), null)).active()).isNull();
  }

  @Test
  void afterApplyLeavesAPhaseChangeToTheStateMachine() {
    ChatbotDeployment cr = servingMock(Phase.HUGGINGFACE);
    Step s = advance(cr, seen(Set.of(Phase.MOCK), null), T0);
    Step after = Migrations.afterApply(s, cr, seen(Set.of(Phase.MOCK, Phase.HUGGINGFACE), null));
    assertThat(after).isSameAs(s);
    assertThat(after.active()).isEqualTo(Phase.MOCK);
  }

  @Test
  void makeBeforeBreakKeepsTheOldBackendUntilTheNewOneServes() {
    ChatbotDeployment cr = servingMock(Phase.HUGGINGFACE);
    // Preparing's checks pass within the first pass; the start is recorded before the new
    // backend is started, in the next.
    Step s = advance(cr, seen(Set.of(Phase.MOCK), null), T0);
    assertThat(s.migration().getState()).isEqualTo(MigrationState.StartingBackend);
    assertThat(s.migration().getBackendStartedAt()).isEqualTo(T0.toString());
    assertThat(s.plan().backends()).containsExactly(Phase.MOCK);

    s = advance(cr, seen(Set.of(Phase.MOCK), null), T0.plusSeconds(5));
    assertThat(s.migration().getState()).isEqualTo(MigrationState.StartingBackend);
    assertThat(s.plan().backends()).containsExactlyInAnyOrder(Phase.MOCK, Phase.HUGGINGFACE);
    assertThat(s.plan().serving()).isEqualTo(Phase.MOCK);
    assertThat(s.plan().rollHashes()).containsEntry(Phase.HUGGINGFACE, "secret:7");

    // The pass that sees the new backend available sends the test request (it changes nothing).
    s = Migrations.decide(cr, seen(Set.of(Phase.MOCK, Phase.HUGGINGFACE), null), SETTINGS, T0);
    assertThat(s.migration().getState()).isEqualTo(MigrationState.SmokeTesting);
    assertThat(s.smokeTest()).isTrue();
    assertThat(s.plan().serving()).isEqualTo(Phase.MOCK);
    s = Migrations.afterSmokeTest(s, true, "answered", T0.plusSeconds(7));
    cr.getStatus().setMigration(s.migration());
    assertThat(s.migration().getState()).isEqualTo(MigrationState.Switching);

    s = advance(cr, seen(Set.of(Phase.MOCK, Phase.HUGGINGFACE), null), T0.plusSeconds(8));
    assertThat(s.plan().serving()).isEqualTo(Phase.HUGGINGFACE);
    assertThat(s.plan().backends()).contains(Phase.MOCK, Phase.HUGGINGFACE);
    assertThat(s.active()).isEqualTo(Phase.HUGGINGFACE);
    assertThat(s.migration().getState()).isEqualTo(MigrationState.Completed);

    s = advance(cr, seen(Set.of(Phase.MOCK, Phase.HUGGINGFACE), null), T0.plusSeconds(9));
    assertThat(s.plan().backends()).containsExactly(Phase.HUGGINGFACE);
  }

  @Test
  void theServiceNeverMovesToABackendThatIsNotAvailable() {
    ChatbotDeployment cr = servingMock(Phase.HUGGINGFACE);
    MigrationStatus m = new MigrationStatus();
    m.setFromPhase(Phase.MOCK);
    m.setToPhase(Phase.HUGGINGFACE);
    m.setGeneration(2L);
    m.setState(MigrationState.Switching);
    m.setStateSince(T0.toString());
    cr.getStatus().setMigration(m);
    Step s = advance(cr, seen(Set.of(Phase.MOCK), null), T0);
    assertThat(s.plan().serving()).isEqualTo(Phase.MOCK);
    assertThat(s.migration().getState()).isEqualTo(MigrationState.StartingBackend);
  }

  @Test
  void theDeadlineFailsTheChangeAndTheOldPhaseStays() {
    ChatbotDeployment cr = servingMock(Phase.HUGGINGFACE);
    cr.getSpec().getMigration().setProgressDeadlineSeconds(60);
    advance(cr, seen(Set.of(Phase.MOCK), null), T0);
    advance(cr, seen(Set.of(Phase.MOCK), null), T0);
    Step s = advance(cr, seen(Set.of(Phase.MOCK), null), T0.plusSeconds(61));
    assertThat(s.migration().getState()).isEqualTo(MigrationState.Failed);
    assertThat(s.migration().getReason()).isEqualTo(Reason.ProgressDeadlineExceeded.name());
    s = advance(cr, seen(Set.of(Phase.MOCK), null), T0.plusSeconds(62));
    assertThat(s.plan().backends()).containsExactly(Phase.MOCK);
    assertThat(s.active()).isEqualTo(Phase.MOCK);
    // An edit (new generation) tries again.
    cr.getMetadata().setGeneration(3L);
    s = advance(cr, seen(Set.of(Phase.MOCK), null), T0.plusSeconds(63));
    assertThat(s.migration().getState()).isEqualTo(MigrationState.StartingBackend);
    assertThat(s.migration().getStartedAt()).isEqualTo(T0.plusSeconds(63).toString());
  }

  @Test
  void aBackendThatFlapsCannotPostponeTheDeadline() {
    ChatbotDeployment cr = servingMock(Phase.HUGGINGFACE);
    cr.getSpec().getMigration().setProgressDeadlineSeconds(60);
    Set<Phase> mockOnly = Set.of(Phase.MOCK);
    Set<Phase> both = Set.of(Phase.MOCK, Phase.HUGGINGFACE);
    advance(cr, seen(mockOnly, null), T0);
    Step s = advance(cr, seen(mockOnly, null), T0);
    assertThat(s.migration().getState()).isEqualTo(MigrationState.StartingBackend);
    assertThat(s.migration().getBackendStartedAt()).isEqualTo(T0.toString());
    // Available, then lost again, then back: each return to StartingBackend is a new state...
    s = advance(cr, seen(both, null), T0.plusSeconds(30));
    assertThat(s.migration().getState()).isEqualTo(MigrationState.SmokeTesting);
    s = advance(cr, seen(mockOnly, null), T0.plusSeconds(40));
    assertThat(s.migration().getState()).isEqualTo(MigrationState.StartingBackend);
    assertThat(s.migration().getStateSince()).isEqualTo(T0.plusSeconds(40).toString());
    s = advance(cr, seen(both, null), T0.plusSeconds(50));
    assertThat(s.migration().getState()).isEqualTo(MigrationState.SmokeTesting);
    // ...but the deadline still counts from the first start: 61 s after it, the change fails.
    s = advance(cr, seen(both, null), T0.plusSeconds(61));
    assertThat(s.migration().getState()).isEqualTo(MigrationState.Failed);
    assertThat(s.migration().getReason()).isEqualTo(Reason.ProgressDeadlineExceeded.name());
    assertThat(s.smokeTest()).isFalse();
    assertThat(s.plan().serving()).isEqualTo(Phase.MOCK);
  }

  @Test
  void withoutASmokeTestAFlappingBackendFailsAtTheDeadlineToo() {
    ChatbotDeployment cr = servingMock(Phase.HUGGINGFACE);
    cr.getSpec().getMigration().setProgressDeadlineSeconds(60);
    cr.getSpec().getMigration().setSmokeTest(false);
    Set<Phase> mockOnly = Set.of(Phase.MOCK);
    Set<Phase> both = Set.of(Phase.MOCK, Phase.HUGGINGFACE);
    advance(cr, seen(mockOnly, null), T0);
    advance(cr, seen(mockOnly, null), T0);
    assertThat(advance(cr, seen(both, null), T0.plusSeconds(59)).migration().getState())
        .isEqualTo(MigrationState.Switching);
    Step s = advance(cr, seen(mockOnly, null), T0.plusSeconds(61));
    assertThat(s.migration().getState()).isEqualTo(MigrationState.Failed);
    assertThat(s.plan().serving()).as("the Service never moved").isEqualTo(Phase.MOCK);
  }

  @Test
  void aChangeInFlightFromAnOlderOperatorCountsFromItsStateStart() {
    ChatbotDeployment cr = servingMock(Phase.HUGGINGFACE);
    cr.getSpec().getMigration().setProgressDeadlineSeconds(60);
    MigrationStatus m = new MigrationStatus();
    m.setFromPhase(Phase.MOCK);
    m.setToPhase(Phase.HUGGINGFACE);
    m.setGeneration(2L);
    m.setState(MigrationState.StartingBackend);
    m.setStateSince(T0.toString());
    cr.getStatus().setMigration(m);
    Step s = advance(cr, seen(Set.of(Phase.MOCK), null), T0.plusSeconds(30));
    assertThat(s.migration().getBackendStartedAt()).isEqualTo(T0.toString());
    s = advance(cr, seen(Set.of(Phase.MOCK), null), T0.plusSeconds(61));
    assertThat(s.migration().getState()).isEqualTo(MigrationState.Failed);
  }

  @Test
  void aMissingSecretFailsAndIsRetriedWhenItAppears() {
    ChatbotDeployment cr = servingMock(Phase.HUGGINGFACE);
    Step s = advance(cr, seen(Set.of(Phase.MOCK), "Secret hf-token not found"), T0);
    assertThat(s.migration().getState()).as("in the first pass").isEqualTo(MigrationState.Failed);
    assertThat(s.migration().getReason()).isEqualTo(Reason.SecretNotFound.name());
    assertThat(s.migration().getMessage()).contains("hf-token");
    s = advance(cr, seen(Set.of(Phase.MOCK), "Secret hf-token not found"), T0.plusSeconds(2));
    assertThat(s.migration().getState()).isEqualTo(MigrationState.Failed);
    assertThat(s.plan().backends()).containsExactly(Phase.MOCK);
    s = advance(cr, seen(Set.of(Phase.MOCK), null), T0.plusSeconds(60));
    assertThat(s.migration().getState()).isEqualTo(MigrationState.StartingBackend);
  }

  @Test
  void recreateStopsTheOldBackendFirstButReportsItActiveUntilTheNewServes() {
    ChatbotDeployment cr = servingMock(Phase.HUGGINGFACE);
    cr.getSpec().getMigration().setStrategy(MigrationStrategy.Recreate);
    advance(cr, seen(Set.of(Phase.MOCK), null), T0);
    advance(cr, seen(Set.of(Phase.MOCK), null), T0);
    Step s = advance(cr, seen(Set.of(), null), T0.plusSeconds(1));
    assertThat(s.plan().backends()).containsExactly(Phase.HUGGINGFACE);
    assertThat(s.plan().serving()).isEqualTo(Phase.HUGGINGFACE);
    assertThat(s.active()).isEqualTo(Phase.MOCK);
  }

  @Test
  void aPhaseChangeBackBeforeTheEndAbortsTheChange() {
    ChatbotDeployment cr = servingMock(Phase.HUGGINGFACE);
    advance(cr, seen(Set.of(Phase.MOCK), null), T0);
    advance(cr, seen(Set.of(Phase.MOCK), null), T0);
    cr.getSpec().setPhase(Phase.MOCK);
    Step s = advance(cr, seen(Set.of(Phase.MOCK), null), T0.plusSeconds(1));
    assertThat(s.migration().getState()).isEqualTo(MigrationState.Aborted);
    assertThat(s.plan().backends()).containsExactly(Phase.MOCK);
  }

  static ChatbotDeployment bridged(Bridge bridge) {
    ChatbotDeployment cr = Fixtures.example("local-download.yaml", "ns");
    cr.getMetadata().setGeneration(1L);
    cr.getSpec().getLocal().setBridge(bridge);
    cr.setStatus(new ChatbotDeploymentStatus());
    return cr;
  }

  static Observation withJob(Set<Phase> available, JobState.Kind job) {
    return seen(available, null).withJob(new JobState(job, null, "private-download-1", "u1"), null);
  }

  @Test
  void aBridgeServesFromTheFirstDeploymentUntilTheLocalBackendPassesItsSmokeTest() {
    ChatbotDeployment cr = bridged(Bridge.MOCK);
    cr.getSpec().getMigration().setStrategy(MigrationStrategy.Recreate);
    Step s = advance(cr, withJob(Set.of(), JobState.Kind.RUNNING), T0);
    assertThat(s.plan().backends()).containsExactly(Phase.MOCK);
    assertThat(s.plan().serving()).isEqualTo(Phase.MOCK);
    assertThat(s.plan().downloadJob()).as("the download starts at once").isTrue();
    assertThat(s.bridge()).isEqualTo(Phase.MOCK);
    assertThat(s.active()).as("nothing serves before the bridge is available").isNull();

    s = advance(cr, withJob(Set.of(Phase.MOCK), JobState.Kind.RUNNING), T0.plusSeconds(5));
    assertThat(s.active()).isEqualTo(Phase.MOCK);
    assertThat(s.bridge()).isEqualTo(Phase.MOCK);

    // The change to local: the download goes on while the bridge serves.
    // (Preparing passes within the pass that starts the change.)
    s = advance(cr, withJob(Set.of(Phase.MOCK), JobState.Kind.RUNNING), T0.plusSeconds(6));
    assertThat(s.migration().getState()).isEqualTo(MigrationState.Downloading);
    assertThat(s.plan().downloadJob()).isTrue();
    s = advance(cr, withJob(Set.of(Phase.MOCK), JobState.Kind.RUNNING), T0.plusSeconds(7));
    assertThat(s.migration().getState()).isEqualTo(MigrationState.Downloading);
    assertThat(s.plan().backends()).containsExactly(Phase.MOCK);
    assertThat(s.bridge()).isEqualTo(Phase.MOCK);
    s = advance(cr, withJob(Set.of(Phase.MOCK), JobState.Kind.SUCCEEDED), T0.plusSeconds(600));
    assertThat(s.migration().getState()).isEqualTo(MigrationState.StartingBackend);

    // Make-before-break even under Recreate: the bridge serves while local starts.
    s = advance(cr, withJob(Set.of(Phase.MOCK), JobState.Kind.SUCCEEDED), T0.plusSeconds(601));
    assertThat(s.plan().backends()).containsExactlyInAnyOrder(Phase.MOCK, Phase.LOCAL);
    assertThat(s.plan().serving()).isEqualTo(Phase.MOCK);
    s =
        advance(
            cr,
            withJob(Set.of(Phase.MOCK, Phase.LOCAL), JobState.Kind.SUCCEEDED),
            T0.plusSeconds(602));
    assertThat(s.migration().getState()).isEqualTo(MigrationState.SmokeTesting);
    s =
        Migrations.decide(
            cr, withJob(Set.of(Phase.MOCK, Phase.LOCAL), JobState.Kind.SUCCEEDED), SETTINGS, T0);
    assertThat(s.smokeTest()).isTrue();
    assertThat(s.plan().serving()).isEqualTo(Phase.MOCK);
    s = Migrations.afterSmokeTest(s, true, "answered", T0.plusSeconds(603));
    assertThat(s.bridge()).isEqualTo(Phase.MOCK);
    cr.getStatus().setMigration(s.migration());

    s =
        advance(
            cr,
            withJob(Set.of(Phase.MOCK, Phase.LOCAL), JobState.Kind.SUCCEEDED),
            T0.plusSeconds(604));
    assertThat(s.migration().getState()).isEqualTo(MigrationState.Completed);
    assertThat(s.plan().serving()).isEqualTo(Phase.LOCAL);
    assertThat(s.active()).isEqualTo(Phase.LOCAL);
    assertThat(s.bridge()).isNull();
    s =
        advance(
            cr,
            withJob(Set.of(Phase.MOCK, Phase.LOCAL), JobState.Kind.SUCCEEDED),
            T0.plusSeconds(605));
    assertThat(s.plan().backends()).as("the bridge backend goes").containsExactly(Phase.LOCAL);
    assertThat(s.bridge()).isNull();
  }

  @Test
  void aModelListChangedWhileTheBackendStartsDownloadsFirstAndTheBridgeServesOn() {
    ChatbotDeployment cr = bridged(Bridge.MOCK);
    advance(cr, withJob(Set.of(Phase.MOCK), JobState.Kind.RUNNING), T0);
    advance(cr, withJob(Set.of(Phase.MOCK), JobState.Kind.RUNNING), T0.plusSeconds(1));
    Step s = advance(cr, withJob(Set.of(Phase.MOCK), JobState.Kind.SUCCEEDED), T0.plusSeconds(60));
    assertThat(s.migration().getState()).isEqualTo(MigrationState.StartingBackend);
    s = advance(cr, withJob(Set.of(Phase.MOCK), JobState.Kind.SUCCEEDED), T0.plusSeconds(61));
    assertThat(s.plan().backends()).containsExactlyInAnyOrder(Phase.MOCK, Phase.LOCAL);

    // The list changes: the Job of the new list does not exist yet.
    cr.getMetadata().setGeneration(2L);
    s = advance(cr, withJob(Set.of(Phase.MOCK), JobState.Kind.NONE), T0.plusSeconds(62));
    assertThat(s.migration().getState()).isEqualTo(MigrationState.Downloading);
    assertThat(s.migration().getBackendStartedAt()).as("the deadline starts again").isNull();
    assertThat(s.plan().backends()).containsExactly(Phase.MOCK);
    assertThat(s.plan().downloadJob()).isTrue();
    assertThat(s.active()).isEqualTo(Phase.MOCK);
    assertThat(s.bridge()).isEqualTo(Phase.MOCK);
    s = advance(cr, withJob(Set.of(Phase.MOCK), JobState.Kind.RUNNING), T0.plusSeconds(900));
    assertThat(s.migration().getState())
        .as("no deadline while downloading")
        .isEqualTo(MigrationState.Downloading);
    s = advance(cr, withJob(Set.of(Phase.MOCK), JobState.Kind.SUCCEEDED), T0.plusSeconds(901));
    assertThat(s.migration().getState()).isEqualTo(MigrationState.StartingBackend);
    assertThat(s.migration().getBackendStartedAt()).isEqualTo(T0.plusSeconds(901).toString());
    assertThat(s.bridge()).isEqualTo(Phase.MOCK);
  }

  @Test
  void aFailedDownloadLeavesTheBridgeServing() {
    ChatbotDeployment cr = bridged(Bridge.MOCK);
    advance(cr, withJob(Set.of(Phase.MOCK), JobState.Kind.RUNNING), T0);
    advance(cr, withJob(Set.of(Phase.MOCK), JobState.Kind.RUNNING), T0);
    advance(cr, withJob(Set.of(Phase.MOCK), JobState.Kind.RUNNING), T0);
    Step s = advance(cr, withJob(Set.of(Phase.MOCK), JobState.Kind.FAILED), T0.plusSeconds(60));
    assertThat(s.migration().getState()).isEqualTo(MigrationState.Failed);
    assertThat(s.migration().getReason()).isEqualTo(Reason.ModelDownloadFailed.name());
    s = advance(cr, withJob(Set.of(Phase.MOCK), JobState.Kind.FAILED), T0.plusSeconds(61));
    assertThat(s.active()).isEqualTo(Phase.MOCK);
    assertThat(s.plan().serving()).isEqualTo(Phase.MOCK);
    assertThat(s.bridge()).isEqualTo(Phase.MOCK);
  }

  @Test
  void aHuggingfaceBridgeNeedsItsTokenAndNoBridgeIsTodaysBehaviour() {
    ChatbotDeployment cr = bridged(Bridge.HUGGINGFACE);
    Step s =
        Migrations.decide(
            cr,
            seen(Set.of(), "Secret hf-token not found")
                .withJob(new JobState(JobState.Kind.RUNNING, null, "j", "u"), null),
            SETTINGS,
            T0);
    assertThat(s.bridge()).as("no token, no bridge").isNull();
    s = Migrations.decide(cr, withJob(Set.of(), JobState.Kind.RUNNING), SETTINGS, T0);
    assertThat(s.bridge()).isEqualTo(Phase.HUGGINGFACE);
    assertThat(s.plan().backends()).containsExactly(Phase.HUGGINGFACE);

    cr = bridged(Bridge.NONE);
    s = Migrations.decide(cr, withJob(Set.of(), JobState.Kind.RUNNING), SETTINGS, T0);
    assertThat(s.bridge()).isNull();
    assertThat(s.plan().backends()).as("no backend until the download is done").isEmpty();
    assertThat(s.plan().downloadJob()).isTrue();
    assertThat(s.active()).isNull();
  }
}
