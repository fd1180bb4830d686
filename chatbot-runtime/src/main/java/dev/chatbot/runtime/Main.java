package dev.chatbot.runtime;

import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * Entry point: loads the configuration, starts the server, drains on SIGTERM. Commands instead:
 * {@code pull MODEL...} ({@link PullCommand}) and {@code ollama serve|list|show|pull} (Ollama's CLI
 * for a stand-in image, {@link OllamaCli}).
 */
public final class Main {

  private Main() {}

  public static void main(String[] args) {
    String command = args.length > 0 ? args[0] : "";
    String[] rest = args.length > 0 ? Arrays.copyOfRange(args, 1, args.length) : args;
    switch (command) {
      case "" -> serve(System.getenv());
      case "pull" -> PullCommand.main(rest);
      case "ollama" -> {
        if (rest.length > 0 && rest[0].equals("serve")) {
          Map<String, String> env = new HashMap<>(System.getenv());
          env.put("CHATBOT_ROLE", "ollama-sim");
          serve(env);
        } else {
          System.exit(
              new OllamaCli(System.getenv("OLLAMA_HOST"), System.out, System.err).run(rest));
        }
      }
      default -> {
        System.err.println(
            "chatbot-runtime: unknown command '" + command + "' (known: pull, ollama)");
        System.exit(2);
      }
    }
  }

  private static void serve(Map<String, String> env) {
    Config config;
    try {
      config = Config.load(env);
    } catch (Config.ConfigException e) {
      System.err.println("chatbot-runtime: invalid configuration: " + e.getMessage());
      System.exit(2);
      return;
    }
    RuntimeServer server = new RuntimeServer(config).start();
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () ->
                    server.drainAndStop(
                        Duration.ofSeconds(config.shutdownDrainSeconds),
                        Duration.ofSeconds(config.shutdownGraceSeconds)),
                "shutdown"));
  }
}
