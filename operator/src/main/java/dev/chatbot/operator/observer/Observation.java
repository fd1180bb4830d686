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
 * @param download the download's progress read in this pass, null when it was not read (the status
 *     keeps the last reading)
 */
public record Observation(
    Map<Phase, Availability> backends,
    Availability frontend,
    JobState job,
    String secretProblem,
    String secretVersion,
    String endpoint,
    DownloadSample download) {

  /** An observation without a reading of the download's progress. */
  public Observation(
      Map<Phase, Availability> backends,
      Availability frontend,
      JobState job,
      String secretProblem,
      String secretVersion,
      String endpoint) {
    this(backends, frontend, job, secretProblem, secretVersion, endpoint, null);
  }

  /** The same observation with the download's state and reading as this pass found them. */
  public Observation withJob(JobState job, DownloadSample download) {
    return new Observation(
        backends, frontend, job, secretProblem, secretVersion, endpoint, download);
  }

  public boolean available(Phase phase) {
    Availability a = backends.get(phase);
    return a != null && a.available();
  }

  /**
   * Replica counts of a Deployment and whether all of its replicas are available.
   *
   * @param rolledOut whether its latest template is rolled out: every replica updated and
   *     available, no pod of an older template left (a rolling update keeps the old pods available
   *     until new ones are ready, so {@code available} holds while it rolls)
   */
  public record Availability(
      int replicas, int readyReplicas, boolean available, boolean rolledOut) {

    public Availability(int replicas, int readyReplicas, boolean available) {
      this(replicas, readyReplicas, available, available);
    }

    /**
     * Whether all wanted replicas are ready, whatever template they run: the pods serving now, also
     * before the Deployment's controller has observed a new template.
     */
    public boolean allReady() {
      return replicas > 0 && readyReplicas >= replicas;
    }
  }

  /**
   * The downloader Job's state.
   *
   * @param name the Job's name, null when none is wanted
   * @param uid the Job's uid, null when it does not exist
   */
  public record JobState(Kind kind, String message, String name, String uid) {
    public static final JobState NONE = new JobState(Kind.NONE, null);

    public JobState(Kind kind, String message) {
      this(kind, message, null, null);
    }

    /** The same Job, failed for this reason. */
    public JobState failed(String why) {
      return new JobState(Kind.FAILED, why, name, uid);
    }

    /** Where the Job is. */
    public enum Kind {
      NONE,
      RUNNING,
      SUCCEEDED,
      FAILED
    }
  }
}
