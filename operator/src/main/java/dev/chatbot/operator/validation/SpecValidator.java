package dev.chatbot.operator.validation;

import dev.chatbot.api.v1alpha1.AutoscalingSpec;
import dev.chatbot.api.v1alpha1.ChatbotDeployment;
import dev.chatbot.api.v1alpha1.ChatbotDeploymentSpec;
import dev.chatbot.api.v1alpha1.ClientKey;
import dev.chatbot.api.v1alpha1.ComputeResources;
import dev.chatbot.api.v1alpha1.ExternalTrafficPolicy;
import dev.chatbot.api.v1alpha1.HuggingFaceSpec;
import dev.chatbot.api.v1alpha1.LocalSpec;
import dev.chatbot.api.v1alpha1.Phase;
import dev.chatbot.api.v1alpha1.RateLimitSpec;
import dev.chatbot.api.v1alpha1.ResourceAmounts;
import dev.chatbot.api.v1alpha1.ServiceSpec;
import dev.chatbot.api.v1alpha1.ServiceType;
import dev.chatbot.api.v1alpha1.StorageSpec;
import dev.chatbot.operator.model.Defaults;
import dev.chatbot.operator.model.Names;
import io.fabric8.kubernetes.api.model.Quantity;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The cross-field rules of the CRD's CEL validations, repeated here because not every cluster
 * enforces CEL, plus the few schema rules whose violation would make a child invalid.
 */
public final class SpecValidator {
  private static final Pattern MODEL = Pattern.compile(LocalSpec.MODEL_PATTERN);
  private static final Pattern QUANTITY = Pattern.compile(ResourceAmounts.QUANTITY_PATTERN);
  private static final Pattern HEADER = Pattern.compile(RateLimitSpec.HEADER_PATTERN);
  private static final Pattern CIDR = Pattern.compile(RateLimitSpec.CIDR_PATTERN);

  /** One broken rule: the field's path from the resource root and what is wrong. */
  public record Violation(String field, String message) {
    @Override
    public String toString() {
      return field + ": " + message;
    }
  }

  private SpecValidator() {}

  public static List<Violation> validate(ChatbotDeployment cr) {
    List<Violation> out = new ArrayList<>();
    String name = cr.getMetadata().getName();
    if (name != null && name.length() > Names.MAX_NAME_LENGTH) {
      out.add(
          new Violation(
              "metadata.name",
              "must be at most " + Names.MAX_NAME_LENGTH + " characters (children add suffixes)"));
    }
    ChatbotDeploymentSpec spec = cr.getSpec();
    if (spec == null || spec.getPhase() == null) {
      out.add(new Violation("spec.phase", "is required (mock, huggingface or local)"));
      return out;
    }
    autoscaling(out, "spec.backend.autoscaling", Defaults.backendAutoscaling(spec));
    autoscaling(out, "spec.frontend.autoscaling", Defaults.frontendAutoscaling(spec));
    resources(out, "spec.backend.resources", spec.getBackend().getResources());
    resources(out, "spec.frontend.resources", spec.getFrontend().getResources());
    rateLimit(out, Defaults.rateLimit(spec.getFrontend()));
    service(out, spec.getFrontend().getService());
    bridge(out, spec);
    switch (spec.getPhase()) {
      case HUGGINGFACE -> huggingface(out, spec.getHuggingface());
      case LOCAL -> local(out, spec.getLocal());
      case MOCK -> {}
    }
    return out;
  }

  private static void autoscaling(List<Violation> out, String path, AutoscalingSpec a) {
    if (a.getMinReplicas() != null
        && a.getMaxReplicas() != null
        && a.getMinReplicas() > a.getMaxReplicas()) {
      out.add(
          new Violation(
              path + ".minReplicas",
              "must be less than or equal to maxReplicas ("
                  + a.getMinReplicas()
                  + " > "
                  + a.getMaxReplicas()
                  + ")"));
    }
  }

  private static void resources(List<Violation> out, String path, ComputeResources r) {
    if (r == null) {
      return;
    }
    String reqCpu = r.getRequests() == null ? null : r.getRequests().getCpu();
    String limCpu = r.getLimits() == null ? null : r.getLimits().getCpu();
    String reqMem = r.getRequests() == null ? null : r.getRequests().getMemory();
    String limMem = r.getLimits() == null ? null : r.getLimits().getMemory();
    boolean valid = true;
    for (String[] q :
        new String[][] {
          {path + ".requests.cpu", reqCpu},
          {path + ".limits.cpu", limCpu},
          {path + ".requests.memory", reqMem},
          {path + ".limits.memory", limMem}
        }) {
      if (q[1] != null && !QUANTITY.matcher(q[1]).matches()) {
        out.add(new Violation(q[0], "is not a Kubernetes quantity: " + q[1]));
        valid = false;
      }
    }
    if (valid) {
      exceeds(out, path + ".requests.cpu", reqCpu, limCpu);
      exceeds(out, path + ".requests.memory", reqMem, limMem);
    }
  }

  private static void exceeds(List<Violation> out, String path, String request, String limit) {
    if (request != null
        && limit != null
        && new Quantity(request).compareTo(new Quantity(limit)) > 0) {
      out.add(new Violation(path, "must not exceed the limit (" + request + " > " + limit + ")"));
    }
  }

  private static void rateLimit(List<Violation> out, RateLimitSpec limit) {
    String path = "spec.frontend.rateLimit";
    if (limit.getKey() == ClientKey.HEADER
        && (limit.getHeader() == null || limit.getHeader().isEmpty())) {
      out.add(new Violation(path + ".header", "is required when key is header"));
    }
    if (limit.getHeader() != null && !HEADER.matcher(limit.getHeader()).matches()) {
      out.add(new Violation(path + ".header", "is not an HTTP header name: " + limit.getHeader()));
    }
    int perMinute = Defaults.requestsPerMinute(limit);
    if (limit.getBurst() != null && perMinute > 0 && limit.getBurst() > perMinute) {
      out.add(
          new Violation(
              path + ".burst",
              "must not exceed requestsPerMinute (" + limit.getBurst() + " > " + perMinute + ")"));
    }
    List<String> proxies = limit.getTrustedProxies();
    for (int i = 0; proxies != null && i < proxies.size(); i++) {
      if (!cidr(proxies.get(i))) {
        out.add(
            new Violation(
                path + ".trustedProxies[" + i + "]",
                "is not an address or CIDR range: " + proxies.get(i)));
      }
    }
  }

  /**
   * Whether text is an IPv4 or IPv6 address with an optional prefix, as the runtime reads them. The
   * schema's pattern lets a few malformed IPv6 forms through (such as 1:2:3); checked here by hand,
   * never by a DNS lookup.
   */
  static boolean cidr(String text) {
    if (text == null || !CIDR.matcher(text).matches()) {
      return false;
    }
    String address = text.contains("/") ? text.substring(0, text.indexOf('/')) : text;
    if (!address.contains(":")) {
      return true;
    }
    String[] halves = address.split("::", -1);
    if (halves.length > 2) {
      return false;
    }
    int groups = 0;
    for (String half : halves) {
      if (half.isEmpty()) {
        continue;
      }
      for (String group : half.split(":", -1)) {
        if (group.isEmpty()) {
          return false;
        }
        groups++;
      }
    }
    return halves.length == 2 ? groups <= 7 : groups == 8;
  }

  private static void service(List<Violation> out, ServiceSpec service) {
    if (service != null
        && service.getExternalTrafficPolicy() == ExternalTrafficPolicy.Local
        && service.getType() == ServiceType.ClusterIP) {
      out.add(
          new Violation(
              "spec.frontend.service.externalTrafficPolicy",
              "Local needs type NodePort or LoadBalancer"));
    }
  }

  private static void bridge(List<Violation> out, ChatbotDeploymentSpec spec) {
    if (Defaults.bridge(spec) != Phase.HUGGINGFACE) {
      return;
    }
    HuggingFaceSpec hf = spec.getHuggingface();
    if (hf == null
        || hf.getModel() == null
        || hf.getModel().isBlank()
        || hf.getTokenSecretRef() == null) {
      out.add(
          new Violation(
              "spec.huggingface",
              "model and tokenSecretRef are required when local.bridge is huggingface"));
    }
  }

  private static void huggingface(List<Violation> out, HuggingFaceSpec hf) {
    if (hf == null || hf.getModel() == null || hf.getModel().isBlank()) {
      out.add(new Violation("spec.huggingface.model", "is required when phase is huggingface"));
    }
    if (hf == null
        || hf.getTokenSecretRef() == null
        || hf.getTokenSecretRef().getName() == null
        || hf.getTokenSecretRef().getName().isBlank()) {
      out.add(
          new Violation(
              "spec.huggingface.tokenSecretRef", "is required when phase is huggingface"));
    }
  }

  private static void local(List<Violation> out, LocalSpec local) {
    if (local == null || local.getModels() == null || local.getModels().isEmpty()) {
      out.add(new Violation("spec.local.models", "needs at least one model when phase is local"));
      return;
    }
    for (int i = 0; i < local.getModels().size(); i++) {
      String model = local.getModels().get(i);
      if (model == null || !MODEL.matcher(model).matches()) {
        out.add(
            new Violation("spec.local.models[" + i + "]", "is not an Ollama model name: " + model));
      }
    }
    StorageSpec storage = local.getStorage();
    if (storage != null
        && storage.getExistingClaim() != null
        && storage.getStorageClassName() != null) {
      out.add(
          new Violation(
              "spec.local.storage.storageClassName", "cannot be set together with existingClaim"));
    }
    if (local.getOllama() != null) {
      resources(out, "spec.local.ollama.resources", local.getOllama().getResources());
    }
  }
}
