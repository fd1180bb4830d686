package dev.chatbot.dashboards;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.chatbot.api.v1alpha1.ChatbotDeployment;
import dev.chatbot.api.v1alpha1.MigrationState;
import dev.chatbot.api.v1alpha1.Phase;
import dev.chatbot.operator.Main;
import dev.chatbot.operator.migration.SmokeTester;
import dev.chatbot.operator.model.OperatorSettings.AutoscalingApi;
import dev.chatbot.operator.support.ClusterSimulator;
import dev.chatbot.operator.support.Fixtures;
import dev.chatbot.operator.support.OperatorRun;
import dev.chatbot.runtime.Config;
import dev.chatbot.runtime.RuntimeServer;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Every metric the chart's Grafana dashboards query is exposed: the runtime's by real servers
 * driven through the mock, Hugging Face (a fake OpenAI-compatible router: one failure that falls
 * back, then answers) and Ollama (the runtime's own stand-in) paths, plain and streamed; the
 * operator's by an operator on the mock API server that took a chatbot from mock to local.
 */
@EnableKubernetesMockClient(crud = true)
class DashboardMetricsIT {
  static final Duration WAIT = Duration.ofSeconds(60);
  static final Path DASHBOARDS = repoRoot().resolve("helm/chatbot-operator/dashboards");

  /** Metrics of the operator's process; every other name must come from a runtime. */
  static final List<String> OPERATOR_PREFIXES =
      List.of("chatbot_operator_", "operator_sdk_", "jvm_", "process_", "system_");

  KubernetesClient client;
  final List<AutoCloseable> closing = new ArrayList<>();
  final HttpClient http = HttpClient.newHttpClient();

  @AfterEach
  void close() throws Exception {
    for (int i = closing.size() - 1; i >= 0; i--) {
      closing.get(i).close();
    }
  }

  @Test
  void everyQueriedMetricIsExposed() throws Exception {
    Map<String, Set<String>> queried = queriedMetrics();
    assertThat(queried).as("metrics queried by the dashboards").isNotEmpty();
    Set<String> runtime = runtimeMetrics();
    Set<String> operator = operatorMetrics();

    Map<String, Set<String>> missing = new TreeMap<>();
    queried.forEach(
        (metric, panels) -> {
          boolean ofOperator = OPERATOR_PREFIXES.stream().anyMatch(metric::startsWith);
          if (!(ofOperator ? operator : runtime).contains(metric)) {
            missing.put(metric, panels);
          }
        });
    System.out.println("| source | metrics queried | exposed names |");
    System.out.println("|---|---|---|");
    for (boolean ofOperator : new boolean[] {false, true}) {
      long count =
          queried.keySet().stream()
              .filter(m -> OPERATOR_PREFIXES.stream().anyMatch(m::startsWith) == ofOperator)
              .count();
      System.out.printf(
          "| %s | %d | %d |%n",
          ofOperator ? "operator" : "runtime", count, (ofOperator ? operator : runtime).size());
    }
    assertThat(missing).as("queried by the dashboards (panel titles) but not exposed").isEmpty();
  }

  // ---- the dashboards ----

  /** Metric name to the titles of the panels (or variables) that query it. */
  static Map<String, Set<String>> queriedMetrics() throws IOException {
    Map<String, Set<String>> out = new TreeMap<>();
    ObjectMapper mapper = new ObjectMapper();
    List<Path> files;
    try (Stream<Path> s = Files.list(DASHBOARDS)) {
      files = s.filter(p -> p.toString().endsWith(".json")).sorted().toList();
    }
    assertThat(files).as("dashboards in " + DASHBOARDS).isNotEmpty();
    for (Path file : files) {
      JsonNode dashboard = mapper.readTree(file.toFile());
      panels(dashboard.path("panels"), out);
      for (JsonNode v : dashboard.path("templating").path("list")) {
        if ("query".equals(v.path("type").asText())) {
          JsonNode q = v.path("query");
          String query = q.isObject() ? q.path("query").asText() : q.asText();
          for (String m : PromQl.variableMetrics(query)) {
            out.computeIfAbsent(m, k -> new TreeSet<>()).add("$" + v.path("name").asText());
          }
        }
      }
    }
    return out;
  }

  private static void panels(JsonNode panels, Map<String, Set<String>> out) {
    for (JsonNode panel : panels) {
      panels(panel.path("panels"), out); // collapsed rows hold their panels
      for (JsonNode target : panel.path("targets")) {
        for (String m : PromQl.metrics(target.path("expr").asText())) {
          out.computeIfAbsent(m, k -> new TreeSet<>()).add(panel.path("title").asText());
        }
      }
    }
  }

  // ---- the runtime ----

  Set<String> runtimeMetrics() throws Exception {
    Set<String> names = new TreeSet<>();

    RuntimeServer mock = runtime("model_provider", "mock", "mock_token_delay_ms", "0");
    chatPlainAndStreamed(mock);
    names.addAll(scrape(mock));

    FakeRouter router = new FakeRouter(1);
    closing.add(router);
    RuntimeServer hf =
        runtime(
            "model_provider", "huggingface",
            "model", "meta-llama/Llama-3.1-8B-Instruct",
            "huggingface_endpoint", router.baseUrl() + "/v1",
            "timeout_seconds", "5");
    chatPlainAndStreamed(hf); // the first call falls back to the mock
    assertThat(scrape(hf)).contains("chatbot_fallbacks_total", "chatbot_upstream_errors_total");
    names.addAll(scrape(hf));

    RuntimeServer ollamaSim =
        runtime("role", "ollama-sim", "ollama_sim_models", "llama3.2", "mock_token_delay_ms", "0");
    RuntimeServer ollama =
        runtime(
            "model_provider", "ollama",
            "model", "llama3.2",
            "ollama_url", "http://127.0.0.1:" + ollamaSim.port(),
            "fallback_to_mock", "false");
    await().atMost(WAIT).until(() -> get(ollama, "/readyz").statusCode() == 200);
    chatPlainAndStreamed(ollama);
    names.addAll(scrape(ollama));

    RuntimeServer frontend =
        runtime("role", "frontend", "backend_url", "http://127.0.0.1:" + mock.port());
    chatPlainAndStreamed(frontend);
    names.addAll(scrape(frontend));
    return names;
  }

  RuntimeServer runtime(String... kv) {
    Map<String, String> keys = new HashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      keys.put(kv[i], kv[i + 1]);
    }
    keys.put("client_requests_per_minute", "0");
    String token = "huggingface".equals(keys.get("model_provider")) ? "hf_test" : null;
    RuntimeServer server = new RuntimeServer(Config.of(keys, token, 0, 10)).start();
    closing.add(server::stop);
    return server;
  }

  void chatPlainAndStreamed(RuntimeServer server) throws Exception {
    String chat = "{\"message\":\"hello there\"}";
    assertThat(post(server, "/api/chat", chat).statusCode()).isEqualTo(200);
    HttpResponse<String> stream = post(server, "/api/chat/stream", chat);
    assertThat(stream.statusCode()).isEqualTo(200);
    assertThat(stream.body()).contains("event: done");
  }

  HttpResponse<String> post(RuntimeServer server, String path, String body) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .timeout(Duration.ofSeconds(30))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  HttpResponse<String> get(RuntimeServer server, String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
            .timeout(Duration.ofSeconds(10))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** The names a Prometheus scrape of the server's /metrics stores. */
  Set<String> scrape(RuntimeServer server) throws Exception {
    HttpResponse<String> r = get(server, "/metrics");
    assertThat(r.statusCode()).isEqualTo(200);
    return PromQl.exposed(r.body());
  }

  /**
   * An OpenAI-compatible chat completions endpoint on loopback: the first {@code failures} calls
   * get 402 (not retried: the runtime falls back at once), the rest an answer (an SSE stream when
   * asked for one).
   */
  static final class FakeRouter implements AutoCloseable {
    final HttpServer server;
    final AtomicInteger failuresLeft;

    FakeRouter(int failures) throws IOException {
      failuresLeft = new AtomicInteger(failures);
      server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
      server.createContext("/v1/chat/completions", this::answer);
      server.start();
    }

    String baseUrl() {
      return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    private void answer(HttpExchange ex) throws IOException {
      String request = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
      if (failuresLeft.getAndDecrement() > 0) {
        send(ex, 402, "application/json", "{\"error\":{\"message\":\"no credits\"}}");
        return;
      }
      String usage = "\"usage\":{\"prompt_tokens\":7,\"completion_tokens\":3,\"total_tokens\":10}";
      if (request.replace(" ", "").contains("\"stream\":true")) {
        StringBuilder sse = new StringBuilder();
        for (String delta : List.of("Hi", " there", "!")) {
          sse.append("data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1,")
              .append("\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"")
              .append(delta)
              .append("\"},\"finish_reason\":null}]}\n\n");
        }
        sse.append("data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1,")
            .append("\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{},")
            .append("\"finish_reason\":\"stop\"}],")
            .append(usage)
            .append("}\n\ndata: [DONE]\n\n");
        send(ex, 200, "text/event-stream", sse.toString());
        return;
      }
      send(
          ex,
          200,
          "application/json",
          "{\"id\":\"c1\",\"object\":\"chat.completion\",\"created\":1,\"model\":\"m\","
              + "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":"
              + "\"Hi there!\"},\"finish_reason\":\"stop\"}],"
              + usage
              + "}");
    }

    private static void send(HttpExchange ex, int status, String type, String body)
        throws IOException {
      byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
      ex.getResponseHeaders().add("Content-Type", type);
      ex.sendResponseHeaders(status, bytes.length);
      try (var out = ex.getResponseBody()) {
        out.write(bytes);
      }
    }

    @Override
    public void close() {
      server.stop(0);
    }
  }

  // ---- the operator ----

  /** What the operator's /metrics serves (Main's registry) after a change from mock to local. */
  Set<String> operatorMetrics() {
    String ns = "dash-" + java.util.UUID.randomUUID().toString().substring(0, 8);
    ClusterSimulator cluster = new ClusterSimulator(client, ns, "mock", "huggingface", "local");
    closing.add(cluster);
    PrometheusMeterRegistry registry = Main.meterRegistry();
    SmokeTester passing = (cr, phase) -> new SmokeTester.Result(true, "answered");
    OperatorRun run =
        new OperatorRun(
            client,
            Fixtures.config(Set.of(), "example.org/rt:test", false, AutoscalingApi.V2),
            passing,
            registry);
    closing.add(run);
    ChatbotDeployment cr = Fixtures.example("mock.yaml", ns);
    cr.getMetadata().setName("demo");
    client.resource(cr).create();
    await().atMost(WAIT).until(() -> active(ns) == Phase.MOCK);
    Fixtures.moveToPhase(client, ns, "demo", Phase.LOCAL);
    await()
        .atMost(WAIT)
        .until(
            () -> {
              var s = chatbot(ns).getStatus();
              return s.getActivePhase() == Phase.LOCAL
                  && s.getMigration() != null
                  && s.getMigration().getState() == MigrationState.Completed;
            });
    return PromQl.exposed(registry.scrape());
  }

  ChatbotDeployment chatbot(String ns) {
    return client.resources(ChatbotDeployment.class).inNamespace(ns).withName("demo").get();
  }

  Phase active(String ns) {
    ChatbotDeployment c = chatbot(ns);
    return c == null || c.getStatus() == null ? null : c.getStatus().getActivePhase();
  }

  static Path repoRoot() {
    Path p = Path.of("").toAbsolutePath();
    while (p != null && !Files.exists(p.resolve("helm"))) {
      p = p.getParent();
    }
    return p;
  }
}
