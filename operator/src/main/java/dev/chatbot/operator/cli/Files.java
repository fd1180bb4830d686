package dev.chatbot.operator.cli;

import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;

/** What the file-reading commands share: their {@code -f} option (a picocli mixin). */
final class Files {
  @Option(
      names = {"-f", "--filename"},
      required = true,
      arity = "1..*",
      paramLabel = "FILE",
      description = "YAML file(s) with ChatbotDeployments; - reads standard input.")
  List<String> names;

  /** A file argument that cannot be used: a usage error (exit code 2), as picocli reports one. */
  static int usage(CommandSpec spec, String message) {
    CommandLine cmd = spec.commandLine();
    String name = spec.qualifiedName();
    cmd.getErr().println(name + ": " + message);
    cmd.getErr().println("Try '" + name + " --help' for more information.");
    return Cli.USAGE;
  }
}
