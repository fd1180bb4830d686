package dev.chatbot.operator.children;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.chatbot.api.v1alpha1.ChatbotDeployment;
import dev.chatbot.operator.model.Names;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ManagedFieldsEntry;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.Collections;
import java.util.Map;
import org.junit.jupiter.api.Test;

class InformerStoresTest {
  private static final KubernetesSerialization JSON = new KubernetesSerialization();

  /** A ConfigMap as the API server returns it: this operator's apply entry and another's update. */
  private static ConfigMap served(String name, String uid) {
    return JSON.unmarshal(
        """
        {"apiVersion": "v1", "kind": "ConfigMap",
         "metadata": {"name": "%s", "namespace": "ns", "resourceVersion": "7",
           "labels": {"app.kubernetes.io/managed-by": "chatbot-operator"},
           "ownerReferences": [{"apiVersion": "chatbot.dev/v1alpha1", "kind": "ChatbotDeployment",
             "name": "demo", "uid": "%s"}],
           "managedFields": [
             {"manager": "%s", "operation": "Apply", "apiVersion": "v1", "fieldsType": "FieldsV1",
              "fieldsV1": {"f:data": {"f:role": {}, "f:model_provider": {}},
                "f:metadata": {"f:labels": {"f:app.kubernetes.io/managed-by": {}},
                  "f:ownerReferences": {"k:{\\"uid\\":\\"%s\\"}": {}}}}},
             {"manager": "kubectl-edit", "operation": "Update", "apiVersion": "v1",
              "fieldsType": "FieldsV1", "fieldsV1": {"f:data": {"f:extra": {}}}}]},
         "data": {"role": "backend", "model_provider": "mock", "extra": "x"}}
        """
            .formatted(name, uid, Names.FIELD_MANAGER, uid),
        ConfigMap.class);
  }

  private static Map<String, Object> tree(ConfigMap c) {
    return c.getMetadata().getManagedFields().get(0).getFieldsV1().getAdditionalProperties();
  }

  @Test
  void childKeepsOnlyThisOperatorsApplyEntry() {
    ConfigMap c = InformerStores.child(served("a", "u1"));

    assertThat(c.getMetadata().getManagedFields())
        .extracting(ManagedFieldsEntry::getManager, ManagedFieldsEntry::getOperation)
        .containsExactly(org.assertj.core.groups.Tuple.tuple(Names.FIELD_MANAGER, "Apply"));
    assertThat(c.getData()).containsKeys("role", "model_provider", "extra");
    assertThat(c.getMetadata().getResourceVersion()).isEqualTo("7");
  }

  @Test
  void equalFieldSubtreesAreOneSharedUnmodifiableInstance() {
    ConfigMap a = InformerStores.child(served("a", "u1"));
    ConfigMap b = InformerStores.child(served("b", "u2"));

    // The owners' uids differ, so the whole trees differ; their f:data subtrees are one object.
    assertThat(tree(a)).isNotEqualTo(tree(b));
    assertThat(tree(a).get("f:data")).isSameAs(tree(b).get("f:data"));
    assertThat(tree(InformerStores.child(served("c", "u1")))).isSameAs(tree(a));
    assertThatThrownBy(() -> tree(a).put("f:spec", Map.of()))
        .isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void theSharedTreeReadsAsTheOriginal() {
    ConfigMap original = served("a", "u1");
    Map<String, Object> before = Map.copyOf(tree(original));
    ConfigMap kept = InformerStores.child(served("a", "u1"));

    assertThat(tree(kept)).isEqualTo(before);
    // The first key of each level, which JOSDK's matcher reads, is the server's first key.
    assertThat(tree(kept).keySet()).containsExactlyElementsOf(tree(original).keySet());
  }

  @Test
  void primaryKeepsNoManagedFields() {
    ConfigMap c = InformerStores.primary(served("a", "u1"));

    assertThat(c.getMetadata().getManagedFields()).isNull();
    assertThat(c.getMetadata().getOwnerReferences()).hasSize(1);
  }

  @Test
  void anObjectWithoutOurEntryKeepsNone() {
    ConfigMap c = served("a", "u1");
    c.getMetadata().getManagedFields().remove(0);

    assertThat(InformerStores.child(c).getMetadata().getManagedFields()).isEmpty();
  }

  /**
   * A Deployment as served, with a field this client's model does not know ({@code spec.future}).
   */
  private static final String DEPLOYMENT =
      """
      {"apiVersion": "apps/v1", "kind": "Deployment",
       "metadata": {"name": "demo-backend-mock", "namespace": "ns", "resourceVersion": "9",
         "ownerReferences": [{"apiVersion": "chatbot.dev/v1alpha1", "kind": "ChatbotDeployment",
           "name": "demo", "uid": "u1"}],
         "managedFields": [{"manager": "%s", "operation": "Apply", "apiVersion": "apps/v1",
           "fieldsType": "FieldsV1", "fieldsV1": {"f:spec": {"f:template": {}}}}]},
       "spec": {"future": {"x": 1}, "selector": {"matchLabels": {"app": "demo"}},
         "template": {"metadata": {"labels": {"app": "demo"}},
           "spec": {"containers": [{"name": "runtime", "image": "chatbot-runtime:0.1.0",
             "resources": {"limits": {"cpu": "100m", "memory": "128Mi"}},
             "readinessProbe": {"httpGet": {"path": "/readyz", "port": 8080}}}]}}},
       "status": {"replicas": 1, "readyReplicas": 1,
         "conditions": [{"type": "Available", "status": "True"}]}}
      """
          .formatted(Names.FIELD_MANAGER);

  @Test
  void emptyAdditionalPropertyMapsBecomeTheOneSharedEmptyMap() {
    Deployment d = InformerStores.child(JSON.unmarshal(DEPLOYMENT, Deployment.class));
    Container runtime = d.getSpec().getTemplate().getSpec().getContainers().get(0);

    Map<String, Object> empty = Collections.emptyMap();
    assertThat(d.getAdditionalProperties()).isSameAs(empty);
    assertThat(d.getMetadata().getAdditionalProperties()).isSameAs(empty);
    assertThat(d.getMetadata().getOwnerReferences().get(0).getAdditionalProperties())
        .isSameAs(empty);
    assertThat(d.getMetadata().getManagedFields().get(0).getAdditionalProperties()).isSameAs(empty);
    assertThat(d.getSpec().getTemplate().getMetadata().getAdditionalProperties()).isSameAs(empty);
    assertThat(runtime.getAdditionalProperties()).isSameAs(empty);
    // Quantities inside a map, a probe's action, and a list of conditions in the status.
    assertThat(runtime.getResources().getLimits().get("memory").getAdditionalProperties())
        .isSameAs(empty);
    assertThat(runtime.getReadinessProbe().getHttpGet().getAdditionalProperties()).isSameAs(empty);
    assertThat(d.getStatus().getConditions().get(0).getAdditionalProperties()).isSameAs(empty);
  }

  @Test
  void aCachedObjectStillReadsWritesAndCopiesAsServed() {
    Deployment served = JSON.unmarshal(DEPLOYMENT, Deployment.class);
    served
        .getMetadata()
        .setManagedFields(InformerStores.child(served).getMetadata().getManagedFields());
    Deployment cached = InformerStores.child(JSON.unmarshal(DEPLOYMENT, Deployment.class));

    // The field the model does not know is kept; nothing else changed.
    assertThat(cached.getSpec().getAdditionalProperties()).containsEntry("future", Map.of("x", 1));
    assertThat(cached).isEqualTo(served);
    assertThat(JSON.asJson(cached)).isEqualTo(JSON.asJson(served));
    // A builder's copy has maps of its own again, so it can take unknown fields.
    Deployment copy = new DeploymentBuilder(cached).build();
    copy.getSpec().getTemplate().getSpec().getContainers().get(0).setAdditionalProperty("x", 1);
    assertThat(
            copy.getSpec().getTemplate().getSpec().getContainers().get(0).getAdditionalProperties())
        .containsEntry("x", 1);
  }

  @Test
  void aPrimarysMetadataSharesTheEmptyMapToo() {
    ChatbotDeployment cbd =
        JSON.unmarshal(
            """
            {"apiVersion": "chatbot.dev/v1alpha1", "kind": "ChatbotDeployment",
             "metadata": {"name": "demo", "namespace": "ns", "ownerReferences": []},
             "spec": {"phase": "mock"}}
            """,
            ChatbotDeployment.class);

    assertThat(InformerStores.primary(cbd).getMetadata().getAdditionalProperties())
        .isSameAs(Collections.emptyMap());
    assertThat(cbd.getSpec().getPhase()).isNotNull();
  }
}
