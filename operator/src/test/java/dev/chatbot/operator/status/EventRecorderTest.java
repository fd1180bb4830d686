package dev.chatbot.operator.status;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chatbot.api.v1alpha1.ChatbotDeployment;
import dev.chatbot.operator.support.Fixtures;
import org.junit.jupiter.api.Test;

/** Event names follow from what the Event says. */
class EventRecorderTest {
  static ChatbotDeployment cr(String uid) {
    ChatbotDeployment cr = Fixtures.example("mock.yaml", "ns");
    cr.getMetadata().setName("a-chatbot-name-of-forty-characters-exact");
    cr.getMetadata().setUid(uid);
    return cr;
  }

  @Test
  void theSameEventHasTheSameNameAndAnyDifferenceANewOne() {
    ChatbotDeployment cr = cr("0b6e2c43-9a3f-4c5e-8d2a-3f1c9e7a5b10");
    String name = EventRecorder.name(cr, Reason.Available, "mock backend available");
    assertThat(EventRecorder.name(cr, Reason.Available, "mock backend available")).isEqualTo(name);
    assertThat(EventRecorder.name(cr, Reason.Available, "local backend available"))
        .isNotEqualTo(name);
    assertThat(EventRecorder.name(cr, Reason.PhaseActive, "mock backend available"))
        .isNotEqualTo(name);
    assertThat(
            EventRecorder.name(
                cr("6f7e1d2c-0000-4000-8000-000000000000"),
                Reason.Available,
                "mock backend available"))
        .as("a new chatbot of the same name")
        .isNotEqualTo(name);
  }

  @Test
  void namesAreValidObjectNames() {
    String name = EventRecorder.name(cr("u"), Reason.InvalidSpec, "spec.phase: is required");
    assertThat(name)
        .matches("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")
        .startsWith("a-chatbot-name-of-forty-characters-exact.")
        .hasSizeLessThanOrEqualTo(63);
  }
}
