package dev.chatbot.operator.model;

import dev.chatbot.api.v1alpha1.ChatbotDeployment;
import dev.chatbot.api.v1alpha1.Phase;
import java.util.Map;
import java.util.Set;

/**
 * The reconciler's decision for one pass, the input of {@link DesiredState}: which phases have a
 * backend, which one the backend Service selects, and what else must exist.
 *
 * @param backends phases whose backend runs (the serving one, plus the target while migrating)
 * @param serving the phase the backend Service selects
 * @param rollHashes per phase, extra input of the pod template's config hash (for example the token
 *     Secret's resourceVersion), so its change rolls the pods
 * @param modelStorage whether the model volume of the local phase exists
 * @param downloadJob whether the model-downloader Job runs (or stays, once finished)
 */
public record Plan(
    ChatbotDeployment cr,
    OperatorSettings settings,
    Set<Phase> backends,
    Phase serving,
    Map<Phase, String> rollHashes,
    boolean modelStorage,
    boolean downloadJob) {}
