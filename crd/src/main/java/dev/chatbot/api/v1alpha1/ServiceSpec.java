package dev.chatbot.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import java.util.List;
import java.util.Map;

/** The frontend's Service. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ServiceSpec {
  static final String DEFAULT_TYPE_NAME = "LoadBalancer";
  public static final ServiceType DEFAULT_TYPE = ServiceType.valueOf(DEFAULT_TYPE_NAME);
  public static final int DEFAULT_PORT = 80;

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
}
