package dev.chatbot.operator.envtest;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.ByteArrayInputStream;
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
import java.nio.file.Paths;
import java.security.GeneralSecurityException;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Assumptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real Kubernetes control plane for integration tests: etcd and kube-apiserver v1.20.2 (and, on
 * request, kube-controller-manager running only the garbage collector) on 127.0.0.1 with random
 * ports, generated certificates, {@code --authorization-mode=RBAC} and an audit log.
 *
 * <p>One instance per test JVM ({@link #shared()}; a benchmark starts its own with {@link
 * #startNew}), started lazily on first use and stopped by a shutdown hook. The binaries come from
 * {@code hack/envtest.sh install}. When they are missing the calling test is skipped (JUnit
 * assumption) with instructions, unless the environment variable {@code CI} is {@code true}: then
 * it fails, because CI must run this tier.
 *
 * <p>Identities: {@link #adminClient()} is in group {@code system:masters}; {@link
 * #clientFor(String, String...)} authenticates as any other user (static bearer tokens from {@code
 * --token-auth-file} for {@link #OPERATOR_USER} and {@link #OTHER_MANAGER_USER}, generated client
 * certificates for anyone else), who starts with no permissions beyond the built-in ones of {@code
 * system:authenticated}.
 *
 * <p>Binary directory: system property {@code envtest.binDir}, else environment variable {@code
 * ENVTEST_BIN_DIR}, else {@code ${ENVTEST_CACHE:-~/.cache/chatbot-operator/envtest}/1.20.2}.
 */
public final class ApiServer implements AutoCloseable {

  /** The Kubernetes version the binaries are built from. */
  public static final String KUBERNETES_VERSION = "1.20.2";

  /** The user the operator runs as in RBAC tests (bearer token, no groups besides defaults). */
  public static final String OPERATOR_USER = "chatbot-operator";

  /** A second field manager / identity, e.g. a GitOps tool changing objects the operator owns. */
  public static final String OTHER_MANAGER_USER = "another-manager";

  /** The admin user; it is in group {@code system:masters}. */
  public static final String ADMIN_USER = "envtest-admin";

  private static final String CONTROLLER_MANAGER_USER = "system:kube-controller-manager";
  private static final String PROVISION_HINT = "provision them with `hack/envtest.sh install`";
  private static final Logger LOG = LoggerFactory.getLogger(ApiServer.class);
  private static final Set<String> WRITE_VERBS =
      Set.of("create", "update", "patch", "delete", "deletecollection");

  private static ApiServer shared;
  private static RuntimeException sharedStartFailure;

  private final Path binDir;
  private final Path workDir;
  private final Path etcdDataDir;
  private final Map<String, String> tokens = new LinkedHashMap<>();
  private final Map<String, Config> certificateConfigs = new LinkedHashMap<>();
  private final List<Process> processes = new ArrayList<>();
  private final SecureRandom random = new SecureRandom();
  private String caPem;
  private int port;
  private Duration startDuration;
  private Duration controllerManagerStartDuration;
  private Process etcd;
  private Process apiserver;
  private Process controllerManager;
  private int controllerManagerStarts;
  private KubernetesClient adminClient;
  private boolean stopped;

  private ApiServer(Path binDir, Path workDir, Path etcdDataDir) {
    this.binDir = binDir;
    this.workDir = workDir;
    this.etcdDataDir = etcdDataDir;
  }

  /**
   * The API server of this test JVM, started on first call. Skips the calling test (assumption)
   * when the binaries are missing outside CI; fails when they are missing in CI ({@code CI=true})
   * or when the server does not start.
   */
  public static synchronized ApiServer shared() {
    if (shared != null) {
      return shared;
    }
    if (sharedStartFailure != null) {
      throw new IllegalStateException(
          "the envtest API server failed to start earlier in this JVM", sharedStartFailure);
    }
    Path binDir = requireBinaries();
    try {
      shared = startNew(binDir, null);
      return shared;
    } catch (RuntimeException e) {
      sharedStartFailure = e;
      throw e;
    }
  }

  /**
   * A new control plane of its own (not {@link #shared()}), e.g. one per step of a benchmark, with
   * its files in {@code workDir} (null: under {@code target/envtest}); a shutdown hook stops it if
   * {@link #close()} was not called.
   */
  public static ApiServer startNew(Path binDir, Path workDir) {
    for (int attempt = 1; ; attempt++) {
      Path dir =
          workDir == null
              ? newWorkDir(attempt)
              : attempt == 1
                  ? workDir
                  : workDir.resolveSibling(workDir.getFileName() + "-" + attempt);
      ApiServer server = new ApiServer(binDir, dir, newEtcdDataDir());
      Runtime.getRuntime().addShutdownHook(new Thread(server::stop, "envtest-stop"));
      try {
        server.start();
        return server;
      } catch (RuntimeException e) {
        server.stop();
        String logs = server.logTails();
        if (attempt < 3 && logs.contains("address already in use")) {
          LOG.warn("envtest: a random port was taken meanwhile, retrying (attempt {})", attempt);
          continue;
        }
        throw new IllegalStateException(
            "the envtest control plane did not start: " + e.getMessage() + logs, e);
      }
    }
  }

  private String logTails() {
    StringBuilder tails = new StringBuilder();
    for (String name : List.of("etcd.log", "kube-apiserver.log")) {
      List<String> lines = readQuietly(workDir.resolve(name)).lines().toList();
      tails.append("\n--- last lines of ").append(workDir.resolve(name)).append(" ---\n");
      lines
          .subList(Math.max(0, lines.size() - 15), lines.size())
          .forEach(l -> tails.append(l).append('\n'));
    }
    return tails.toString();
  }

  /** True when the binaries are present, i.e. {@link #shared()} will try to start. */
  public static boolean binariesAvailable() {
    Path dir = binDir();
    return Files.isExecutable(dir.resolve("kube-apiserver"))
        && Files.isExecutable(dir.resolve("etcd"));
  }

  /** The directory the binaries are read from (see the class comment). */
  public static Path binDir() {
    String configured = System.getProperty("envtest.binDir", System.getenv("ENVTEST_BIN_DIR"));
    if (configured != null && !configured.isBlank()) {
      return Paths.get(configured);
    }
    String cache = System.getenv("ENVTEST_CACHE");
    Path root =
        cache != null && !cache.isBlank()
            ? Paths.get(cache)
            : Paths.get(System.getProperty("user.home"), ".cache", "chatbot-operator", "envtest");
    return root.resolve(KUBERNETES_VERSION);
  }

  /** True when {@code CI=true}: then missing binaries fail the tests instead of skipping them. */
  public static boolean mustRun() {
    return "true".equalsIgnoreCase(System.getenv("CI"));
  }

  /** Why the tests cannot run and how to fix it. */
  public static String missingBinariesMessage() {
    return "kube-apiserver and etcd v"
        + KUBERNETES_VERSION
        + " are not in "
        + binDir()
        + "; "
        + PROVISION_HINT
        + " (or point ENVTEST_BIN_DIR at them)";
  }

  private static Path requireBinaries() {
    if (binariesAvailable()) {
      return binDir();
    }
    String why = missingBinariesMessage();
    if (mustRun()) {
      throw new IllegalStateException("CI=true, so the real-API-server tests must run, but " + why);
    }
    LOG.warn("Skipping real-API-server tests: {}", why);
    Assumptions.abort("Skipped outside CI: " + why);
    throw new AssertionError("unreachable");
  }

  // ---------------------------------------------------------------------------------------------
  // Public API

  /** The API server URL, {@code https://127.0.0.1:<port>}. */
  public String url() {
    return "https://127.0.0.1:" + port;
  }

  /** Wall time from launching etcd until kube-apiserver was ready and {@code default} existed. */
  public Duration startDuration() {
    return startDuration;
  }

  /** Wall time until the garbage collector had synced, or null if not started. */
  public synchronized Duration controllerManagerStartDuration() {
    return controllerManagerStartDuration;
  }

  /** Where certificates, kubeconfig, token file, audit log and process logs are written. */
  public Path workDir() {
    return workDir;
  }

  /** A kubeconfig file for the admin, for kubectl: {@code KUBECONFIG=<this> kubectl get ns}. */
  public Path kubeconfigFile() {
    return workDir.resolve("kubeconfig");
  }

  /** The shared admin client (group {@code system:masters}). Do not close it. */
  public synchronized KubernetesClient adminClient() {
    if (adminClient == null) {
      adminClient = new KubernetesClientBuilder().withConfig(adminConfig()).build();
    }
    return adminClient;
  }

  /** A fresh client config for the admin (group {@code system:masters}). */
  public Config adminConfig() {
    return tokenConfig(ADMIN_USER);
  }

  /**
   * A new client authenticated as {@code user} in {@code groups} (plus {@code
   * system:authenticated}). The caller closes it. {@link #OPERATOR_USER} and {@link
   * #OTHER_MANAGER_USER} without groups use static bearer tokens; any other identity a client
   * certificate signed by the cluster CA.
   */
  public KubernetesClient clientFor(String user, String... groups) {
    return new KubernetesClientBuilder().withConfig(configFor(user, groups)).build();
  }

  /** The client config behind {@link #clientFor(String, String...)}. */
  public synchronized Config configFor(String user, String... groups) {
    if (groups.length == 0 && tokens.containsKey(user) && !ADMIN_USER.equals(user)) {
      return tokenConfig(user);
    }
    String key = user + "|" + String.join(",", groups);
    Config template = certificateConfigs.get(key);
    if (template == null) {
      template = certificateConfig(user, groups);
      certificateConfigs.put(key, template);
    }
    return new ConfigBuilder(template).build();
  }

  /**
   * Creates a namespace with a unique name derived from {@code prefix} and returns the name.
   * Namespaces are not deleted (without the namespace controller they would stay Terminating); the
   * whole etcd goes away with the JVM.
   */
  public String createNamespace(String prefix) {
    String base = prefix.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9-]+", "-");
    base = base.replaceAll("^-+|-+$", "");
    if (base.length() > 50) {
      base = base.substring(0, 50).replaceAll("-+$", "");
    }
    if (base.isEmpty()) {
      base = "test";
    }
    String name = base + "-" + randomSuffix(6);
    adminClient()
        .namespaces()
        .resource(new NamespaceBuilder().withNewMetadata().withName(name).endMetadata().build())
        .create();
    return name;
  }

  /**
   * Starts kube-controller-manager with only the garbage collector (idempotent), so that deleting
   * an owner deletes its dependents. Returns when the collector's resource monitors have synced.
   *
   * <p>The collector discovers resource types at start and then only every 30 s, and it only
   * notices the deletion of owners whose type it watches. So when a custom resource is the owner (a
   * ChatbotDeployment), install the CRD first and then call {@link #restartControllerManager()}
   * (about 2 s), or expect the cascade to lag by up to a minute.
   */
  public synchronized void startControllerManager() {
    if (controllerManager != null) {
      return;
    }
    controllerManagerStarts++;
    Path binary = binDir.resolve("kube-controller-manager");
    if (!Files.isExecutable(binary)) {
      throw new IllegalStateException(
          "kube-controller-manager not found in " + binDir + "; " + PROVISION_HINT);
    }
    long t0 = System.nanoTime();
    Path kubeconfig = workDir.resolve("controller-manager.kubeconfig");
    writeKubeconfig(kubeconfig, tokens.get(CONTROLLER_MANAGER_USER));
    Path log =
        workDir.resolve(
            controllerManagerStarts == 1
                ? "kube-controller-manager.log"
                : "kube-controller-manager-" + controllerManagerStarts + ".log");
    controllerManager =
        launch(
            "kube-controller-manager",
            log,
            binary.toString(),
            "--kubeconfig=" + kubeconfig,
            "--controllers=garbagecollector",
            "--use-service-account-credentials=false",
            "--leader-elect=false",
            "--port=0",
            "--secure-port=0",
            "--concurrent-gc-syncs=5",
            "--v=2");
    waitFor(
        "the garbage collector to sync (see " + log + ")",
        Duration.ofSeconds(60),
        controllerManager,
        () -> readQuietly(log).contains("all resource monitors have synced"));
    controllerManagerStartDuration = Duration.ofNanos(System.nanoTime() - t0);
    LOG.info(
        "envtest: kube-controller-manager (garbage collector) ready in {} ms",
        controllerManagerStartDuration.toMillis());
  }

  /**
   * Restarts (or starts) the garbage collector so that it watches all resource types that exist
   * now, e.g. a CRD just installed. Returns when it has synced.
   */
  public synchronized void restartControllerManager() {
    if (controllerManager != null) {
      terminate(controllerManager);
      processes.remove(controllerManager);
      controllerManager = null;
    }
    startControllerManager();
  }

  /** The audit log of all requests (level Metadata, one JSON event per line). */
  public Path auditLog() {
    return workDir.resolve("audit.log");
  }

  /**
   * Parsed audit events so far, in order; each has {@code user.username}, {@code verb}, {@code
   * objectRef.resource}, {@code objectRef.namespace}, {@code objectRef.name}, {@code
   * responseStatus.code}, {@code userAgent}. Use with a mark ({@code auditEvents().size()}) to
   * count the requests of a test step, e.g. the write requests of a resync.
   */
  public List<JsonNode> auditEvents() {
    ObjectMapper mapper = new ObjectMapper();
    List<JsonNode> events = new ArrayList<>();
    try (Stream<String> lines = Files.lines(auditLog(), UTF_8)) {
      lines
          .filter(l -> l.endsWith("}"))
          .forEach(
              l -> {
                try {
                  events.add(mapper.readTree(l));
                } catch (IOException e) {
                  throw new UncheckedIOException(e);
                }
              });
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return events;
  }

  /** The number of audit events so far: a mark for {@link #writeRequestsSince(int, String)}. */
  public int auditMark() {
    return auditEvents().size();
  }

  /**
   * The write requests (create, update, patch, delete, deletecollection) that {@code user} made
   * after {@code mark}, e.g. to show that a resync with nothing changed writes nothing. An event is
   * logged when its request completes, a moment after the client got the response: to assert an
   * absence, wait (Awaitility {@code during}) rather than check once.
   */
  public List<JsonNode> writeRequestsSince(int mark, String user) {
    List<JsonNode> events = auditEvents();
    return events.subList(Math.min(mark, events.size()), events.size()).stream()
        .filter(e -> user.equals(e.at("/user/username").asText()))
        .filter(e -> WRITE_VERBS.contains(e.at("/verb").asText()))
        .toList();
  }

  /**
   * A kubeconfig file for {@code user}'s static bearer token ({@link #OPERATOR_USER} or {@link
   * #OTHER_MANAGER_USER}), as a pod's service account would get, for an operator process.
   */
  public Path kubeconfigFor(String user) {
    String token = tokens.get(user);
    if (token == null || ADMIN_USER.equals(user)) {
      throw new IllegalArgumentException("no static token for " + user);
    }
    Path file = workDir.resolve(user.replace(':', '-') + ".kubeconfig");
    writeKubeconfig(file, token);
    return file;
  }

  /** The API server's Prometheus text from {@code /metrics} (as the admin; "" if unreachable). */
  public String metrics() {
    try {
      HttpRequest request =
          HttpRequest.newBuilder(URI.create(url() + "/metrics"))
              .header("Authorization", "Bearer " + tokens.get(ADMIN_USER))
              .timeout(Duration.ofSeconds(20))
              .build();
      return httpClient().send(request, HttpResponse.BodyHandlers.ofString()).body();
    } catch (IOException e) {
      return "";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "";
    }
  }

  /** The process id of kube-apiserver itself (not of its watchdog shell), e.g. for CPU time. */
  public long apiServerPid() {
    return daemonPid(apiserver, "kube-apiserver");
  }

  /** The process id of etcd itself. */
  public long etcdPid() {
    return daemonPid(etcd, "etcd");
  }

  /** The binary under the watchdog shell (whose other child is a passing {@code sleep 1}). */
  private static long daemonPid(Process watchdog, String binary) {
    return watchdog
        .children()
        .filter(c -> c.info().command().map(cmd -> cmd.endsWith("/" + binary)).orElse(false))
        .findFirst()
        .map(ProcessHandle::pid)
        .orElse(watchdog.pid());
  }

  @Override
  public void close() {
    stop();
  }

  /** Stops all processes (idempotent). Called by the shutdown hook. */
  public synchronized void stop() {
    if (stopped) {
      return;
    }
    stopped = true;
    long t0 = System.nanoTime();
    if (adminClient != null) {
      adminClient.close();
    }
    for (int i = processes.size() - 1; i >= 0; i--) {
      terminate(processes.get(i));
    }
    deleteRecursively(etcdDataDir);
    LOG.info(
        "envtest: stopped in {} ms (logs in {})",
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0),
        workDir);
  }

  // ---------------------------------------------------------------------------------------------
  // Start

  private void start() {
    long t0 = System.nanoTime();
    try {
      Files.createDirectories(workDir);
      generateCertificates();
      writeTokenFile();
      writeAuditPolicy();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot prepare " + workDir, e);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
    long prepared = System.nanoTime();
    int[] ports = freePorts(3);
    int etcdPort = ports[0];
    int peerPort = ports[1];
    port = ports[2];
    String etcdUrl = "http://127.0.0.1:" + etcdPort;
    String peerUrl = "http://127.0.0.1:" + peerPort;
    etcd =
        launch(
            "etcd",
            workDir.resolve("etcd.log"),
            binDir.resolve("etcd").toString(),
            "--name=envtest",
            "--data-dir=" + etcdDataDir,
            "--listen-client-urls=" + etcdUrl,
            "--advertise-client-urls=" + etcdUrl,
            "--listen-peer-urls=" + peerUrl,
            "--initial-advertise-peer-urls=" + peerUrl,
            "--initial-cluster=envtest=" + peerUrl,
            "--listen-metrics-urls=",
            "--log-level=warn");
    apiserver =
        launch(
            "kube-apiserver",
            workDir.resolve("kube-apiserver.log"),
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
            // The default range (30000-32767) holds 2,768 NodePort and LoadBalancer Services: the
            // scale benchmark's 3000 chatbots each have one (docs/BENCHMARKS.md).
            "--service-node-port-range=20000-32767",
            "--endpoint-reconciler-type=none",
            "--disable-admission-plugins=ServiceAccount",
            "--allow-privileged=true",
            "--profiling=false",
            "--audit-policy-file=" + workDir.resolve("audit-policy.yaml"),
            "--audit-log-path=" + auditLog(),
            "--audit-log-format=json",
            "--audit-log-mode=blocking");
    HttpClient http = httpClient();
    String token = tokens.get(ADMIN_USER);
    waitFor(
        "kube-apiserver /readyz (see " + workDir.resolve("kube-apiserver.log") + ")",
        Duration.ofSeconds(90),
        apiserver,
        () -> etcd.isAlive() && get(http, token, "/readyz") == 200);
    waitFor(
        "namespace default",
        Duration.ofSeconds(30),
        apiserver,
        () -> get(http, token, "/api/v1/namespaces/default") == 200);
    long ready = System.nanoTime();
    startDuration = Duration.ofNanos(ready - prepared);
    writeKubeconfig(kubeconfigFile(), token);
    LOG.info(
        "envtest: kube-apiserver v{} ready at {} in {} ms (plus {} ms for certificates); work dir {}",
        KUBERNETES_VERSION,
        url(),
        startDuration.toMillis(),
        TimeUnit.NANOSECONDS.toMillis(prepared - t0),
        workDir);
  }

  private void generateCertificates() throws IOException, GeneralSecurityException {
    Path cnf = workDir.resolve("openssl.cnf");
    Files.writeString(
        cnf,
        String.join(
            "\n",
            "[req]",
            "distinguished_name = dn",
            "prompt = no",
            "[dn]",
            "CN = envtest",
            "[ca_ext]",
            "basicConstraints = critical,CA:TRUE",
            "keyUsage = critical,keyCertSign,cRLSign,digitalSignature",
            "subjectKeyIdentifier = hash",
            "[server_ext]",
            "basicConstraints = critical,CA:FALSE",
            "keyUsage = critical,digitalSignature,keyEncipherment",
            "extendedKeyUsage = serverAuth",
            "subjectAltName = IP:127.0.0.1,DNS:localhost",
            "[client_ext]",
            "basicConstraints = critical,CA:FALSE",
            "keyUsage = critical,digitalSignature,keyEncipherment",
            "extendedKeyUsage = clientAuth",
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
        "3650",
        "-subj",
        "/CN=envtest-ca");
    signedCertificate("server", "/CN=kube-apiserver", "server_ext");
    caPem = Files.readString(workDir.resolve("ca.crt"), UTF_8);
    // The service-account signing key: PKCS#8 PEM from the JDK, no extra process.
    KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
    generator.initialize(2048);
    writePem(
        workDir.resolve("sa.key"),
        "PRIVATE KEY",
        generator.generateKeyPair().getPrivate().getEncoded());
  }

  private void signedCertificate(String name, String subject, String extensions) {
    openssl(
        "req",
        "-new",
        "-config",
        "openssl.cnf",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        name + ".key",
        "-out",
        name + ".csr",
        "-subj",
        subject);
    openssl(
        "x509",
        "-req",
        "-in",
        name + ".csr",
        "-CA",
        "ca.crt",
        "-CAkey",
        "ca.key",
        "-set_serial",
        String.valueOf(Math.abs(random.nextLong())),
        "-days",
        "3650",
        "-extfile",
        "openssl.cnf",
        "-extensions",
        extensions,
        "-out",
        name + ".crt");
  }

  private void writeTokenFile() throws IOException {
    StringBuilder csv = new StringBuilder();
    // token,user,uid,"group1,group2"
    for (String[] identity :
        new String[][] {
          {ADMIN_USER, "system:masters"},
          {CONTROLLER_MANAGER_USER, "system:masters"},
          {OPERATOR_USER, ""},
          {OTHER_MANAGER_USER, ""}
        }) {
      String token = UUID.randomUUID().toString();
      tokens.put(identity[0], token);
      csv.append(token).append(',').append(identity[0]).append(',').append(identity[0]);
      if (!identity[1].isEmpty()) {
        csv.append(",\"").append(identity[1]).append('"');
      }
      csv.append('\n');
    }
    Files.writeString(workDir.resolve("tokens.csv"), csv, UTF_8);
  }

  private void writeAuditPolicy() throws IOException {
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
  }

  private Config tokenConfig(String user) {
    return baseConfig().withOauthToken(tokens.get(user)).build();
  }

  private Config certificateConfig(String user, String... groups) {
    String name = "client-" + randomSuffix(8);
    StringBuilder subject = new StringBuilder("/CN=").append(escapeSubject(user));
    for (String group : groups) {
      subject.append("/O=").append(escapeSubject(group));
    }
    signedCertificate(name, subject.toString(), "client_ext");
    return baseConfig()
        .withClientCertData(base64(readQuietly(workDir.resolve(name + ".crt"))))
        .withClientKeyData(base64(readQuietly(workDir.resolve(name + ".key"))))
        .withClientKeyAlgo("RSA")
        .build();
  }

  private ConfigBuilder baseConfig() {
    return new ConfigBuilder(Config.empty())
        .withAutoConfigure(false)
        .withMasterUrl(url())
        .withCaCertData(base64(caPem))
        .withNamespace("default")
        .withRequestTimeout(30_000)
        .withConnectionTimeout(10_000);
  }

  private void writeKubeconfig(Path file, String token) {
    String yaml =
        String.join(
            "\n",
            "apiVersion: v1",
            "kind: Config",
            "clusters:",
            "- name: envtest",
            "  cluster:",
            "    server: " + url(),
            "    certificate-authority-data: " + base64(caPem),
            "users:",
            "- name: envtest",
            "  user:",
            "    token: " + token,
            "contexts:",
            "- name: envtest",
            "  context:",
            "    cluster: envtest",
            "    user: envtest",
            "current-context: envtest",
            "");
    try {
      Files.writeString(file, yaml, UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Processes

  /**
   * Runs the binary under a small shell watchdog that kills it when this JVM disappears (e.g. a
   * failsafe timeout), so no etcd or kube-apiserver outlives the test run.
   */
  private Process launch(String name, Path log, String... command) {
    List<String> argv = new ArrayList<>();
    argv.add("/bin/sh");
    argv.add("-c");
    argv.add(
        "jvm=$1; shift; \"$@\" & child=$!;"
            + " trap 'kill $child 2>/dev/null; wait $child; exit 0' TERM INT;"
            + " while kill -0 $jvm 2>/dev/null && kill -0 $child 2>/dev/null;"
            + " do sleep 1 & wait $!; done;"
            + " kill $child 2>/dev/null; wait $child");
    argv.add("envtest-" + name);
    argv.add(String.valueOf(ProcessHandle.current().pid()));
    argv.addAll(List.of(command));
    try {
      Files.writeString(log, String.join(" ", command) + "\n", UTF_8);
      ProcessBuilder builder =
          new ProcessBuilder(argv)
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
              .redirectInput(ProcessBuilder.Redirect.from(Paths.get("/dev/null").toFile()));
      // No Kubernetes daemon may look for cloud credentials at 169.254.169.254.
      builder.environment().put("AWS_EC2_METADATA_DISABLED", "true");
      Process process = builder.start();
      processes.add(process);
      return process;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + name, e);
    }
  }

  private static void terminate(Process process) {
    List<ProcessHandle> children = process.descendants().toList();
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        children.forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      children.forEach(ProcessHandle::destroyForcibly);
      process.destroyForcibly();
    }
  }

  private void openssl(String... args) {
    List<String> command = new ArrayList<>();
    command.add("openssl");
    command.addAll(List.of(args));
    try {
      Process process =
          new ProcessBuilder(command).directory(workDir.toFile()).redirectErrorStream(true).start();
      String output = new String(process.getInputStream().readAllBytes(), UTF_8);
      if (process.waitFor() != 0) {
        throw new IllegalStateException(
            "openssl failed: " + String.join(" ", command) + "\n" + output);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run openssl (apt-get install openssl)", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static void waitFor(
      String what, Duration timeout, Process process, BooleanSupplier condition) {
    Awaitility.await(what)
        .atMost(timeout)
        .pollDelay(Duration.ZERO)
        .pollInterval(Duration.ofMillis(50))
        .until(
            () -> {
              if (!process.isAlive()) {
                throw new IllegalStateException("process exited while waiting for " + what);
              }
              return condition.getAsBoolean();
            });
  }

  private HttpClient httpClient() {
    try {
      KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
      trust.load(null, null);
      trust.setCertificateEntry(
          "envtest-ca",
          CertificateFactory.getInstance("X.509")
              .generateCertificate(new ByteArrayInputStream(caPem.getBytes(UTF_8))));
      TrustManagerFactory tmf =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(trust);
      SSLContext ssl = SSLContext.getInstance("TLS");
      ssl.init(null, tmf.getTrustManagers(), null);
      return HttpClient.newBuilder().sslContext(ssl).connectTimeout(Duration.ofSeconds(2)).build();
    } catch (Exception e) {
      throw new IllegalStateException("cannot build an HTTP client trusting the envtest CA", e);
    }
  }

  private int get(HttpClient http, String token, String path) {
    try {
      HttpRequest request =
          HttpRequest.newBuilder(URI.create(url() + path))
              .header("Authorization", "Bearer " + token)
              .timeout(Duration.ofSeconds(2))
              .GET()
              .build();
      return http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
    } catch (IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Helpers

  /** {@code count} distinct loopback ports free at the time of the call. */
  public static int[] freePorts(int count) {
    List<ServerSocket> sockets = new ArrayList<>();
    try {
      int[] ports = new int[count];
      for (int i = 0; i < count; i++) {
        ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        sockets.add(socket);
        ports[i] = socket.getLocalPort();
      }
      return ports;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      for (ServerSocket socket : sockets) {
        try {
          socket.close();
        } catch (IOException ignored) {
          // best effort
        }
      }
    }
  }

  private static Path newWorkDir(int attempt) {
    String configured = System.getProperty("envtest.workDir");
    String stamp =
        LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"))
            + "-"
            + ProcessHandle.current().pid()
            + (attempt > 1 ? "-" + attempt : "");
    if (configured != null && !configured.isBlank()) {
      return Paths.get(configured).resolve(stamp);
    }
    Path target = Paths.get("target");
    if (Files.isDirectory(target)) {
      return target.toAbsolutePath().resolve("envtest").resolve(stamp);
    }
    try {
      return Files.createTempDirectory("envtest-");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** etcd's data on tmpfs when there is one: fsync is then free, which makes etcd much faster. */
  private static Path newEtcdDataDir() {
    try {
      Path shm = Paths.get("/dev/shm");
      if (Files.isDirectory(shm) && Files.isWritable(shm)) {
        return Files.createTempDirectory(shm, "envtest-etcd-");
      }
      return Files.createTempDirectory("envtest-etcd-");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private String randomSuffix(int length) {
    String alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
    StringBuilder s = new StringBuilder();
    for (int i = 0; i < length; i++) {
      s.append(alphabet.charAt(random.nextInt(alphabet.length())));
    }
    return s.toString();
  }

  private static String escapeSubject(String value) {
    if (!value.matches("[A-Za-z0-9:._@-]+")) {
      throw new IllegalArgumentException("unsupported characters in identity: " + value);
    }
    return value;
  }

  private static void writePem(Path file, String type, byte[] der) throws IOException {
    String body = Base64.getMimeEncoder(64, "\n".getBytes(UTF_8)).encodeToString(der);
    Files.writeString(
        file, "-----BEGIN " + type + "-----\n" + body + "\n-----END " + type + "-----\n", UTF_8);
  }

  private static String base64(String text) {
    return Base64.getEncoder().encodeToString(text.getBytes(UTF_8));
  }

  private static String readQuietly(Path file) {
    try {
      return Files.readString(file, UTF_8);
    } catch (IOException e) {
      return "";
    }
  }

  private static void deleteRecursively(Path dir) {
    if (dir == null || !Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      LOG.warn("cannot delete {}", dir, e);
    }
  }
}
