package dev.chatbot.operator.model;

import dev.chatbot.api.v1alpha1.AutoscalingSpec;
import dev.chatbot.api.v1alpha1.BackendSpec;
import dev.chatbot.api.v1alpha1.ChatbotDeploymentSpec;
import dev.chatbot.api.v1alpha1.ComputeResources;
import dev.chatbot.api.v1alpha1.FrontendSpec;
import dev.chatbot.api.v1alpha1.LocalSpec;
import dev.chatbot.api.v1alpha1.ModelSource;
import dev.chatbot.api.v1alpha1.Phase;
import dev.chatbot.api.v1alpha1.RateLimitSpec;
import dev.chatbot.api.v1alpha1.ResourceAmounts;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Defaults the schema cannot express (they depend on the phase or the role) and the fill-in of
 * fields a cluster without schema defaulting leaves empty.
 */
public final class Defaults {
  public static final ComputeResources FRONTEND_RESOURCES =
      resources("100m", "128Mi", "500m", "256Mi");

  private Defaults() {}

  /** Requests and limits of the runtime container of a phase's backend (seed's table). */
  public static ComputeResources backendResources(Phase phase) {
    return switch (phase) {
      case MOCK -> resources("100m", "128Mi", "500m", "256Mi");
      case HUGGINGFACE -> resources("200m", "256Mi", "1", "512Mi");
      // The runtime only relays to the sidecar; the sidecar gets the seed's 1500m/4Gi.
      case LOCAL -> resources("200m", "256Mi", "1", "512Mi");
    };
  }

  /** The Ollama sidecar's default: the seed's local phase row. */
  public static final ComputeResources OLLAMA_RESOURCES = resources("1500m", "4Gi", "4", "8Gi");

  /** The model downloader: Ollama's CLI and server pulling layers, no model loaded. */
  public static final ComputeResources DOWNLOADER_RESOURCES =
      resources("250m", "512Mi", "2", "2Gi");

  /** The downloader Job's pull command: a small JVM (the image caps its heap at 32 MiB). */
  public static final ComputeResources PULL_RESOURCES = resources("50m", "96Mi", "500m", "192Mi");

  public static ComputeResources resources(
      String cpuRequest, String memoryRequest, String cpuLimit, String memoryLimit) {
    return new ComputeResources(
        new ResourceAmounts(cpuRequest, memoryRequest), new ResourceAmounts(cpuLimit, memoryLimit));
  }

  /** The user's resources over the defaults, field by field. */
  public static ResourceRequirements requirements(
      ComputeResources user, ComputeResources fallback) {
    Map<String, Quantity> requests = new LinkedHashMap<>();
    Map<String, Quantity> limits = new LinkedHashMap<>();
    put(requests, "cpu", amount(user, true, true), amount(fallback, true, true));
    put(requests, "memory", amount(user, true, false), amount(fallback, true, false));
    put(limits, "cpu", amount(user, false, true), amount(fallback, false, true));
    put(limits, "memory", amount(user, false, false), amount(fallback, false, false));
    return new ResourceRequirementsBuilder().withRequests(requests).withLimits(limits).build();
  }

  private static void put(Map<String, Quantity> into, String key, String value, String fallback) {
    String chosen = value != null ? value : fallback;
    if (chosen != null) {
      into.put(key, new Quantity(chosen));
    }
  }

  private static String amount(ComputeResources r, boolean request, boolean cpu) {
    return Optional.ofNullable(r)
        .map(c -> request ? c.getRequests() : c.getLimits())
        .map(a -> cpu ? a.getCpu() : a.getMemory())
        .orElse(null);
  }

  /** The user's autoscaling settings with missing fields taken from the role's defaults. */
  public static AutoscalingSpec autoscaling(AutoscalingSpec user, AutoscalingSpec fallback) {
    if (user == null) {
      return fallback;
    }
    return new AutoscalingSpec(
        or(user.getEnabled(), fallback.getEnabled()),
        or(user.getMinReplicas(), fallback.getMinReplicas()),
        or(user.getMaxReplicas(), fallback.getMaxReplicas()),
        or(user.getTargetCPUUtilizationPercentage(), fallback.getTargetCPUUtilizationPercentage()));
  }

  /** The frontend's per-client limit, an empty one (all defaults) when the spec has none. */
  public static RateLimitSpec rateLimit(FrontendSpec frontend) {
    return frontend.getRateLimit() == null ? new RateLimitSpec() : frontend.getRateLimit();
  }

  public static int requestsPerMinute(RateLimitSpec limit) {
    return or(limit.getRequestsPerMinute(), RateLimitSpec.DEFAULT_REQUESTS_PER_MINUTE);
  }

  /** The burst: as given, else 10 but at most the per-minute budget (and at least 1). */
  public static int burst(RateLimitSpec limit) {
    if (limit.getBurst() != null) {
      return limit.getBurst();
    }
    return Math.max(1, Math.min(RateLimitSpec.DEFAULT_BURST, requestsPerMinute(limit)));
  }

  /** The phase serving as a bridge while a local chatbot has no model ready, null for none. */
  public static Phase bridge(ChatbotDeploymentSpec spec) {
    LocalSpec local = spec.getLocal();
    return local == null ? null : or(local.getBridge(), LocalSpec.DEFAULT_BRIDGE).phase();
  }

  /** Where the local phase's models come from. */
  public static ModelSource modelSource(LocalSpec local) {
    return or(local.getModelSource(), LocalSpec.DEFAULT_MODEL_SOURCE);
  }

  public static <T> T or(T value, T fallback) {
    return value != null ? value : fallback;
  }

  public static AutoscalingSpec backendAutoscaling(ChatbotDeploymentSpec spec) {
    return autoscaling(
        spec.getBackend() == null ? null : spec.getBackend().getAutoscaling(),
        BackendSpec.defaultAutoscaling());
  }

  public static AutoscalingSpec frontendAutoscaling(ChatbotDeploymentSpec spec) {
    return autoscaling(
        spec.getFrontend() == null ? null : spec.getFrontend().getAutoscaling(),
        FrontendSpec.defaultAutoscaling());
  }
}
