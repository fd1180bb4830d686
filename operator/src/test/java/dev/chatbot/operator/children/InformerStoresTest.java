package dev.chatbot.operator.children;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.chatbot.operator.model.Names;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ManagedFieldsEntry;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
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
}
