package dev.chatbot.e2e;

import io.fabric8.kubernetes.api.model.PersistentVolumeBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * The stand-in for a storage provisioner: a hostPath PersistentVolume (the cluster has one node,
 * the test runs on it) pre-bound by {@code claimRef} to the model claim the operator will create,
 * so no other claim can take it. Its directory belongs to the pods' user (65532): a hostPath
 * ignores {@code fsGroup}, and the downloader Job runs as that user.
 *
 * <p>The Ollama stand-in keeps its models' state there ({@code <model>.pull.json}, as it would its
 * blobs) and reads its knobs from the {@code .stand-in} directory ({@link #knob}).
 */
final class ModelVolume {

  /** The user and group every chatbot pod runs as (operator PodParts.USER_ID). */
  static final long POD_USER = 65532L;

  static final String KNOBS = ".stand-in";

  private final Path dir;
  private final String name;

  private ModelVolume(Path dir, String name) {
    this.dir = dir;
    this.name = name;
  }

  /**
   * Creates the directory and the PersistentVolume for claim {@code claim} in {@code namespace};
   * Cluster.close() deletes both.
   */
  static ModelVolume create(
      KubernetesClient client, String namespace, String claim, String capacity) {
    String name = "e2e-" + namespace + "-" + claim;
    Path dir = Cluster.volumesDir().resolve(name);
    try {
      deleteTree(dir);
      Files.createDirectories(dir.resolve(KNOBS));
      for (Path p : List.of(dir, dir.resolve(KNOBS))) {
        Files.setAttribute(p, "unix:uid", (int) POD_USER);
        Files.setAttribute(p, "unix:gid", (int) POD_USER);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    client.persistentVolumes().withName(name).delete();
    client
        .persistentVolumes()
        .resource(
            new PersistentVolumeBuilder()
                .withNewMetadata()
                .withName(name)
                .addToLabels(Cluster.TEST_LABEL, "true")
                .endMetadata()
                .withNewSpec()
                .addToCapacity("storage", new Quantity(capacity))
                .withAccessModes("ReadWriteOnce")
                .withPersistentVolumeReclaimPolicy("Retain")
                // No class: it binds the operator's claim, which names none (no default class
                // here).
                .withStorageClassName("")
                .withNewHostPath()
                .withPath(dir.toString())
                .withType("Directory")
                .endHostPath()
                .withNewClaimRef()
                .withNamespace(namespace)
                .withName(claim)
                .endClaimRef()
                .endSpec()
                .build())
        .create();
    return new ModelVolume(dir, name);
  }

  String name() {
    return name;
  }

  /**
   * Sets one of the Ollama stand-in's configuration keys (docs/runtime-contract.md, "Ollama
   * stand-in keys" and the mock keys), read by every stand-in process started afterwards.
   */
  void knob(String key, String value) {
    try {
      Files.writeString(dir.resolve(KNOBS).resolve(key), value);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  void removeKnob(String key) {
    try {
      Files.deleteIfExists(dir.resolve(KNOBS).resolve(key));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Models the stand-in holds on the volume (complete or not), as Ollama names them. */
  List<String> storedModels() {
    String suffix = ".pull.json";
    try (Stream<Path> files = Files.list(dir)) {
      return files
          .map(p -> p.getFileName().toString())
          .filter(f -> f.endsWith(suffix))
          .map(
              f ->
                  URLDecoder.decode(
                      f.substring(0, f.length() - suffix.length()), StandardCharsets.UTF_8))
          .sorted()
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Bytes of {@code model} the Ollama stand-in has stored on the volume (its {@code
   * <model>.pull.json}, Ollama's name, e.g. {@code qwen2.5:0.5b}), 0 before the first pull.
   */
  long storedBytes(String model) {
    Path file =
        dir.resolve(java.net.URLEncoder.encode(model, StandardCharsets.UTF_8) + ".pull.json");
    try {
      if (!Files.isRegularFile(file)) {
        return 0;
      }
      Object completed =
          io.fabric8.kubernetes.client.utils.Serialization.unmarshal(
                  Files.readString(file), java.util.Map.class)
              .get("completed");
      return completed instanceof Number n ? n.longValue() : 0;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Removes every test volume's directory. */
  static void deleteHostDirs() {
    deleteTree(Cluster.volumesDir());
  }

  private static void deleteTree(Path root) {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
