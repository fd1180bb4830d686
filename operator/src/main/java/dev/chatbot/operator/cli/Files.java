package dev.chatbot.operator.cli;

import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;

/** What the file-reading commands share. */
final class Files {
  private Files() {}

  /** A file argument that cannot be used: a usage error (exit code 2), as picocli reports one. */
  static int usage(CommandSpec spec, String message) {
    CommandLine cmd = spec.commandLine();
    String name = spec.qualifiedName();
    cmd.getErr().println(name + ": " + message);
    cmd.getErr().println("Try '" + name + " --help' for more information.");
    return Cli.USAGE;
  }
}
