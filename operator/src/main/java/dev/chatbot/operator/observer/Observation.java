package dev.chatbot.operator.observer;

import dev.chatbot.api.v1alpha1.Phase;
import java.util.Map;

/**
 * What the operator read from the cluster at the start of a pass.
 *
 * @param backends availability of each phase's backend Deployment that exists
 * @param frontend availability of the frontend Deployment, null when there is none
 * @param job the model-downloader Job of the current model list
 * @param secretProblem why the huggingface token cannot be used (names the Secret and key), or null
 *     when it can or is not needed
 * @param secretVersion resourceVersion of the token Secret, empty when not needed
 * @param endpoint where users reach the chatbot, from its Service
 */
public record Observation(
    Map<Phase, Availability> backends,
    Availability frontend,
    JobState job,
    String secretProblem,
    String secretVersion,
    String endpoint) {

  public boolean available(Phase phase) {
    Availability a = backends.get(phase);
    return a != null && a.available();
  }

  /** Replica counts of a Deployment and whether all of its replicas are available. */
  public record Availability(int replicas, int readyReplicas, boolean available) {}

  /** The downloader Job's state. */
  public record JobState(Kind kind, String message) {
    public static final JobState NONE = new JobState(Kind.NONE, null);

    /** Where the Job is. */
    public enum Kind {
      NONE,
      RUNNING,
      SUCCEEDED,
      FAILED
    }
  }
}
