package dev.chatbot.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonProperty;

/** Where the local phase's models come from. */
public enum ModelSource {
  /** A downloader Job pulls the models into a PersistentVolumeClaim first. */
  @JsonProperty(ModelSource.DOWNLOAD_VALUE)
  DOWNLOAD,
  /** The Ollama image already holds the models; no volume and no Job. */
  @JsonProperty(ModelSource.IMAGE_VALUE)
  IMAGE;

  /** The spellings in the resource. */
  public static final String DOWNLOAD_VALUE = "download";

  public static final String IMAGE_VALUE = "image";
}
