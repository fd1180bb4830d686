package dev.chatbot.operator.children;

import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;

/** HorizontalPodAutoscalers in autoscaling/v2 (Kubernetes 1.23 and later). */
public class AutoscalerV2Dependent extends ChildDependent<HorizontalPodAutoscaler> {
  public static final String NAME = "autoscalers-v2";

  public AutoscalerV2Dependent() {
    super(HorizontalPodAutoscaler.class);
  }
}
