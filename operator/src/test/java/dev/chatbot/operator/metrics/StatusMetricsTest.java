package dev.chatbot.operator.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chatbot.api.v1alpha1.ChatbotDeploymentStatus;
import dev.chatbot.api.v1alpha1.MigrationState;
import dev.chatbot.api.v1alpha1.MigrationStatus;
import dev.chatbot.api.v1alpha1.ModelStatus;
import dev.chatbot.api.v1alpha1.Phase;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class StatusMetricsTest {

  static MigrationStatus migration(Phase from, Phase to, MigrationState state) {
    MigrationStatus m = new MigrationStatus();
    m.setFromPhase(from);
    m.setToPhase(to);
    m.setState(state);
    return m;
  }

  static ChatbotDeploymentStatus status(MigrationStatus m, ModelStatus... models) {
    ChatbotDeploymentStatus s = new ChatbotDeploymentStatus();
    s.setMigration(m);
    s.setModels(models.length == 0 ? null : List.of(models));
    return s;
  }

  static ModelStatus model(String name, ModelStatus.State state, long done, long total) {
    ModelStatus m = new ModelStatus();
    m.setName(name);
    m.setState(state);
    m.setBytesCompleted(done);
    m.setBytesTotal(total);
    m.setPercent(Math.round(1000.0 * done / total) / 10.0);
    m.setBytesPerSecond(1000L);
    m.setEtaSeconds((total - done) / 1000);
    return m;
  }

  @Test
  void aChangeCountsOnceWhenItStartsAndOnceWhenItEnds() {
    MigrationStatus preparing = migration(Phase.MOCK, Phase.LOCAL, MigrationState.Preparing);
    MigrationStatus downloading = migration(Phase.MOCK, Phase.LOCAL, MigrationState.Downloading);
    MigrationStatus completed = migration(Phase.MOCK, Phase.LOCAL, MigrationState.Completed);
    assertThat(StatusMetrics.migrationStep(null, null)).isEmpty();
    assertThat(StatusMetrics.migrationStep(null, preparing))
        .contains(new StatusMetrics.MigrationStep("mock", "local", Optional.empty()));
    assertThat(StatusMetrics.migrationStep(preparing, downloading)).isEmpty();
    assertThat(StatusMetrics.migrationStep(downloading, completed))
        .contains(new StatusMetrics.MigrationStep("mock", "local", Optional.of("completed")));
    assertThat(StatusMetrics.migrationStep(completed, completed)).isEmpty();
    // A new change after a finished one, and a change of target while one runs, start again.
    MigrationStatus back = migration(Phase.LOCAL, Phase.MOCK, MigrationState.Preparing);
    assertThat(StatusMetrics.migrationStep(completed, back))
        .contains(new StatusMetrics.MigrationStep("local", "mock", Optional.empty()));
    MigrationStatus again = migration(Phase.MOCK, Phase.LOCAL, MigrationState.Preparing);
    assertThat(StatusMetrics.migrationStep(completed, again)).isPresent();
    MigrationStatus retarget = migration(Phase.MOCK, Phase.HUGGINGFACE, MigrationState.Preparing);
    assertThat(StatusMetrics.migrationStep(downloading, retarget)).isPresent();
    // A failure straight from the first step (e.g. a smoke test in one pass) counts its outcome.
    assertThat(
            StatusMetrics.migrationStep(
                null, migration(Phase.MOCK, Phase.HUGGINGFACE, MigrationState.Failed)))
        .contains(new StatusMetrics.MigrationStep("mock", "huggingface", Optional.of("failed")));
  }

  @Test
  void migrationCountersByOutcome() {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    StatusMetrics metrics = new StatusMetrics(registry);
    MigrationStatus starting = migration(Phase.MOCK, Phase.HUGGINGFACE, MigrationState.Preparing);
    MigrationStatus failed = migration(Phase.MOCK, Phase.HUGGINGFACE, MigrationState.Failed);
    metrics.record("ns", "bot", status(null), status(starting));
    metrics.record("ns", "bot", status(starting), status(starting));
    metrics.record("ns", "bot", status(starting), status(failed));
    metrics.record("ns", "bot", status(failed), status(failed));
    assertThat(registry.scrape())
        .contains(
            "chatbot_operator_migrations_started_total{chatbot=\"bot\",chatbot_namespace=\"ns\","
                + "from=\"mock\",to=\"huggingface\"} 1.0",
            "chatbot_operator_migrations_total{chatbot=\"bot\",chatbot_namespace=\"ns\","
                + "from=\"mock\",outcome=\"failed\",to=\"huggingface\"} 1.0");
  }

  @Test
  void downloadGaugesFollowStatusModelsAndGoWithTheChatbot() {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    StatusMetrics metrics = new StatusMetrics(registry);
    ChatbotDeploymentStatus empty = status(null);
    metrics.record(
        "ns",
        "bot",
        empty,
        status(
            null,
            model("llama3.2", ModelStatus.State.Downloading, 250, 1000),
            model("qwen2", ModelStatus.State.Pending, 0, 1000)));
    String tags = "{chatbot=\"bot\",chatbot_namespace=\"ns\",model=\"llama3.2\"}";
    assertThat(registry.scrape())
        .contains(
            "chatbot_operator_model_download_percent" + tags + " 25.0",
            "chatbot_operator_model_download_completed_bytes" + tags + " 250.0",
            "chatbot_operator_model_download_total_bytes" + tags + " 1000.0",
            "chatbot_operator_model_download_bytes_per_second" + tags + " 1000.0",
            "chatbot_operator_model_download_eta_seconds" + tags + " 0.0",
            "chatbot_operator_model_ready" + tags + " 0.0");
    // The next pass: the first model ready, the second dropped from the list.
    metrics.record(
        "ns", "bot", empty, status(null, model("llama3.2", ModelStatus.State.Ready, 1000, 1000)));
    String scrape = registry.scrape();
    assertThat(scrape)
        .contains(
            "chatbot_operator_model_download_percent" + tags + " 100.0",
            "chatbot_operator_model_ready" + tags + " 1.0")
        .doesNotContain("qwen2");
    assertThat(metrics.modelsTracked()).isEqualTo(1);
    // The chatbot is deleted (or leaves local): its gauges go.
    metrics.forget("ns", "bot");
    assertThat(registry.scrape()).doesNotContain("chatbot_operator_model_");
    assertThat(metrics.modelsTracked()).isZero();
    metrics.record("ns", "other", empty, status(null, model("m", ModelStatus.State.Ready, 1, 1)));
    metrics.record("ns", "other", empty, status(null));
    assertThat(registry.scrape()).doesNotContain("chatbot_operator_model_");
  }
}
