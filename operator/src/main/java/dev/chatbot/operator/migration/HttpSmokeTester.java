package dev.chatbot.operator.migration;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.chatbot.api.v1alpha1.ChatbotDeployment;
import dev.chatbot.api.v1alpha1.Phase;
import dev.chatbot.operator.model.Names;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.readiness.Readiness;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Posts {@code {"message":"ping"}} to {@code /api/chat} of one ready pod of the phase's backend, by
 * pod IP (the NetworkPolicy lets the operator's pods through), and wants a 200 whose JSON answer
 * has a non-empty {@code reply} (docs/runtime-contract.md).
 */
public class HttpSmokeTester implements SmokeTester {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final KubernetesClient client;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  public HttpSmokeTester(KubernetesClient client) {
    this.client = client;
  }

  @Override
  public Result test(ChatbotDeployment cr, Phase phase) {
    Optional<Pod> pod =
        target(
            client
                .pods()
                .inNamespace(cr.getMetadata().getNamespace())
                .withLabels(Names.backendSelector(cr, phase))
                .list()
                .getItems());
    if (pod.isEmpty()) {
      return new Result(false, "no ready " + phase + " backend pod to test");
    }
    String ip = pod.get().getStatus().getPodIP();
    return post(URI.create("http://" + ip + ":" + Names.RUNTIME_PORT + "/api/chat"));
  }

  /** The pod to test: the first that is ready (fabric8's Readiness) and has an address. */
  static Optional<Pod> target(List<Pod> pods) {
    return pods.stream()
        .filter(p -> Readiness.isPodReady(p) && p.getStatus().getPodIP() != null)
        .findFirst();
  }

  /** The request itself, separate so tests can aim it at a runtime on loopback. */
  public Result post(URI uri) {
    HttpRequest request =
        HttpRequest.newBuilder(uri)
            .timeout(Duration.ofSeconds(30))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString("{\"message\":\"ping\"}"))
            .build();
    try {
      HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() != 200) {
        return new Result(false, "test chat request answered HTTP " + response.statusCode());
      }
      if (!hasReply(response.body())) {
        return new Result(false, "test chat request got no reply");
      }
      return new Result(true, "answered");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Result(false, "interrupted");
    } catch (Exception e) {
      return new Result(false, "test chat request failed: " + e.getClass().getSimpleName());
    }
  }

  /** Whether the answer is a JSON object whose {@code reply} is a non-empty string. */
  static boolean hasReply(String body) {
    try {
      JsonNode reply = JSON.readTree(body).path("reply");
      return reply.isTextual() && !reply.asText().isEmpty();
    } catch (JsonProcessingException malformed) {
      return false;
    }
  }
}
