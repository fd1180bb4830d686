package dev.chatbot.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code java -jar chatbot-runtime.jar ollama ...}: the CLI calls the operator's downloader makes
 * (serve, list, show, pull), as real processes against the stand-in.
 */
class OllamaCliIT {

  @TempDir Path dir;

  /** Runs {@code java -jar ... ollama ARGS} to its end; returns exit code, stdout and stderr. */
  private String[] ollama(Map<String, String> env, String... args) throws Exception {
    ProcessBuilder pb =
        RuntimeProcess.builder(
            dir,
            env,
            java.util.stream.Stream.concat(
                    java.util.stream.Stream.of("ollama"), java.util.Arrays.stream(args))
                .toList());
    Path out = dir.resolve("cli.out");
    Path err = dir.resolve("cli.err");
    pb.redirectOutput(out.toFile());
    pb.redirectError(err.toFile());
    Process p = pb.start();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    return new String[] {
      Integer.toString(p.exitValue()),
      java.nio.file.Files.readString(out),
      java.nio.file.Files.readString(err)
    };
  }

  @Test
  void theDownloadersCallsWorkAgainstTheStandIn() throws Exception {
    int port = RuntimeProcess.freePort();
    Map<String, String> env =
        Map.of(
            "OLLAMA_HOST",
            "127.0.0.1:" + port,
            "OLLAMA_MODELS",
            dir.resolve("models").toString(),
            "CHATBOT_OLLAMA_SIM_MODEL_BYTES",
            "3000000",
            "CHATBOT_OLLAMA_SIM_PULL_BYTES_PER_SECOND",
            "10000000");
    ProcessBuilder serve = RuntimeProcess.builder(dir, env, List.of("ollama", "serve"));
    serve.redirectErrorStream(true);
    serve.redirectOutput(dir.resolve("serve.log").toFile());
    Process server = serve.start();
    try {
      await().atMost(Duration.ofSeconds(60)).until(() -> ollama(env, "list")[0].equals("0"));
      String[] show = ollama(env, "show", "llama3.2");
      assertThat(show[0]).isEqualTo("1");
      assertThat(show[2]).startsWith("Error: ").contains("not found");
      String[] pull = ollama(env, "pull", "llama3.2");
      assertThat(pull[0]).isEqualTo("0");
      assertThat(pull[1].lines().toList())
          .startsWith("pulling manifest")
          .endsWith("verifying sha256 digest", "writing manifest", "success");
      assertThat(ollama(env, "show", "llama3.2")[0]).isEqualTo("0");
      assertThat(ollama(env, "list")[1]).contains("llama3.2:latest").contains("3.0 MB");
    } finally {
      server.destroy();
      assertThat(server.waitFor(60, TimeUnit.SECONDS)).isTrue();
    }
  }

  @Test
  void aFailedPullExitsNonZeroLikeTheRealCli() {
    RuntimeServer sim =
        Servers.start(
            Servers.keys(
                "role", "ollama-sim",
                "ollama_sim_store", dir.toString(),
                "ollama_sim_pull_error", "pull model manifest: file does not exist"));
    try {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      ByteArrayOutputStream err = new ByteArrayOutputStream();
      int exit =
          new OllamaCli(
                  "127.0.0.1:" + sim.port(),
                  new PrintStream(out, true, StandardCharsets.UTF_8),
                  new PrintStream(err, true, StandardCharsets.UTF_8))
              .run(new String[] {"pull", "nosuchmodel"});
      assertThat(exit).isEqualTo(1);
      assertThat(err.toString(StandardCharsets.UTF_8))
          .isEqualTo("Error: pull model manifest: file does not exist\n");
      int unreachable =
          new OllamaCli("127.0.0.1:1", new PrintStream(out), new PrintStream(err))
              .run(new String[] {"list"});
      assertThat(unreachable).isEqualTo(1);
    } finally {
      sim.stop();
    }
  }
}
