package dev.chatbot.api.v1alpha1;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The CRD generated from the Java API at build time (crd-generator-maven-plugin, process-classes)
 * must equal, byte for byte, the committed copies: the one in this module and the Helm chart's. Run
 * {@code ./mvnw -pl crd test -Dcrd.update=true} to rewrite both copies after changing the API.
 */
class CrdInSyncTest {
  static final String FILE = "chatbotdeployments.chatbot.dev-v1.yml";
  static final Path GENERATED = Path.of("target", "classes", "META-INF", "fabric8", FILE);
  static final Path MODULE_COPY = Path.of(FILE);
  static final Path HELM_COPY = Path.of("..", "helm", "chatbot-operator", "crds", FILE);

  @Test
  void committedCopiesEqualTheGeneratedCrd() throws IOException {
    assertThat(GENERATED)
        .as("generated CRD (run the build through process-classes first)")
        .isRegularFile();
    byte[] generated = Files.readAllBytes(GENERATED);
    boolean update = Boolean.getBoolean("crd.update");
    for (Path copy : List.of(MODULE_COPY, HELM_COPY)) {
      byte[] committed = Files.exists(copy) ? Files.readAllBytes(copy) : null;
      if (committed != null && Arrays.equals(generated, committed)) {
        continue;
      }
      if (update) {
        Files.createDirectories(copy.toAbsolutePath().getParent());
        Files.write(copy, generated);
        continue;
      }
      fail(
          "%s is %s the CRD generated from the API (%s). Run `./mvnw -pl crd test"
              + " -Dcrd.update=true` to rewrite both committed copies"
              + " (crd/%s and helm/chatbot-operator/crds/%s), review the diff and commit it.",
          copy.normalize(),
          committed == null ? "missing, unlike" : "out of sync with",
          GENERATED,
          FILE,
          FILE);
    }
  }
}
