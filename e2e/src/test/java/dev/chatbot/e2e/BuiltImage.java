package dev.chatbot.e2e;

import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * An image tar that this build wrote (Jib's {@code target/jib-image.tar} of a module's {@code
 * image} profile): its reference and its ID (the config digest, which the kubelet reports as a
 * container's {@code imageID}).
 *
 * @param tar the tar file
 * @param reference repository:tag, as tagged in the tar
 * @param id sha256:... of the image config
 */
record BuiltImage(Path tar, String reference, String id) {

  static final String TAR = "target/jib-image.tar";

  String repository() {
    return reference.substring(0, reference.lastIndexOf(':'));
  }

  String tag() {
    return reference.substring(reference.lastIndexOf(':') + 1);
  }

  /** Reads module {@code module}'s image tar; fails if it is missing or older than the module. */
  static BuiltImage of(Path repoRoot, String module) {
    Path dir = repoRoot.resolve(module);
    try {
      return read(dir.resolve(TAR), newestJar(dir.resolve("target")), "the module's jar");
    } catch (IOException e) {
      throw new IllegalStateException("cannot read image tar " + dir.resolve(TAR) + ": " + e, e);
    }
  }

  /**
   * Reads an image tar built on top of {@code base} (the e2e module's stand-in images); fails if it
   * is missing or older than its base.
   */
  static BuiltImage derived(Path tar, BuiltImage base) {
    try {
      return read(tar, Files.getLastModifiedTime(base.tar()), "its base " + base.tar());
    } catch (IOException e) {
      throw new IllegalStateException("cannot read image tar " + tar + ": " + e, e);
    }
  }

  private static BuiltImage read(Path tar, FileTime mustNotPredate, String what)
      throws IOException {
    if (!Files.isRegularFile(tar)) {
      throw new IllegalStateException(
          "no image tar "
              + tar
              + ": the `image` profiles build it while the cluster runs (run ./mvnw -B verify"
              + " with the cluster up, or add -Pimage)");
    }
    FileTime built = Files.getLastModifiedTime(tar);
    if (mustNotPredate != null && mustNotPredate.compareTo(built) > 0) {
      throw new IllegalStateException(
          tar + " is older than " + what + ": rebuild it (./mvnw -B verify, or -Pimage)");
    }
    try {
      @SuppressWarnings("unchecked")
      List<Map<String, Object>> manifest =
          Serialization.unmarshal(
              new String(untar(tar, "manifest.json"), StandardCharsets.UTF_8), List.class);
      Map<String, Object> entry = manifest.get(0);
      @SuppressWarnings("unchecked")
      String reference = ((List<String>) entry.get("RepoTags")).get(0);
      byte[] config = untar(tar, (String) entry.get("Config"));
      String id =
          "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(config));
      return new BuiltImage(tar, reference, id);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static FileTime newestJar(Path target) throws IOException {
    try (Stream<Path> files = Files.list(target)) {
      return files
          .filter(p -> p.getFileName().toString().endsWith(".jar"))
          .map(
              p -> {
                try {
                  return Files.getLastModifiedTime(p);
                } catch (IOException e) {
                  return FileTime.fromMillis(0);
                }
              })
          .max(FileTime::compareTo)
          .orElse(null);
    }
  }

  private static byte[] untar(Path tar, String entry) throws IOException {
    Process p =
        new ProcessBuilder("tar", "-xOf", tar.toString(), entry)
            .redirectError(ProcessBuilder.Redirect.INHERIT)
            .start();
    byte[] out = p.getInputStream().readAllBytes();
    try {
      if (p.waitFor() != 0) {
        throw new IOException("tar -xOf " + tar + " " + entry + " failed");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(e);
    }
    return out;
  }

  @Override
  public String toString() {
    return reference + " (" + id + ", " + tar + ")";
  }
}
