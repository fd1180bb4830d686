package dev.chatbot.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonProperty;

/** What the per-client rate limit counts by. */
public enum ClientKey {
  /** The client's address (X-Forwarded-For only from trusted proxies). */
  @JsonProperty(ClientKey.ADDRESS_VALUE)
  ADDRESS("address"),
  /** The value of a request header, such as an API key or a user id. */
  @JsonProperty(ClientKey.HEADER_VALUE)
  HEADER("header"),
  /** Nothing: no per-client limit. */
  @JsonProperty(ClientKey.NONE_VALUE)
  NONE("none");

  /** The spellings in the resource (and in the runtime's client_key). */
  public static final String ADDRESS_VALUE = "address";

  public static final String HEADER_VALUE = "header";
  public static final String NONE_VALUE = "none";

  private final String value;

  ClientKey(String value) {
    this.value = value;
  }

  /** The value as written in the resource and in the runtime's configuration. */
  public String value() {
    return value;
  }
}
