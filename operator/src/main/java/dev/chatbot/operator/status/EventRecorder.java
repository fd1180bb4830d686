package dev.chatbot.operator.status;

import dev.chatbot.api.v1alpha1.ChatbotDeployment;
import dev.chatbot.operator.model.Hashes;
import dev.chatbot.operator.model.Names;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Clock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kubernetes Events on the ChatbotDeployment, for {@code kubectl describe}. An Event's name follows
 * from what it says (the chatbot, reason and message), so saying the same again counts it on the
 * existing Event (count and lastTimestamp) instead of adding one, as kubectl shows "x3". Messages
 * never carry secrets.
 */
public class EventRecorder {
  private static final Logger LOG = LoggerFactory.getLogger(EventRecorder.class);
  private static final int CONFLICT = 409;

  private final KubernetesClient client;
  private final Clock clock;

  public EventRecorder(KubernetesClient client, Clock clock) {
    this.client = client;
    this.clock = clock;
  }

  /** The Event's name: the chatbot's name and a hash of what the Event says about it. */
  public static String name(ChatbotDeployment cr, Reason reason, String message) {
    return cr.getMetadata().getName()
        + "."
        + Hashes.of(cr.getMetadata().getUid(), reason.eventType().name(), reason.name(), message);
  }

  /** Records an Event of the reason's type; a failure to write one never fails the pass. */
  public void record(ChatbotDeployment cr, Reason reason, String message) {
    if (reason.eventType() == Reason.EventType.None) {
      throw new IllegalArgumentException(reason + " raises no Event");
    }
    String namespace = cr.getMetadata().getNamespace();
    String name = name(cr, reason, message);
    String now = clock.instant().toString();
    var events = client.v1().events().inNamespace(namespace);
    try {
      try {
        events.resource(event(cr, name, reason, message, now)).create();
      } catch (KubernetesClientException e) {
        if (e.getCode() != CONFLICT) {
          throw e;
        }
        events
            .withName(name)
            .edit(
                existing -> {
                  Integer count = existing.getCount();
                  existing.setCount(count == null ? 2 : count + 1);
                  existing.setLastTimestamp(now);
                  return existing;
                });
      }
    } catch (KubernetesClientException e) {
      // An event is a courtesy; failing to write one must not fail the reconcile.
      LOG.warn("could not record event {}: {}", reason, e.getCode());
    }
  }

  private static Event event(
      ChatbotDeployment cr, String name, Reason reason, String message, String now) {
    return new EventBuilder()
        .withNewMetadata()
        .withName(name)
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
        .withType(reason.eventType().name())
        .withReason(reason.name())
        .withMessage(message)
        .withFirstTimestamp(now)
        .withLastTimestamp(now)
        .withCount(1)
        .withNewSource()
        .withComponent(Names.MANAGER)
        .endSource()
        .withReportingComponent(Names.MANAGER)
        .build();
  }
}
