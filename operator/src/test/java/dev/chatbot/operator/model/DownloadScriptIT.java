package dev.chatbot.operator.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the downloader Job's script with /bin/sh against a stand-in `ollama` CLI whose exit codes
 * follow the real one (non-zero when the server streams an error line inside a 200 answer), and
 * lints it with shellcheck (Debian package {@code shellcheck}; missing, the lint is skipped outside
 * CI and fails with {@code CI=true}).
 */
class DownloadScriptIT {
  @TempDir Path dir;

  /** A fake CLI: models are files in $STORE; names in $FAIL fail to pull; $LIE pulls nothing. */
  static final String FAKE_OLLAMA =
      String.join(
          "\n",
          "#!/bin/sh",
          "case \"$1\" in",
          "  serve) exec sleep 30 ;;",
          "  list) exit 0 ;;",
          "  show) [ -f \"$STORE/$2\" ] ;;",
          "  pull)",
          "    echo \"pull $2\" >> \"$STORE/pulls\"",
          "    case \" $FAIL \" in *\" $2 \"*)"
              + " echo 'Error: pull model manifest: file does not exist' >&2; exit 1 ;; esac",
          "    case \" $LIE \" in *\" $2 \"*) exit 0 ;; esac",
          "    touch \"$STORE/$2\" ;;",
          "esac",
          "");

  Result run(String models, String fail, String lie, String... present) throws Exception {
    Path bin = Files.createDirectories(dir.resolve("bin"));
    Path store = Files.createDirectories(dir.resolve("store"));
    Path cli = bin.resolve("ollama");
    Files.writeString(cli, FAKE_OLLAMA, StandardCharsets.UTF_8);
    Files.setPosixFilePermissions(cli, PosixFilePermissions.fromString("rwxr-xr-x"));
    for (String p : present) {
      Files.createFile(store.resolve(p));
    }
    Path log = dir.resolve("termination-log");
    ProcessBuilder pb = new ProcessBuilder("/bin/sh", "-c", Storage.DOWNLOAD_SCRIPT);
    pb.environment().put("PATH", bin + ":/usr/bin:/bin");
    pb.environment().put("MODELS", models);
    pb.environment().put("STORE", store.toString());
    pb.environment().put("FAIL", fail);
    pb.environment().put("LIE", lie);
    pb.environment().put("TERMINATION_LOG", log.toString());
    pb.redirectErrorStream(true);
    Process process = pb.start();
    String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(20, TimeUnit.SECONDS)).isTrue();
    Path pulls = store.resolve("pulls");
    return new Result(
        process.exitValue(),
        out,
        Files.exists(log) ? Files.readString(log) : "",
        Files.exists(pulls) ? Files.readString(pulls) : "");
  }

  record Result(int exit, String output, String terminationLog, String pulls) {}

  static final Path SCRIPT =
      Path.of("src/main/resources/dev/chatbot/operator/model/download-models.sh");

  @Test
  void theScriptPassesShellcheck() throws Exception {
    Process probe;
    try {
      probe = new ProcessBuilder("shellcheck", "--version").redirectErrorStream(true).start();
      probe.getInputStream().readAllBytes();
      probe.waitFor(20, TimeUnit.SECONDS);
    } catch (java.io.IOException missing) {
      String why = "shellcheck is not installed (apt-get install shellcheck)";
      if ("true".equalsIgnoreCase(System.getenv("CI"))) {
        throw new IllegalStateException("CI=true, so the script must be linted, but " + why);
      }
      Assumptions.abort("Skipped outside CI: " + why);
      return;
    }
    // The directives in the script's leading comments set the shell (sh) and any exclusion.
    Process lint =
        new ProcessBuilder("shellcheck", "--severity=style", SCRIPT.toString())
            .redirectErrorStream(true)
            .start();
    String findings = new String(lint.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(lint.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(lint.exitValue()).as("shellcheck findings:%n%s", findings).isZero();
  }

  @Test
  void theJobRunsTheScriptWithoutItsLeadingComments() throws Exception {
    String file = Files.readString(SCRIPT, StandardCharsets.UTF_8);
    assertThat(file).startsWith("#").contains("# shellcheck shell=sh");
    assertThat(Storage.DOWNLOAD_SCRIPT)
        .startsWith("set -eu\n")
        .doesNotContain("shellcheck")
        .doesNotEndWith("\n");
    assertThat(file).endsWith(Storage.DOWNLOAD_SCRIPT + "\n");
  }

  @Test
  void pullsEachMissingModelAndSkipsPresentOnes() throws Exception {
    Result r = run("llama3.2 qwen2.5:0.5b", "", "", "llama3.2");
    assertThat(r.exit()).isZero();
    assertThat(r.output()).contains("model llama3.2: already present, skipped");
    assertThat(r.pulls()).isEqualTo("pull qwen2.5:0.5b\n");
    assertThat(r.terminationLog()).contains("all models ready");
  }

  @Test
  void aFailedPullFailsTheJobNamingTheModel() throws Exception {
    Result r = run("llama3.2 nope", "nope", "");
    assertThat(r.exit()).isNotZero();
    assertThat(r.terminationLog()).contains("model nope: failed");
  }

  @Test
  void aPullThatClaimsSuccessWithoutTheModelFails() throws Exception {
    Result r = run("ghost", "", "ghost");
    assertThat(r.exit()).isNotZero();
    assertThat(r.terminationLog()).contains("model ghost: pull reported success");
  }
}
