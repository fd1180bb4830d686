package dev.chatbot.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The frontend's per-client limit on real pods (issue 12, "Limits that protect without locking
 * users out"): many clients through the frontend Service's ClusterIP, all arriving from the host's
 * one address, each get their own budget when the limit keys on a header or on X-Forwarded-For from
 * a trusted proxy range, and share one when X-Forwarded-For comes from an untrusted peer; the
 * limit's 429 carries Retry-After; {@code externalTrafficPolicy: Local} reaches the Service.
 *
 * <p>Three mock chatbots, one frontend replica each (the budget is per frontend pod), a budget of 6
 * a minute with a burst of 5: each client bursts 8 calls at once, so it is owed exactly 5 (a refill
 * takes 10 s, longer than a burst).
 */
@OneNodeCluster
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RateLimitE2E extends OperatorInstalled {

  static final int PER_MINUTE = 6;
  static final int BURST = 5;
  static final int CALLS_PER_CLIENT = 8;

  /** Never the host: TEST-NET-1 (RFC 5737). */
  static final String UNTRUSTED_RANGE = "192.0.2.0/24";

  /** Every address of this cluster's network (pods, Services, node; the host's bridge). */
  static final String CLUSTER_RANGE = "198.18.0.0/15";

  private static final HttpClient HTTP =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(10))
          .build();

  String ns;
  Chatbot keyed;
  Chatbot trusted;
  Chatbot untrusted;
  final List<String> rows = new ArrayList<>();

  @BeforeAll
  void install() {
    ns = cluster.freshNamespace("e2e-rate-limit");
    keyed =
        Chatbot.create(
            client,
            ns,
            "keyed",
            spec("key: header, header: X-API-Key", "    service: {externalTrafficPolicy: Local}"));
    trusted =
        Chatbot.create(
            client,
            ns,
            "trusted",
            spec("key: address, trustedProxies: [\"" + CLUSTER_RANGE + "\"]"));
    untrusted =
        Chatbot.create(
            client,
            ns,
            "untrusted",
            spec("key: address, trustedProxies: [\"" + UNTRUSTED_RANGE + "\"]"));
    for (Chatbot c : List.of(keyed, trusted, untrusted)) {
      c.awaitReady(Duration.ofMinutes(3));
    }
  }

  @AfterAll
  void cleanUp() {
    System.out.println(
        "\n### Per-client limits through the frontend ClusterIP (RateLimitE2E, "
            + DownloadE2E.loadAverage()
            + ")\n");
    System.out.println(
        "| case | clients | requests | 200 | 429 | other | 200 per client | Retry-After (s) |");
    System.out.println("|---|---|---|---|---|---|---|---|");
    rows.forEach(System.out::println);
    if (ns != null) {
      cluster.deleteNamespace(ns, false);
    }
  }

  static String spec(String rateLimit, String... frontend) {
    return "  phase: mock\n"
        + "  frontend:\n"
        + "    replicas: 1\n"
        + "    autoscaling: {enabled: false}\n"
        + "    rateLimit: {requestsPerMinute: "
        + PER_MINUTE
        + ", burst: "
        + BURST
        + ", "
        + rateLimit
        + "}\n"
        + String.join("", List.of(frontend).stream().map(l -> l + "\n").toList());
  }

  /** One call's outcome. */
  record Call(int client, int status, String retryAfter) {}

  /** What a burst of calls got. */
  record Burst(String label, int clients, List<Call> calls, double seconds) {
    long count(int status) {
      return calls.stream().filter(c -> c.status() == status).count();
    }

    Map<Integer, Long> okPerClient() {
      Map<Integer, Long> out = new TreeMap<>();
      for (int i = 0; i < clients; i++) {
        final int client = i;
        out.put(i, calls.stream().filter(c -> c.client() == client && c.status() == 200).count());
      }
      return out;
    }

    TreeSet<String> retryAfters() {
      TreeSet<String> out = new TreeSet<>();
      calls.stream().filter(c -> c.status() == 429).forEach(c -> out.add(c.retryAfter()));
      return out;
    }

    String row() {
      return String.format(
          Locale.ROOT,
          "| %s | %d | %d | %d | %d | %d | %s | %s |",
          label,
          clients,
          calls.size(),
          count(200),
          count(429),
          calls.size() - count(200) - count(429),
          new TreeSet<>(okPerClient().values()),
          retryAfters());
    }

    /** Calls a client may have been granted: its burst plus what refilled while it ran. */
    long owed() {
      return BURST + (long) Math.ceil(seconds * PER_MINUTE / 60.0);
    }
  }

  /**
   * {@code clients} clients each send {@link #CALLS_PER_CLIENT} chat calls at once (all clients
   * together), {@code headers} giving each client's headers.
   */
  Burst burst(String label, String url, int clients, IntFunction<Map<String, String>> headers)
      throws Exception {
    int total = clients * CALLS_PER_CLIENT;
    ExecutorService pool = Executors.newFixedThreadPool(total);
    CountDownLatch go = new CountDownLatch(1);
    List<CompletableFuture<Call>> futures = new ArrayList<>();
    long start = System.nanoTime();
    try {
      for (int c = 0; c < clients; c++) {
        Map<String, String> h = headers.apply(c);
        final int client = c;
        for (int i = 0; i < CALLS_PER_CLIENT; i++) {
          futures.add(
              CompletableFuture.supplyAsync(
                  () -> {
                    try {
                      go.await();
                      return call(url, client, h);
                    } catch (Exception e) {
                      return new Call(client, -1, e.toString());
                    }
                  },
                  pool));
        }
      }
      go.countDown();
      List<Call> calls = futures.stream().map(CompletableFuture::join).toList();
      Burst b = new Burst(label, clients, calls, (System.nanoTime() - start) / 1e9);
      rows.add(b.row());
      System.out.println(b.row() + " (" + String.format(Locale.ROOT, "%.1f s", b.seconds()) + ")");
      return b;
    } finally {
      pool.shutdown();
      pool.awaitTermination(1, TimeUnit.MINUTES);
    }
  }

  static Call call(String url, int client, Map<String, String> headers)
      throws IOException, InterruptedException {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(url + "/api/chat"))
            .timeout(Duration.ofSeconds(30))
            .header("Content-Type", "application/json")
            .POST(
                HttpRequest.BodyPublishers.ofString(
                    Serialization.asJson(Map.of("message", "hello from client " + client))));
    headers.forEach(b::header);
    HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    return new Call(client, r.statusCode(), r.headers().firstValue("Retry-After").orElse(null));
  }

  /** Each client got exactly what it was owed, and each refusal was a 429 with Retry-After. */
  static void assertOwnBudgets(Burst b) {
    assertThat(b.count(200) + b.count(429))
        .as(b.label() + ": every call answered 200 or 429: " + b.calls())
        .isEqualTo(b.calls().size());
    b.okPerClient()
        .forEach(
            (client, ok) ->
                assertThat(ok)
                    .as(b.label() + ": calls of client " + client + " answered 200")
                    .isBetween((long) BURST, b.owed()));
    assertRetryAfter(b);
  }

  static void assertRetryAfter(Burst b) {
    assertThat(b.count(429)).as(b.label() + ": refused calls").isPositive();
    for (String v : b.retryAfters()) {
      assertThat(v).as(b.label() + ": Retry-After").isNotNull().matches("\\d+");
      // At most the time one call takes to refill: 60 / 6 = 10 s.
      assertThat(Integer.parseInt(v)).isBetween(1, 60 / PER_MINUTE);
    }
  }

  @Test
  void eachApiKeyHasItsOwnBudget() throws Exception {
    int clients = 20;
    Burst b =
        burst(
            "key: header (X-API-Key), 20 keys",
            keyed.frontendUrl(),
            clients,
            c -> Map.of("X-API-Key", "client-key-" + c));
    assertOwnBudgets(b);
    assertThat(b.count(200)).isBetween((long) clients * BURST, clients * b.owed());
  }

  @Test
  void forwardedForIsBelievedOnlyFromATrustedPeer() throws Exception {
    int clients = 10;
    Burst believed =
        burst(
            "key: address, trustedProxies [" + CLUSTER_RANGE + "], 10 X-Forwarded-For",
            trusted.frontendUrl(),
            clients,
            c -> Map.of("X-Forwarded-For", "203.0.113." + (c + 1)));
    assertOwnBudgets(believed);

    Burst ignored =
        burst(
            "key: address, trustedProxies [" + UNTRUSTED_RANGE + "], 10 X-Forwarded-For",
            untrusted.frontendUrl(),
            clients,
            c -> Map.of("X-Forwarded-For", "203.0.113." + (c + 1)));
    assertThat(ignored.count(200) + ignored.count(429)).isEqualTo(ignored.calls().size());
    // One budget for all of them: the host's address.
    assertThat(ignored.count(200)).as("calls answered 200").isBetween((long) BURST, ignored.owed());
    assertRetryAfter(ignored);

    // The address the frontend pods see for the host's calls through a ClusterIP: the reply
    // direction of the kernel's connection tracking (kube-proxy's DNAT, and SNAT if any).
    String ip =
        client.services().inNamespace(ns).withName(untrusted.name()).get().getSpec().getClusterIP();
    String conntrack =
        Cluster.run(cluster.repoRoot(), List.of("conntrack", "-L", "-p", "tcp", "--orig-dst", ip));
    Map<String, Long> peers = new ConcurrentHashMap<>();
    conntrack
        .lines()
        .filter(l -> l.startsWith("tcp"))
        .forEach(
            l -> {
              String[] dst = l.split("dst=");
              if (dst.length >= 3) {
                peers.merge(dst[2].split(" ")[0], 1L, Long::sum);
              }
            });
    System.out.println(
        "the frontend pods see the host's calls through ClusterIP " + ip + " from: " + peers);
    assertThat(peers).isNotEmpty();
    for (String peer : peers.keySet()) {
      assertThat(peer).as("inside " + CLUSTER_RANGE).matches("198\\.(18|19)\\..*");
    }
    rows.add(
        "| (source address the frontend sees for host calls through the ClusterIP: "
            + String.join(", ", peers.keySet())
            + ") | | | | | | | |");
  }

  @Test
  void externalTrafficPolicyLocalReachesTheServiceAndItsNodePortAnswers() throws Exception {
    Service service = client.services().inNamespace(ns).withName(keyed.name()).get();
    assertThat(service.getSpec().getType()).isEqualTo("LoadBalancer");
    assertThat(service.getSpec().getExternalTrafficPolicy()).isEqualTo("Local");
    assertThat(
            client
                .services()
                .inNamespace(ns)
                .withName(trusted.name())
                .get()
                .getSpec()
                .getExternalTrafficPolicy())
        .isEqualTo("Cluster");
    Integer nodePort = service.getSpec().getPorts().get(0).getNodePort();
    assertThat(nodePort).isNotNull();
    Call call =
        call(
            "http://" + cluster.nodeIp() + ":" + nodePort,
            0,
            Map.of("X-API-Key", "node-port-probe"));
    assertThat(call.status()).isEqualTo(200);
    System.out.printf(
        "externalTrafficPolicy Local: NodePort %s:%d answered %d%n",
        cluster.nodeIp(), nodePort, call.status());
  }
}
