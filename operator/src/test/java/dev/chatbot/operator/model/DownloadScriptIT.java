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
 * Runs the downloader Job's Ollama-container script with /bin/sh against a stand-in `ollama` CLI
 * ({@code serve} sleeps, or dies at once with $DIE), and lints it with shellcheck (Debian package
 * {@code shellcheck}; missing, the lint is skipped outside CI and fails with {@code CI=true}).
 */
class DownloadScriptIT {
  @TempDir Path dir;

  /** A fake CLI whose server runs until killed, or exits 7 at once when $DIE is set. */
  static final String FAKE_OLLAMA =
      String.join(
          "\n",
          "#!/bin/sh",
          "case \"$1\" in",
          "  serve) [ -n \"$DIE\" ] && exit 7; echo $$ > \"$PIDFILE\"; exec sleep 60 ;;",
          "esac",
          "");

  record Result(int exit, String output, String terminationLog) {}

  /** Starts the script; writes the pull's result file once the fake server runs, unless dies. */
  Result run(boolean dies) throws Exception {
    Path bin = Files.createDirectories(dir.resolve("bin"));
    Path cli = bin.resolve("ollama");
    Files.writeString(cli, FAKE_OLLAMA, StandardCharsets.UTF_8);
    Files.setPosixFilePermissions(cli, PosixFilePermissions.fromString("rwxr-xr-x"));
    Path result = dir.resolve("result");
    Path pidFile = dir.resolve("server.pid");
    Path log = dir.resolve("termination-log");
    ProcessBuilder pb = new ProcessBuilder("/bin/sh", "-c", Storage.SERVER_SCRIPT);
    pb.environment().put("PATH", bin + ":/usr/bin:/bin");
    pb.environment().put("RESULT", result.toString());
    pb.environment().put("PIDFILE", pidFile.toString());
    pb.environment().put("DIE", dies ? "1" : "");
    pb.environment().put("TERMINATION_LOG", log.toString());
    pb.redirectErrorStream(true);
    Process process = pb.start();
    if (!dies) {
      org.awaitility.Awaitility.await()
          .atMost(java.time.Duration.ofSeconds(20))
          .until(() -> Files.exists(pidFile));
      assertThat(process.isAlive()).as("serves until the pull is done").isTrue();
      Files.writeString(result, "{\"status\":\"success\"}\n");
    }
    assertThat(process.waitFor(20, TimeUnit.SECONDS)).isTrue();
    String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    return new Result(process.exitValue(), out, Files.exists(log) ? Files.readString(log) : "");
  }

  static final Path SCRIPT =
      Path.of("src/main/resources/dev/chatbot/operator/model/download-server.sh");

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
    assertThat(Storage.SERVER_SCRIPT)
        .startsWith("set -u\n")
        .doesNotContain("shellcheck")
        .doesNotEndWith("\n");
    assertThat(file).endsWith(Storage.SERVER_SCRIPT + "\n");
  }

  @Test
  void theServerStopsOnceThePullHasWrittenItsResult() throws Exception {
    Result r = run(false);
    assertThat(r.exit()).isZero();
    assertThat(r.terminationLog()).contains("pull finished; ollama serve stopped");
  }

  @Test
  void aServerThatDiesFailsTheContainer() throws Exception {
    Result r = run(true);
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.terminationLog()).contains("ollama serve exited with status 7");
  }
}
