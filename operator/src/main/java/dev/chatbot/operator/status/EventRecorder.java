package dev.chatbot.operator.status;

import dev.chatbot.api.v1alpha1.ChatbotDeployment;
import dev.chatbot.operator.model.Names;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Instant;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kubernetes Events on the ChatbotDeployment, for {@code kubectl describe}. Only transitions are
 * recorded, so a steady chatbot adds none. Messages never carry secrets.
 */
public class EventRecorder {
  private static final Logger LOG = LoggerFactory.getLogger(EventRecorder.class);
  private final KubernetesClient client;

  public EventRecorder(KubernetesClient client) {
    this.client = client;
  }

  public void normal(ChatbotDeployment cr, String reason, String message) {
    record(cr, "Normal", reason, message);
  }

  public void warning(ChatbotDeployment cr, String reason, String message) {
    record(cr, "Warning", reason, message);
  }

  private void record(ChatbotDeployment cr, String type, String reason, String message) {
    String now = Instant.now().toString();
    var event =
        new EventBuilder()
            .withNewMetadata()
            .withName(
                cr.getMetadata().getName() + "." + UUID.randomUUID().toString().substring(0, 8))
            .withNamespace(cr.getMetadata().getNamespace())
            .endMetadata()
            .withInvolvedObject(
                new ObjectReferenceBuilder()
                    .withApiVersion(cr.getApiVersion())
                    .withKind(cr.getKind())
                    .withName(cr.getMetadata().getName())
                    .withNamespace(cr.getMetadata().getNamespace())
                    .withUid(cr.getMetadata().getUid())
                    .withResourceVersion(cr.getMetadata().getResourceVersion())
                    .build())
            .withType(type)
            .withReason(reason)
            .withMessage(message)
            .withFirstTimestamp(now)
            .withLastTimestamp(now)
            .withCount(1)
            .withNewSource()
            .withComponent(Names.MANAGER)
            .endSource()
            .withReportingComponent(Names.MANAGER)
            .build();
    try {
      client.v1().events().inNamespace(cr.getMetadata().getNamespace()).resource(event).create();
    } catch (KubernetesClientException e) {
      // An event is a courtesy; failing to write one must not fail the reconcile.
      LOG.warn(
          "could not record event {} on {}: {}", reason, cr.getMetadata().getName(), e.getCode());
    }
  }
}
