package dev.chatbot.operator.migration;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The smoke test's request against a loopback server answering as told, and its pod choice. */
class HttpSmokeTesterIT {
  HttpServer server;
  final AtomicReference<String> answer = new AtomicReference<>();
  final AtomicReference<Integer> status = new AtomicReference<>(200);
  final AtomicReference<String> received = new AtomicReference<>();

  @BeforeEach
  void start() throws Exception {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext(
        "/api/chat",
        exchange -> {
          received.set(
              new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
          byte[] body = answer.get().getBytes(StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(status.get(), body.length);
          exchange.getResponseBody().write(body);
          exchange.close();
        });
    server.start();
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  SmokeTester.Result post() {
    URI uri = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/api/chat");
    return new HttpSmokeTester(null).post(uri);
  }

  @ParameterizedTest(name = "{0} {1} -> {2}")
  @CsvSource(
      delimiter = '|',
      value = {
        "200|{\"conversationId\":\"c1\",\"reply\":\"pong\",\"provider\":\"mock\"}|true|answered",
        "200|{\"reply\":\"\"}|false|test chat request got no reply",
        "200|{\"reply\":5}|false|test chat request got no reply",
        "200|{\"error\":{\"reply\":\"pong\"}}|false|test chat request got no reply",
        "200|not json, \"reply\":\"pong\"|false|test chat request got no reply",
        "200|[\"reply\",\"pong\"]|false|test chat request got no reply",
        "503|{\"reply\":\"pong\"}|false|test chat request answered HTTP 503"
      })
  void onlyA200WithANonEmptyReplyPasses(int code, String body, boolean passed, String message) {
    status.set(code);
    answer.set(body);
    SmokeTester.Result result = post();
    assertThat(result.passed()).isEqualTo(passed);
    assertThat(result.message()).isEqualTo(message);
    assertThat(received.get()).isEqualTo("{\"message\":\"ping\"}");
  }

  static Pod pod(String name, String ready, String ip) {
    return new PodBuilder()
        .withNewMetadata()
        .withName(name)
        .endMetadata()
        .withNewStatus()
        .withPodIP(ip)
        .addNewCondition()
        .withType("Ready")
        .withStatus(ready)
        .endCondition()
        .endStatus()
        .build();
  }

  @Test
  void theTargetIsAReadyPodWithAnAddress() {
    List<Pod> pods =
        List.of(
            pod("starting", "False", "10.0.0.1"),
            pod("no-address", "True", null),
            pod("serving", "True", "10.0.0.3"),
            pod("also-serving", "True", "10.0.0.4"));
    assertThat(HttpSmokeTester.target(pods))
        .get()
        .extracting(p -> p.getMetadata().getName())
        .isEqualTo("serving");
    assertThat(HttpSmokeTester.target(pods.subList(0, 2))).isEmpty();
  }
}
