package dev.chatbot.operator.children;

import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;

/** The policy letting only the frontend (and the operator's smoke test) reach the backend. */
public class NetworkPolicyDependent extends ChildDependent<NetworkPolicy> {
  public static final String NAME = "network-policy";

  public NetworkPolicyDependent() {
    super(NetworkPolicy.class);
  }
}
