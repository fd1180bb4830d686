package dev.chatbot.operator.children;

import dev.chatbot.api.v1alpha1.ChatbotDeployment;
import dev.chatbot.operator.model.DesiredState;
import dev.chatbot.operator.model.Names;
import dev.chatbot.operator.model.Plan;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.processing.dependent.CRUDKubernetesBulkDependentResource;
import io.javaoperatorsdk.operator.processing.dependent.KubernetesBulkDependentResource;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependentResource;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependentResourceConfigBuilder;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.SecondaryToPrimaryMapper;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;

/**
 * All children of one kind of one ChatbotDeployment. Desired state comes from {@link DesiredState}
 * for the pass's {@link Plan}; children of this chatbot that the plan no longer names are deleted.
 * Children are found by their instance label (not owner references), so a claim kept after deletion
 * is still recognised.
 */
public abstract class ChildDependent<R extends HasMetadata>
    extends KubernetesDependentResource<R, ChatbotDeployment>
    implements CRUDKubernetesBulkDependentResource<R, ChatbotDeployment>,
        KubernetesBulkDependentResource<R, ChatbotDeployment> {

  public static final String PLAN_KEY = "plan";
  static final String SELECTOR = Names.LABEL_MANAGED_BY + "=" + Names.MANAGER;

  protected ChildDependent(Class<R> type) {
    super(type);
    // A create through apply then carries no resourceVersion: older API servers (1.20) refuse
    // one on a Service they create. The informer cache already tells whether a child exists.
    configureWith(
        new KubernetesDependentResourceConfigBuilder<R>()
            .withCreateResourceOnlyIfNotExistingWithSSA(false)
            .build());
  }

  static Plan plan(Context<ChatbotDeployment> context) {
    return context.managedWorkflowAndDependentResourceContext().getMandatory(PLAN_KEY, Plan.class);
  }

  @Override
  public Map<ResourceID, R> desiredResources(
      ChatbotDeployment primary, Context<ChatbotDeployment> context) {
    Map<ResourceID, R> desired = new LinkedHashMap<>();
    for (R child : DesiredState.ofType(plan(context), resourceType())) {
      desired.put(ResourceID.fromResource(child), child);
    }
    return desired;
  }

  @Override
  public Predicate<R> secondaryResourceFilter(
      ChatbotDeployment primary, Context<ChatbotDeployment> context) {
    return child -> ownedBy(child, primary);
  }

  static boolean ownedBy(HasMetadata child, ChatbotDeployment primary) {
    Map<String, String> labels = child.getMetadata().getLabels();
    return labels != null
        && primary.getMetadata().getName().equals(labels.get(Names.LABEL_INSTANCE))
        && Names.MANAGER.equals(labels.get(Names.LABEL_MANAGED_BY))
        && primary.getMetadata().getNamespace().equals(child.getMetadata().getNamespace());
  }

  /** Children go with their ChatbotDeployment (Kubernetes garbage collection). */
  @Override
  protected boolean addOwnerReference() {
    return true;
  }

  @Override
  protected InformerEventSourceConfiguration.Builder<R> informerConfigurationBuilder(
      EventSourceContext<ChatbotDeployment> context) {
    // Watch only what this operator made.
    return super.informerConfigurationBuilder(context).withLabelSelector(SELECTOR);
  }

  /** Children map back to their chatbot by label, which also holds for a retained claim. */
  @Override
  protected Optional<SecondaryToPrimaryMapper<R>> getSecondaryToPrimaryMapper(
      EventSourceContext<ChatbotDeployment> context) {
    return Optional.of(
        child -> {
          Map<String, String> labels = child.getMetadata().getLabels();
          String instance = labels == null ? null : labels.get(Names.LABEL_INSTANCE);
          return instance == null
              ? Set.of()
              : Set.of(new ResourceID(instance, child.getMetadata().getNamespace()));
        });
  }
}
