package dev.chatbot.e2e;

import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;

/**
 * Base of the end-to-end classes that run against the operator installed from the chart: the
 * cluster, its client and the release, set before the class's own {@code @BeforeAll} runs (JUnit
 * runs a superclass's first). The subclass carries {@link OneNodeCluster}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class OperatorInstalled {
  Cluster cluster;
  KubernetesClient client;
  OperatorRelease operator;

  @BeforeAll
  void installOperator(Cluster cluster) {
    this.cluster = cluster;
    this.client = cluster.client();
    this.operator = cluster.operator();
  }
}
