package dev.chatbot.operator.metrics;

import dev.chatbot.api.v1alpha1.ChatbotDeploymentStatus;
import dev.chatbot.api.v1alpha1.MigrationStatus;
import dev.chatbot.api.v1alpha1.ModelStatus;
import dev.chatbot.operator.migration.Migrations;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.ToDoubleFunction;

/**
 * The operator's own metrics, read off the status a pass writes: phase changes by outcome, and the
 * download progress of each model of each chatbot. Labels name the chatbot as {@code
 * chatbot_namespace} and {@code chatbot}: a scrape's target labels already hold {@code namespace}
 * (the operator's), and Prometheus would rename a clashing one. Nothing per request.
 */
public final class StatusMetrics {

  /** A step of a phase change worth counting: it started, or it ended with an outcome. */
  public record MigrationStep(String from, String to, Optional<String> outcome) {}

  private record Progress(String name, ToDoubleFunction<ModelStatus> value) {}

  private static final List<Progress> PROGRESS =
      List.of(
          new Progress("chatbot_operator_model_download_percent", m -> orNaN(m.getPercent())),
          new Progress(
              "chatbot_operator_model_download_completed_bytes", m -> orNaN(m.getBytesCompleted())),
          new Progress(
              "chatbot_operator_model_download_total_bytes", m -> orNaN(m.getBytesTotal())),
          new Progress(
              "chatbot_operator_model_download_bytes_per_second",
              m -> orNaN(m.getBytesPerSecond())),
          new Progress(
              "chatbot_operator_model_download_eta_seconds", m -> orNaN(m.getEtaSeconds())),
          new Progress(
              "chatbot_operator_model_ready",
              m -> m.getState() == ModelStatus.State.Ready ? 1 : 0));

  /** A figure the status does not have yet reads as NaN: Prometheus shows no value. */
  private static double orNaN(Number n) {
    return n == null ? Double.NaN : n.doubleValue();
  }

  /** The gauges of one model: they read the last status seen. */
  private static final class ModelGauges {
    volatile ModelStatus status;
    final List<Meter> meters = new ArrayList<>();
  }

  private final MeterRegistry registry;
  private final Map<String, Map<String, ModelGauges>> models = new ConcurrentHashMap<>();

  public StatusMetrics(MeterRegistry registry) {
    this.registry = registry;
  }

  /** Records what changed between the status read and the status a pass writes. */
  public void record(
      String namespace, String name, ChatbotDeploymentStatus before, ChatbotDeploymentStatus next) {
    migrationStep(before.getMigration(), next.getMigration())
        .ifPresent(step -> count(namespace, name, step));
    models(namespace, name, next.getModels() == null ? List.of() : next.getModels());
  }

  /**
   * The step to count, if any: once when a change starts and once when it ends, since later passes
   * read the state written. A pass whose status write fails (a conflict) and runs again counts its
   * step a second time.
   */
  static Optional<MigrationStep> migrationStep(MigrationStatus was, MigrationStatus is) {
    if (is == null || is.getState() == null) {
      return Optional.empty();
    }
    boolean sameChange =
        was != null
            && was.getFromPhase() == is.getFromPhase()
            && was.getToPhase() == is.getToPhase();
    String from = String.valueOf(is.getFromPhase());
    String to = String.valueOf(is.getToPhase());
    if (Migrations.finished(is.getState())) {
      if (sameChange && was.getState() == is.getState()) {
        return Optional.empty();
      }
      return Optional.of(
          new MigrationStep(from, to, Optional.of(is.getState().name().toLowerCase(Locale.ROOT))));
    }
    if (sameChange && !Migrations.finished(was.getState())) {
      return Optional.empty();
    }
    return Optional.of(new MigrationStep(from, to, Optional.empty()));
  }

  private void count(String namespace, String name, MigrationStep step) {
    Tags tags =
        Tags.of(
            "chatbot_namespace", namespace, "chatbot", name, "from", step.from(), "to", step.to());
    if (step.outcome().isPresent()) {
      Counter.builder("chatbot_operator_migrations")
          .description("Phase changes ended, by outcome (completed, failed, aborted)")
          .tags(tags.and("outcome", step.outcome().get()))
          .register(registry)
          .increment();
    } else {
      Counter.builder("chatbot_operator_migrations_started")
          .description("Phase changes started")
          .tags(tags)
          .register(registry)
          .increment();
    }
  }

  private void models(String namespace, String name, List<ModelStatus> statuses) {
    String key = namespace + '/' + name;
    if (statuses.isEmpty()) {
      forget(namespace, name);
      return;
    }
    Map<String, ModelGauges> mine = models.computeIfAbsent(key, k -> new ConcurrentHashMap<>());
    List<String> seen = new ArrayList<>();
    for (ModelStatus m : statuses) {
      if (m.getName() == null) {
        continue;
      }
      seen.add(m.getName());
      ModelGauges gauges =
          mine.computeIfAbsent(m.getName(), model -> register(namespace, name, model));
      gauges.status = m;
    }
    mine.keySet().removeIf(model -> !seen.contains(model) && remove(mine.get(model)));
  }

  private ModelGauges register(String namespace, String name, String model) {
    ModelGauges gauges = new ModelGauges();
    Tags tags = Tags.of("chatbot_namespace", namespace, "chatbot", name, "model", model);
    for (Progress p : PROGRESS) {
      gauges.meters.add(
          Gauge.builder(
                  p.name(),
                  gauges,
                  g -> g.status == null ? Double.NaN : p.value().applyAsDouble(g.status))
              .tags(tags)
              .description("A model of a local chatbot, from status.models")
              .register(registry));
    }
    return gauges;
  }

  private boolean remove(ModelGauges gauges) {
    gauges.meters.forEach(registry::remove);
    return true;
  }

  /** Drops the gauges of a chatbot that is gone. */
  public void forget(String namespace, String name) {
    Map<String, ModelGauges> mine = models.remove(namespace + '/' + name);
    if (mine != null) {
      mine.values().forEach(this::remove);
    }
  }

  /** Models with gauges now (tests). */
  int modelsTracked() {
    return models.values().stream().mapToInt(Map::size).sum();
  }
}
