package dev.chatbot.operator.model;

import dev.chatbot.api.v1alpha1.AutoscalingSpec;
import dev.chatbot.api.v1alpha1.ChatbotDeployment;
import dev.chatbot.api.v1alpha1.Phase;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscalerBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.Map;

/**
 * HorizontalPodAutoscalers on CPU, in autoscaling/v2 or, on older clusters, autoscaling/v2beta2
 * (the same fields under another version).
 */
public final class Autoscalers {
  private Autoscalers() {}

  /** The frontend's autoscaler, or null when it is off. */
  public static HasMetadata frontend(ChatbotDeployment cr, OperatorSettings settings) {
    AutoscalingSpec spec = Defaults.frontendAutoscaling(cr.getSpec());
    if (!Boolean.TRUE.equals(cr.getSpec().getFrontend().getEnabled())) {
      return null;
    }
    return build(
        settings,
        Meta.of(cr, Names.frontend(cr), Names.labels(cr, Names.COMPONENT_FRONTEND)),
        Names.frontend(cr),
        spec);
  }

  /** One phase's backend autoscaler, or null when it is off. */
  public static HasMetadata backend(ChatbotDeployment cr, Phase phase, OperatorSettings settings) {
    AutoscalingSpec spec = Defaults.backendAutoscaling(cr.getSpec());
    Map<String, String> labels = Names.backendLabels(cr, phase);
    return build(
        settings, Meta.of(cr, Names.backend(cr, phase), labels), Names.backend(cr, phase), spec);
  }

  private static HasMetadata build(
      OperatorSettings settings, ObjectMeta meta, String target, AutoscalingSpec spec) {
    if (!Boolean.TRUE.equals(spec.getEnabled())) {
      return null;
    }
    return switch (settings.autoscalingApi()) {
      case V2 -> v2(meta, target, spec);
      case V2BETA2 -> v2beta2(meta, target, spec);
      case NONE -> null;
    };
  }

  static io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler v2(
      ObjectMeta meta, String target, AutoscalingSpec spec) {
    return new HorizontalPodAutoscalerBuilder()
        .withMetadata(meta)
        .withNewSpec()
        .withNewScaleTargetRef()
        .withApiVersion("apps/v1")
        .withKind("Deployment")
        .withName(target)
        .endScaleTargetRef()
        .withMinReplicas(spec.getMinReplicas())
        .withMaxReplicas(spec.getMaxReplicas())
        .addNewMetric()
        .withType("Resource")
        .withNewResource()
        .withName("cpu")
        .withNewTarget()
        .withType("Utilization")
        .withAverageUtilization(spec.getTargetCPUUtilizationPercentage())
        .endTarget()
        .endResource()
        .endMetric()
        .endSpec()
        .build();
  }

  /** autoscaling/v2beta2 has the same fields under another version: the v2 object, relabelled. */
  static io.fabric8.kubernetes.api.model.autoscaling.v2beta2.HorizontalPodAutoscaler v2beta2(
      ObjectMeta meta, String target, AutoscalingSpec spec) {
    var v2 = v2(meta, target, spec);
    v2.setApiVersion("autoscaling/v2beta2");
    return Serialization.unmarshal(
        Serialization.asJson(v2),
        io.fabric8.kubernetes.api.model.autoscaling.v2beta2.HorizontalPodAutoscaler.class);
  }
}
