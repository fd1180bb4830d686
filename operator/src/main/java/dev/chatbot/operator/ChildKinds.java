package dev.chatbot.operator;

import dev.chatbot.operator.reconciler.ChatbotReconciler;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.javaoperatorsdk.operator.api.reconciler.Workflow;
import io.javaoperatorsdk.operator.api.reconciler.dependent.Dependent;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependentResource;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The kinds the operator applies and watches, read from the reconciler's {@link Workflow}: for the
 * manifests' order ({@code render}) and the permissions checked at start.
 */
public final class ChildKinds {
  private ChildKinds() {}

  /** The resource classes in an order the workflow can apply them: each after its dependencies. */
  public static List<Class<? extends HasMetadata>> inApplyOrder() {
    Dependent[] dependents = ChatbotReconciler.class.getAnnotation(Workflow.class).dependents();
    Map<String, Dependent> byName = new LinkedHashMap<>();
    for (Dependent d : dependents) {
      byName.put(d.name(), d);
    }
    List<Class<? extends HasMetadata>> order = new ArrayList<>();
    Set<String> done = new HashSet<>();
    while (done.size() < byName.size()) {
      Dependent next =
          byName.values().stream()
              .filter(d -> !done.contains(d.name()))
              .filter(d -> done.containsAll(Arrays.asList(d.dependsOn())))
              .findFirst()
              .orElseThrow(() -> new IllegalStateException("the workflow has a cycle"));
      done.add(next.name());
      Class<? extends HasMetadata> type = resourceType(next);
      if (!order.contains(type)) {
        order.add(type);
      }
    }
    return order;
  }

  @SuppressWarnings("unchecked")
  private static Class<? extends HasMetadata> resourceType(Dependent d) {
    try {
      return (Class<? extends HasMetadata>)
          ((KubernetesDependentResource<?, ?>) d.type().getDeclaredConstructor().newInstance())
              .resourceType();
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("cannot instantiate " + d.type(), e);
    }
  }
}
