package dev.chatbot.operator.helm;

import static org.assertj.core.api.Assertions.assertThat;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesResource;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Lints and renders helm/chatbot-operator in-process (helm-java), offline. */
class HelmChartTest {
  static final Path CHART = Paths.get("..", "helm", "chatbot-operator");
  static final String CRD_FILE = "chatbotdeployments.chatbot.dev-v1.yml";
  static final String RELEASE_NAMESPACE = "chatbot-system";

  static List<HasMetadata> allNamespaces;
  static List<HasMetadata> twoNamespaces;

  @BeforeAll
  static void render() {
    allNamespaces = template(t -> t);
    twoNamespaces = template(t -> t.set("watchNamespaces[0]", "a").set("watchNamespaces[1]", "b"));
  }

  @Test
  void lintPasses() {
    LintResult result = new Helm(CHART).lint().strict().call();
    assertThat(result.isFailed()).as("helm lint: %s", result.getMessages()).isFalse();
  }

  @Test
  void deploymentIsRestrictedAndProbed() {
    Deployment deployment = one(allNamespaces, Deployment.class);
    assertThat(deployment.getMetadata().getNamespace()).isEqualTo(RELEASE_NAMESPACE);
    assertThat(deployment.getSpec().getReplicas()).isEqualTo(2);
    assertThat(deployment.getSpec().getTemplate().getMetadata().getLabels())
        .containsEntry("app.kubernetes.io/name", "chatbot-operator");

    PodSecurityContext pod = deployment.getSpec().getTemplate().getSpec().getSecurityContext();
    assertThat(pod.getRunAsNonRoot()).isTrue();
    assertThat(pod.getRunAsUser()).isEqualTo(65532L);
    assertThat(pod.getSeccompProfile().getType()).isEqualTo("RuntimeDefault");

    Container container = deployment.getSpec().getTemplate().getSpec().getContainers().get(0);
    assertThat(container.getImage()).isEqualTo("ghcr.io/chatbot-operator/chatbot-operator:0.1.0");
    SecurityContext sc = container.getSecurityContext();
    assertThat(sc.getRunAsNonRoot()).isTrue();
    assertThat(sc.getRunAsUser()).isEqualTo(65532L);
    assertThat(sc.getReadOnlyRootFilesystem()).isTrue();
    assertThat(sc.getAllowPrivilegeEscalation()).isFalse();
    assertThat(sc.getCapabilities().getDrop()).containsExactly("ALL");
    assertThat(sc.getCapabilities().getAdd()).isNullOrEmpty();
    assertThat(sc.getSeccompProfile().getType()).isEqualTo("RuntimeDefault");

    assertThat(container.getPorts())
        .anySatisfy(
            p -> {
              assertThat(p.getName()).isEqualTo("http");
              assertThat(p.getContainerPort()).isEqualTo(8080);
            });
    assertThat(container.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/healthz");
    assertThat(container.getLivenessProbe().getHttpGet().getPort().getStrVal()).isEqualTo("http");
    assertThat(container.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/readyz");
    assertThat(container.getReadinessProbe().getHttpGet().getPort().getStrVal()).isEqualTo("http");

    EnvVar podNamespace = env(container, "POD_NAMESPACE");
    assertThat(podNamespace.getValueFrom().getFieldRef().getFieldPath())
        .isEqualTo("metadata.namespace");
    assertThat(env(container, "WATCH_NAMESPACES").getValue()).isEmpty();
    assertThat(env(container, "RUNTIME_IMAGE").getValue())
        .isEqualTo("ghcr.io/chatbot-operator/chatbot-runtime:0.1.0");
    assertThat(env(container, "LEADER_ELECTION").getValue()).isEqualTo("true");
    assertThat(env(container, "HTTP_PORT").getValue()).isEqualTo("8080");

    assertThat(container.getVolumeMounts())
        .anySatisfy(m -> assertThat(m.getMountPath()).isEqualTo("/tmp"));
    assertThat(deployment.getSpec().getTemplate().getSpec().getVolumes())
        .anySatisfy(v -> assertThat(v.getEmptyDir()).isNotNull());
  }

  @Test
  void allNamespacesGetsAClusterRoleWithTheRulesFile() throws IOException {
    ClusterRole role = one(allNamespaces, ClusterRole.class);
    assertThat(role.getRules()).isEqualTo(rulesFile());
    ClusterRoleBinding binding = one(allNamespaces, ClusterRoleBinding.class);
    ServiceAccount account = one(allNamespaces, ServiceAccount.class);
    assertThat(binding.getRoleRef().getName()).isEqualTo(role.getMetadata().getName());
    assertThat(binding.getSubjects())
        .singleElement()
        .satisfies(
            s -> {
              assertThat(s.getName()).isEqualTo(account.getMetadata().getName());
              assertThat(s.getNamespace()).isEqualTo(RELEASE_NAMESPACE);
            });
    assertThat(all(allNamespaces, Role.class)).isEmpty();
    assertThat(all(allNamespaces, RoleBinding.class)).isEmpty();
  }

  @Test
  void watchedNamespacesGetRolesAndNoClusterWidePermissions() throws IOException {
    List<PolicyRule> rules = rulesFile();
    assertThat(all(twoNamespaces, ClusterRole.class)).isEmpty();
    assertThat(all(twoNamespaces, ClusterRoleBinding.class)).isEmpty();
    List<Role> roles = all(twoNamespaces, Role.class);
    for (String ns : List.of("a", "b")) {
      assertThat(roles)
          .filteredOn(r -> ns.equals(r.getMetadata().getNamespace()))
          .singleElement()
          .satisfies(r -> assertThat(r.getRules()).isEqualTo(rules));
      assertThat(all(twoNamespaces, RoleBinding.class))
          .filteredOn(b -> ns.equals(b.getMetadata().getNamespace()))
          .singleElement()
          .satisfies(
              b -> assertThat(b.getSubjects().get(0).getNamespace()).isEqualTo(RELEASE_NAMESPACE));
    }
    // The leader-election Lease lives in the release namespace: only the Lease rule there.
    assertThat(roles)
        .filteredOn(r -> RELEASE_NAMESPACE.equals(r.getMetadata().getNamespace()))
        .singleElement()
        .satisfies(
            r ->
                assertThat(r.getRules())
                    .singleElement()
                    .satisfies(
                        rule -> {
                          assertThat(rule.getApiGroups()).containsExactly("coordination.k8s.io");
                          assertThat(rule.getResources()).containsExactly("leases");
                        }));
    Container container =
        one(twoNamespaces, Deployment.class)
            .getSpec()
            .getTemplate()
            .getSpec()
            .getContainers()
            .get(0);
    assertThat(env(container, "WATCH_NAMESPACES").getValue()).isEqualTo("a,b");
  }

  @Test
  void rulesAreLeastPrivilege() throws IOException {
    List<PolicyRule> rules = rulesFile();
    assertThat(rules).allSatisfy(r -> assertThat(r.getVerbs()).doesNotContain("*"));
    assertThat(rules).allSatisfy(r -> assertThat(r.getResources()).doesNotContain("*"));
    assertThat(rules)
        .filteredOn(r -> r.getResources().contains("secrets"))
        .singleElement()
        .satisfies(r -> assertThat(r.getVerbs()).containsExactly("get"));
    assertThat(rules)
        .filteredOn(r -> r.getResources().contains("chatbotdeployments"))
        .singleElement()
        .satisfies(r -> assertThat(r.getVerbs()).containsExactly("get", "list", "watch"));
  }

  @Test
  void metricsServiceAndNoServiceMonitorByDefault() {
    Service service = one(allNamespaces, Service.class);
    assertThat(service.getSpec().getSelector())
        .containsEntry("app.kubernetes.io/name", "chatbot-operator");
    assertThat(service.getSpec().getPorts())
        .singleElement()
        .satisfies(p -> assertThat(p.getTargetPort().getStrVal()).isEqualTo("http"));
    assertThat(allNamespaces).noneMatch(r -> "ServiceMonitor".equals(r.getKind()));
    List<HasMetadata> withMonitor = template(t -> t.set("serviceMonitor.enabled", true));
    assertThat(withMonitor).anyMatch(r -> "ServiceMonitor".equals(r.getKind()));
  }

  @Test
  void chartCrdEqualsTheCrdModuleCopy() throws IOException {
    assertThat(Files.readAllBytes(CHART.resolve("crds").resolve(CRD_FILE)))
        .isEqualTo(Files.readAllBytes(Paths.get("..", "crd", CRD_FILE)));
  }

  // --- helpers ---

  private static List<HasMetadata> template(
      UnaryOperator<com.marcnuri.helm.TemplateCommand> options) {
    String out =
        options
            .apply(
                new Helm(CHART)
                    .template()
                    .withName("chatbot-operator")
                    .withNamespace(RELEASE_NAMESPACE)
                    .skipCrds())
            .call();
    List<HasMetadata> resources = new ArrayList<>();
    for (String doc : out.split("(?m)^---\\s*$")) {
      if (doc.lines().allMatch(l -> l.isBlank() || l.trim().startsWith("#"))) {
        continue;
      }
      KubernetesResource resource = Serialization.unmarshal(doc);
      assertThat(resource).as("rendered document:%n%s", doc).isInstanceOf(HasMetadata.class);
      resources.add((HasMetadata) resource);
    }
    return resources;
  }

  @SuppressWarnings("unchecked")
  private static List<PolicyRule> rulesFile() throws IOException {
    Map<String, Object> file =
        Serialization.unmarshal(
            Files.readString(CHART.resolve("files").resolve("rbac-rules.yaml")), Map.class);
    ClusterRole role =
        Serialization.unmarshal(
            Serialization.asYaml(
                Map.of(
                    "apiVersion",
                    "rbac.authorization.k8s.io/v1",
                    "kind",
                    "ClusterRole",
                    "metadata",
                    Map.of("name", "rules-file"),
                    "rules",
                    file.get("rules"))),
            ClusterRole.class);
    assertThat(role.getRules()).isNotEmpty();
    return role.getRules();
  }

  private static <T extends HasMetadata> List<T> all(List<HasMetadata> resources, Class<T> type) {
    return resources.stream().filter(type::isInstance).map(type::cast).toList();
  }

  private static <T extends HasMetadata> T one(List<HasMetadata> resources, Class<T> type) {
    List<T> found = all(resources, type);
    assertThat(found).as(type.getSimpleName()).hasSize(1);
    return found.get(0);
  }

  private static EnvVar env(Container container, String name) {
    return container.getEnv().stream()
        .filter(e -> e.getName().equals(name))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no env var " + name));
  }
}
