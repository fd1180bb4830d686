package dev.chatbot.operator.migration;

import dev.chatbot.api.v1alpha1.ChatbotDeployment;
import dev.chatbot.api.v1alpha1.Phase;
import dev.chatbot.operator.model.Names;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;

/**
 * Posts {@code {"message":"ping"}} to {@code /api/chat} of one ready pod of the phase's backend, by
 * pod IP (the NetworkPolicy lets the operator's pods through), and wants a 200 with a reply.
 */
public class HttpSmokeTester implements SmokeTester {
  private final KubernetesClient client;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  public HttpSmokeTester(KubernetesClient client) {
    this.client = client;
  }

  @Override
  public Result test(ChatbotDeployment cr, Phase phase) {
    Optional<Pod> pod =
        client
            .pods()
            .inNamespace(cr.getMetadata().getNamespace())
            .withLabels(Names.backendSelector(cr, phase))
            .list()
            .getItems()
            .stream()
            .filter(HttpSmokeTester::ready)
            .findFirst();
    if (pod.isEmpty()) {
      return new Result(false, "no ready " + phase + " backend pod to test");
    }
    String ip = pod.get().getStatus().getPodIP();
    return post(URI.create("http://" + ip + ":" + Names.RUNTIME_PORT + "/api/chat"));
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
      if (!response.body().matches("(?s).*\"reply\"\\s*:\\s*\"[^\"]+.*")) {
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

  private static boolean ready(Pod pod) {
    return pod.getStatus() != null
        && pod.getStatus().getPodIP() != null
        && pod.getStatus().getConditions() != null
        && pod.getStatus().getConditions().stream()
            .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
  }
}
