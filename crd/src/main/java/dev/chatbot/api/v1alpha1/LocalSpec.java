package dev.chatbot.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.crd.generator.annotation.SchemaFrom;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import io.fabric8.kubernetes.api.model.Toleration;
import java.util.List;
import java.util.Map;

/** The local phase: private models served by an Ollama sidecar. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class LocalSpec {
  public static final ModelSource DEFAULT_MODEL_SOURCE = ModelSource.DOWNLOAD;
  public static final Bridge DEFAULT_BRIDGE = Bridge.NONE;

  /** An Ollama model name: [namespace/]name[:tag], lower case. */
  public static final String MODEL_PATTERN =
      "^[a-z0-9][a-z0-9._-]*(/[a-z0-9][a-z0-9._-]*)?(:[A-Za-z0-9][A-Za-z0-9._-]{0,127})?$";

  @Size(min = 1, max = 10)
  @JsonPropertyDescription(
      "Ollama models to serve, for example llama3.2 or qwen2.5:0.5b. The first one answers chats;"
          + " all are downloaded.")
  private List<@Pattern(MODEL_PATTERN) String> models;

  @Default(ModelSource.DOWNLOAD_VALUE)
  @JsonPropertyDescription(
      "download: a Job pulls the models into a volume first. image: the Ollama image already"
          + " contains them (no volume, no Job).")
  private ModelSource modelSource = DEFAULT_MODEL_SOURCE;

  @Default("{}")
  @JsonPropertyDescription("The volume the models are downloaded into (modelSource download).")
  private StorageSpec storage = new StorageSpec();

  @Default("{}")
  @JsonPropertyDescription("The Ollama sidecar that serves the models.")
  private OllamaSpec ollama = new OllamaSpec();

  @Default("{}")
  @JsonPropertyDescription("The model-downloader Job.")
  private DownloadSpec download = new DownloadSpec();

  @Default(Bridge.NONE_VALUE)
  @JsonPropertyDescription(
      "What serves while the chatbot has no local model ready yet (its first deployment, until"
          + " the models are downloaded and the local backend answers): mock, huggingface (needs"
          + " spec.huggingface) or none. Traffic then moves to the local backend make-before-break"
          + " and the bridge backend is removed.")
  private Bridge bridge = DEFAULT_BRIDGE;

  @JsonPropertyDescription("Node labels the local backend pods must run on, for example GPU nodes.")
  private Map<String, String> nodeSelector;

  @JsonPropertyDescription("Tolerations of the local backend pods and the downloader Job.")
  @SchemaFrom(type = TolerationSchema[].class)
  private List<Toleration> tolerations;

  public List<String> getModels() {
    return models;
  }

  public void setModels(List<String> models) {
    this.models = models;
  }

  public ModelSource getModelSource() {
    return modelSource;
  }

  public void setModelSource(ModelSource modelSource) {
    this.modelSource = modelSource;
  }

  public StorageSpec getStorage() {
    return storage;
  }

  public void setStorage(StorageSpec storage) {
    this.storage = storage;
  }

  public OllamaSpec getOllama() {
    return ollama;
  }

  public void setOllama(OllamaSpec ollama) {
    this.ollama = ollama;
  }

  public DownloadSpec getDownload() {
    return download;
  }

  public void setDownload(DownloadSpec download) {
    this.download = download;
  }

  public Bridge getBridge() {
    return bridge;
  }

  public void setBridge(Bridge bridge) {
    this.bridge = bridge;
  }

  public Map<String, String> getNodeSelector() {
    return nodeSelector;
  }

  public void setNodeSelector(Map<String, String> nodeSelector) {
    this.nodeSelector = nodeSelector;
  }

  public List<Toleration> getTolerations() {
    return tolerations;
  }

  public void setTolerations(List<Toleration> tolerations) {
    this.tolerations = tolerations;
  }
}
