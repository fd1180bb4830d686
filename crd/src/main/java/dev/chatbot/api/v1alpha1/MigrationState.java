package dev.chatbot.api.v1alpha1;

/** The step a phase change is at. */
public enum MigrationState {
  /** Checking what the target phase needs: the token Secret, the model volume. */
  Preparing,
  /** The downloader Job is pulling the target's models. */
  Downloading,
  /** The target backend is starting; waiting until it is available. */
  StartingBackend,
  /** Sending a real chat request to the target backend. */
  SmokeTesting,
  /** Moving the backend Service to the target and removing the old backend. */
  Switching,
  /** The target phase serves traffic. */
  Completed,
  /** The change was abandoned; the old phase keeps serving. */
  Failed,
  /** spec.phase changed again before the change finished; its half-made backend was removed. */
  Aborted
}
