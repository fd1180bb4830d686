package dev.chatbot.operator.status;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.chatbot.api.v1alpha1.ChatbotDeployment;
import dev.chatbot.operator.support.Fixtures;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Events against the fabric8 mock server: a repeat counts on the Event it repeats. */
@EnableKubernetesMockClient(crud = true)
class EventRecorderIT {
  static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  static final Instant T1 = Instant.parse("2026-01-01T00:03:00Z");
  KubernetesClient client;

  static EventRecorder at(KubernetesClient client, Instant t) {
    return new EventRecorder(client, Clock.fixed(t, ZoneOffset.UTC));
  }

  List<Event> events() {
    return client.v1().events().inNamespace("ns").list().getItems();
  }

  @Test
  void aRepeatBumpsTheCountAndAnythingNewIsANewEvent() {
    ChatbotDeployment cr = Fixtures.example("mock.yaml", "ns");
    cr.getMetadata().setUid("2c9d8e7f-1111-4222-8333-444455556666");
    at(client, T0).record(cr, Reason.InvalidSpec, "spec.phase: is required");
    at(client, T1).record(cr, Reason.InvalidSpec, "spec.phase: is required");

    assertThat(events()).singleElement();
    Event event = events().get(0);
    assertThat(event.getMetadata().getName())
        .isEqualTo(EventRecorder.name(cr, Reason.InvalidSpec, "spec.phase: is required"));
    assertThat(event.getCount()).isEqualTo(2);
    assertThat(event.getType()).isEqualTo("Warning");
    assertThat(event.getReason()).isEqualTo("InvalidSpec");
    assertThat(event.getFirstTimestamp()).isEqualTo(T0.toString());
    assertThat(event.getLastTimestamp()).isEqualTo(T1.toString());
    assertThat(event.getInvolvedObject().getUid()).isEqualTo(cr.getMetadata().getUid());

    at(client, T1).record(cr, Reason.InvalidSpec, "spec.local.models: is required");
    at(client, T1).record(cr, Reason.PhaseActive, "mock serves traffic");
    assertThat(events()).hasSize(3);
    assertThat(events())
        .filteredOn(e -> e.getReason().equals("PhaseActive"))
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.getType()).isEqualTo("Normal");
              assertThat(e.getCount()).isEqualTo(1);
            });
  }

  @Test
  void aPassingReasonIsNoEvent() {
    ChatbotDeployment cr = Fixtures.example("mock.yaml", "ns");
    assertThatThrownBy(() -> at(client, T0).record(cr, Reason.Migrating, "moving"))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
