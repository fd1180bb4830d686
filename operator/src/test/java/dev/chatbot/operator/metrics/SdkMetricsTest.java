package dev.chatbot.operator.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chatbot.api.v1alpha1.ChatbotDeploymentStatus;
import dev.chatbot.api.v1alpha1.ModelStatus;
import io.javaoperatorsdk.operator.api.monitoring.Metrics;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SdkMetricsTest {

  @Test
  void aDeletedChatbotsGaugesGoWithIt() {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    StatusMetrics status = new StatusMetrics(registry);
    ModelStatus model = StatusMetricsTest.model("m", ModelStatus.State.Downloading, 1, 2);
    status.record(
        "ns", "bot", new ChatbotDeploymentStatus(), StatusMetricsTest.status(null, model));
    status.record(
        "ns", "kept", new ChatbotDeploymentStatus(), StatusMetricsTest.status(null, model));
    Metrics sdk = new SdkMetrics(Metrics.NOOP, status);

    sdk.cleanupDoneFor(new ResourceID("bot", "ns"), Map.of());

    assertThat(registry.scrape())
        .doesNotContain("chatbot=\"bot\"")
        .contains("chatbot_operator_model_download_percent{chatbot=\"kept\"");
  }
}
