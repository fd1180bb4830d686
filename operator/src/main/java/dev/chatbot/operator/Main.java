package dev.chatbot.operator;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.chatbot.operator.cli.Cli;
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
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The process: the command line ({@link Cli}), and for {@code run} the operator plus /healthz,
 * /readyz and /metrics. No logger is created before the command line has chosen the log settings.
 */
public final class Main {

  private Main() {}

  public static void main(String[] args) {
    System.exit(Cli.execute(args));
  }

  /**
   * Runs the operator until the JVM is stopped (SIGTERM, Ctrl-C): never returns then. Returns 1
   * after a start-up failure, which it reports as one line (the stack trace at debug level), also
   * as the pod's termination message.
   */
  public static int runOperator(OperatorConfig config) {
    Logger log = LoggerFactory.getLogger(Main.class);
    Config clientConfig = clientConfig();
    try {
      Startup.check(clientConfig, config);
      start(config, clientConfig, log);
    } catch (RuntimeException | IOException e) {
      Startup.Failure failure = Startup.explain(e, clientConfig);
      log.error("{}", failure.getMessage());
      log.debug("start-up failure", e);
      Startup.writeTerminationMessage(failure.getMessage());
      return 1;
    }
    try {
      // The operator's threads do the work; the shutdown hook ends the process.
      new CountDownLatch(1).await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return 0;
  }

  private static void start(OperatorConfig config, Config clientConfig, Logger log)
      throws IOException {
    KubernetesClient client =
        new KubernetesClientBuilder()
            .withConfig(clientConfig)
            .withKubernetesSerialization(SharedStrings.serialization())
            .build();
    PrometheusMeterRegistry registry = meterRegistry();
    Operator operator =
        ChatbotOperator.create(client, config, new HttpSmokeTester(client), registry);

    HttpServer http;
    try {
      http = HttpServer.create(new InetSocketAddress(config.httpPort()), 16);
    } catch (java.net.BindException e) {
      throw new Startup.Failure(
          "port " + config.httpPort() + " (health and metrics) is taken: set HTTP_PORT", e);
    }
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
                  log.info("shutting down: finishing running reconciles");
                  operator.stop();
                  http.stop(0);
                  client.close();
                  log.info("stopped");
                },
                "shutdown"));
    operator.start();
    log.info("started; health and metrics on :{}", config.httpPort());
  }

  /** What /metrics serves: JOSDK's and the operator's meters (added at create) and the JVM's. */
  public static PrometheusMeterRegistry meterRegistry() {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    new io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics().bindTo(registry);
    new io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics().bindTo(registry);
    new io.micrometer.core.instrument.binder.system.ProcessorMetrics().bindTo(registry);
    return registry;
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
