package dev.chatbot.operator.children;

import io.fabric8.kubernetes.api.model.batch.v1.Job;

/** The model-downloader Job of the local phase. */
public class JobDependent extends ChildDependent<Job> {
  public static final String NAME = "download-job";

  public JobDependent() {
    super(Job.class);
  }
}
