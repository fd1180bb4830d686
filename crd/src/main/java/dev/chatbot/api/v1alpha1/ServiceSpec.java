package dev.chatbot.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.List;
import java.util.Map;

/** The frontend's Service. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value =
        "!has(self.externalTrafficPolicy) || self.externalTrafficPolicy == 'Cluster'"
            + " || !has(self.type) || self.type != 'ClusterIP'",
    message = "externalTrafficPolicy Local needs type NodePort or LoadBalancer",
    fieldPath = ".externalTrafficPolicy",
    reason = "FieldValueForbidden")
public class ServiceSpec {
  static final String DEFAULT_TYPE_NAME = "LoadBalancer";
  public static final ServiceType DEFAULT_TYPE = ServiceType.valueOf(DEFAULT_TYPE_NAME);
  public static final int DEFAULT_PORT = 80;
  static final String DEFAULT_EXTERNAL_TRAFFIC_POLICY_NAME = "Cluster";
  public static final ExternalTrafficPolicy DEFAULT_EXTERNAL_TRAFFIC_POLICY =
      ExternalTrafficPolicy.valueOf(DEFAULT_EXTERNAL_TRAFFIC_POLICY_NAME);

  @Default(DEFAULT_TYPE_NAME)
  @JsonPropertyDescription("Service type: ClusterIP, NodePort or LoadBalancer.")
  private ServiceType type = DEFAULT_TYPE;

  @Default("" + DEFAULT_PORT)
  @Min(1)
  @Max(65535)
  @JsonPropertyDescription("Port the Service listens on.")
  private Integer port = DEFAULT_PORT;

  @JsonPropertyDescription(
      "Annotations for the Service, for example a cloud load balancer's settings.")
  private Map<String, String> annotations;

  @JsonPropertyDescription(
      "CIDR ranges allowed to reach a LoadBalancer Service, for example 203.0.113.0/24.")
  private List<String> loadBalancerSourceRanges;

  @Default(DEFAULT_EXTERNAL_TRAFFIC_POLICY_NAME)
  @JsonPropertyDescription(
      "NodePort and LoadBalancer only. Cluster: every node takes traffic, and the frontend sees a"
          + " node's address instead of the client's (so the per-client limit counts all clients"
          + " arriving through one node as one). Local: only nodes running a frontend pod take"
          + " traffic and the client's address is kept.")
  private ExternalTrafficPolicy externalTrafficPolicy = DEFAULT_EXTERNAL_TRAFFIC_POLICY;

  public ServiceType getType() {
    return type;
  }

  public void setType(ServiceType type) {
    this.type = type;
  }

  public Integer getPort() {
    return port;
  }

  public void setPort(Integer port) {
    this.port = port;
  }

  public Map<String, String> getAnnotations() {
    return annotations;
  }

  public void setAnnotations(Map<String, String> annotations) {
    this.annotations = annotations;
  }

  public List<String> getLoadBalancerSourceRanges() {
    return loadBalancerSourceRanges;
  }

  public void setLoadBalancerSourceRanges(List<String> loadBalancerSourceRanges) {
    this.loadBalancerSourceRanges = loadBalancerSourceRanges;
  }

  public ExternalTrafficPolicy getExternalTrafficPolicy() {
    return externalTrafficPolicy;
  }

  public void setExternalTrafficPolicy(ExternalTrafficPolicy externalTrafficPolicy) {
    this.externalTrafficPolicy = externalTrafficPolicy;
  }
}
