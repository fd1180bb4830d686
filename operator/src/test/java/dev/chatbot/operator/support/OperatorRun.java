package dev.chatbot.operator.support;

import dev.chatbot.operator.ChatbotOperator;
import dev.chatbot.operator.OperatorConfig;
import dev.chatbot.operator.migration.SmokeTester;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.Operator;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/** One operator instance for a test: its own client (writes counted) and metrics. */
public final class OperatorRun implements AutoCloseable {
  public final WriteCounter writes = new WriteCounter();
  public final MeterRegistry registry;
  public final KubernetesClient client;
  public final Operator operator;

  public OperatorRun(KubernetesClient base, OperatorConfig config, SmokeTester smokeTester) {
    this(base, config, smokeTester, new SimpleMeterRegistry());
  }

  public OperatorRun(
      KubernetesClient base,
      OperatorConfig config,
      SmokeTester smokeTester,
      MeterRegistry registry) {
    this.registry = registry;
    this.client = writes.wrap(base);
    this.operator = ChatbotOperator.create(client, config, smokeTester, registry);
    operator.start();
  }

  /** Finished reconciles so far, from JOSDK's own metrics. */
  public double reconciles() {
    return registry.getMeters().stream()
        .filter(m -> m.getId().getName().contains("reconciliations.success"))
        .filter(m -> m.getId().getType() == Meter.Type.COUNTER)
        .mapToDouble(m -> m.measure().iterator().next().getValue())
        .sum();
  }

  @Override
  public void close() {
    operator.stop();
    client.close();
  }
}
