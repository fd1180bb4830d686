package dev.chatbot.operator.cli;

import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code validate}: every problem of each ChatbotDeployment, by the operator's rules. */
@Command(
    name = "validate",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Checks each ChatbotDeployment in the files, without a cluster, by the rules the operator"
          + " lives by: the CRD's schema as the API server checks it (types, enums, patterns,"
          + " ranges, required fields; fields it does not know), then the operator's own rules (the"
          + " CEL rules, which older API servers skip, and those only the operator knows). Every"
          + " problem is listed with the field it concerns. Other kinds of documents are skipped.",
      ""
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:every ChatbotDeployment is valid",
      "1:problems found (or no ChatbotDeployment)",
      "2:bad arguments (a file that cannot be read)"
    })
final class ValidateCommand implements Callable<Integer> {
  @ParentCommand Cli parent;
  @Spec CommandSpec spec;

  @Mixin Files files;

  @Override
  public Integer call() {
    Cli.quietLogging(parent.debug);
    PrintWriter out = spec.commandLine().getOut();
    Checker checker = new Checker();
    int[] chatbots = {0};
    int[] invalid = {0};
    int unparsable;
    try {
      unparsable =
          ChatbotFile.eachChatbot(
              files.names,
              parent.stdin(),
              out,
              doc -> {
                chatbots[0]++;
                List<Problem> problems = checker.check(doc.node()).problems();
                if (problems.isEmpty()) {
                  out.println(doc.source() + ": " + doc.title() + ": valid");
                  return;
                }
                invalid[0]++;
                out.println(
                    doc.source()
                        + ": "
                        + doc.title()
                        + ": "
                        + problems.size()
                        + (problems.size() == 1 ? " problem" : " problems"));
                problems.forEach(p -> out.println("  " + p));
              });
    } catch (ChatbotFile.Unreadable e) {
      return Files.usage(spec, e.getMessage());
    }
    if (chatbots[0] == 0 && invalid[0] + unparsable == 0) {
      out.println("no ChatbotDeployment in " + String.join(", ", files.names));
      return 1;
    }
    return invalid[0] + unparsable == 0 ? 0 : 1;
  }
}
