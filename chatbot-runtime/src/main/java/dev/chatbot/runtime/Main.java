package dev.chatbot.runtime;

import java.time.Duration;

/** Entry point: loads the configuration, starts the server, drains on SIGTERM. */
public final class Main {

  private Main() {}

  public static void main(String[] args) {
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
