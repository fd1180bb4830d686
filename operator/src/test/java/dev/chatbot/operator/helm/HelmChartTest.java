package dev.chatbot.operator.helm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import com.marcnuri.helm.Release;
import com.marcnuri.helm.TemplateCommand;
import dev.chatbot.operator.BuildInfo;
import dev.chatbot.operator.OperatorConfig;
import dev.chatbot.operator.model.Names;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesResource;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyEgressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
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
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Lints and renders helm/chatbot-operator in-process (helm-java), offline. */
class HelmChartTest {
  static final Path CHART = Paths.get("..", "helm", "chatbot-operator");
  static final String CRD_FILE = "chatbotdeployments.chatbot.dev-v1.yml";
  static final String RELEASE_NAMESPACE = "chatbot-system";
  static final String DIGEST = "sha256:" + "0123456789abcdef".repeat(4);
  static final String OPERATOR_REPO = "ghcr.io/chatbot-operator/chatbot-operator";
  static final String RUNTIME_REPO = "ghcr.io/chatbot-operator/chatbot-runtime";

  static List<HasMetadata> allNamespaces;
  static List<HasMetadata> twoNamespaces;
  static Map<String, Object> chartYaml;

  @BeforeAll
  static void render() throws IOException {
    allNamespaces = template(t -> t);
    twoNamespaces = template(t -> t.set("watchNamespaces[0]", "a").set("watchNamespaces[1]", "b"));
    chartYaml = yamlMap(CHART.resolve("Chart.yaml"));
  }

  @Test
  void lintStrictPassesWithoutWarnings() {
    assertLintClean(CHART);
  }

  /** helm lint takes no --set here: a copy of the chart with the dashboard on in values.yaml. */
  @Test
  void lintStrictPassesWithTheGrafanaDashboardOn(@TempDir Path dir) throws IOException {
    Path copy = dir.resolve("chatbot-operator");
    try (var files = Files.walk(CHART)) {
      for (Path f : files.toList()) {
        Path target = copy.resolve(CHART.relativize(f).toString());
        if (Files.isDirectory(f)) {
          Files.createDirectories(target);
        } else {
          Files.copy(f, target);
        }
      }
    }
    Path values = copy.resolve("values.yaml");
    String on =
        Files.readString(values)
            .replace("grafanaDashboard:\n  enabled: false", "grafanaDashboard:\n  enabled: true");
    assertThat(on).contains("grafanaDashboard:\n  enabled: true");
    Files.writeString(values, on);
    assertLintClean(copy);
  }

  private static void assertLintClean(Path chart) {
    LintResult result = new Helm(chart).lint().strict().call();
    assertThat(result.isFailed()).as("helm lint: %s", result.getMessages()).isFalse();
    assertThat(result.getMessages())
        .as("only [INFO] notes are allowed")
        .allSatisfy(m -> assertThat(m).startsWith("[INFO]"));
  }

  // --- values.schema.json and the template checks: bad values are refused, naming the value ---

  @ParameterizedTest(name = "{0}={1}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          replicaCount                      | two          | /replicaCount
          replicaCount                      | -1           | /replicaCount
          leaderElection                    | maybe        | /leaderElection
          image.tag                         | 2            | /image/tag
          image.digest                      | sha256:abc   | /image/digest
          image.pullPolicy                  | Sometimes    | /image/pullPolicy
          image.repository                  | Ghcr.io/X Y  | /image/repository
          runtimeImage.digest               | md5:00       | /runtimeImage
          runtimeImage.registry             | r.example    | /runtimeImage
          watchNamespaces[0]                | Team_A       | /watchNamespaces/0
          httpPort                          | 80           | /httpPort
          resources.requests.cpu            | lots         | /resources/requests/cpu
          resources.limits.memory           | 1 GB         | /resources/limits/memory
          extraEnv[0].value                 | no-name      | /extraEnv/0
          securityContext.runAsNonRoot      | false        | /securityContext/runAsNonRoot
          securityContext.privileged        | true         | /securityContext/privileged
          securityContext.allowPrivilegeEscalation | true  | /securityContext/allowPrivilegeEscalation
          podSecurityContext.runAsNonRoot   | false        | /podSecurityContext/runAsNonRoot
          serviceMonitor.interval           | soon         | /serviceMonitor/interval
          networkPolicy.apiServer.cidrs[0]  | kubernetes   | /networkPolicy/apiServer/cidrs/0
          networkPolicy.enable              | true         | /networkPolicy
          grafanaDashboard.namespace        | Monitoring   | /grafanaDashboard/namespace
          grafanaDashboard.enable           | true         | /grafanaDashboard
          replicaCont                       | 3            | replicaCont
          """)
  void schemaRefusesBadValuesNamingThem(String key, String value, String named) {
    assertThatThrownBy(() -> template(t -> t.set(key, value)))
        .hasMessageContaining("schema")
        .hasMessageContaining(named);
  }

  @Test
  void installRefusesBadValuesToo() {
    // helm install runs the same validation before it talks to any cluster.
    assertThatThrownBy(
            () ->
                new Helm(CHART)
                    .install()
                    .withName("chatbot-operator")
                    .withNamespace(RELEASE_NAMESPACE)
                    .clientOnly()
                    .dryRun()
                    .set("replicaCount", "two")
                    .call())
        .hasMessageContaining("/replicaCount");
    Release ok =
        new Helm(CHART)
            .install()
            .withName("chatbot-operator")
            .withNamespace(RELEASE_NAMESPACE)
            .clientOnly()
            .dryRun()
            .call();
    assertThat(ok.getAppVersion()).isEqualTo(chartYaml.get("appVersion"));
  }

  @Test
  void combinationsTheSchemaCannotExpressAreRefused() {
    assertThatThrownBy(() -> template(t -> t.set("leaderElection", false)))
        .hasMessageContaining("replicaCount is 2 but leaderElection is false");
    assertThatThrownBy(
            () ->
                template(
                    t -> t.set("extraEnv[0].name", "RUNTIME_IMAGE").set("extraEnv[0].value", "x")))
        .hasMessageContaining("extraEnv[0].name RUNTIME_IMAGE is set by the chart");
    assertThatThrownBy(
            () ->
                template(
                    t ->
                        t.set("serviceMonitor.enabled", true)
                            .set("metrics.service.enabled", false)))
        .hasMessageContaining("serviceMonitor.enabled needs metrics.service.enabled");
  }

  // --- one version; image settings ---

  @Test
  void oneVersionForChartImagesAndTheOperatorsDefault() throws IOException {
    String appVersion = (String) chartYaml.get("appVersion");
    assertThat(chartYaml.get("version")).isEqualTo(appVersion);
    assertThat(mavenVersion().replace("-SNAPSHOT", "")).isEqualTo(appVersion);
    Container c = operatorContainer(allNamespaces);
    assertThat(c.getImage()).isEqualTo(OPERATOR_REPO + ":" + appVersion);
    assertThat(env(c, "RUNTIME_IMAGE").getValue()).isEqualTo(RUNTIME_REPO + ":" + appVersion);
    // The operator started without the chart (no RUNTIME_IMAGE) deploys the very same image.
    assertThat(OperatorConfig.DEFAULT_RUNTIME_IMAGE).isEqualTo(env(c, "RUNTIME_IMAGE").getValue());
    // ... and the build tags both images so (build.properties, filtered from the poms).
    assertThat(BuildInfo.RUNTIME_IMAGE).isEqualTo(RUNTIME_REPO + ":" + appVersion);
    assertThat(BuildInfo.OPERATOR_IMAGE).isEqualTo(OPERATOR_REPO + ":" + appVersion);
    assertThat(c.getImagePullPolicy()).isEqualTo("IfNotPresent");
  }

  @Test
  void imageTagDigestAndPullPolicy() {
    Container tagged =
        operatorContainer(
            template(
                t ->
                    t.set("image.repository", "registry.example.com/team/op")
                        .set("image.tag", "1.2.3-rc.1")
                        .set("image.pullPolicy", "Always")
                        .set("runtimeImage.repository", "registry.example.com/team/rt")
                        .set("runtimeImage.tag", "1.2.3-rc.1")));
    assertThat(tagged.getImage()).isEqualTo("registry.example.com/team/op:1.2.3-rc.1");
    assertThat(tagged.getImagePullPolicy()).isEqualTo("Always");
    assertThat(env(tagged, "RUNTIME_IMAGE").getValue())
        .isEqualTo("registry.example.com/team/rt:1.2.3-rc.1");

    // A digest pins the image; the tag is then not part of the reference.
    Container pinned =
        operatorContainer(
            template(
                t ->
                    t.set("image.digest", DIGEST)
                        .set("image.tag", "ignored")
                        .set("runtimeImage.digest", DIGEST)));
    assertThat(pinned.getImage()).isEqualTo(OPERATOR_REPO + "@" + DIGEST);
    assertThat(env(pinned, "RUNTIME_IMAGE").getValue()).isEqualTo(RUNTIME_REPO + "@" + DIGEST);

    // The string form of runtimeImage (the chart's first shape) is a whole reference.
    Container legacy =
        operatorContainer(template(t -> t.set("runtimeImage", "localhost:5000/rt:0.1.0-SNAPSHOT")));
    assertThat(env(legacy, "RUNTIME_IMAGE").getValue())
        .isEqualTo("localhost:5000/rt:0.1.0-SNAPSHOT");
  }

  // --- replicas, leader election, resources, extraEnv ---

  @Test
  void replicasAndLeaderElection() {
    Deployment two = one(allNamespaces, Deployment.class);
    assertThat(two.getSpec().getReplicas()).isEqualTo(2);
    assertThat(env(operatorContainer(allNamespaces), "LEADER_ELECTION").getValue())
        .isEqualTo("true");

    List<HasMetadata> single =
        template(
            t ->
                t.set("replicaCount", 1)
                    .set("leaderElection", false)
                    .set("watchNamespaces[0]", "a"));
    assertThat(one(single, Deployment.class).getSpec().getReplicas()).isEqualTo(1);
    assertThat(env(operatorContainer(single), "LEADER_ELECTION").getValue()).isEqualTo("false");
    // No Lease, no Lease permissions.
    assertThat(all(single, Role.class))
        .singleElement()
        .satisfies(r -> assertThat(r.getMetadata().getNamespace()).isEqualTo("a"));
  }

  @Test
  void resourcesFromValues() {
    Container defaults = operatorContainer(allNamespaces);
    assertThat(defaults.getResources().getRequests())
        .containsEntry("cpu", new Quantity("200m"))
        .containsEntry("memory", new Quantity("320Mi"));
    assertThat(defaults.getResources().getLimits())
        .containsOnlyKeys("memory")
        .containsEntry("memory", new Quantity("512Mi"));

    Container custom =
        operatorContainer(
            template(
                t ->
                    t.set("resources.requests.cpu", "250m")
                        .set("resources.requests.memory", "300Mi")
                        .set("resources.limits.cpu", "1")
                        .set("resources.limits.memory", "1Gi")));
    assertThat(custom.getResources().getRequests())
        .containsEntry("cpu", new Quantity("250m"))
        .containsEntry("memory", new Quantity("300Mi"));
    assertThat(custom.getResources().getLimits())
        .containsEntry("cpu", new Quantity("1"))
        .containsEntry("memory", new Quantity("1Gi"));
  }

  @Test
  void extraEnvIsAppendedAfterTheChartsOwn() {
    Container c =
        operatorContainer(
            template(
                t ->
                    t.set("extraEnv[0].name", "JAVA_TOOL_OPTIONS")
                        .set("extraEnv[0].value", "-Xlog:gc")
                        .set("extraEnv[1].name", "FROM_SECRET")
                        .set("extraEnv[1].valueFrom.secretKeyRef.name", "s")
                        .set("extraEnv[1].valueFrom.secretKeyRef.key", "k")));
    List<String> names = c.getEnv().stream().map(EnvVar::getName).toList();
    assertThat(names)
        .containsExactly(
            "WATCH_NAMESPACES",
            "RUNTIME_IMAGE",
            "POD_NAMESPACE",
            "LEADER_ELECTION",
            "HTTP_PORT",
            "JAVA_TOOL_OPTIONS",
            "FROM_SECRET");
    assertThat(env(c, "JAVA_TOOL_OPTIONS").getValue()).isEqualTo("-Xlog:gc");
    assertThat(env(c, "FROM_SECRET").getValueFrom().getSecretKeyRef().getName()).isEqualTo("s");
  }

  // --- the Deployment's security contexts and probes ---

  @Test
  void deploymentIsRestrictedAndProbed() {
    Deployment deployment = one(allNamespaces, Deployment.class);
    assertThat(deployment.getMetadata().getNamespace()).isEqualTo(RELEASE_NAMESPACE);
    assertThat(deployment.getSpec().getTemplate().getMetadata().getLabels())
        .containsAllEntriesOf(OperatorConfig.OPERATOR_POD_LABELS);

    PodSecurityContext pod = deployment.getSpec().getTemplate().getSpec().getSecurityContext();
    assertThat(pod.getRunAsNonRoot()).isTrue();
    assertThat(pod.getRunAsUser()).isEqualTo(65532L);
    assertThat(pod.getRunAsGroup()).isEqualTo(65532L);
    assertThat(pod.getFsGroup()).isEqualTo(65532L);
    assertThat(pod.getSeccompProfile().getType()).isEqualTo("RuntimeDefault");

    Container container = operatorContainer(allNamespaces);
    SecurityContext sc = container.getSecurityContext();
    assertThat(sc.getRunAsNonRoot()).isTrue();
    assertThat(sc.getRunAsUser()).isEqualTo(65532L);
    assertThat(sc.getReadOnlyRootFilesystem()).isTrue();
    assertThat(sc.getAllowPrivilegeEscalation()).isFalse();
    assertThat(sc.getPrivileged()).isNull();
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
    // A start-up failure says why in the restarted pod's status (the operator's one line).
    assertThat(container.getTerminationMessagePolicy()).isEqualTo("FallbackToLogsOnError");

    EnvVar podNamespace = env(container, "POD_NAMESPACE");
    assertThat(podNamespace.getValueFrom().getFieldRef().getFieldPath())
        .isEqualTo("metadata.namespace");
    assertThat(env(container, "WATCH_NAMESPACES").getValue()).isEmpty();
    assertThat(env(container, "HTTP_PORT").getValue()).isEqualTo("8080");

    assertThat(container.getVolumeMounts())
        .anySatisfy(m -> assertThat(m.getMountPath()).isEqualTo("/tmp"));
    assertThat(deployment.getSpec().getTemplate().getSpec().getVolumes())
        .anySatisfy(v -> assertThat(v.getEmptyDir()).isNotNull());
  }

  @Test
  void platformAssignedIdsCanBeLeftOut() {
    // OpenShift-style: ids come from the namespace's range; non-root stays.
    Deployment d =
        one(
            template(
                t ->
                    t.set("podSecurityContext.runAsUser", "null")
                        .set("podSecurityContext.runAsGroup", "null")
                        .set("podSecurityContext.fsGroup", "null")
                        .set("securityContext.runAsUser", "null")),
            Deployment.class);
    PodSecurityContext pod = d.getSpec().getTemplate().getSpec().getSecurityContext();
    assertThat(pod.getRunAsUser()).isNull();
    assertThat(pod.getFsGroup()).isNull();
    assertThat(pod.getRunAsNonRoot()).isTrue();
    SecurityContext sc =
        d.getSpec().getTemplate().getSpec().getContainers().get(0).getSecurityContext();
    assertThat(sc.getRunAsUser()).isNull();
    assertThat(sc.getRunAsNonRoot()).isTrue();
  }

  // --- RBAC and watched namespaces ---

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
    // Nothing cluster-scoped at all: every rendered object lives in a namespace.
    assertThat(twoNamespaces)
        .allSatisfy(
            r ->
                assertThat(r.getMetadata().getNamespace())
                    .as("%s %s", r.getKind(), r.getMetadata().getName())
                    .isNotBlank());
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
    assertThat(env(operatorContainer(twoNamespaces), "WATCH_NAMESPACES").getValue())
        .isEqualTo("a,b");
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

  // --- metrics, ServiceMonitor, NetworkPolicy ---

  @Test
  void metricsServiceAndOptionalServiceMonitor() {
    Service service = one(allNamespaces, Service.class);
    assertThat(service.getSpec().getSelector())
        .containsEntry("app.kubernetes.io/name", "chatbot-operator");
    assertThat(service.getSpec().getPorts())
        .singleElement()
        .satisfies(p -> assertThat(p.getTargetPort().getStrVal()).isEqualTo("http"));
    assertThat(allNamespaces).noneMatch(r -> "ServiceMonitor".equals(r.getKind()));

    List<HasMetadata> withMonitor =
        template(
            t ->
                t.set("serviceMonitor.enabled", true)
                    .set("serviceMonitor.interval", "15s")
                    .set("serviceMonitor.labels.release", "prometheus"));
    GenericKubernetesResource monitor =
        withMonitor.stream()
            .filter(r -> "ServiceMonitor".equals(r.getKind()))
            .map(GenericKubernetesResource.class::cast)
            .findFirst()
            .orElseThrow();
    assertThat(monitor.getApiVersion()).isEqualTo("monitoring.coreos.com/v1");
    assertThat(monitor.getMetadata().getLabels()).containsEntry("release", "prometheus");
    Service metrics = one(withMonitor, Service.class);
    // It selects the metrics Service and scrapes its port by name.
    Map<String, String> selector = monitor.get("spec", "selector", "matchLabels");
    assertThat(metrics.getMetadata().getLabels()).containsAllEntriesOf(selector);
    List<Map<String, Object>> endpoints = monitor.get("spec", "endpoints");
    assertThat(endpoints)
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e).containsEntry("port", metrics.getSpec().getPorts().get(0).getName());
              assertThat(e).containsEntry("path", "/metrics").containsEntry("interval", "15s");
            });
  }

  // --- Grafana dashboard ---

  @Test
  void grafanaDashboardIsOffByDefault() {
    assertThat(all(allNamespaces, ConfigMap.class)).isEmpty();
  }

  @Test
  void grafanaDashboardConfigMapHoldsEachDashboardFileAsItIs() throws IOException {
    List<Path> files;
    try (var s = Files.list(CHART.resolve("dashboards"))) {
      files = s.filter(p -> p.toString().endsWith(".json")).sorted().toList();
    }
    assertThat(files).isNotEmpty();
    ConfigMap map =
        one(
            template(
                t ->
                    t.set("grafanaDashboard.enabled", true)
                        .set("grafanaDashboard.labels.team", "ml")
                        .set("grafanaDashboard.annotations.grafana_folder", "Chatbots")),
            ConfigMap.class);
    assertThat(map.getMetadata().getNamespace()).isEqualTo(RELEASE_NAMESPACE);
    assertThat(map.getMetadata().getLabels())
        .containsEntry("grafana_dashboard", "1")
        .containsEntry("team", "ml")
        .containsEntry("app.kubernetes.io/name", "chatbot-operator");
    assertThat(map.getMetadata().getAnnotations()).containsEntry("grafana_folder", "Chatbots");
    ObjectMapper json = new ObjectMapper();
    assertThat(map.getData()).hasSize(files.size());
    for (Path file : files) {
      String rendered = map.getData().get(file.getFileName().toString());
      assertThat(rendered).as(file.toString()).isEqualTo(Files.readString(file));
      JsonNode dashboard = json.readTree(rendered);
      assertThat(dashboard.path("panels").size()).isPositive();
      assertThat(dashboard.path("uid").asText()).isNotBlank();
    }
    ConfigMap elsewhere =
        one(
            template(
                t ->
                    t.set("grafanaDashboard.enabled", true)
                        .set("grafanaDashboard.namespace", "monitoring")),
            ConfigMap.class);
    assertThat(elsewhere.getMetadata().getNamespace()).isEqualTo("monitoring");
  }

  @Test
  void networkPolicyIsOffByDefault() {
    assertThat(all(allNamespaces, NetworkPolicy.class)).isEmpty();
  }

  @Test
  void networkPolicyLetsInMetricsAndOutTheApiServerAndBackends() {
    List<HasMetadata> rendered = template(t -> t.set("networkPolicy.enabled", true));
    NetworkPolicy policy = one(rendered, NetworkPolicy.class);
    Deployment deployment = one(rendered, Deployment.class);
    assertThat(deployment.getSpec().getTemplate().getMetadata().getLabels())
        .containsAllEntriesOf(policy.getSpec().getPodSelector().getMatchLabels());
    assertThat(policy.getSpec().getPolicyTypes()).containsExactly("Ingress", "Egress");

    // In: only the named metrics/health port, from anywhere when metricsFrom is empty.
    assertThat(policy.getSpec().getIngress())
        .singleElement()
        .satisfies(
            rule -> {
              assertThat(rule.getFrom()).isNullOrEmpty();
              assertThat(rule.getPorts())
                  .singleElement()
                  .satisfies(p -> assertThat(p.getPort().getStrVal()).isEqualTo("http"));
            });

    List<NetworkPolicyEgressRule> egress = policy.getSpec().getEgress();
    assertThat(egress).hasSize(2);
    // The API server: by port, any address until CIDRs are given.
    assertThat(egress.get(0).getTo()).isNullOrEmpty();
    assertThat(egress.get(0).getPorts())
        .extracting(p -> p.getPort().getIntVal())
        .containsExactly(443, 6443);
    // Backends: the labels and port the operator gives backend pods, in every namespace.
    NetworkPolicyEgressRule backends = egress.get(1);
    assertThat(backends.getPorts())
        .singleElement()
        .satisfies(p -> assertThat(p.getPort().getIntVal()).isEqualTo(Names.RUNTIME_PORT));
    assertThat(backends.getTo())
        .singleElement()
        .satisfies(
            peer -> {
              assertThat(peer.getNamespaceSelector().getMatchLabels()).isNullOrEmpty();
              assertThat(peer.getPodSelector().getMatchLabels()).isEqualTo(backendLabels());
            });
  }

  @Test
  void networkPolicyNarrowsToWatchedNamespacesCidrsAndScrapers() {
    NetworkPolicy policy =
        one(
            template(
                t ->
                    t.set("networkPolicy.enabled", true)
                        .set("watchNamespaces[0]", "a")
                        .set("watchNamespaces[1]", "b")
                        .set("networkPolicy.apiServer.cidrs[0]", "172.18.0.2/32")
                        .set("networkPolicy.apiServer.ports[0]", 6443)
                        .set(
                            "networkPolicy.metricsFrom[0].namespaceSelector.matchLabels.name",
                            "monitoring")
                        .set("networkPolicy.extraEgress[0].ports[0].port", 53)
                        .set("networkPolicy.extraEgress[0].ports[0].protocol", "UDP")),
            NetworkPolicy.class);
    assertThat(policy.getSpec().getIngress().get(0).getFrom())
        .singleElement()
        .satisfies(
            p ->
                assertThat(p.getNamespaceSelector().getMatchLabels())
                    .containsEntry("name", "monitoring"));
    List<NetworkPolicyEgressRule> egress = policy.getSpec().getEgress();
    assertThat(egress).hasSize(3);
    assertThat(egress.get(0).getTo())
        .singleElement()
        .satisfies(p -> assertThat(p.getIpBlock().getCidr()).isEqualTo("172.18.0.2/32"));
    assertThat(egress.get(0).getPorts())
        .singleElement()
        .satisfies(p -> assertThat(p.getPort().getIntVal()).isEqualTo(6443));
    assertThat(egress.get(1).getTo())
        .extracting(NetworkPolicyPeer::getNamespaceSelector)
        .extracting(s -> s.getMatchLabels().get("kubernetes.io/metadata.name"))
        .containsExactly("a", "b");
    assertThat(egress.get(1).getTo())
        .allSatisfy(
            p -> assertThat(p.getPodSelector().getMatchLabels()).isEqualTo(backendLabels()));
    assertThat(egress.get(2).getPorts())
        .singleElement()
        .satisfies(
            p -> {
              assertThat(p.getPort().getIntVal()).isEqualTo(53);
              assertThat(p.getProtocol()).isEqualTo("UDP");
            });
  }

  @Test
  void chartCrdEqualsTheCrdModuleCopy() throws IOException {
    assertThat(Files.readAllBytes(CHART.resolve("crds").resolve(CRD_FILE)))
        .isEqualTo(Files.readAllBytes(Paths.get("..", "crd", CRD_FILE)));
  }

  // --- helpers ---

  /** The backend pod labels the NetworkPolicy must match: the operator's own, from Names. */
  private static Map<String, String> backendLabels() {
    return Map.of(Names.LABEL_NAME, Names.APP, Names.LABEL_COMPONENT, Names.COMPONENT_BACKEND);
  }

  private static List<HasMetadata> template(UnaryOperator<TemplateCommand> options) {
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

  private static Container operatorContainer(List<HasMetadata> rendered) {
    return one(rendered, Deployment.class).getSpec().getTemplate().getSpec().getContainers().get(0);
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> yamlMap(Path file) throws IOException {
    return Serialization.unmarshal(Files.readString(file), Map.class);
  }

  /** The parent pom's version: the Maven build's, which tags the images it builds. */
  private static String mavenVersion() throws IOException {
    String pom = Files.readString(Paths.get("..", "pom.xml"));
    Matcher m =
        Pattern.compile(
                "<artifactId>chatbot-operator-parent</artifactId>\\s*<version>([^<]+)</version>")
            .matcher(pom);
    assertThat(m.find()).as("parent version in ../pom.xml").isTrue();
    return m.group(1);
  }

  @SuppressWarnings("unchecked")
  private static List<PolicyRule> rulesFile() throws IOException {
    Map<String, Object> file = yamlMap(CHART.resolve("files").resolve("rbac-rules.yaml"));
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
