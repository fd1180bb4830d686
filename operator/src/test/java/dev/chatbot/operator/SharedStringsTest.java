package dev.chatbot.operator;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import org.junit.jupiter.api.Test;

class SharedStringsTest {
  private static final KubernetesSerialization SHARED = SharedStrings.serialization();
  private static final KubernetesSerialization PLAIN = new KubernetesSerialization();

  private static String deployment(String name) {
    return """
        {"apiVersion":"apps/v1","kind":"Deployment",
         "metadata":{"name":"%s","namespace":"team-a","uid":"%s",
           "labels":{"app.kubernetes.io/managed-by":"chatbot-operator"},
           "annotations":{"note":"%s"}},
         "spec":{"replicas":2,"template":{"spec":{"containers":[{"name":"backend",
           "image":"ghcr.io/chatbot-operator/chatbot-runtime:0.1.0",
           "imagePullPolicy":"IfNotPresent",
           "resources":{"limits":{"memory":"128Mi"}},
           "ports":[{"containerPort":8080,"protocol":"TCP"}]}]}}}}
        """
        .formatted(name, name + "-uid", "x".repeat(SharedStrings.MAX_LENGTH + 1));
  }

  @Test
  void equalShortValuesOfTwoObjectsAreOneString() {
    Deployment a = SHARED.unmarshal(deployment("a"), Deployment.class);
    Deployment b = SHARED.unmarshal(deployment("b"), Deployment.class);
    var ca = a.getSpec().getTemplate().getSpec().getContainers().get(0);
    var cb = b.getSpec().getTemplate().getSpec().getContainers().get(0);
    assertThat(ca.getImagePullPolicy()).isSameAs(cb.getImagePullPolicy());
    assertThat(ca.getImage()).isSameAs(cb.getImage());
    assertThat(ca.getPorts().get(0).getProtocol()).isSameAs(cb.getPorts().get(0).getProtocol());
    assertThat(a.getMetadata().getLabels().get("app.kubernetes.io/managed-by"))
        .isSameAs(b.getMetadata().getLabels().get("app.kubernetes.io/managed-by"));
    assertThat(a.getMetadata().getNamespace()).isSameAs(b.getMetadata().getNamespace());
  }

  @Test
  void longValuesAreNotInterned() {
    Deployment a = SHARED.unmarshal(deployment("a"), Deployment.class);
    Deployment b = SHARED.unmarshal(deployment("b"), Deployment.class);
    String note = a.getMetadata().getAnnotations().get("note");
    assertThat(note).isEqualTo(b.getMetadata().getAnnotations().get("note"));
    assertThat(note).isNotSameAs(b.getMetadata().getAnnotations().get("note"));
  }

  @Test
  void readsWhatFabric8Reads() {
    String json = deployment("a");
    Deployment shared = SHARED.unmarshal(json, Deployment.class);
    assertThat(shared).isEqualTo(PLAIN.unmarshal(json, Deployment.class));
    assertThat(SHARED.asJson(shared)).isEqualTo(PLAIN.asJson(shared));
    // fabric8's registry of kinds still works: generic reading finds the typed class.
    assertThat((Object) SHARED.unmarshal(json)).isInstanceOf(Deployment.class);
  }
}
