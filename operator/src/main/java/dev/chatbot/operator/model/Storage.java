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
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobSpec;
import io.fabric8.kubernetes.api.model.batch.v1.JobSpecBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The local phase's model volume and the Job that downloads models into it. */
public final class Storage {
  /** The Ollama container's shell script (download-server.sh beside this class; its comments). */
  static final String SERVER_SCRIPT = script("download-server.sh");

  /** The downloader Job's containers: the Ollama server and the pull that drives it. */
  public static final String SERVER_CONTAINER = "ollama";

  public static final String PULL_CONTAINER = "pull";

  /** New attempts of the pull command per model after a stall or a lost connection. */
  public static final int PULL_RETRIES = 3;

  /** At most one progress line per model per this many seconds. */
  static final int PULL_INTERVAL_SECONDS = 5;

  static final String RESULT_VOLUME = "download";
  static final String RESULT_DIR = "/run/download";

  /** Where the pull writes its last line, which tells the server container to stop. */
  static final String RESULT_FILE = RESULT_DIR + "/result";

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

  /** The Job that fills the model volume, named after its own spec (see {@link #downloadJob}). */
  public static String downloadJobName(ChatbotDeployment cr, OperatorSettings settings) {
    return downloadJob(cr, settings).getMetadata().getName();
  }

  /**
   * The Job that fills the model volume. Two containers, since Kubernetes 1.20 has no sidecar
   * containers and a Job completes only when all of its pod's containers have exited: {@code
   * ollama} serves (Ollama's image, {@code download-server.sh}) until {@code pull} (the runtime's
   * {@code pull} command: JSON progress lines, stall retries, an exit code per failure) writes its
   * last line to the shared {@code download} volume. The pull's exit code decides the pod's fate;
   * its log is what the operator reads for progress.
   *
   * <p>A Job's pod template cannot change, so the Job is named after a hash of its spec (and of the
   * volume size, so a larger volume retries a download that filled it): any change, a new model
   * list included, is a new Job, and Ollama skips or resumes what the volume already holds.
   */
  public static Job downloadJob(ChatbotDeployment cr, OperatorSettings settings) {
    LocalSpec local = cr.getSpec().getLocal();
    OllamaSpec ollama = local.getOllama() == null ? new OllamaSpec() : local.getOllama();
    DownloadSpec download = local.getDownload() == null ? new DownloadSpec() : local.getDownload();
    var labels = Names.labels(cr, Names.COMPONENT_DOWNLOADER);
    String runtimeImage =
        Defaults.or(cr.getSpec().getBackend().getImage(), settings.runtimeImage());
    List<String> args = new ArrayList<>();
    args.addAll(
        List.of(
            "pull",
            "--ollama",
            "http://" + Deployments.OLLAMA_HOST,
            "--stall-seconds",
            String.valueOf(
                Defaults.or(download.getStallSeconds(), DownloadSpec.DEFAULT_STALL_SECONDS)),
            "--retries",
            String.valueOf(PULL_RETRIES),
            "--interval-seconds",
            String.valueOf(PULL_INTERVAL_SECONDS),
            "--volume",
            Deployments.MODELS_PATH,
            "--termination-log",
            RESULT_FILE));
    args.addAll(local.getModels());
    JobSpec spec =
        new JobSpecBuilder()
            .withBackoffLimit(
                Defaults.or(download.getBackoffLimit(), DownloadSpec.DEFAULT_BACKOFF_LIMIT))
            .withActiveDeadlineSeconds(
                Defaults.or(
                        download.getActiveDeadlineSeconds(),
                        DownloadSpec.DEFAULT_ACTIVE_DEADLINE_SECONDS)
                    .longValue())
            .withNewTemplate()
            .withNewMetadata()
            .withLabels(labels)
            .endMetadata()
            .withNewSpec()
            .withRestartPolicy("Never")
            .withAutomountServiceAccountToken(false)
            .withEnableServiceLinks(false)
            .withSecurityContext(PodParts.podSecurityContext())
            .withNodeSelector(local.getNodeSelector())
            .withTolerations(local.getTolerations())
            .addNewContainer()
            .withName(SERVER_CONTAINER)
            .withImage(Defaults.or(ollama.getImage(), OllamaSpec.DEFAULT_IMAGE))
            .withImagePullPolicy("IfNotPresent")
            .withCommand("/bin/sh", "-c", SERVER_SCRIPT)
            .withEnv(
                Deployments.env("OLLAMA_HOST", Deployments.OLLAMA_HOST),
                Deployments.env("OLLAMA_MODELS", Deployments.MODELS_PATH),
                // Ollama deletes partial downloads at start unless told not to: keep them, so a
                // new pod resumes instead of starting over.
                Deployments.env("OLLAMA_NOPRUNE", "1"),
                Deployments.env("HOME", "/tmp"),
                Deployments.env("RESULT", RESULT_FILE))
            .withResources(Defaults.requirements(null, Defaults.DOWNLOADER_RESOURCES))
            .withSecurityContext(PodParts.containerSecurityContext())
            .withVolumeMounts(
                PodParts.mount(Deployments.MODELS_VOLUME, Deployments.MODELS_PATH, false),
                PodParts.mount(PodParts.TMP_VOLUME, "/tmp", false),
                PodParts.mount(RESULT_VOLUME, RESULT_DIR, true))
            .endContainer()
            .addNewContainer()
            .withName(PULL_CONTAINER)
            .withImage(runtimeImage)
            .withImagePullPolicy("IfNotPresent")
            .withArgs(args)
            // On a failure the last lines of its log (the failed line and a plain sentence)
            // become the container's termination message, kept in the pod's status.
            .withTerminationMessagePolicy("FallbackToLogsOnError")
            .withResources(Defaults.requirements(null, Defaults.PULL_RESOURCES))
            .withSecurityContext(PodParts.containerSecurityContext())
            .withVolumeMounts(
                PodParts.mount(Deployments.MODELS_VOLUME, Deployments.MODELS_PATH, true),
                PodParts.mount(PodParts.TMP_VOLUME, "/tmp", false),
                PodParts.mount(RESULT_VOLUME, RESULT_DIR, false))
            .endContainer()
            .withVolumes(
                Deployments.modelsVolume(cr, false),
                PodParts.tmpVolume(),
                new VolumeBuilder()
                    .withName(RESULT_VOLUME)
                    .withNewEmptyDir()
                    .withSizeLimit(new Quantity("1Mi"))
                    .endEmptyDir()
                    .build())
            .endSpec()
            .endTemplate()
            .build();
    String size = Defaults.or(local.getStorage().getSize(), StorageSpec.DEFAULT_SIZE);
    String hash = Hashes.of(Serialization.asJson(spec), size).substring(0, 8);
    return new JobBuilder()
        .withMetadata(Meta.of(cr, Names.downloadJob(cr, hash), labels))
        .withSpec(spec)
        .build();
  }
}
