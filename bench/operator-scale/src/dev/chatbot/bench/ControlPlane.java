package dev.chatbot.bench;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * etcd and kube-apiserver v1.20.2 (the binaries of {@code hack/envtest.sh install}) on 127.0.0.1,
 * with the flags of the operator's real-API-server tests: RBAC, static bearer tokens, and an audit
 * log of every request at level Metadata. One instance per benchmark step; etcd's data on /dev/shm.
 */
final class ControlPlane implements AutoCloseable {
  static final String OPERATOR_USER = "chatbot-operator";
  static final String CREATOR_USER = "bench-creator";
  static final String STANDIN_USER = "bench-standin";
  static final String OBSERVER_USER = "bench-observer";
  static final String ADMIN_USER = "bench-admin";

  private final Path binDir;
  private final Path workDir;
  private final Path etcdData;
  private final Map<String, String> tokens = new LinkedHashMap<>();
  private final List<Process> processes = new ArrayList<>();
  private Process etcd;
  private Process apiserver;
  private String caPem;
  private int port;
  private HttpClient http;

  ControlPlane(Path binDir, Path workDir) throws IOException {
    this.binDir = binDir;
    this.workDir = workDir;
    Files.createDirectories(workDir);
    Path shm = Path.of("/dev/shm");
    this.etcdData =
        Files.isWritable(shm)
            ? Files.createTempDirectory(shm, "bench-etcd-")
            : Files.createTempDirectory("bench-etcd-");
  }

  void start() throws Exception {
    // An interrupted benchmark leaves no API server, etcd or etcd data behind.
    Runtime.getRuntime().addShutdownHook(new Thread(this::close, "control-plane-stop"));
    certificates();
    StringBuilder csv = new StringBuilder();
    for (String[] id :
        new String[][] {
          {ADMIN_USER, "system:masters"},
          {CREATOR_USER, "system:masters"},
          {STANDIN_USER, "system:masters"},
          {OBSERVER_USER, "system:masters"},
          {OPERATOR_USER, ""}
        }) {
      String token = UUID.randomUUID().toString();
      tokens.put(id[0], token);
      csv.append(token).append(',').append(id[0]).append(',').append(id[0]);
      if (!id[1].isEmpty()) {
        csv.append(",\"").append(id[1]).append('"');
      }
      csv.append('\n');
    }
    Files.writeString(workDir.resolve("tokens.csv"), csv, UTF_8);
    Files.writeString(
        workDir.resolve("audit-policy.yaml"),
        String.join(
            "\n",
            "apiVersion: audit.k8s.io/v1",
            "kind: Policy",
            "omitStages: [RequestReceived]",
            "rules:",
            "- level: None",
            "  nonResourceURLs: ['/readyz*', '/healthz*', '/livez*', '/version', '/openapi*',"
                + " '/metrics']",
            "- level: Metadata",
            ""),
        UTF_8);
    int[] ports = freePorts(3);
    port = ports[2];
    String etcdUrl = "http://127.0.0.1:" + ports[0];
    String peerUrl = "http://127.0.0.1:" + ports[1];
    etcd =
        launch(
            "etcd",
            binDir.resolve("etcd").toString(),
            "--name=bench",
            "--data-dir=" + etcdData,
            "--listen-client-urls=" + etcdUrl,
            "--advertise-client-urls=" + etcdUrl,
            "--listen-peer-urls=" + peerUrl,
            "--initial-advertise-peer-urls=" + peerUrl,
            "--initial-cluster=bench=" + peerUrl,
            "--listen-metrics-urls=",
            "--log-level=warn");
    apiserver =
        launch(
            "kube-apiserver",
            binDir.resolve("kube-apiserver").toString(),
            "--etcd-servers=" + etcdUrl,
            "--bind-address=127.0.0.1",
            "--advertise-address=127.0.0.1",
            "--secure-port=" + port,
            "--insecure-port=0",
            "--cert-dir=" + workDir,
            "--tls-cert-file=" + workDir.resolve("server.crt"),
            "--tls-private-key-file=" + workDir.resolve("server.key"),
            "--client-ca-file=" + workDir.resolve("ca.crt"),
            "--token-auth-file=" + workDir.resolve("tokens.csv"),
            "--authorization-mode=RBAC",
            "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
            "--service-account-key-file=" + workDir.resolve("sa.key"),
            "--service-account-signing-key-file=" + workDir.resolve("sa.key"),
            "--api-audiences=https://kubernetes.default.svc.cluster.local",
            "--service-cluster-ip-range=10.96.0.0/16",
            "--endpoint-reconciler-type=none",
            "--disable-admission-plugins=ServiceAccount",
            "--allow-privileged=true",
            "--profiling=false",
            "--audit-policy-file=" + workDir.resolve("audit-policy.yaml"),
            "--audit-log-path=" + auditLog(),
            "--audit-log-format=json",
            "--audit-log-mode=blocking");
    http = httpClient();
    long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
    while (get("/readyz") != 200 || get("/api/v1/namespaces/default") != 200) {
      if (!apiserver.isAlive() || !etcd.isAlive()) {
        throw new IllegalStateException(
            "the control plane exited; see " + workDir + "/kube-apiserver.log and etcd.log");
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("kube-apiserver not ready within 120 s");
      }
      Thread.sleep(100);
    }
    writeKubeconfig(OPERATOR_USER);
  }

  Path workDir() {
    return workDir;
  }

  Path auditLog() {
    return workDir.resolve("audit.log");
  }

  String url() {
    return "https://127.0.0.1:" + port;
  }

  /** The process ids of kube-apiserver and etcd themselves (not their watchdog shells). */
  long apiserverPid() {
    return realPid(apiserver, "kube-apiserver");
  }

  long etcdPid() {
    return realPid(etcd, "etcd");
  }

  /** The binary under the watchdog shell (whose other child is a passing `sleep 1`). */
  private static long realPid(Process p, String binary) {
    return p.children()
        .filter(c -> c.info().command().map(cmd -> cmd.endsWith("/" + binary)).orElse(false))
        .findFirst()
        .map(ProcessHandle::pid)
        .orElse(p.pid());
  }

  KubernetesClient client(String user) {
    return new KubernetesClientBuilder().withConfig(config(user)).build();
  }

  Config config(String user) {
    return new ConfigBuilder(Config.empty())
        .withAutoConfigure(false)
        .withMasterUrl(url())
        .withCaCertData(Base64.getEncoder().encodeToString(caPem.getBytes(UTF_8)))
        .withOauthToken(tokens.get(user))
        .withNamespace("default")
        .withRequestTimeout(60_000)
        .withConnectionTimeout(10_000)
        .build();
  }

  /** A kubeconfig file for {@code user}, as a pod's service account would get. */
  Path kubeconfig(String user) {
    return workDir.resolve(user + ".kubeconfig");
  }

  /** The API server's /metrics text (as the admin). */
  String metrics() {
    try {
      HttpRequest request =
          HttpRequest.newBuilder(URI.create(url() + "/metrics"))
              .header("Authorization", "Bearer " + tokens.get(ADMIN_USER))
              .timeout(Duration.ofSeconds(20))
              .build();
      return http.send(request, HttpResponse.BodyHandlers.ofString()).body();
    } catch (IOException e) {
      return "";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "";
    }
  }

  private int get(String path) {
    try {
      HttpRequest request =
          HttpRequest.newBuilder(URI.create(url() + path))
              .header("Authorization", "Bearer " + tokens.get(ADMIN_USER))
              .timeout(Duration.ofSeconds(2))
              .build();
      return http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
    } catch (IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  @Override
  public synchronized void close() {
    for (int i = processes.size() - 1; i >= 0; i--) {
      Process p = processes.get(i);
      List<ProcessHandle> children = p.descendants().toList();
      p.destroy();
      try {
        if (!p.waitFor(15, java.util.concurrent.TimeUnit.SECONDS)) {
          children.forEach(ProcessHandle::destroyForcibly);
          p.destroyForcibly();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    processes.clear();
    try (Stream<Path> paths = Files.walk(etcdData)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException ignored) {
      // best effort
    }
  }

  private void certificates() throws Exception {
    Files.writeString(
        workDir.resolve("openssl.cnf"),
        String.join(
            "\n",
            "[req]",
            "distinguished_name = dn",
            "prompt = no",
            "[dn]",
            "CN = bench",
            "[ca_ext]",
            "basicConstraints = critical,CA:TRUE",
            "keyUsage = critical,keyCertSign,cRLSign,digitalSignature",
            "[server_ext]",
            "basicConstraints = critical,CA:FALSE",
            "keyUsage = critical,digitalSignature,keyEncipherment",
            "extendedKeyUsage = serverAuth",
            "subjectAltName = IP:127.0.0.1,DNS:localhost",
            ""),
        UTF_8);
    openssl(
        "req",
        "-x509",
        "-config",
        "openssl.cnf",
        "-extensions",
        "ca_ext",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "ca.key",
        "-out",
        "ca.crt",
        "-days",
        "30",
        "-subj",
        "/CN=bench-ca");
    openssl(
        "req",
        "-new",
        "-config",
        "openssl.cnf",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "server.key",
        "-out",
        "server.csr",
        "-subj",
        "/CN=kube-apiserver");
    openssl(
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.crt",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-days",
        "30",
        "-extfile",
        "openssl.cnf",
        "-extensions",
        "server_ext",
        "-out",
        "server.crt");
    openssl("genrsa", "-out", "sa.key", "2048");
    caPem = Files.readString(workDir.resolve("ca.crt"), UTF_8);
  }

  private void openssl(String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of("openssl"));
    command.addAll(List.of(args));
    Process p =
        new ProcessBuilder(command).directory(workDir.toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), UTF_8);
    if (p.waitFor() != 0) {
      throw new IllegalStateException("openssl failed: " + command + "\n" + out);
    }
  }

  private void writeKubeconfig(String user) throws IOException {
    Files.writeString(
        kubeconfig(user),
        String.join(
            "\n",
            "apiVersion: v1",
            "kind: Config",
            "clusters:",
            "- name: bench",
            "  cluster:",
            "    server: " + url(),
            "    certificate-authority-data: "
                + Base64.getEncoder().encodeToString(caPem.getBytes(UTF_8)),
            "users:",
            "- name: " + user,
            "  user:",
            "    token: " + tokens.get(user),
            "contexts:",
            "- name: bench",
            "  context:",
            "    cluster: bench",
            "    user: " + user,
            "current-context: bench",
            ""),
        UTF_8);
  }

  /**
   * Runs a binary under a small shell watchdog that kills it when this JVM disappears, so no etcd
   * or kube-apiserver outlives an interrupted benchmark.
   */
  private Process launch(String name, String... command) throws IOException {
    List<String> argv = new ArrayList<>();
    argv.add("/bin/sh");
    argv.add("-c");
    argv.add(
        "jvm=$1; shift; \"$@\" & child=$!;"
            + " trap 'kill $child 2>/dev/null; wait $child; exit 0' TERM INT;"
            + " while kill -0 $jvm 2>/dev/null && kill -0 $child 2>/dev/null;"
            + " do sleep 1 & wait $!; done;"
            + " kill $child 2>/dev/null; wait $child");
    argv.add("bench-" + name);
    argv.add(String.valueOf(ProcessHandle.current().pid()));
    argv.addAll(List.of(command));
    Path log = workDir.resolve(name + ".log");
    Files.writeString(log, String.join(" ", command) + "\n", UTF_8);
    ProcessBuilder pb =
        new ProcessBuilder(argv)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
            .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    pb.environment().put("AWS_EC2_METADATA_DISABLED", "true");
    Process p = pb.start();
    processes.add(p);
    return p;
  }

  private HttpClient httpClient() throws Exception {
    KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
    trust.load(null, null);
    trust.setCertificateEntry(
        "bench-ca",
        CertificateFactory.getInstance("X.509")
            .generateCertificate(new java.io.ByteArrayInputStream(caPem.getBytes(UTF_8))));
    TrustManagerFactory tmf =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    SSLContext ssl = SSLContext.getInstance("TLS");
    ssl.init(null, tmf.getTrustManagers(), null);
    return HttpClient.newBuilder().sslContext(ssl).connectTimeout(Duration.ofSeconds(2)).build();
  }

  static int[] freePorts(int count) {
    List<ServerSocket> sockets = new ArrayList<>();
    try {
      int[] ports = new int[count];
      for (int i = 0; i < count; i++) {
        ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        sockets.add(s);
        ports[i] = s.getLocalPort();
      }
      return ports;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      for (ServerSocket s : sockets) {
        try {
          s.close();
        } catch (IOException ignored) {
          // best effort
        }
      }
    }
  }
}
