package dev.chatbot.operator.children;

import io.fabric8.kubernetes.api.model.autoscaling.v2beta2.HorizontalPodAutoscaler;

/** HorizontalPodAutoscalers in autoscaling/v2beta2, for clusters older than 1.23. */
public class AutoscalerV2beta2Dependent extends ChildDependent<HorizontalPodAutoscaler> {
  public static final String NAME = "autoscalers-v2beta2";

  public AutoscalerV2beta2Dependent() {
    super(HorizontalPodAutoscaler.class);
  }
}
