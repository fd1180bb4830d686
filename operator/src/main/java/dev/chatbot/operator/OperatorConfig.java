package dev.chatbot.operator;

import dev.chatbot.operator.model.OperatorSettings;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The operator process's settings, from environment variables (the Helm chart sets them).
 *
 * @param namespaces namespaces to watch; empty means all
 * @param runtimeImage default chatbot-runtime image
 * @param leaseNamespace namespace of the leader-election Lease; null turns leader election off
 * @param httpPort port of /healthz, /readyz and /metrics
 * @param serverSideApply false only for the fabric8 mock server, which cannot apply
 * @param autoscalingApi the HorizontalPodAutoscaler API to write; null discovers it at start
 */
public record OperatorConfig(
    Set<String> namespaces,
    String runtimeImage,
    String leaseNamespace,
    int httpPort,
    boolean serverSideApply,
    OperatorSettings.AutoscalingApi autoscalingApi) {

  public static final String LEASE_NAME = "chatbot-operator-leader";

  public static OperatorConfig fromEnvironment(Map<String, String> env) {
    String watch = env.getOrDefault("WATCH_NAMESPACES", "");
    Set<String> namespaces =
        Arrays.stream(watch.split(","))
            .map(String::trim)
            .filter(s -> !s.isEmpty())
            .collect(Collectors.toUnmodifiableSet());
    boolean election = !"false".equalsIgnoreCase(env.getOrDefault("LEADER_ELECTION", "true"));
    String leaseNamespace = election ? env.get("POD_NAMESPACE") : null;
    return new OperatorConfig(
        namespaces,
        env.getOrDefault("RUNTIME_IMAGE", OperatorSettings.DEFAULT_RUNTIME_IMAGE),
        leaseNamespace,
        Integer.parseInt(env.getOrDefault("HTTP_PORT", "8080")),
        true,
        null);
  }

  /** The same settings with server-side apply switched, for the fabric8 mock server. */
  public OperatorConfig withServerSideApply(boolean ssa) {
    return new OperatorConfig(
        namespaces, runtimeImage, leaseNamespace, httpPort, ssa, autoscalingApi);
  }

  public OperatorConfig withAutoscalingApi(OperatorSettings.AutoscalingApi api) {
    return new OperatorConfig(
        namespaces, runtimeImage, leaseNamespace, httpPort, serverSideApply, api);
  }
}
