package dev.chatbot.runtime;

import java.time.Duration;

/**
 * Entry point: loads the configuration, starts the server, drains on SIGTERM. {@code pull MODEL...}
 * runs the download client instead ({@link PullCommand}).
 */
public final class Main {

  private Main() {}

  public static void main(String[] args) {
    if (args.length > 0 && args[0].equals("pull")) {
      PullCommand.main(java.util.Arrays.copyOfRange(args, 1, args.length));
      return;
    }
    if (args.length > 0) {
      System.err.println("chatbot-runtime: unknown command '" + args[0] + "' (known: pull)");
      System.exit(2);
      return;
    }
    Config config;
    try {
      config = Config.fromEnvironment();
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
