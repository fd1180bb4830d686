package dev.chatbot.operator;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.chatbot.operator.migration.HttpSmokeTester;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.javaoperatorsdk.operator.Operator;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The operator process: the controller plus /healthz, /readyz and /metrics. */
public final class Main {
  private static final Logger LOG = LoggerFactory.getLogger(Main.class);

  private Main() {}

  public static void main(String[] args) throws IOException {
    OperatorConfig config = OperatorConfig.fromEnvironment(System.getenv());
    KubernetesClient client = new KubernetesClientBuilder().withConfig(clientConfig()).build();
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    new io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics().bindTo(registry);
    new io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics().bindTo(registry);
    new io.micrometer.core.instrument.binder.system.ProcessorMetrics().bindTo(registry);
    Operator operator =
        ChatbotOperator.create(client, config, new HttpSmokeTester(client), registry);

    HttpServer http = HttpServer.create(new InetSocketAddress(config.httpPort()), 16);
    http.createContext("/healthz", ex -> respond(ex, 200, "ok"));
    http.createContext(
        "/readyz",
        ex -> {
          boolean ready =
              operator.getRuntimeInfo().isStarted()
                  && operator.getRuntimeInfo().allEventSourcesAreHealthy();
          respond(ex, ready ? 200 : 503, ready ? "ready" : "not ready");
        });
    http.createContext("/metrics", ex -> respond(ex, 200, registry.scrape()));
    http.start();

    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  LOG.info("shutting down: finishing running reconciles");
                  operator.stop();
                  http.stop(1);
                  client.close();
                },
                "shutdown"));
    operator.start();
    LOG.info("started; health and metrics on :{}", config.httpPort());
  }

  /**
   * The kubeconfig or in-cluster settings, with requests waiting up to 30 s instead of fabric8's 10
   * s: on a loaded API server an apply can take longer, and a timed-out request is sent again while
   * the first one still runs there, adding load where there is too much.
   */
  static Config clientConfig() {
    return new ConfigBuilder(Config.autoConfigure(null)).withRequestTimeout(30_000).build();
  }

  private static void respond(HttpExchange exchange, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().add("Content-Type", "text/plain; charset=utf-8");
    exchange.sendResponseHeaders(status, bytes.length);
    try (var out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }
}
