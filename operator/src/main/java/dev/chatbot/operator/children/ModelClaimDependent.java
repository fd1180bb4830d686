package dev.chatbot.operator.children;

import dev.chatbot.api.v1alpha1.ChatbotDeployment;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;

/**
 * The model volume. With {@code retainOnDelete} it carries no owner reference, so deleting the
 * ChatbotDeployment keeps it and the models in it.
 */
public class ModelClaimDependent extends ChildDependent<PersistentVolumeClaim> {
  public static final String NAME = "model-claim";

  public ModelClaimDependent() {
    super(PersistentVolumeClaim.class);
  }

  @Override
  protected void addReferenceHandlingMetadata(
      PersistentVolumeClaim desired, ChatbotDeployment primary) {
    var storage =
        primary.getSpec().getLocal() == null ? null : primary.getSpec().getLocal().getStorage();
    if (storage == null || !Boolean.TRUE.equals(storage.getRetainOnDelete())) {
      super.addReferenceHandlingMetadata(desired, primary);
    }
  }
}
