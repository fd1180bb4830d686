package dev.chatbot.operator.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chatbot.operator.support.Fixtures;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The subcommands in-process: their output (golden files under golden/cli; {@code
 * -Dgolden.update=true} rewrites them) and exit codes. CliProcessIT runs the packaged jar.
 */
class CliTest {
  static final boolean UPDATE = Boolean.getBoolean("golden.update");
  static final Path ROOT = Fixtures.repoRoot();
  static final Path GOLDEN = Path.of("src/test/resources/golden/cli");
  static final String IMAGE = "example.org/chatbot-runtime:test";
  static final List<String> EXAMPLES =
      List.of("mock", "huggingface", "local-download", "local-image");

  /** One run: exit code, standard output, standard error (repository paths made relative). */
  record Run(int code, String out, String err) {}

  static Run withInput(String stdin, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code =
        Cli.execute(
            args,
            new PrintWriter(out, true),
            new PrintWriter(err, true),
            new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)));
    String root = ROOT + "/";
    return new Run(code, out.toString().replace(root, ""), err.toString().replace(root, ""));
  }

  static Run cli(String... args) {
    return withInput("", args);
  }

  static String example(String name) {
    return ROOT.resolve("examples/" + name + ".yaml").toString();
  }

  @ParameterizedTest
  @ValueSource(strings = {"mock", "huggingface", "local-download", "local-image"})
  void renderPrintsTheManifestsOfEachExampleInApplyOrder(String name) throws IOException {
    Run run = cli("render", "-f", example(name), "--runtime-image", IMAGE);
    assertThat(run.code()).as(run.err()).isZero();
    assertThat(run.err()).doesNotContain("problem");
    golden("render-" + name + ".yaml", run.out());
    // Exactly what the model builds, one document per child, in the workflow's order.
    assertThat(run.out()).startsWith("# ChatbotDeployment/");
    assertThat(run.out().split("\n---\n", -1).length - 1)
        .isEqualTo(
            Integer.parseInt(run.out().replaceAll("(?s)^[^\\n]*: (\\d+) manifests\\n.*", "$1")));
  }

  /** Each manifest equals the model's golden file of that child (DesiredStateGoldenTest). */
  @ParameterizedTest
  @ValueSource(strings = {"mock", "huggingface", "local-download", "local-image"})
  void renderIsTheModelsDesiredState(String name) throws IOException {
    Run run =
        cli(
            "render",
            "-f",
            example(name),
            "-n",
            "chat",
            "--operator-namespace",
            "chatbot-operator");
    assertThat(run.code()).as(run.err()).isZero();
    String yaml = run.out().substring(run.out().indexOf('\n') + 1);
    List<String> documents = new ArrayList<>();
    for (String doc : yaml.split("(?m)^---\n")) {
      if (!doc.isEmpty()) {
        documents.add("---\n" + doc);
      }
    }
    Path dir = Path.of("src/test/resources/golden", name);
    try (Stream<Path> files = Files.list(dir)) {
      assertThat(documents).hasSize((int) files.count());
    }
    for (String doc : documents) {
      String kind = doc.replaceAll("(?s).*?\nkind: \"([^\"]+)\".*", "$1");
      String child = doc.replaceAll("(?s).*?\n  name: \"([^\"]+)\".*", "$1");
      assertThat(doc).isEqualTo(Files.readString(dir.resolve(kind + "-" + child + ".yaml")));
    }
  }

  @Test
  void renderAppliesThePhaseOption() {
    Run mock = cli("render", "-f", example("local-image"), "--runtime-image", IMAGE);
    Run asMock =
        cli("render", "-f", example("local-image"), "--runtime-image", IMAGE, "--phase", "mock");
    assertThat(asMock.code()).as(asMock.err()).isZero();
    assertThat(asMock.out()).contains("mock phase serving").contains("private-image-backend-mock");
    assertThat(asMock.out()).doesNotContain("private-image-backend-local");
    assertThat(mock.out()).contains("private-image-backend-local");
  }

  @Test
  void renderReadsStandardInputAndDefaultsTheNamespace() throws IOException {
    String mock = Files.readString(Path.of(example("mock")));
    Run run = withInput(mock, "render", "-f", "-", "-n", "team-a", "--runtime-image", IMAGE);
    assertThat(run.code()).isZero();
    assertThat(run.out()).contains("namespace: \"team-a\"").contains("(<stdin>#1)");
  }

  @Test
  void renderRefusesWhatTheOperatorWouldRefuse(@TempDir Path dir) throws IOException {
    Path bad = badFile(dir);
    Run run = cli("render", "-f", bad.toString());
    assertThat(run.code()).isEqualTo(1);
    assertThat(run.out()).isEmpty();
    assertThat(run.err())
        .contains("ChatbotDeployment Bad_Name: the operator would apply nothing")
        .contains("spec.phase: Unsupported value: \"gpt\"");
  }

  @Test
  void validateAcceptsEveryExample() throws IOException {
    List<String> args = new ArrayList<>(List.of("validate", "-f"));
    EXAMPLES.forEach(e -> args.add(example(e)));
    Run run = cli(args.toArray(String[]::new));
    assertThat(run.code()).as(run.out()).isZero();
    golden("validate-examples.txt", run.out());
  }

  @Test
  void validateNamesTheFieldOfEveryProblem(@TempDir Path dir) throws IOException {
    Path bad = badFile(dir);
    Run run = cli("validate", "-f", bad.toString());
    assertThat(run.code()).isEqualTo(1);
    golden("validate-bad.txt", run.out().replace(bad.toString(), "bad.yaml"));
  }

  @Test
  void validateReportsYamlThatIsNoResource(@TempDir Path dir) throws IOException {
    Path file = dir.resolve("broken.yaml");
    Files.writeString(file, "kind: [unclosed\n");
    Run run = cli("validate", "-f", file.toString());
    assertThat(run.code()).isEqualTo(1);
    assertThat(run.out()).contains("broken.yaml: not valid YAML");
    Run none = cli("validate", "-f", ROOT.resolve("helm/chatbot-operator/Chart.yaml").toString());
    assertThat(none.code()).isEqualTo(1);
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "run", "render", "validate"})
  void helpForEachCommand(String command) {
    String[] args = command.isEmpty() ? new String[] {"--help"} : new String[] {command, "--help"};
    Run run = cli(args);
    assertThat(run.code()).isZero();
    assertThat(run.out())
        .startsWith("Usage: chatbot-operator" + (command.isEmpty() ? "" : " " + command));
    assertThat(run.err()).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "frobnicate",
        "--no-such-option",
        "render",
        "render -f",
        "render -f mock.yaml --phase gpu",
        "render -f mock.yaml --autoscaling-api v3",
        "validate -f no/such/file.yaml",
        "validate --bogus"
      })
  void badArgumentsGiveAShortUsageErrorAndExitCode2(String line) {
    String[] args = line.split(" ");
    Run run = cli(args);
    assertThat(run.code()).as(String.join(" ", args)).isEqualTo(Cli.USAGE);
    assertThat(run.out()).isEmpty();
    assertThat(run.err())
        .startsWith("chatbot-operator")
        .contains("Try 'chatbot-operator")
        .doesNotContain("Exception")
        .doesNotContain("\tat ");
    assertThat(run.err().lines().count()).isLessThanOrEqualTo(8);
  }

  @Test
  void versionNamesTheImagesOfThisBuild() {
    Run run = cli("--version");
    assertThat(run.code()).isZero();
    assertThat(run.out())
        .contains("operator image ghcr.io/chatbot-operator/chatbot-operator:")
        .contains("runtime image  ghcr.io/chatbot-operator/chatbot-runtime:");
  }

  @Test
  void aValueTheApiDoesNotKnowDoesNotHideTheOperatorsOwnRules(@TempDir Path dir)
      throws IOException {
    Path bad =
        file(
            dir,
            "unknown-value.yaml",
            "apiVersion: chatbot.dev/v1alpha1",
            "kind: ChatbotDeployment",
            "metadata:",
            "  name: unknown-value",
            "spec:",
            "  phase: local",
            "  local:",
            "    models: [\"qwen2.5:0.5b\"]",
            "    bridge: ollama",
            "  frontend:",
            "    rateLimit: {requestsPerMinute: 5, burst: 50, key: header}");
    Run run = cli("validate", "-f", bad.toString());
    assertThat(run.code()).isEqualTo(1);
    assertThat(run.out())
        .contains("3 problems")
        .contains("spec.local.bridge: Unsupported value: \"ollama\"")
        .contains("spec.frontend.rateLimit.header: is required when key is header")
        .contains("spec.frontend.rateLimit.burst: must not exceed requestsPerMinute (50 > 5)");
  }

  /** Two bad resources: schema problems, and a huggingface phase without its settings. */
  static Path badFile(Path dir) throws IOException {
    return file(
        dir,
        "bad.yaml",
        "apiVersion: chatbot.dev/v1alpha1",
        "kind: ChatbotDeployment",
        "metadata:",
        "  name: Bad_Name",
        "spec:",
        "  phase: gpt",
        "  backend:",
        "    replicas: -3",
        "  colour: blue",
        "---",
        "apiVersion: chatbot.dev/v1alpha1",
        "kind: ChatbotDeployment",
        "metadata:",
        "  name: hf-no-token",
        "spec:",
        "  phase: huggingface");
  }

  /** A YAML file of these lines in dir. */
  static Path file(Path dir, String name, String... lines) throws IOException {
    Path file = dir.resolve(name);
    Files.writeString(file, String.join("\n", lines) + "\n");
    return file;
  }

  static void golden(String name, String actual) throws IOException {
    Path file = GOLDEN.resolve(name);
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
