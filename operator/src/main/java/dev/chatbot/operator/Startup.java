package dev.chatbot.operator;

import dev.chatbot.api.v1alpha1.ChatbotDeployment;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import java.io.File;
import java.io.IOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import javax.net.ssl.SSLException;

/**
 * The start-up failures a user can fix, each as one line saying what is wrong and what to do. The
 * checks run before the operator starts its informers, which would otherwise retry an unreachable
 * API server or a missing CRD for a long time; failures of the start itself (a child kind the
 * operator may not watch) are explained the same way.
 */
public final class Startup {
  static final String CRD_NAME = "chatbotdeployments.chatbot.dev";
  static final String CRD_FILE = "crd/chatbotdeployments.chatbot.dev-v1.yml";
  static final String RBAC_FILE = "helm/chatbot-operator/files/rbac-rules.yaml";

  /** SelfSubjectAccessReviews (authorization.k8s.io/v1), without the model's jar. */
  private static final ResourceDefinitionContext ACCESS_REVIEWS =
      new ResourceDefinitionContext.Builder()
          .withGroup("authorization.k8s.io")
          .withVersion("v1")
          .withKind("SelfSubjectAccessReview")
          .withPlural("selfsubjectaccessreviews")
          .withNamespaced(false)
          .build();

  /** Kubernetes writes a container's termination message from here (terminationMessagePath). */
  static final Path TERMINATION_LOG = Path.of("/dev/termination-log");

  /** A start-up failure: its message is the one line for the user. */
  public static final class Failure extends RuntimeException {
    Failure(String message, Throwable cause) {
      super(message, cause);
    }
  }

  private Startup() {}

  /**
   * Fails with one line unless the API server answers with these credentials and serves
   * ChatbotDeployments that the operator may list where it watches. Quick: no retries, a 5 s
   * connect timeout.
   */
  public static void check(Config config, OperatorConfig operator) {
    Config quick =
        new ConfigBuilder(config)
            .withRequestRetryBackoffLimit(0)
            .withConnectionTimeout(5_000)
            .withRequestTimeout(10_000)
            .build();
    try (KubernetesClient client = new KubernetesClientBuilder().withConfig(quick).build()) {
      try {
        client.getKubernetesVersion();
      } catch (RuntimeException e) {
        throw explain(e, config);
      }
      List<String> namespaces =
          operator.namespaces().isEmpty() ? List.of("") : List.copyOf(operator.namespaces());
      for (String ns : namespaces) {
        try {
          var crs = client.resources(ChatbotDeployment.class);
          var options =
              new io.fabric8.kubernetes.api.model.ListOptionsBuilder().withLimit(1L).build();
          if (ns.isEmpty()) {
            crs.inAnyNamespace().list(options);
          } else {
            crs.inNamespace(ns).list(options);
          }
        } catch (RuntimeException e) {
          throw explain(e, config);
        }
      }
      missingPermissions(client, operator, namespaces);
    } catch (Failure e) {
      throw e;
    } catch (RuntimeException e) {
      // Building the client failed: the kubeconfig itself (its keys, its CA) cannot be used.
      throw explain(e, config);
    }
  }

  /**
   * Asks the API server (SelfSubjectAccessReviews) whether these credentials may list and watch
   * every kind the operator's informers watch, and use the leader-election Lease; fails with one
   * line naming every missing permission. Otherwise each informer would fail on its own, each with
   * its own error and stack trace.
   */
  static void missingPermissions(
      KubernetesClient client, OperatorConfig operator, List<String> namespaces) {
    Map<String, Set<String>> missing = new LinkedHashMap<>();
    List<Class<? extends HasMetadata>> kinds = new ArrayList<>();
    kinds.add(ChatbotDeployment.class);
    kinds.addAll(ChildKinds.inApplyOrder());
    try {
      for (String ns : namespaces) {
        for (Class<? extends HasMetadata> kind : kinds) {
          for (String verb : List.of("list", "watch")) {
            check(
                client, HasMetadata.getGroup(kind), HasMetadata.getPlural(kind), verb, ns, missing);
          }
        }
      }
      if (operator.leaseNamespace() != null) {
        for (String verb : List.of("get", "create", "update")) {
          check(client, "coordination.k8s.io", "leases", verb, operator.leaseNamespace(), missing);
        }
      }
    } catch (KubernetesClientException e) {
      // The server answers no access reviews: the informers will tell.
      return;
    }
    if (!missing.isEmpty()) {
      List<String> lines = new ArrayList<>();
      missing.forEach((what, verbs) -> lines.add(what + " (" + String.join(", ", verbs) + ")"));
      throw new Failure(
          "forbidden: the credentials of "
              + source(client.getConfiguration())
              + " may not use "
              + String.join(", ", lines)
              + ": grant the operator the rules of "
              + RBAC_FILE
              + " (the Helm chart does)",
          null);
    }
  }

  private static void check(
      KubernetesClient client,
      String group,
      String plural,
      String verb,
      String namespace,
      Map<String, Set<String>> missing) {
    Map<String, Object> attributes = new LinkedHashMap<>();
    attributes.put("group", group == null ? "" : group);
    attributes.put("resource", plural);
    attributes.put("verb", verb);
    if (!namespace.isEmpty()) {
      attributes.put("namespace", namespace);
    }
    GenericKubernetesResource review = new GenericKubernetesResource();
    review.setApiVersion("authorization.k8s.io/v1");
    review.setKind("SelfSubjectAccessReview");
    review.setMetadata(new ObjectMeta());
    review.setAdditionalProperty("spec", Map.of("resourceAttributes", attributes));
    GenericKubernetesResource answer =
        client.genericKubernetesResources(ACCESS_REVIEWS).resource(review).create();
    Object status = answer.getAdditionalProperties().get("status");
    boolean allowed = status instanceof Map<?, ?> m && Boolean.TRUE.equals(m.get("allowed"));
    if (!allowed) {
      String what =
          (group == null || group.isEmpty() ? plural : plural + "." + group)
              + (namespace.isEmpty() ? " in all namespaces" : " in " + namespace);
      // Both autoscaler versions are one resource to RBAC.
      missing.computeIfAbsent(what, k -> new LinkedHashSet<>()).add(verb);
    }
  }

  /** The one line for any start-up failure. */
  public static Failure explain(Throwable e, Config config) {
    if (e instanceof Failure f) {
      return f;
    }
    String url = config.getMasterUrl();
    Optional<KubernetesClientException> api = cause(e, KubernetesClientException.class);
    int code = api.map(KubernetesClientException::getCode).orElse(0);
    String serverMessage =
        api.map(k -> k.getStatus() != null ? k.getStatus().getMessage() : null).orElse(null);
    if (code == 404 && mentionsChatbots(e)) {
      return new Failure(
          "the ChatbotDeployment CRD ("
              + CRD_NAME
              + ") is not installed in the cluster at "
              + url
              + ": kubectl apply -f "
              + CRD_FILE
              + " (or install the Helm chart helm/chatbot-operator, which brings it)",
          e);
    }
    if (code == 403) {
      return new Failure(
          "forbidden: "
              + (serverMessage != null ? serverMessage : "the API server refused a request")
              + ": grant the operator the rules of "
              + RBAC_FILE
              + " (the Helm chart does)",
          e);
    }
    if (code == 401) {
      return new Failure(
          "the Kubernetes API at "
              + url
              + " refused the credentials of "
              + source(config)
              + " (401 Unauthorized): renew them, or set KUBECONFIG to a kubeconfig that works",
          e);
    }
    if (code > 0) {
      return new Failure(
          "the Kubernetes API at "
              + url
              + " answered "
              + code
              + (serverMessage != null ? ": " + serverMessage : ""),
          e);
    }
    Optional<SSLException> tls = cause(e, SSLException.class);
    if (tls.isPresent()) {
      return new Failure(
          "no TLS connection to the Kubernetes API at "
              + url
              + " ("
              + tls.get().getMessage()
              + "): check the cluster's certificate-authority in "
              + source(config),
          e);
    }
    if (unreachable(e)) {
      return new Failure(
          "cannot reach the Kubernetes API at "
              + url
              + " ("
              + innermost(e)
              + "): set KUBECONFIG to your cluster's kubeconfig (now "
              + source(config)
              + ")",
          e);
    }
    if (cause(e, GeneralSecurityException.class).isPresent()
        || String.valueOf(innermost(e)).contains("DER")) {
      return new Failure(
          "cannot use the client certificate or key of " + source(config) + ": " + innermost(e), e);
    }
    return new Failure("the operator could not start: " + innermost(e), e);
  }

  /**
   * Writes the line where Kubernetes reads a container's termination message, so the pod's status
   * says why it restarted. Outside a pod the file does not exist and nothing is written.
   */
  public static void writeTerminationMessage(String line) {
    writeTerminationMessage(TERMINATION_LOG, line);
  }

  static void writeTerminationMessage(Path file, String line) {
    if (!Files.isWritable(file)) {
      return;
    }
    try {
      Files.writeString(file, line + "\n", StandardCharsets.UTF_8);
    } catch (IOException | RuntimeException e) {
      // The log line is there anyway (FallbackToLogsOnError).
    }
  }

  private static boolean mentionsChatbots(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      String m = t.getMessage();
      if (m != null && (m.contains("chatbotdeployments") || m.contains("ChatbotDeployment"))) {
        return true;
      }
      if (t instanceof KubernetesClientException k
          && k.getStatus() != null
          && k.getStatus().getDetails() != null
          && "chatbotdeployments".equals(k.getStatus().getDetails().getKind())) {
        return true;
      }
    }
    return false;
  }

  private static boolean unreachable(Throwable e) {
    return cause(e, ConnectException.class).isPresent()
        || cause(e, UnknownHostException.class).isPresent()
        || cause(e, NoRouteToHostException.class).isPresent()
        || cause(e, SocketTimeoutException.class).isPresent()
        || cause(e, HttpConnectTimeoutException.class).isPresent()
        || cause(e, HttpTimeoutException.class).isPresent()
        || cause(e, java.nio.channels.ClosedChannelException.class).isPresent();
  }

  /** Where the client configuration came from, for the user to look at. */
  static String source(Config config) {
    File file = config.getFile();
    if (file != null) {
      return "the kubeconfig " + file;
    }
    String kubeconfig = System.getenv("KUBECONFIG");
    if (kubeconfig != null && !kubeconfig.isBlank()) {
      return "KUBECONFIG=" + kubeconfig + ", which names no readable file";
    }
    return "the client configuration (no kubeconfig found: KUBECONFIG unset, no ~/.kube/config,"
        + " not in a pod)";
  }

  private static <T extends Throwable> Optional<T> cause(Throwable e, Class<T> type) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (type.isInstance(t)) {
        return Optional.of(type.cast(t));
      }
      for (Throwable s : t.getSuppressed()) {
        if (type.isInstance(s)) {
          return Optional.of(type.cast(s));
        }
      }
    }
    return Optional.empty();
  }

  /** The root cause as "Class: message", the message alone when it names the problem. */
  static String innermost(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    String message = t.getMessage();
    if (message == null || message.isBlank()) {
      return t.getClass().getSimpleName();
    }
    return t instanceof IOException && !(t instanceof java.net.SocketException)
        ? t.getClass().getSimpleName() + ": " + message
        : message;
  }
}
