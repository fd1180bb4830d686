package dev.chatbot.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The stand-ins (e2e/README.md, "Stand-ins") carry a chatbot on the product's own code path: a
 * {@code local} chatbot created as it is downloads its model with the operator's Job into the
 * hostPath volume and answers from the Ollama stand-in sidecar; a {@code huggingface} chatbot
 * answers from the router stand-in through its OpenAI-compatible API.
 */
@OneNodeCluster
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class StandInsE2E extends OperatorInstalled {

  @Test
  void localChatbotDownloadsIntoTheVolumeAndAnswersFromTheOllamaStandIn() throws Exception {
    String ns = cluster.freshNamespace("e2e-stand-in-local");
    ModelVolume volume = ModelVolume.create(client, ns, StandIns.modelClaim("private"), "1Gi");
    // A smaller model downloads in about 2 s at the stand-in's 200 MB/s.
    volume.knob("ollama_sim_model_bytes", "400000000");
    long start = System.nanoTime();
    Chatbot chatbot =
        Chatbot.create(client, ns, "private", "  phase: local\n" + StandIns.localSpec(cluster));
    chatbot.awaitReady(Duration.ofMinutes(5));
    System.out.printf(
        "local chatbot on the Ollama stand-in: Ready %.1f s after it was created%n",
        (System.nanoTime() - start) / 1e9);

    assertThat(volume.storedModels()).containsExactly(StandIns.LOCAL_MODEL);
    Pod downloader = chatbot.pods("model-downloader").get(0);
    assertThat(downloader.getStatus().getPhase()).isEqualTo("Succeeded");
    // The Job's pod runs Ollama and the runtime's `pull` command; the pull's JSON progress lines
    // end with a success line for the model (docs/runtime-contract.md).
    String pullLog =
        client
            .pods()
            .inNamespace(ns)
            .withName(downloader.getMetadata().getName())
            .inContainer("pull")
            .getLog();
    assertThat(pullLog.lines())
        .as("the pull container's progress lines")
        .anyMatch(
            line ->
                line.contains("\"model\":\"" + StandIns.LOCAL_MODEL + "\"")
                    && line.contains("\"status\":\"success\""));

    Pod backend = chatbot.backendPods("local").get(0);
    Container sidecar =
        backend.getSpec().getContainers().stream()
            .filter(c -> c.getName().equals("ollama"))
            .findFirst()
            .orElseThrow();
    assertThat(sidecar.getImage()).isEqualTo(cluster.ollamaStandInImage().reference());
    ContainerStatus status =
        backend.getStatus().getContainerStatuses().stream()
            .filter(c -> c.getName().equals("ollama"))
            .findFirst()
            .orElseThrow();
    assertThat(status.getImageID()).endsWith(cluster.ollamaStandInImage().id());

    ChatClient.Answer answer = ChatClient.chat(chatbot.frontendUrl(), "Hello from the host");
    assertThat(answer.status()).isEqualTo(200);
    assertThat(answer.reply()).isNotBlank();
    assertThat(answer.body())
        .containsEntry("provider", "ollama")
        .containsEntry("model", StandIns.LOCAL_MODEL)
        .containsEntry("fallback", false);
    cluster.deleteNamespace(ns, false);
  }

  @Test
  void huggingfaceChatbotAnswersFromTheRouterStandIn() throws Exception {
    String ns = cluster.freshNamespace("e2e-stand-in-hf");
    StandIns.deployRouter(cluster, ns, StandIns.ROUTER, StandIns.PACED_LIKE_A_MODEL);
    StandIns.createTokenSecret(client, ns);
    StandIns.awaitRouter(cluster, ns, StandIns.ROUTER);
    Chatbot chatbot =
        Chatbot.create(
            client,
            ns,
            "assistant",
            "  phase: huggingface\n" + StandIns.huggingfaceSpec(ns, StandIns.ROUTER));
    chatbot.awaitReady(Duration.ofMinutes(3));

    ChatClient.Answer answer = ChatClient.chat(chatbot.frontendUrl(), "Hello from the host");
    assertThat(answer.status()).isEqualTo(200);
    assertThat(answer.body())
        .containsEntry("provider", "huggingface")
        .containsEntry("model", StandIns.HF_MODEL)
        .containsEntry("fallback", false);
    // The answer came from the stand-in: its OpenAI endpoint counted the calls (the smoke test's
    // and ours).
    Pod router =
        client.pods().inNamespace(ns).withLabel("app", StandIns.ROUTER).list().getItems().get(0);
    String metrics = ChatClient.get("http://" + router.getStatus().getPodIP() + ":8080/metrics");
    assertThat(completions(metrics)).isGreaterThanOrEqualTo(1);
    cluster.deleteNamespace(ns, false);
  }

  /** POST /v1/chat/completions answered 200, from a runtime pod's Prometheus page. */
  static double completions(String metrics) {
    return metrics
        .lines()
        .filter(l -> l.startsWith("chatbot_http_requests_seconds_count{"))
        .filter(l -> l.contains("/v1/chat/completions") && l.contains("status=\"200\""))
        .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
        .sum();
  }
}
