package dev.chatbot.api.v1alpha1;

/** How the frontend Service is exposed, as in a Kubernetes Service's type. */
public enum ServiceType {
  /** Reachable inside the cluster only. */
  ClusterIP,
  /** A port on every node. */
  NodePort,
  /** A cloud load balancer with a public address. */
  LoadBalancer
}
