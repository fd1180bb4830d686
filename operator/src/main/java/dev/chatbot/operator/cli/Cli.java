package dev.chatbot.operator.cli;

import dev.chatbot.operator.BuildInfo;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/**
 * {@code chatbot-operator}: the operator ({@code run}, the default), the product on this machine
 * ({@code demo}) and the operator's rules for review without a cluster ({@code render}, {@code
 * validate}).
 */
@Command(
    name = "chatbot-operator",
    mixinStandardHelpOptions = true,
    versionProvider = Cli.Version.class,
    sortOptions = false,
    usageHelpAutoWidth = true,
    description = {
      "Runs LLM chatbots declared as ChatbotDeployment resources (chatbot.dev/v1alpha1).",
      "Without a command: run."
    },
    subcommands = {
      RunCommand.class,
      DemoCommand.class,
      RenderCommand.class,
      ValidateCommand.class,
      CommandLine.HelpCommand.class
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:success",
      "1:failure (start-up, problems found by validate or render)",
      "2:bad arguments"
    })
public final class Cli implements Callable<Integer> {
  /** Exit code of a usage error. */
  public static final int USAGE = 2;

  @Option(
      names = "--debug",
      scope = ScopeType.INHERIT,
      description = "Log at debug level, stack traces included.")
  boolean debug;

  private InputStream stdin = System.in;

  /** Why this machine cannot run the demo's cluster (tests inject other machines). */
  Supplier<List<String>> demoMachine = DemoMachine::whyNot;

  /** Without a command: run. */
  @Override
  public Integer call() {
    return new RunCommand().run(debug);
  }

  InputStream stdin() {
    return stdin;
  }

  /** Runs the command line on the process's streams. */
  public static int execute(String[] args) {
    return execute(
        args,
        new PrintWriter(System.out, true, StandardCharsets.UTF_8),
        new PrintWriter(System.err, true, StandardCharsets.UTF_8),
        System.in);
  }

  /** Runs the command line on the given streams (tests). */
  static int execute(String[] args, PrintWriter out, PrintWriter err, InputStream in) {
    return execute(new Cli(), args, out, err, in);
  }

  static int execute(Cli cli, String[] args, PrintWriter out, PrintWriter err, InputStream in) {
    cli.stdin = in;
    CommandLine line = new CommandLine(cli);
    line.setOut(out);
    line.setErr(err);
    line.setParameterExceptionHandler(Cli::usageError);
    line.setExecutionExceptionHandler(
        (e, cmd, parsed) -> {
          cmd.getErr().println(cmd.getCommandSpec().qualifiedName() + ": " + describe(e));
          if (cli.debug) {
            e.printStackTrace(cmd.getErr());
          }
          return 1;
        });
    int code = line.execute(args);
    out.flush();
    err.flush();
    return code;
  }

  /** A short usage error: what is wrong, the synopsis, where to read more. Exit code 2. */
  private static int usageError(CommandLine.ParameterException e, String[] args) {
    CommandLine cmd = e.getCommandLine();
    PrintWriter err = cmd.getErr();
    String name = cmd.getCommandSpec().qualifiedName();
    err.println(name + ": " + e.getMessage());
    CommandLine.UnmatchedArgumentException.printSuggestions(e, err);
    err.print(cmd.getHelp().synopsis(0));
    err.println("Try '" + name + " --help' for more information.");
    return USAGE;
  }

  private static String describe(Throwable e) {
    String message = e.getMessage();
    return message == null || message.isBlank() ? e.getClass().getSimpleName() : message;
  }

  /** Only warnings, on standard error: standard output is the command's result. */
  static void quietLogging(boolean debug) {
    System.setProperty("chatbot.log.target", "System.err");
    System.setProperty("chatbot.log.level", debug ? "DEBUG" : "WARN");
    System.setProperty("chatbot.log.root", debug ? "DEBUG" : "WARN");
  }

  /** --version: this build's version and images. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {
        "chatbot-operator " + BuildInfo.VERSION,
        "operator image " + BuildInfo.OPERATOR_IMAGE,
        "runtime image  " + BuildInfo.RUNTIME_IMAGE
      };
    }
  }
}
