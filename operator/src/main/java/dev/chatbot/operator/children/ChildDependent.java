package dev.chatbot.operator.children;

import dev.chatbot.api.v1alpha1.ChatbotDeployment;
import dev.chatbot.operator.model.DesiredState;
import dev.chatbot.operator.model.Names;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.javaoperatorsdk.operator.api.config.informer.InformerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.dependent.GarbageCollected;
import io.javaoperatorsdk.operator.processing.dependent.CRUDKubernetesBulkDependentResource;
import io.javaoperatorsdk.operator.processing.dependent.KubernetesBulkDependentResource;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependentResource;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependentResourceConfig;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.SecondaryToPrimaryMapper;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;

/**
 * All children of one kind of one ChatbotDeployment, a node of the reconciler's managed workflow.
 * The desired children come from the pass's {@link DesiredState} (computed once, see {@link #use});
 * children of this chatbot that it no longer names are deleted. Children are found by their
 * instance label (not owner references), so a claim kept after deletion is still recognised.
 *
 * <p>{@link GarbageCollected}: owner references (and Kubernetes' garbage collector) remove the
 * children with their chatbot, so JOSDK puts no finalizer on it.
 */
public abstract class ChildDependent<R extends HasMetadata>
    extends KubernetesDependentResource<R, ChatbotDeployment>
    implements CRUDKubernetesBulkDependentResource<R, ChatbotDeployment>,
        KubernetesBulkDependentResource<R, ChatbotDeployment>,
        GarbageCollected<ChatbotDeployment> {

  private static final String DESIRED_STATE = DesiredState.class.getName();
  static final String SELECTOR = Names.LABEL_MANAGED_BY + "=" + Names.MANAGER;

  protected ChildDependent(Class<R> type) {
    super(type);
  }

  /** Hands the pass's desired state to the workflow's dependents. */
  public static void use(Context<ChatbotDeployment> context, DesiredState desired) {
    context.managedWorkflowAndDependentResourceContext().put(DESIRED_STATE, desired);
  }

  static DesiredState desired(Context<ChatbotDeployment> context) {
    return context
        .managedWorkflowAndDependentResourceContext()
        .getMandatory(DESIRED_STATE, DesiredState.class);
  }

  /**
   * The configuration JOSDK resolved for this dependent, with the settings every child kind shares.
   * A create through apply carries no resourceVersion: older API servers (1.20) refuse one on a
   * Service they create, and the informer cache already tells whether a child exists. The informer
   * watches only what this operator made, lists it in pages and caches it lean ({@link
   * InformerStores}).
   */
  @Override
  public void configureWith(KubernetesDependentResourceConfig<R> config) {
    InformerConfiguration<R> informer =
        InformerConfiguration.builder(config.informerConfig())
            .withLabelSelector(SELECTOR)
            .withItemStore(InformerStores.children())
            .withInformerListLimit(InformerStores.LIST_PAGE)
            .build();
    super.configureWith(
        new KubernetesDependentResourceConfig<>(
            config.useSSA(), false, informer, config.matcher()));
  }

  @Override
  public Map<ResourceID, R> desiredResources(
      ChatbotDeployment primary, Context<ChatbotDeployment> context) {
    Map<ResourceID, R> desired = new LinkedHashMap<>();
    for (R child : desired(context).ofType(resourceType())) {
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
