package dev.chatbot.operator.status;

import dev.chatbot.api.v1alpha1.MigrationState;

/**
 * Every CamelCase reason the operator writes: on conditions, in {@code status.migration.reason} and
 * on Events. An Event's type follows from its reason; reasons of passing states raise no Event.
 */
public enum Reason {
  // Ready
  Available(EventType.Normal),
  Migrating(EventType.None),
  Bridging(EventType.Normal),
  BackendUnavailable(EventType.None),
  FrontendUnavailable(EventType.None),
  InvalidSpec(EventType.Warning),
  ReconcileError(EventType.Warning),
  // Why a phase change failed (also Ready and Degraded while the old phase serves)
  SecretNotFound(EventType.Warning),
  ModelDownloadFailed(EventType.Warning),
  ProgressDeadlineExceeded(EventType.Warning),
  SmokeTestFailed(EventType.Warning),
  // Progressing and Degraded
  RollingOut(EventType.None),
  Complete(EventType.None),
  AsExpected(EventType.None),
  // ModelReady
  ModelsInImage(EventType.None),
  Downloaded(EventType.None),
  Downloading(EventType.None),
  Pending(EventType.None),
  // AutoscalingAvailable
  AutoscalingAPIUnavailable(EventType.None),
  // Events only: traffic moved, and the steps of a phase change that can last or end it. Steps
  // that pass within a pass or two raise none (status.migration shows them): at a thousand
  // chatbots changing at once every Event is a write the API server waits on.
  PhaseActive(EventType.Normal),
  MigrationPreparing(EventType.None),
  MigrationDownloading(EventType.Normal),
  MigrationStartingBackend(EventType.Normal),
  MigrationSmokeTesting(EventType.None),
  MigrationSwitching(EventType.None),
  MigrationCompleted(EventType.Normal),
  MigrationFailed(EventType.Warning),
  MigrationAborted(EventType.Normal);

  /** The type of the Event a reason raises; None raises none. */
  public enum EventType {
    Normal,
    Warning,
    None
  }

  private final EventType eventType;

  Reason(EventType eventType) {
    this.eventType = eventType;
  }

  public EventType eventType() {
    return eventType;
  }

  /** The Event reason of a phase change entering {@code state}. */
  public static Reason migration(MigrationState state) {
    return valueOf("Migration" + state.name());
  }
}
