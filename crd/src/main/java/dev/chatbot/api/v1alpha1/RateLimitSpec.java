package dev.chatbot.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.List;

/** The frontend's per-client limit of chat calls. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value = "!has(self.key) || self.key != 'header' || has(self.header)",
    message = "header is required when key is header",
    fieldPath = ".header",
    reason = "FieldValueRequired")
@ValidationRule(
    value =
        "!has(self.burst) || !has(self.requestsPerMinute) || self.requestsPerMinute == 0"
            + " || self.burst <= self.requestsPerMinute",
    message = "burst must not exceed requestsPerMinute",
    fieldPath = ".burst",
    reason = "FieldValueInvalid")
public class RateLimitSpec {
  public static final int DEFAULT_REQUESTS_PER_MINUTE = 600;

  /** The burst when none is given: 10, at most the per-minute budget (and at least 1). */
  public static final int DEFAULT_BURST = 10;

  public static final ClientKey DEFAULT_KEY = ClientKey.ADDRESS;

  /** An HTTP header name (an RFC 9110 token), as the runtime accepts it. */
  public static final String HEADER_PATTERN = "^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,100}$";

  /** An IPv4 or IPv6 address, optionally with a /prefix. */
  public static final String CIDR_PATTERN =
      "^(((25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])\\.){3}(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])"
          + "(/(3[0-2]|[12]?[0-9]))?"
          + "|[0-9a-fA-F]{0,4}(:[0-9a-fA-F]{0,4}){2,7}(/(12[0-8]|1[01][0-9]|[1-9]?[0-9]))?)$";

  @Default("" + DEFAULT_REQUESTS_PER_MINUTE)
  @Min(0)
  @Max(1000000)
  @JsonPropertyDescription(
      "Chat calls a client may make per minute, per frontend pod; 0 turns the limit off.")
  private Integer requestsPerMinute = DEFAULT_REQUESTS_PER_MINUTE;

  @Min(1)
  @Max(1000000)
  @JsonPropertyDescription(
      "Chat calls a client may make at once (the bucket's size, refilled at requestsPerMinute/60"
          + " a second). Default 10, at most requestsPerMinute.")
  private Integer burst;

  @Default(ClientKey.ADDRESS_VALUE)
  @JsonPropertyDescription(
      "What the limit counts by: address (the client's address; behind a load balancer use"
          + " service.externalTrafficPolicy Local or trustedProxies), header (the value of the"
          + " header below, such as an API key or a user id; calls without it count by address)"
          + " or none (no per-client limit).")
  private ClientKey key = DEFAULT_KEY;

  @Pattern(HEADER_PATTERN)
  @JsonPropertyDescription("The header the limit counts by when key is header, e.g. X-API-Key.")
  private String header;

  @Size(max = 32)
  @JsonPropertyDescription(
      "Addresses or CIDR ranges of proxies in front of the frontend (a load balancer, an ingress)."
          + " X-Forwarded-For is believed only from them; the client is the right-most address in"
          + " it that is not one of them. Empty: X-Forwarded-For is ignored.")
  private List<@Pattern(CIDR_PATTERN) String> trustedProxies;

  public Integer getRequestsPerMinute() {
    return requestsPerMinute;
  }

  public void setRequestsPerMinute(Integer requestsPerMinute) {
    this.requestsPerMinute = requestsPerMinute;
  }

  public Integer getBurst() {
    return burst;
  }

  public void setBurst(Integer burst) {
    this.burst = burst;
  }

  public ClientKey getKey() {
    return key;
  }

  public void setKey(ClientKey key) {
    this.key = key;
  }

  public String getHeader() {
    return header;
  }

  public void setHeader(String header) {
    this.header = header;
  }

  public List<String> getTrustedProxies() {
    return trustedProxies;
  }

  public void setTrustedProxies(List<String> trustedProxies) {
    this.trustedProxies = trustedProxies;
  }
}
