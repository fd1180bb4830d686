package dev.chatbot.operator;

import dev.chatbot.operator.model.Names;
import dev.chatbot.operator.model.OperatorSettings;
import dev.chatbot.operator.model.OperatorSettings.AutoscalingApi;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The operator process's settings, from environment variables (the Helm chart sets them; README
 * lists them).
 *
 * @param namespaces namespaces to watch; empty means all
 * @param runtimeImage default chatbot-runtime image
 * @param leaseNamespace namespace of the leader-election Lease; null turns leader election off
 * @param operatorNamespace namespace of the operator's own pods (POD_NAMESPACE); null when it runs
 *     outside the cluster
 * @param clusterDomain the cluster's DNS domain, for Service addresses
 * @param httpPort port of /healthz, /readyz and /metrics
 * @param serverSideApply false only for the fabric8 mock server, which cannot apply
 * @param autoscalingApi the HorizontalPodAutoscaler API to write; null discovers it at start
 */
public record OperatorConfig(
    Set<String> namespaces,
    String runtimeImage,
    String leaseNamespace,
    String operatorNamespace,
    String clusterDomain,
    int httpPort,
    boolean serverSideApply,
    AutoscalingApi autoscalingApi) {

  public static final String LEASE_NAME = "chatbot-operator-leader";

  /** The chatbot-runtime image of this very build (the chart's default too: HelmChartTest). */
  public static final String DEFAULT_RUNTIME_IMAGE = BuildInfo.RUNTIME_IMAGE;

  public static final String DEFAULT_CLUSTER_DOMAIN = "cluster.local";
  public static final int DEFAULT_HTTP_PORT = 8080;

  /** Labels of the operator's pods (the chart's selector labels), let through to backends. */
  public static final Map<String, String> OPERATOR_POD_LABELS =
      Map.of(Names.LABEL_NAME, Names.MANAGER);

  public static OperatorConfig fromEnvironment(Map<String, String> env) {
    String watch = env.getOrDefault("WATCH_NAMESPACES", "");
    Set<String> namespaces =
        Arrays.stream(watch.split(","))
            .map(String::trim)
            .filter(s -> !s.isEmpty())
            .collect(Collectors.toUnmodifiableSet());
    String podNamespace = nonBlank(env.get("POD_NAMESPACE"));
    boolean election = !"false".equalsIgnoreCase(env.getOrDefault("LEADER_ELECTION", "true"));
    String clusterDomain = nonBlank(env.get("CLUSTER_DOMAIN"));
    String httpPort = nonBlank(env.get("HTTP_PORT"));
    return new OperatorConfig(
        namespaces,
        env.getOrDefault("RUNTIME_IMAGE", DEFAULT_RUNTIME_IMAGE),
        election ? podNamespace : null,
        podNamespace,
        clusterDomain == null ? DEFAULT_CLUSTER_DOMAIN : clusterDomain,
        httpPort == null ? DEFAULT_HTTP_PORT : port(httpPort),
        true,
        null);
  }

  /** What the desired state depends on besides the resource, once the autoscaling API is known. */
  public OperatorSettings settings(AutoscalingApi api) {
    return new OperatorSettings(
        runtimeImage, api, OPERATOR_POD_LABELS, operatorNamespace, clusterDomain);
  }

  private static int port(String value) {
    try {
      int port = Integer.parseInt(value);
      if (port >= 0 && port <= 65535) {
        return port;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new IllegalArgumentException("HTTP_PORT=" + value + " is not a port number (0-65535)");
  }

  private static String nonBlank(String value) {
    return value == null || value.isBlank() ? null : value.trim();
  }
}
