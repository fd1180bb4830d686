package dev.chatbot.api.v1alpha1;

/** Where a NodePort or LoadBalancer Service sends outside traffic, as in a Kubernetes Service. */
public enum ExternalTrafficPolicy {
  /** Any node forwards to any pod; the pod sees a node's address, not the client's. */
  Cluster,
  /** Only nodes with a frontend pod take traffic; the pod sees the client's address. */
  Local
}
