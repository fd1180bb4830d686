package dev.chatbot.operator.cli;

import dev.chatbot.api.v1alpha1.ChatbotDeployment;
import dev.chatbot.api.v1alpha1.Phase;
import dev.chatbot.operator.OperatorConfig;
import dev.chatbot.operator.model.OperatorSettings;
import dev.chatbot.operator.model.OperatorSettings.AutoscalingApi;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.io.PrintWriter;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code render}: the manifests the operator applies for a ChatbotDeployment, no cluster. */
@Command(
    name = "render",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Prints the manifests the operator applies (server-side apply) for each ChatbotDeployment in"
          + " the files once its phase serves, as multi-document YAML in the operator's apply"
          + " order, computed by the operator's own code: for review in pull requests. No cluster"
          + " is needed. A resource the operator would refuse (see validate) renders nothing and"
          + " fails. Owner references are added only when the resource has a uid (e.g. from"
          + " kubectl get -o yaml); a huggingface backend's pod template rolls with the token"
          + " Secret's version, which is not known here.",
      ""
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:rendered",
      "1:a ChatbotDeployment the operator would refuse (or none)",
      "2:bad arguments"
    })
final class RenderCommand implements Callable<Integer> {
  @ParentCommand Cli parent;
  @Spec CommandSpec spec;

  @Mixin Files files;

  @Option(
      names = "--phase",
      paramLabel = "PHASE",
      converter = PhaseConverter.class,
      completionCandidates = PhaseConverter.Candidates.class,
      description = "Render this phase instead of spec.phase: ${COMPLETION-CANDIDATES}.")
  Phase phase;

  @Option(
      names = {"-n", "--namespace"},
      paramLabel = "NS",
      defaultValue = "default",
      description = "Namespace of resources that name none (default: ${DEFAULT-VALUE}).")
  String namespace;

  @Option(
      names = "--operator-namespace",
      paramLabel = "NS",
      defaultValue = "chatbot-system",
      description =
          "The operator's namespace (its pods may reach backends; default: ${DEFAULT-VALUE}).")
  String operatorNamespace;

  @Option(
      names = "--autoscaling-api",
      paramLabel = "API",
      defaultValue = "V2",
      description =
          "HorizontalPodAutoscaler API the cluster serves: V2, V2BETA2 or NONE (default:"
              + " ${DEFAULT-VALUE}).")
  AutoscalingApi autoscalingApi;

  @Option(
      names = "--runtime-image",
      paramLabel = "IMAGE",
      description = "Default chatbot-runtime image (default: this build's, as the chart's).")
  String runtimeImage;

  @Option(
      names = "--cluster-domain",
      paramLabel = "DOMAIN",
      defaultValue = OperatorConfig.DEFAULT_CLUSTER_DOMAIN,
      description = "The cluster's DNS domain (default: ${DEFAULT-VALUE}).")
  String clusterDomain;

  @Override
  public Integer call() {
    Cli.quietLogging(parent.debug);
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    OperatorSettings settings = settings();
    Checker checker = new Checker();
    int[] rendered = {0};
    int[] refused = {0};
    int unparsable;
    try {
      unparsable =
          ChatbotFile.eachChatbot(
              files.names,
              parent.stdin(),
              err,
              doc -> {
                Checker.Result checked = checker.check(doc.node());
                if (!checked.valid()) {
                  refused[0]++;
                  err.println(
                      doc.source()
                          + ": "
                          + doc.title()
                          + ": the operator would apply nothing; problems:");
                  checked.problems().forEach(p -> err.println("  " + p));
                  return;
                }
                ChatbotDeployment cr = checked.resource();
                if (cr.getMetadata().getNamespace() == null) {
                  cr.getMetadata().setNamespace(namespace);
                }
                Phase serving = phase != null ? phase : cr.getSpec().getPhase();
                List<HasMetadata> children = Renderer.render(cr, serving, settings);
                out.printf(
                    "# %s/%s in %s, %s phase serving (%s): %d manifests%n",
                    ChatbotFile.KIND,
                    cr.getMetadata().getName(),
                    cr.getMetadata().getNamespace(),
                    serving.value(),
                    doc.source(),
                    children.size());
                out.print(Renderer.yaml(children));
                rendered[0]++;
              });
    } catch (ChatbotFile.Unreadable e) {
      return Files.usage(spec, e.getMessage());
    }
    out.flush();
    if (rendered[0] == 0 && refused[0] + unparsable == 0) {
      err.println("no ChatbotDeployment in " + String.join(", ", files.names));
      return 1;
    }
    return refused[0] + unparsable == 0 ? 0 : 1;
  }

  private OperatorSettings settings() {
    return new OperatorConfig(
            Set.of(),
            runtimeImage != null ? runtimeImage : OperatorConfig.DEFAULT_RUNTIME_IMAGE,
            null,
            operatorNamespace,
            clusterDomain,
            OperatorConfig.DEFAULT_HTTP_PORT,
            true,
            autoscalingApi)
        .settings(autoscalingApi);
  }
}
