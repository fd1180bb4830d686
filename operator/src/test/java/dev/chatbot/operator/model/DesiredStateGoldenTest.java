package dev.chatbot.operator.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chatbot.api.v1alpha1.ChatbotDeployment;
import dev.chatbot.api.v1alpha1.Phase;
import dev.chatbot.operator.support.Fixtures;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * One golden YAML per child of each example. {@code -Dgolden.update=true} rewrites them; review the
 * diff like code.
 */
class DesiredStateGoldenTest {
  static final Path GOLDEN = Path.of("src/test/resources/golden");
  static final boolean UPDATE = Boolean.getBoolean("golden.update");

  @TestFactory
  Stream<DynamicTest> examplesMatchTheirGoldenFiles() {
    return Stream.of(
            golden("mock.yaml", Phase.MOCK),
            golden("huggingface.yaml", Phase.HUGGINGFACE),
            golden("local-download.yaml", Phase.LOCAL),
            golden("local-image.yaml", Phase.LOCAL))
        .flatMap(s -> s);
  }

  Stream<DynamicTest> golden(String example, Phase phase) {
    ChatbotDeployment cr = Fixtures.example(example, "chat");
    boolean storage = Storage.downloads(cr);
    Plan plan =
        new Plan(
            cr,
            Fixtures.settings(),
            java.util.Set.of(phase),
            phase,
            java.util.Map.of(),
            storage,
            storage);
    List<HasMetadata> children = DesiredState.of(plan).children();
    String dir = example.replace(".yaml", "");
    Set<String> produced =
        children.stream().map(DesiredStateGoldenTest::file).collect(Collectors.toSet());
    return Stream.concat(
        children.stream()
            .map(
                child ->
                    DynamicTest.dynamicTest(
                        dir + "/" + file(child),
                        () -> compare(GOLDEN.resolve(dir).resolve(file(child)), child))),
        Stream.of(
            DynamicTest.dynamicTest(
                dir + "/ holds no file of a child no longer produced",
                () -> noStaleFiles(GOLDEN.resolve(dir), produced))));
  }

  static String file(HasMetadata child) {
    return child.getKind() + "-" + child.getMetadata().getName() + ".yaml";
  }

  /** A golden file whose child is gone fails (or, updating, is deleted). */
  static void noStaleFiles(Path dir, Set<String> produced) throws IOException {
    List<Path> stale;
    try (Stream<Path> files = Files.list(dir)) {
      stale = files.filter(f -> !produced.contains(f.getFileName().toString())).toList();
    }
    if (UPDATE) {
      for (Path f : stale) {
        Files.delete(f);
      }
      return;
    }
    assertThat(stale)
        .as(
            "golden files of children no longer produced; run with -Dgolden.update=true if intended")
        .isEmpty();
  }

  static void compare(Path file, HasMetadata child) throws IOException {
    String actual = Serialization.asYaml(child);
    if (UPDATE || !Files.exists(file)) {
      Files.createDirectories(file.getParent());
      Files.writeString(file, actual, StandardCharsets.UTF_8);
      assertThat(UPDATE).as("golden file %s was missing and has been written", file).isTrue();
    }
    assertThat(actual)
        .as("%s differs; run with -Dgolden.update=true if the change is intended", file)
        .isEqualTo(Files.readString(file, StandardCharsets.UTF_8));
  }
}
