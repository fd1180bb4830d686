package dev.chatbot.operator.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chatbot.operator.support.Fixtures;
import dev.chatbot.operator.support.JarProcess;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The packaged jar's exit codes, as a shell sees them. */
class CliProcessIT {
  static final Duration TIMEOUT = Duration.ofSeconds(60);
  @TempDir Path dir;

  record Result(int code, String output) {}

  Result run(String... args) throws InterruptedException {
    try (JarProcess p = JarProcess.start(dir, Map.of(), args)) {
      int code = p.waitFor(TIMEOUT);
      return new Result(code, p.output());
    }
  }

  static String example(String name) {
    return Fixtures.repoRoot().resolve("examples/" + name + ".yaml").toString();
  }

  @Test
  void helpAndVersionExitZero() throws InterruptedException {
    for (String[] args :
        new String[][] {{"--help"}, {"run", "--help"}, {"render", "-h"}, {"validate", "--help"}}) {
      Result r = run(args);
      assertThat(r.code()).as(String.join(" ", args)).isZero();
      assertThat(r.output()).startsWith("Usage: chatbot-operator");
    }
    assertThat(run("--version").output()).startsWith("chatbot-operator ");
  }

  @Test
  void renderAndValidateExitZeroOnTheExamples() throws InterruptedException {
    Result render = run("render", "-f", example("mock"));
    assertThat(render.code()).as(render.output()).isZero();
    assertThat(render.output()).contains("kind: \"Deployment\"").doesNotContain("INFO");
    Result validate =
        run("validate", "-f", example("mock"), example("huggingface"), example("local-image"));
    assertThat(validate.code()).as(validate.output()).isZero();
  }

  @Test
  void problemsExitOne() throws Exception {
    Path bad = CliTest.badFile(dir);
    Result validate = run("validate", "-f", bad.toString());
    assertThat(validate.code()).isEqualTo(1);
    assertThat(validate.output()).contains("spec.backend.replicas: Invalid value: -3");
    assertThat(run("render", "-f", bad.toString()).code()).isEqualTo(1);
  }

  @Test
  void badArgumentsExitTwoWithoutAStackTrace() throws InterruptedException {
    for (String[] args :
        new String[][] {
          {"frobnicate"},
          {"render"},
          {"render", "-f", "x.yaml", "--phase", "gpu"},
          {"validate", "-f", "no-such.yaml"}
        }) {
      Result r = run(args);
      assertThat(r.code()).as(String.join(" ", args)).isEqualTo(2);
      assertThat(r.output()).doesNotContain("\tat ").doesNotContain("Exception");
    }
  }
}
