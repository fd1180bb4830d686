package dev.chatbot.operator.model;

import dev.chatbot.api.v1alpha1.ChatbotDeployment;
import dev.chatbot.api.v1alpha1.DownloadSpec;
import dev.chatbot.api.v1alpha1.LocalSpec;
import dev.chatbot.api.v1alpha1.ModelSource;
import dev.chatbot.api.v1alpha1.OllamaSpec;
import dev.chatbot.api.v1alpha1.StorageSpec;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/** The local phase's model volume and the Job that downloads models into it. */
public final class Storage {
  /** The downloader's shell script (download-models.sh beside this class; see its comments). */
  static final String DOWNLOAD_SCRIPT = script("download-models.sh");

  private Storage() {}

  /** A script resource without its leading comment block and final newline, as the pod runs it. */
  static String script(String resource) {
    try (InputStream in = Storage.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("missing resource " + resource);
      }
      List<String> lines = new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().toList();
      int first = 0;
      while (first < lines.size() && lines.get(first).startsWith("#")) {
        first++;
      }
      return String.join("\n", lines.subList(first, lines.size()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Whether the local phase downloads models into a volume (rather than using an image). */
  public static boolean downloads(ChatbotDeployment cr) {
    LocalSpec local = cr.getSpec().getLocal();
    return local != null && Defaults.modelSource(local) == ModelSource.DOWNLOAD;
  }

  /** The claim the operator creates, or null when it reuses an existing one or needs none. */
  public static PersistentVolumeClaim modelClaim(ChatbotDeployment cr) {
    if (!downloads(cr)) {
      return null;
    }
    StorageSpec storage = cr.getSpec().getLocal().getStorage();
    if (storage.getExistingClaim() != null) {
      return null;
    }
    List<String> modes =
        storage.getAccessModes() == null || storage.getAccessModes().isEmpty()
            ? List.of(StorageSpec.DEFAULT_ACCESS_MODE)
            : storage.getAccessModes();
    return new PersistentVolumeClaimBuilder()
        .withMetadata(Meta.of(cr, Names.modelClaim(cr), Names.labels(cr, Names.COMPONENT_MODELS)))
        .withNewSpec()
        .withAccessModes(modes)
        .withStorageClassName(storage.getStorageClassName())
        .withNewResources()
        .withRequests(
            Map.of(
                "storage", new Quantity(Defaults.or(storage.getSize(), StorageSpec.DEFAULT_SIZE))))
        .endResources()
        .endSpec()
        .build();
  }

  public static String modelsHash(ChatbotDeployment cr) {
    return RuntimeConfig.hash(
            Map.of("models", String.join(" ", cr.getSpec().getLocal().getModels())))
        .substring(0, 8);
  }

  public static String downloadJobName(ChatbotDeployment cr) {
    return Names.downloadJob(cr, modelsHash(cr));
  }

  /** The Job that fills the model volume; named after the model list, so a new list re-runs it. */
  public static Job downloadJob(ChatbotDeployment cr) {
    LocalSpec local = cr.getSpec().getLocal();
    OllamaSpec ollama = local.getOllama() == null ? new OllamaSpec() : local.getOllama();
    var labels = Names.labels(cr, Names.COMPONENT_DOWNLOADER);
    return new JobBuilder()
        .withMetadata(Meta.of(cr, downloadJobName(cr), labels))
        .withNewSpec()
        .withBackoffLimit(
            Defaults.or(local.getDownload().getBackoffLimit(), DownloadSpec.DEFAULT_BACKOFF_LIMIT))
        .withActiveDeadlineSeconds(
            Defaults.or(
                    local.getDownload().getActiveDeadlineSeconds(),
                    DownloadSpec.DEFAULT_ACTIVE_DEADLINE_SECONDS)
                .longValue())
        .withNewTemplate()
        .withNewMetadata()
        .withLabels(labels)
        .endMetadata()
        .withNewSpec()
        .withRestartPolicy("Never")
        .withAutomountServiceAccountToken(false)
        .withSecurityContext(PodParts.podSecurityContext())
        .withNodeSelector(local.getNodeSelector())
        .withTolerations(local.getTolerations())
        .addNewContainer()
        .withName("downloader")
        .withImage(Defaults.or(ollama.getImage(), OllamaSpec.DEFAULT_IMAGE))
        .withImagePullPolicy("IfNotPresent")
        .withCommand("/bin/sh", "-c", DOWNLOAD_SCRIPT)
        .withEnv(
            Deployments.env("MODELS", String.join(" ", local.getModels())),
            Deployments.env("OLLAMA_MODELS", Deployments.MODELS_PATH),
            Deployments.env("OLLAMA_HOST", Deployments.OLLAMA_HOST),
            Deployments.env("HOME", "/tmp"))
        .withResources(Defaults.requirements(null, Defaults.DOWNLOADER_RESOURCES))
        .withSecurityContext(PodParts.containerSecurityContext())
        .withVolumeMounts(
            PodParts.mount(Deployments.MODELS_VOLUME, Deployments.MODELS_PATH, false),
            PodParts.mount(PodParts.TMP_VOLUME, "/tmp", false))
        .endContainer()
        .withVolumes(Deployments.modelsVolume(cr, false), PodParts.tmpVolume())
        .endSpec()
        .endTemplate()
        .endSpec()
        .build();
  }
}
