package dev.chatbot.operator.envtest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.ManagedFieldsEntry;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.CustomResourceDefinitionContext;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import java.io.InputStream;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Proves the envtest control plane: a real v1.20.2 API server with SSA, RBAC, CRDs and GC. */
@RealApiServer(controllerManager = true)
class ApiServerSmokeIT {

  private static final String MANAGER = "chatbot-operator";

  @BeforeAll
  static void logStartTimes(ApiServer server) {
    System.out.printf(
        "envtest: API server start %d ms, controller-manager start %d ms, work dir %s%n",
        server.startDuration().toMillis(),
        server.controllerManagerStartDuration().toMillis(),
        server.workDir());
  }

  @Test
  void servesKubernetes1_20_2(KubernetesClient admin) {
    assertThat(admin.getKubernetesVersion().getGitVersion()).isEqualTo("v1.20.2");
    assertThat(admin.namespaces().withName("default").get()).isNotNull();
  }

  @Test
  void serverSideApplyRecordsTheFieldManagerAndDefaults(
      KubernetesClient admin, @TestNamespace String ns) {
    Deployment applied =
        admin.resource(deployment(ns, 2)).fieldManager(MANAGER).forceConflicts().serverSideApply();

    assertThat(applied.getSpec().getStrategy().getType())
        .as("defaulted by the real server")
        .isEqualTo("RollingUpdate");
    assertThat(applied.getMetadata().getManagedFields())
        .extracting(ManagedFieldsEntry::getManager, ManagedFieldsEntry::getOperation)
        .containsExactly(org.assertj.core.groups.Tuple.tuple(MANAGER, "Apply"));

    Service service =
        admin
            .resource(
                new ServiceBuilder()
                    .withNewMetadata()
                    .withName("web")
                    .withNamespace(ns)
                    .endMetadata()
                    .withNewSpec()
                    .withSelector(Map.of("app", "web"))
                    .addNewPort()
                    .withName("http")
                    .withPort(80)
                    .withNewTargetPort(8080)
                    .withProtocol("TCP") // 1.20 SSA rejects ports without protocol
                    .endPort()
                    .endSpec()
                    .build())
            .fieldManager(MANAGER)
            .forceConflicts()
            .serverSideApply();
    assertThat(service.getSpec().getClusterIP()).as("allocated by the real server").isNotBlank();
    assertThat(service.getMetadata().getManagedFields())
        .extracting(ManagedFieldsEntry::getManager)
        .containsExactly(MANAGER);

    // Another manager may not take a field the operator owns without forcing it.
    assertThatThrownBy(
            () ->
                admin.resource(deployment(ns, 3)).fieldManager("another-manager").serverSideApply())
        .isInstanceOfSatisfying(
            KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(409))
        .hasMessageContaining("spec.replicas");
  }

  @Test
  void rbacDeniesAnUnboundUserUntilARoleBindingAllowsIt(
      ApiServer server, KubernetesClient admin, @TestNamespace String ns) {
    int mark = server.auditMark();
    try (KubernetesClient operator = server.clientFor(ApiServer.OPERATOR_USER);
        KubernetesClient someone = server.clientFor("someone", "some-team")) {
      assertThatThrownBy(() -> operator.configMaps().inNamespace(ns).list())
          .isInstanceOfSatisfying(
              KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(403))
          .hasMessageContaining("User \"chatbot-operator\" cannot list resource \"configmaps\"");
      assertThatThrownBy(() -> someone.configMaps().inNamespace(ns).list())
          .isInstanceOfSatisfying(
              KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(403))
          .hasMessageContaining("User \"someone\"");

      admin
          .resource(
              new RoleBuilder()
                  .withNewMetadata()
                  .withName("configmap-reader")
                  .withNamespace(ns)
                  .endMetadata()
                  .addNewRule()
                  .withApiGroups("")
                  .withResources("configmaps")
                  .withVerbs("get", "list", "watch")
                  .endRule()
                  .build())
          .create();
      admin
          .resource(
              new RoleBindingBuilder()
                  .withNewMetadata()
                  .withName("configmap-reader")
                  .withNamespace(ns)
                  .endMetadata()
                  .withNewRoleRef("rbac.authorization.k8s.io", "Role", "configmap-reader")
                  .addNewSubject()
                  .withApiGroup("rbac.authorization.k8s.io")
                  .withKind("User")
                  .withName(ApiServer.OPERATOR_USER)
                  .endSubject()
                  .addNewSubject()
                  .withApiGroup("rbac.authorization.k8s.io")
                  .withKind("Group")
                  .withName("some-team")
                  .endSubject()
                  .build())
          .create();

      await()
          .atMost(Duration.ofSeconds(10))
          .ignoreExceptionsInstanceOf(KubernetesClientException.class)
          .untilAsserted(
              () -> assertThat(operator.configMaps().inNamespace(ns).list()).isNotNull());
      assertThat(someone.configMaps().inNamespace(ns).list().getItems()).isNotNull();
      assertThatThrownBy(
              () ->
                  operator
                      .configMaps()
                      .inNamespace(ns)
                      .resource(configMap(ns, "not-allowed"))
                      .create())
          .isInstanceOfSatisfying(
              KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(403));
    }
    await()
        .atMost(Duration.ofSeconds(5))
        .untilAsserted(
            () ->
                assertThat(server.writeRequestsSince(mark, ApiServer.OPERATOR_USER))
                    .singleElement()
                    .satisfies(
                        event -> {
                          assertThat(event.at("/verb").asText()).isEqualTo("create");
                          assertThat(event.at("/objectRef/resource").asText())
                              .isEqualTo("configmaps");
                          assertThat(event.at("/responseStatus/code").asInt()).isEqualTo(403);
                        }));
  }

  @Test
  void garbageCollectorDeletesDependentsOfADeletedOwner(
      KubernetesClient admin, @TestNamespace String ns) {
    ConfigMap owner = admin.resource(configMap(ns, "owner")).create();
    ConfigMap dependent = configMap(ns, "dependent");
    dependent
        .getMetadata()
        .setOwnerReferences(
            List.of(
                new io.fabric8.kubernetes.api.model.OwnerReferenceBuilder()
                    .withApiVersion("v1")
                    .withKind("ConfigMap")
                    .withName(owner.getMetadata().getName())
                    .withUid(owner.getMetadata().getUid())
                    .withController(true)
                    .withBlockOwnerDeletion(true)
                    .build()));
    admin.resource(dependent).create();

    admin.resource(owner).delete();

    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> admin.configMaps().inNamespace(ns).withName("dependent").get() == null);
  }

  @Test
  void installsACustomResourceDefinitionAndValidatesAgainstItsSchema(
      KubernetesClient admin, @TestNamespace String ns) throws Exception {
    ResourceDefinitionContext widgets = installWidgetCrd(admin);
    GenericKubernetesResource created =
        admin
            .genericKubernetesResources(widgets)
            .inNamespace(ns)
            .resource(widget(ns, "small", 3))
            .fieldManager(MANAGER)
            .forceConflicts()
            .serverSideApply();
    assertThat((String) created.get("spec", "color")).as("schema default").isEqualTo("red");

    assertThatThrownBy(
            () ->
                admin
                    .genericKubernetesResources(widgets)
                    .inNamespace(ns)
                    .resource(widget(ns, "huge", 11))
                    .create())
        .isInstanceOfSatisfying(
            KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(422))
        .hasMessageContaining("spec.size");
  }

  @Test
  void garbageCollectorDeletesDependentsOfADeletedCustomResource(
      ApiServer server, KubernetesClient admin, @TestNamespace String ns) throws Exception {
    ResourceDefinitionContext widgets = installWidgetCrd(admin);
    server.restartControllerManager(); // so that the collector watches the new type
    GenericKubernetesResource owner =
        admin
            .genericKubernetesResources(widgets)
            .inNamespace(ns)
            .resource(widget(ns, "owner", 1))
            .create();
    ConfigMap dependent = configMap(ns, "child");
    dependent
        .getMetadata()
        .setOwnerReferences(
            List.of(
                new io.fabric8.kubernetes.api.model.OwnerReferenceBuilder()
                    .withApiVersion("envtest.chatbot.dev/v1")
                    .withKind("Widget")
                    .withName("owner")
                    .withUid(owner.getMetadata().getUid())
                    .withController(true)
                    .build()));
    admin.resource(dependent).create();

    admin.genericKubernetesResources(widgets).inNamespace(ns).withName("owner").delete();

    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> admin.configMaps().inNamespace(ns).withName("child").get() == null);
  }

  private ResourceDefinitionContext installWidgetCrd(KubernetesClient admin) throws Exception {
    CustomResourceDefinition crd;
    try (InputStream yaml = getClass().getResourceAsStream("/envtest/widgets-crd.yaml")) {
      crd = admin.apiextensions().v1().customResourceDefinitions().load(yaml).item();
    }
    admin.resource(crd).fieldManager(MANAGER).forceConflicts().serverSideApply();
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                admin
                    .apiextensions()
                    .v1()
                    .customResourceDefinitions()
                    .withName(crd.getMetadata().getName())
                    .get()
                    .getStatus()
                    .getConditions()
                    .stream()
                    .anyMatch(
                        c -> "Established".equals(c.getType()) && "True".equals(c.getStatus())));
    return CustomResourceDefinitionContext.fromCrd(crd);
  }

  private static Deployment deployment(String ns, int replicas) {
    return new DeploymentBuilder()
        .withNewMetadata()
        .withName("web")
        .withNamespace(ns)
        .endMetadata()
        .withNewSpec()
        .withReplicas(replicas)
        .withNewSelector()
        .addToMatchLabels("app", "web")
        .endSelector()
        .withNewTemplate()
        .withNewMetadata()
        .addToLabels("app", "web")
        .endMetadata()
        .withNewSpec()
        .addNewContainer()
        .withName("web")
        .withImage("nginx:1.27")
        .addNewPort()
        .withContainerPort(8080)
        .withProtocol("TCP")
        .endPort()
        .endContainer()
        .endSpec()
        .endTemplate()
        .endSpec()
        .build();
  }

  private static ConfigMap configMap(String ns, String name) {
    return new ConfigMapBuilder()
        .withNewMetadata()
        .withName(name)
        .withNamespace(ns)
        .endMetadata()
        .addToData("key", "value")
        .build();
  }

  private static GenericKubernetesResource widget(String ns, String name, int size) {
    return new GenericKubernetesResourceBuilder()
        .withApiVersion("envtest.chatbot.dev/v1")
        .withKind("Widget")
        .withNewMetadata()
        .withName(name)
        .withNamespace(ns)
        .endMetadata()
        .withAdditionalProperties(Map.of("spec", Map.of("size", size)))
        .build();
  }
}
