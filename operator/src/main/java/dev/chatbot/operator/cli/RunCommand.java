package dev.chatbot.operator.cli;

import dev.chatbot.operator.Main;
import dev.chatbot.operator.OperatorConfig;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;

/** {@code run}: the operator, against the current kubeconfig or the pod's service account. */
@Command(
    name = "run",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Runs the operator against the cluster of the current kubeconfig (KUBECONFIG, else"
          + " ~/.kube/config) or, in a pod, of its service account. It needs the CRD installed and"
          + " the permissions of helm/chatbot-operator/files/rbac-rules.yaml; a start-up failure"
          + " prints one line saying what to do and exits with 1.",
      "",
      "Settings (environment variables):",
      "  WATCH_NAMESPACES  comma-separated namespaces to watch (default: all)",
      "  RUNTIME_IMAGE     chatbot-runtime image when a spec names none (default: this build's)",
      "  POD_NAMESPACE     the operator's namespace: leader election and the backends'"
          + " NetworkPolicies",
      "  LEADER_ELECTION   false turns leader election off (default: true)",
      "  CLUSTER_DOMAIN    the cluster's DNS domain (default: cluster.local)",
      "  HTTP_PORT         /healthz, /readyz, /metrics (default: 8080)",
      "  LOG_LEVEL         DEBUG for more (default: INFO)",
      ""
    })
final class RunCommand implements Callable<Integer> {
  @ParentCommand Cli parent;

  @Override
  public Integer call() {
    return run(parent.debug);
  }

  int run(boolean debug) {
    if (debug) {
      System.setProperty("chatbot.log.level", "DEBUG");
    }
    OperatorConfig config;
    try {
      config = OperatorConfig.fromEnvironment(System.getenv());
    } catch (IllegalArgumentException e) {
      System.err.println("chatbot-operator run: " + e.getMessage());
      return 1;
    }
    return Main.runOperator(config);
  }
}
