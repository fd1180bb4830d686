package dev.chatbot.operator.children;

import io.fabric8.kubernetes.api.model.HasMetadata;

/**
 * HorizontalPodAutoscalers, in the one API version the cluster serves (autoscaling/v2 or
 * autoscaling/v2beta2, discovered once at start).
 */
public class AutoscalerDependent<R extends HasMetadata> extends ChildDependent<R> {
  public AutoscalerDependent(Class<R> type) {
    super(type);
  }
}
