package dev.chatbot.api.v1alpha1;

/** How a phase change replaces the backend. */
public enum MigrationStrategy {
  /** Start the new backend, wait until it is ready and answers, then move traffic. No downtime. */
  MakeBeforeBreak,
  /**
   * Remove the old backend first, then start the new one: downtime until it is ready, for clusters
   * that cannot hold both (GPU quota).
   */
  Recreate
}
