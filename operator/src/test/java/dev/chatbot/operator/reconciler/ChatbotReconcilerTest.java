package dev.chatbot.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.AggregatedOperatorException;
import io.javaoperatorsdk.operator.OperatorException;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** How a failed pass is described: the API's answer, found inside the workflow's aggregate. */
class ChatbotReconcilerTest {
  static KubernetesClientException api(int code, String message) {
    return new KubernetesClientException(
        new StatusBuilder().withCode(code).withMessage(message).build());
  }

  static Exception failedDependent(Exception cause) {
    // As JOSDK reports a workflow whose dependent failed.
    return new OperatorException(
        new AggregatedOperatorException(
            "Exception(s) during workflow execution.", Map.of("deployments", cause)));
  }

  @Test
  void anApiErrorIsNamedWhereverItIs() {
    String forbidden = "deployments.apps is forbidden: User \"op\" cannot patch resource";
    assertThat(ChatbotReconciler.errorMessage(api(403, forbidden)))
        .isEqualTo("API request failed (403): " + forbidden);
    assertThat(
            ChatbotReconciler.errorMessage(
                failedDependent(new OperatorException("apply failed", api(403, forbidden)))))
        .isEqualTo("API request failed (403): " + forbidden);
  }

  @Test
  void otherwiseTheRootCausesKindOnlyNeverItsMessage() {
    assertThat(
            ChatbotReconciler.errorMessage(
                failedDependent(new IllegalStateException("token hf_secret in a message"))))
        .isEqualTo("reconcile failed: IllegalStateException");
  }

  @Test
  void aConflictAnywhereIsRetriedQuietly() {
    assertThat(ChatbotReconciler.conflict(failedDependent(api(409, "the object was modified"))))
        .isTrue();
    assertThat(ChatbotReconciler.conflict(api(409, "conflict"))).isTrue();
    assertThat(ChatbotReconciler.conflict(failedDependent(api(403, "forbidden")))).isFalse();
  }
}
