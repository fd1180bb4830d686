package dev.chatbot.operator;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** The operator's settings from its environment (README, "Operator settings"). */
class OperatorConfigTest {
  @Test
  void defaults() {
    OperatorConfig c = OperatorConfig.fromEnvironment(Map.of());
    assertThat(c.namespaces()).isEmpty();
    assertThat(c.runtimeImage()).isEqualTo(OperatorConfig.DEFAULT_RUNTIME_IMAGE);
    assertThat(c.leaseNamespace()).isNull();
    assertThat(c.operatorNamespace()).as("outside a cluster").isNull();
    assertThat(c.clusterDomain()).isEqualTo("cluster.local");
    assertThat(c.httpPort()).isEqualTo(8080);
    assertThat(c.serverSideApply()).isTrue();
  }

  @Test
  void thePodNamespaceIsTheOperatorsWithOrWithoutLeaderElection() {
    OperatorConfig elected =
        OperatorConfig.fromEnvironment(Map.of("POD_NAMESPACE", "chatbot-system"));
    assertThat(elected.leaseNamespace()).isEqualTo("chatbot-system");
    assertThat(elected.operatorNamespace()).isEqualTo("chatbot-system");
    OperatorConfig single =
        OperatorConfig.fromEnvironment(
            Map.of("POD_NAMESPACE", "chatbot-system", "LEADER_ELECTION", "false"));
    assertThat(single.leaseNamespace()).isNull();
    assertThat(single.operatorNamespace()).isEqualTo("chatbot-system");
    assertThat(single.settings(null).operatorNamespace()).isEqualTo("chatbot-system");
  }

  @Test
  void everySettingFromItsVariable() {
    OperatorConfig c =
        OperatorConfig.fromEnvironment(
            Map.of(
                "WATCH_NAMESPACES", " team-a, ,team-b ",
                "RUNTIME_IMAGE", "registry.example/rt:2",
                "CLUSTER_DOMAIN", "corp.example",
                "HTTP_PORT", "9090"));
    assertThat(c.namespaces()).containsExactlyInAnyOrder("team-a", "team-b");
    assertThat(c.runtimeImage()).isEqualTo("registry.example/rt:2");
    assertThat(c.clusterDomain()).isEqualTo("corp.example");
    assertThat(c.settings(null).clusterDomain()).isEqualTo("corp.example");
    assertThat(c.httpPort()).isEqualTo(9090);
    assertThat(OperatorConfig.fromEnvironment(Map.of("CLUSTER_DOMAIN", " ")).clusterDomain())
        .isEqualTo("cluster.local");
  }
}
