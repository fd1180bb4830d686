package dev.chatbot.bench;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBuilder;
import dev.chatbot.operator.envtest.ApiServer;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The operator-at-scale benchmark (see docs/BENCHMARKS.md, "Operator at scale"; run it with
 * bench/operator-scale.sh). For each N: a fresh kube-apiserver + etcd, the {@link StandIn}, the
 * operator jar started as the chart starts it, N mock-phase ChatbotDeployments created at once in 4
 * namespaces; then a fresh operator's resync, and for one N a phase change of all of them.
 */
public final class OperatorScale {
  static final String OPERATOR_NAMESPACE = "chatbot-system";
  // The harness's identities (client certificates in group system:masters); the operator runs as
  // ApiServer.OPERATOR_USER with the chart's RBAC only.
  static final String CREATOR_USER = "bench-creator";
  static final String STANDIN_USER = "bench-standin";
  static final String OBSERVER_USER = "bench-observer";
  static final String SMOKE_IP = "127.77.0.1";
  static final int NAMESPACES = 4;
  private static final ResourceDefinitionContext CBD =
      new ResourceDefinitionContext.Builder()
          .withGroup("chatbot.dev")
          .withVersion("v1alpha1")
          .withKind("ChatbotDeployment")
          .withPlural("chatbotdeployments")
          .withNamespaced(true)
          .build();

  private final Options options;
  private final List<Map<String, Object>> results = new ArrayList<>();

  private OperatorScale(Options options) {
    this.options = options;
  }

  /** Command-line settings; see bench/operator-scale.sh for their meaning. */
  static final class Options {
    Path repo = Path.of("").toAbsolutePath();
    List<Integer> counts = List.of(100, 1000, 3000);
    int phaseChangeAt = 1000;
    String memoryLimit;
    String java;
    String jcmd = "jcmd";
    List<String> extraJvmFlags = new ArrayList<>();
    Map<String, String> extraEnv = new LinkedHashMap<>();
    int timeoutSeconds = 900;
    String label = "";
    Path out;
    boolean keepAudit;
    Path binDir;
  }

  public static void main(String[] args) throws Exception {
    Options o = new Options();
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      switch (a) {
        case "--repo" -> o.repo = Path.of(args[++i]).toAbsolutePath();
        case "--counts" ->
            o.counts =
                List.of(args[++i].split(",")).stream()
                    .map(String::trim)
                    .map(Integer::parseInt)
                    .toList();
        case "--phase-change-at" -> o.phaseChangeAt = Integer.parseInt(args[++i]);
        case "--memory-limit" -> o.memoryLimit = args[++i];
        case "--java" -> o.java = args[++i];
        case "--jcmd" -> o.jcmd = args[++i];
        case "--jvm-flag" -> o.extraJvmFlags.add(args[++i]);
        case "--env" -> {
          String[] kv = args[++i].split("=", 2);
          o.extraEnv.put(kv[0], kv.length > 1 ? kv[1] : "");
        }
        case "--timeout" -> o.timeoutSeconds = Integer.parseInt(args[++i]);
        case "--label" -> o.label = args[++i];
        case "--out" -> o.out = Path.of(args[++i]).toAbsolutePath();
        case "--keep-audit" -> o.keepAudit = true;
        case "--bin-dir" -> o.binDir = Path.of(args[++i]);
        default -> throw new IllegalArgumentException("unknown option " + a);
      }
    }
    if (o.out == null) {
      o.out =
          o.repo.resolve(
              "bench/target/operator-scale/"
                  + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
    }
    if (o.binDir == null) {
      String env = System.getenv("ENVTEST_BIN_DIR");
      String cache = System.getenv("ENVTEST_CACHE");
      o.binDir =
          env != null && !env.isBlank()
              ? Path.of(env)
              : (cache != null && !cache.isBlank()
                      ? Path.of(cache)
                      : Path.of(System.getProperty("user.home"), ".cache/chatbot-operator/envtest"))
                  .resolve("1.20.2");
    }
    if (!Files.isExecutable(o.binDir.resolve("kube-apiserver"))) {
      throw new IllegalStateException(
          "no kube-apiserver in " + o.binDir + ": run hack/envtest.sh install first");
    }
    Files.createDirectories(o.out);
    new OperatorScale(o).run();
    System.exit(0); // client and informer threads of closed clients may linger
  }

  // ---------------------------------------------------------------------------------------------

  private void run() throws Exception {
    long limit = chartMemoryLimitBytes();
    List<String> jvm = jvmFlags(limit);
    log("operator JVM: %s %s", javaBinary(), String.join(" ", jvm));
    log("results in %s", options.out);
    for (int n : options.counts) {
      Map<String, Object> r = new LinkedHashMap<>();
      r.put("n", n);
      try {
        step(n, jvm, limit, r);
      } catch (Exception e) {
        r.put("error", e.toString());
        log("N=%d failed: %s", n, e);
        e.printStackTrace();
      }
      results.add(r);
      Files.writeString(options.out.resolve("results.txt"), results.toString(), UTF_8);
      // Written after each N: a long run stopped early still has the rows it finished.
      Files.writeString(options.out.resolve("table.md"), table(limit, jvm), UTF_8);
    }
    System.out.println(table(limit, jvm));
  }

  private void step(int n, List<String> jvm, long limit, Map<String, Object> r) throws Exception {
    Path dir = options.out.resolve("n" + n);
    r.put("loadStart", ProcStats.load1());
    try (ApiServer cp = ApiServer.startNew(options.binDir, dir)) {
      log("N=%d: kube-apiserver at %s", n, cp.url());
      KubernetesClient admin = client(cp, ApiServer.ADMIN_USER);
      KubernetesClient creator = client(cp, CREATOR_USER);
      KubernetesClient observer = client(cp, OBSERVER_USER);
      KubernetesClient standInClient = client(cp, STANDIN_USER);
      setUp(admin);
      SharedIndexInformer<GenericKubernetesResource> chatbots =
          observer.genericKubernetesResources(CBD).inAnyNamespace().inform();
      List<OperatorProcess> started = new ArrayList<>();
      try (StandIn standIn = new StandIn(standInClient, SMOKE_IP, 8080)) {
        // 1. Creation with the first operator.
        OperatorProcess op1 = startOperator(cp, dir, "operator-1");
        started.add(op1);
        Thread.sleep(3000);
        r.put("idleRssMiB", ProcStats.rssKb(op1.pid()) / 1024.0);
        op1.resetPeak();
        Window w = Window.open(cp, op1, this);
        ExecutorService pool = Executors.newFixedThreadPool(16);
        List<Future<?>> creates = new ArrayList<>();
        for (int i = 0; i < n; i++) {
          String ns = namespace(i);
          String name = String.format(Locale.ROOT, "cb-%05d", i);
          creates.add(pool.submit(() -> create(creator, ns, name)));
        }
        for (Future<?> f : creates) {
          f.get();
        }
        pool.shutdown();
        Instant created = Instant.now();
        double createSeconds = seconds(w.start, created);
        log("N=%d: created in %.1f s", n, createSeconds);
        // Ready=True is what users and GitOps tools wait for; the whole status (activePhase too)
        // is what the operator owes.
        Instant[] firstReady = new Instant[1];
        Instant ready =
            waitAll(
                chatbots,
                n,
                OperatorScale::readyMock,
                op1,
                "Ready with activePhase mock",
                () -> {
                  if (firstReady[0] == null && count(chatbots, OperatorScale::readyNow) >= n) {
                    firstReady[0] = Instant.now();
                  }
                  return "; Ready=True " + count(chatbots, OperatorScale::readyNow);
                });
        r.put("createSeconds", createSeconds);
        r.put(
            "readyTrueAfterCreateSeconds",
            firstReady[0] == null ? Double.NaN : seconds(created, firstReady[0]));
        r.put("readyTrueCount", count(chatbots, OperatorScale::readyNow));
        if (ready == null) {
          r.put("readyAfterCreateSeconds", Double.NaN);
          r.put("readyCount", count(chatbots, OperatorScale::readyMock));
        } else {
          r.put("readyAfterCreateSeconds", seconds(created, ready));
          r.put("readyCount", n);
          log("N=%d: all Ready %.1f s after creation finished", n, seconds(created, ready));
        }
        settle(op1);
        w.close(r, "", n);
        r.put("peakRssMiB", op1.peakRssKb() / 1024.0);
        r.put("heapAfterGcMaxMiB", op1.maxHeapAfterGcMiB(0));
        r.put("gcPauseSeconds", op1.gcPauseSeconds());
        Files.writeString(
            dir.resolve("operator-1-heap-info.txt"), op1.jcmd(options.jcmd, "GC.heap_info"), UTF_8);
        // With --jvm-flag -XX:NativeMemoryTracking=summary: where the rest of the RSS goes.
        Files.writeString(
            dir.resolve("operator-1-native-memory.txt"),
            op1.jcmd(options.jcmd, "VM.native_memory", "summary"),
            UTF_8);
        String histogram = op1.jcmd(options.jcmd, "GC.class_histogram");
        Files.writeString(dir.resolve("operator-1-class-histogram.txt"), histogram, UTF_8);
        r.put("liveHeapMiB", histogramTotalMiB(histogram));
        r.put("rssAfterFullGcMiB", ProcStats.rssKb(op1.pid()) / 1024.0);
        r.put("operatorAlive", op1.alive());
        op1.close();

        // 2. A fresh operator's resync: nothing changed, so nothing may be written.
        OperatorProcess op2 = startOperator(cp, dir, "operator-2");
        started.add(op2);
        Window rw = Window.open(cp, op2, this);
        Instant resynced = waitReconciled(op2, n);
        r.put("resyncSeconds", resynced == null ? Double.NaN : seconds(rw.start, resynced));
        Thread.sleep(5000);
        rw.close(r, "resync.", n);

        // 3. The phase change of all of them at once.
        if (n == options.phaseChangeAt) {
          standIn.podsForBackends = true;
          standIn.resetMaxBackends();
          op2.resetPeak();
          Window pw = Window.open(cp, op2, this);
          ExecutorService patchers = Executors.newFixedThreadPool(16);
          List<Future<?>> patches = new ArrayList<>();
          for (int i = 0; i < n; i++) {
            String ns = namespace(i);
            String name = String.format(Locale.ROOT, "cb-%05d", i);
            GenericKubernetesResource cr = chatbots.getStore().getByKey(ns + "/" + name);
            patches.add(patchers.submit(() -> toHuggingFace(creator, cr)));
          }
          for (Future<?> f : patches) {
            f.get();
          }
          patchers.shutdown();
          Instant patched = Instant.now();
          log("N=%d: phase change requested for all in %.1f s", n, seconds(pw.start, patched));
          Instant moved =
              waitAll(
                  chatbots,
                  n,
                  cr -> migrated(cr) && !standIn.chatbotsWithBackend("mock").contains(key(cr)),
                  op2,
                  "on huggingface with the mock backend gone",
                  () -> "");
          r.put("pc.requestSeconds", seconds(pw.start, patched));
          r.put("pc.doneAfterRequestSeconds", moved == null ? Double.NaN : seconds(patched, moved));
          r.put("pc.doneCount", count(chatbots, OperatorScale::migrated));
          Thread.sleep(5000);
          pw.close(r, "pc.", n);
          r.put("pc.maxBackendsPerChatbot", standIn.maxBackendsPerChatbot());
          r.put("pc.smokeRequests", standIn.smokeRequests.get());
          r.put("pc.peakRssMiB", op2.peakRssKb() / 1024.0);
          r.put("pc.heapAfterGcMaxMiB", op2.maxHeapAfterGcMiB(0));
          r.put("pc.gcPauseSeconds", op2.gcPauseSeconds());
        }
        r.put("standInWriteErrors", standIn.writeErrors.get());
        op2.close();
      } finally {
        started.forEach(OperatorProcess::close);
        chatbots.close();
        for (KubernetesClient c : List.of(admin, creator, observer, standInClient)) {
          c.close();
        }
      }
      if (!options.keepAudit) {
        Files.deleteIfExists(cp.auditLog());
      }
    }
    r.put("loadEnd", ProcStats.load1());
  }

  /** The CRD as Helm installs it, the chart's RBAC rules for the operator, namespaces, Secrets. */
  private void setUp(KubernetesClient admin) throws Exception {
    CustomResourceDefinition crd;
    try (InputStream in =
        Files.newInputStream(options.repo.resolve("crd/chatbotdeployments.chatbot.dev-v1.yml"))) {
      crd = admin.apiextensions().v1().customResourceDefinitions().load(in).item();
    }
    admin.resource(crd).create();
    String rulesYaml =
        Files.readString(
            options.repo.resolve("helm/chatbot-operator/files/rbac-rules.yaml"), UTF_8);
    ClusterRole rules = admin.getKubernetesSerialization().unmarshal(rulesYaml, ClusterRole.class);
    admin
        .resource(
            new ClusterRoleBuilder()
                .withNewMetadata()
                .withName("chatbot-operator")
                .endMetadata()
                .withRules(rules.getRules())
                .build())
        .create();
    admin
        .resource(
            new ClusterRoleBindingBuilder()
                .withNewMetadata()
                .withName("chatbot-operator")
                .endMetadata()
                .withNewRoleRef("rbac.authorization.k8s.io", "ClusterRole", "chatbot-operator")
                .addNewSubject()
                .withKind("User")
                .withApiGroup("rbac.authorization.k8s.io")
                .withName(ApiServer.OPERATOR_USER)
                .endSubject()
                .build())
        .create();
    List<String> namespaces = new ArrayList<>(List.of(OPERATOR_NAMESPACE));
    for (int i = 0; i < NAMESPACES; i++) {
      namespaces.add(namespace(i));
    }
    for (String ns : namespaces) {
      admin
          .namespaces()
          .resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build())
          .create();
    }
    for (int i = 0; i < NAMESPACES; i++) {
      admin
          .secrets()
          .inNamespace(namespace(i))
          .resource(
              new SecretBuilder()
                  .withNewMetadata()
                  .withName("hf-token")
                  .endMetadata()
                  .addToStringData("token", "bench-not-a-real-token")
                  .build())
          .create();
    }
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (true) {
      try {
        admin.genericKubernetesResources(CBD).inNamespace(namespace(0)).list();
        var c =
            admin
                .apiextensions()
                .v1()
                .customResourceDefinitions()
                .withName(crd.getMetadata().getName())
                .get();
        if (c.getStatus() != null
            && c.getStatus().getConditions().stream()
                .anyMatch(x -> "Established".equals(x.getType()) && "True".equals(x.getStatus()))) {
          break;
        }
      } catch (RuntimeException notYet) {
        // not served yet
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("CRD not established within 60 s");
      }
      Thread.sleep(100);
    }
  }

  /** A client of the harness; a minute per request, as the API server is saturated at N=3000. */
  private static KubernetesClient client(ApiServer cp, String user) {
    return new KubernetesClientBuilder()
        .withConfig(
            new ConfigBuilder(
                    ApiServer.ADMIN_USER.equals(user)
                        ? cp.adminConfig()
                        : cp.configFor(user, "system:masters"))
                .withRequestTimeout(60_000)
                .build())
        .build();
  }

  private OperatorProcess startOperator(ApiServer cp, Path dir, String name) throws Exception {
    OperatorProcess op =
        new OperatorProcess(
            javaBinary(),
            jvmFlags(chartMemoryLimitBytes()),
            operatorJar(),
            cp.kubeconfigFor(ApiServer.OPERATOR_USER),
            dir,
            name,
            environment());
    long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
    while (!op.ready()) {
      if (!op.alive() || System.nanoTime() > deadline) {
        throw new IllegalStateException(name + " did not get ready; see " + op.log());
      }
      Thread.sleep(100);
    }
    log("%s ready (pid %d)", name, op.pid());
    return op;
  }

  private static void create(KubernetesClient client, String ns, String name) {
    GenericKubernetesResource cr =
        new GenericKubernetesResourceBuilder()
            .withApiVersion("chatbot.dev/v1alpha1")
            .withKind("ChatbotDeployment")
            .withNewMetadata()
            .withName(name)
            .withNamespace(ns)
            .endMetadata()
            .addToAdditionalProperties("spec", Map.of("phase", "mock"))
            .build();
    client.genericKubernetesResources(CBD).inNamespace(ns).resource(cr).create();
  }

  /** What a user does to move a chatbot to huggingface: the phase and its settings. */
  private static void toHuggingFace(KubernetesClient client, GenericKubernetesResource cr) {
    // resource(cr): a patch of a named resource would first GET it.
    client
        .genericKubernetesResources(CBD)
        .inNamespace(cr.getMetadata().getNamespace())
        .resource(cr)
        .patch(
            PatchContext.of(PatchType.JSON_MERGE),
            "{\"spec\":{\"phase\":\"huggingface\",\"huggingface\":{"
                + "\"model\":\"meta-llama/Llama-3.1-8B-Instruct\","
                + "\"endpoint\":\"http://"
                + SMOKE_IP
                + ":8080/v1\","
                + "\"tokenSecretRef\":{\"name\":\"hf-token\",\"key\":\"token\"}}}}");
  }

  static String namespace(int i) {
    return "bench-" + (i % NAMESPACES);
  }

  private static String key(GenericKubernetesResource cr) {
    return cr.getMetadata().getNamespace() + "/" + cr.getMetadata().getName();
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> status(GenericKubernetesResource cr) {
    Object s = cr.getAdditionalProperties().get("status");
    return s instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
  }

  @SuppressWarnings("unchecked")
  static boolean readyNow(GenericKubernetesResource cr) {
    Map<String, Object> s = status(cr);
    Object gen = s.get("observedGeneration");
    if (gen == null || ((Number) gen).longValue() != cr.getMetadata().getGeneration()) {
      return false;
    }
    Object conditions = s.get("conditions");
    if (!(conditions instanceof List<?> list)) {
      return false;
    }
    for (Object o : list) {
      Map<String, Object> c = (Map<String, Object>) o;
      if ("Ready".equals(c.get("type"))) {
        return "True".equals(c.get("status"));
      }
    }
    return false;
  }

  static boolean readyMock(GenericKubernetesResource cr) {
    return readyNow(cr) && "mock".equals(status(cr).get("activePhase"));
  }

  @SuppressWarnings("unchecked")
  static boolean migrated(GenericKubernetesResource cr) {
    Map<String, Object> s = status(cr);
    Object m = s.get("migration");
    return readyNow(cr)
        && "huggingface".equals(s.get("activePhase"))
        && m instanceof Map<?, ?> mm
        && "Completed".equals(((Map<String, Object>) mm).get("state"));
  }

  private static long count(
      SharedIndexInformer<GenericKubernetesResource> informer,
      Predicate<GenericKubernetesResource> p) {
    return informer.getStore().list().stream().filter(p).count();
  }

  /** When all {@code n} satisfy {@code done}, or null after the timeout (or the operator died). */
  private Instant waitAll(
      SharedIndexInformer<GenericKubernetesResource> informer,
      int n,
      Predicate<GenericKubernetesResource> done,
      OperatorProcess op,
      String what,
      java.util.function.Supplier<String> progress)
      throws InterruptedException {
    long start = System.nanoTime();
    long deadline = start + Duration.ofSeconds(options.timeoutSeconds).toNanos();
    long lastLog = start;
    while (true) {
      long ok = count(informer, done);
      String more = progress.get();
      if (ok >= n) {
        return Instant.now();
      }
      long now = System.nanoTime();
      if (!op.alive()) {
        log("the operator exited (%d/%d %s); see %s", ok, n, what, op.log());
        return null;
      }
      if (now > deadline) {
        log("timeout: %d/%d %s after %d s", ok, n, what, options.timeoutSeconds);
        return null;
      }
      if (now - lastLog > 10_000_000_000L) {
        log(
            "  %d/%d %s%s; operator RSS %.0f MiB; load %.1f",
            ok, n, what, more, ProcStats.rssKb(op.pid()) / 1024.0, ProcStats.load1());
        lastLog = now;
      }
      Thread.sleep(100);
    }
  }

  /** Waits until the operator has finished at least {@code n} reconciles and its queue is empty. */
  private Instant waitReconciled(OperatorProcess op, int n) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(options.timeoutSeconds).toNanos();
    while (System.nanoTime() < deadline && op.alive()) {
      Prometheus m = new Prometheus(op.metrics());
      double done = m.sum("operator_sdk_reconciliations_success_total");
      double busy =
          m.sum("operator_sdk_reconciliations_executions_chatbotdeployment")
              + m.sum("operator_sdk_reconciliations_queue_size_chatbotdeployment");
      if (done >= n && busy == 0) {
        return Instant.now();
      }
      Thread.sleep(200);
    }
    return null;
  }

  /** Waits until the operator has started no reconcile for 3 s (at most 60 s). */
  private void settle(OperatorProcess op) throws InterruptedException {
    double last = -1;
    int quiet = 0;
    for (int i = 0; i < 120 && quiet < 6 && op.alive(); i++) {
      double started =
          new Prometheus(op.metrics()).sum("operator_sdk_reconciliations_started_total");
      quiet = started == last ? quiet + 1 : 0;
      last = started;
      Thread.sleep(500);
    }
  }

  /**
   * One measured stretch: marks at its start (audit log, metrics, CPU times) and, on close, the
   * operator's requests, the reconcile latency, the API server's load and who used the CPU.
   */
  static final class Window {
    final ApiServer cp;
    final OperatorProcess op;
    final Instant start = Instant.now();
    final long auditFrom;
    final Prometheus opBefore;
    final Prometheus apiBefore;
    final double opCpu;
    final double apiCpu;
    final double etcdCpu;
    final double selfCpu;
    final double machineBusy;
    final double load;
    final Thread inflightSampler;
    volatile double inflightMax;
    volatile boolean sampling = true;

    private Window(ApiServer cp, OperatorProcess op) {
      this.cp = cp;
      this.op = op;
      auditFrom = Audit.mark(cp.auditLog());
      opBefore = new Prometheus(op.metrics());
      apiBefore = new Prometheus(cp.metrics());
      opCpu = ProcStats.cpuSeconds(op.pid());
      apiCpu = ProcStats.cpuSeconds(cp.apiServerPid());
      etcdCpu = ProcStats.cpuSeconds(cp.etcdPid());
      selfCpu = ProcStats.cpuSeconds(ProcessHandle.current().pid());
      machineBusy = ProcStats.machineBusySeconds();
      load = ProcStats.load1();
      inflightSampler =
          new Thread(
              () -> {
                while (sampling) {
                  double v =
                      new Prometheus(cp.metrics()).sum("apiserver_current_inflight_requests");
                  inflightMax = Math.max(inflightMax, v);
                  try {
                    Thread.sleep(1000);
                  } catch (InterruptedException e) {
                    return;
                  }
                }
              },
              "inflight-sampler");
      inflightSampler.setDaemon(true);
      inflightSampler.start();
    }

    static Window open(ApiServer cp, OperatorProcess op, OperatorScale bench) {
      return new Window(cp, op);
    }

    void close(Map<String, Object> r, String prefix, int n) throws Exception {
      sampling = false;
      Thread.sleep(500); // the audit event of a request is written just after its response
      Instant end = Instant.now();
      double wall = seconds(start, end);
      Prometheus opAfter = new Prometheus(op.metrics());
      Prometheus apiAfter = new Prometheus(cp.metrics());
      List<Audit.Event> events = Audit.read(cp.auditLog(), auditFrom, start, end);
      String op = ApiServer.OPERATOR_USER;
      Predicate<Audit.Event> byOperator = e -> op.equals(e.user());
      Predicate<Audit.Event> lease = e -> e.resource().startsWith("leases");
      List<Audit.Event> writes =
          events.stream()
              .filter(byOperator)
              .filter(Audit.Event::write)
              .filter(lease.negate())
              .toList();
      r.put(prefix + "seconds", wall);
      r.put(prefix + "load", this.load);
      r.put(prefix + "writesPerResource", writes.size() / (double) n);
      r.put(prefix + "writes", writes.size());
      r.put(prefix + "writesByKind", breakdown(writes));
      r.put(prefix + "writeLatencyByKind", latencies(writes));
      r.put(
          prefix + "failedWrites",
          writes.stream()
              .filter(e -> e.code() >= 400)
              .collect(groupCount(e -> e.code() + " " + e.resource())));
      r.put(
          prefix + "leaseWrites",
          events.stream().filter(byOperator).filter(Audit.Event::write).filter(lease).count());
      List<Audit.Event> reads =
          events.stream()
              .filter(byOperator)
              .filter(Audit.Event::read)
              .filter(lease.negate())
              .toList();
      r.put(prefix + "reads", reads.size());
      r.put(prefix + "readsByKind", breakdown(reads));
      List<Audit.Event> all = events;
      double[] lat = all.stream().mapToDouble(Audit.Event::latencyMs).sorted().toArray();
      r.put(prefix + "apiRequests", all.size());
      r.put(prefix + "apiRate", all.size() / wall);
      r.put(prefix + "apiP50ms", percentile(lat, 0.50));
      r.put(prefix + "apiP99ms", percentile(lat, 0.99));
      double[] opLat =
          all.stream().filter(byOperator).mapToDouble(Audit.Event::latencyMs).sorted().toArray();
      r.put(prefix + "opRequests", opLat.length);
      r.put(prefix + "opApiP50ms", percentile(opLat, 0.50));
      r.put(prefix + "opApiP99ms", percentile(opLat, 0.99));
      r.put(prefix + "requestsByUser", all.stream().collect(groupCount(Audit.Event::user)));
      r.put(prefix + "apiInflightMax", inflightMax);
      String timer = "operator_sdk_controllers_execution_reconcile_seconds";
      TreeMap<Double, Double> reconcile =
          Prometheus.delta(opAfter.buckets(timer, s -> true), opBefore.buckets(timer, s -> true));
      r.put(prefix + "reconciles", reconcile.isEmpty() ? 0 : reconcile.lastEntry().getValue());
      r.put(prefix + "reconcileP50ms", 1000 * Prometheus.quantile(0.50, reconcile));
      r.put(prefix + "reconcileP99ms", 1000 * Prometheus.quantile(0.99, reconcile));
      String etcd = "etcd_request_duration_seconds";
      TreeMap<Double, Double> etcdLat =
          Prometheus.delta(apiAfter.buckets(etcd, s -> true), apiBefore.buckets(etcd, s -> true));
      r.put(prefix + "etcdP99ms", 1000 * Prometheus.quantile(0.99, etcdLat));
      // API Priority and Fairness: time requests waited in the API server's queues.
      String apf = "apiserver_flowcontrol_request_wait_duration_seconds";
      TreeMap<Double, Double> apfWait =
          Prometheus.delta(apiAfter.buckets(apf, s -> true), apiBefore.buckets(apf, s -> true));
      r.put(prefix + "apfWaitP99ms", 1000 * Prometheus.quantile(0.99, apfWait));
      r.put(
          prefix + "apfRejected",
          apiAfter.sum("apiserver_flowcontrol_rejected_requests_total")
              - apiBefore.sum("apiserver_flowcontrol_rejected_requests_total"));
      double opCpuNow = ProcStats.cpuSeconds(this.op.pid());
      double apiCpuNow = ProcStats.cpuSeconds(cp.apiServerPid());
      double etcdCpuNow = ProcStats.cpuSeconds(cp.etcdPid());
      double selfCpuNow = ProcStats.cpuSeconds(ProcessHandle.current().pid());
      double busy = ProcStats.machineBusySeconds() - machineBusy;
      double ours =
          (opCpuNow - opCpu)
              + (apiCpuNow - apiCpu)
              + (etcdCpuNow - etcdCpu)
              + (selfCpuNow - selfCpu);
      r.put(prefix + "cpuOperator", opCpuNow - opCpu);
      r.put(prefix + "cpuApiserver", apiCpuNow - apiCpu);
      r.put(prefix + "cpuEtcd", etcdCpuNow - etcdCpu);
      r.put(prefix + "cpuHarness", selfCpuNow - selfCpu);
      r.put(prefix + "cpuOthers", Math.max(0, busy - ours));
      r.put(prefix + "loadEnd", ProcStats.load1());
    }
  }

  private static java.util.stream.Collector<Audit.Event, ?, TreeMap<String, Long>> groupCount(
      java.util.function.Function<Audit.Event, String> key) {
    return Collectors.groupingBy(key, TreeMap::new, Collectors.counting());
  }

  private static TreeMap<String, Long> breakdown(List<Audit.Event> events) {
    return events.stream().collect(groupCount(e -> e.verb() + " " + e.resource()));
  }

  /** p50/p99 API latency (ms) of requests by verb and resource. */
  private static TreeMap<String, String> latencies(List<Audit.Event> events) {
    TreeMap<String, String> out = new TreeMap<>();
    events.stream()
        .collect(Collectors.groupingBy(e -> e.verb() + " " + e.resource()))
        .forEach(
            (k, v) -> {
              double[] l = v.stream().mapToDouble(Audit.Event::latencyMs).sorted().toArray();
              out.put(
                  k,
                  String.format(Locale.ROOT, "%.0f/%.0f", percentile(l, 0.5), percentile(l, 0.99)));
            });
    return out;
  }

  static double percentile(double[] sorted, double q) {
    if (sorted.length == 0) {
      return Double.NaN;
    }
    int i = (int) Math.ceil(q * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
  }

  static double seconds(Instant a, Instant b) {
    return Duration.between(a, b).toMillis() / 1000.0;
  }

  private static double histogramTotalMiB(String histogram) {
    Matcher m = Pattern.compile("(?m)^Total\\s+\\d+\\s+(\\d+)").matcher(histogram);
    return m.find() ? Long.parseLong(m.group(1)) / 1048576.0 : Double.NaN;
  }

  // ---------------------------------------------------------------------------------------------
  // How the chart runs the operator

  /** resources.limits.memory of the chart (or --memory-limit), in bytes. */
  private long chartMemoryLimitBytes() throws Exception {
    String limit = options.memoryLimit;
    if (limit == null) {
      // resources: / limits: / memory: in values.yaml, by indentation.
      List<String> lines =
          Files.readAllLines(options.repo.resolve("helm/chatbot-operator/values.yaml"), UTF_8);
      String section = "";
      for (String line : lines) {
        if (line.matches("^resources:\\s*$")) {
          section = "resources";
        } else if (line.matches("^\\S.*")) {
          section = "";
        } else if (section.startsWith("resources") && line.matches("^  \\w+:\\s*$")) {
          section = "resources." + line.trim().replace(":", "");
        } else if (section.equals("resources.limits") && line.trim().startsWith("memory:")) {
          limit = line.trim().substring("memory:".length()).trim();
        }
      }
      if (limit == null) {
        throw new IllegalStateException("no resources.limits.memory in values.yaml");
      }
    }
    Matcher q = Pattern.compile("(\\d+)(Mi|Gi|M|G)?").matcher(limit);
    if (!q.matches()) {
      throw new IllegalArgumentException("memory limit " + limit);
    }
    long v = Long.parseLong(q.group(1));
    String unit = q.group(2) == null ? "" : q.group(2);
    return switch (unit) {
      case "Mi" -> v << 20;
      case "Gi" -> v << 30;
      case "M" -> v * 1_000_000;
      case "G" -> v * 1_000_000_000;
      default -> v;
    };
  }

  /**
   * The image's JVM flags (operator/pom.xml, Jib jvmFlags), what the container's memory limit does
   * to them (-XX:MaxRAM), and the collector the JVM picks by itself in such a container: below 1792
   * MiB of memory it is not a "server class machine" and uses Serial GC. Plus --jvm-flag extras.
   */
  private List<String> jvmFlags(long limitBytes) {
    String pom = operatorPom();
    List<String> flags = new ArrayList<>();
    Matcher m = Pattern.compile("<jvmFlag>([^<]+)</jvmFlag>").matcher(pom);
    while (m.find()) {
      flags.add(m.group(1).trim());
    }
    flags.add("-XX:MaxRAM=" + limitBytes);
    boolean gcChosen =
        flags.stream().anyMatch(f -> f.matches("-XX:\\+Use\\w+GC"))
            || options.extraJvmFlags.stream().anyMatch(f -> f.matches("-XX:\\+Use\\w+GC"));
    if (!gcChosen && limitBytes < 1792L << 20) {
      flags.add("-XX:+UseSerialGC");
    }
    flags.addAll(options.extraJvmFlags);
    return flags;
  }

  /** The image's environment (operator/pom.xml, Jib environment), then --env extras. */
  private Map<String, String> environment() {
    String pom = operatorPom();
    Map<String, String> env = new LinkedHashMap<>();
    Matcher block = Pattern.compile("(?s)<environment>(.*?)</environment>").matcher(pom);
    while (block.find()) {
      Matcher entry = Pattern.compile("<(\\w+)>([^<]*)</\\1>").matcher(block.group(1));
      while (entry.find()) {
        env.put(entry.group(1), entry.group(2).trim());
      }
    }
    env.putAll(options.extraEnv);
    return env;
  }

  private String operatorPom() {
    try {
      return Files.readString(options.repo.resolve("operator/pom.xml"), UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private String javaBinary() {
    if (options.java != null) {
      return options.java;
    }
    Path image = options.repo.resolve("operator/target/jib-runtime/opt/java/bin/java");
    return Files.isExecutable(image) ? image.toString() : "java";
  }

  private Path operatorJar() throws Exception {
    try (var files = Files.list(options.repo.resolve("operator/target"))) {
      return files
          .filter(p -> p.getFileName().toString().matches("chatbot-operator-\\d+\\.\\d+\\.\\d+(-SNAPSHOT)?\\.jar"))
          .filter(p -> !p.getFileName().toString().contains("sources"))
          .findFirst()
          .orElseThrow(() -> new IllegalStateException("build the operator first"));
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Output

  private String table(long limit, List<String> jvm) {
    Map<String, String> env = environment();
    StringBuilder t = new StringBuilder();
    t.append("\nOperator at scale ")
        .append(options.label.isEmpty() ? "" : "(" + options.label + ") ")
        .append(Instant.now())
        .append("\nmachine: ")
        .append(Runtime.getRuntime().availableProcessors())
        .append(" CPUs; operator JVM: ")
        .append(javaBinary())
        .append(' ')
        .append(String.join(" ", jvm))
        .append(env.isEmpty() ? "" : "; env " + env)
        .append(" (chart limit ")
        .append(limit >> 20)
        .append(" MiB)\n\n");
    t.append(
        "| N | load 1m start/end | create s | all Ready after creation s (status complete) |"
            + " writes/resource | op GET+LIST | resync writes (s) | peak RSS MiB (idle) | heap"
            + " after GC max / live MiB | reconcile p50/p99 ms | API req/s, p50/p99 ms (op share) |"
            + " CPU s op/apiserver/etcd/harness/others |\n");
    t.append("|---|---|---|---|---|---|---|---|---|---|---|---|\n");
    for (Map<String, Object> r : results) {
      if (r.containsKey("error") && !r.containsKey("writesPerResource")) {
        t.append("| ")
            .append(r.get("n"))
            .append(" | failed: ")
            .append(r.get("error"))
            .append(" |\n");
        continue;
      }
      t.append(
          String.format(
              Locale.ROOT,
              "| %d | %.1f / %.1f | %.1f | %s (%s) | %.2f | %d | %s (%s) | %.0f (%.0f) | %.0f /"
                  + " %.0f | %s / %s | %.0f, %.1f / %.0f (%.0f%%) | %.0f / %.0f / %.0f / %.0f /"
                  + " %.0f |\n",
              r.get("n"),
              d(r, "loadStart"),
              d(r, "loadEnd"),
              d(r, "createSeconds"),
              Double.isNaN(d(r, "readyTrueAfterCreateSeconds"))
                  ? "not all: " + r.get("readyTrueCount")
                  : String.format(Locale.ROOT, "%.1f", d(r, "readyTrueAfterCreateSeconds")),
              Double.isNaN(d(r, "readyAfterCreateSeconds"))
                  ? "not all: " + r.get("readyCount")
                  : String.format(Locale.ROOT, "%.1f", d(r, "readyAfterCreateSeconds")),
              d(r, "writesPerResource"),
              ((Number) r.getOrDefault("reads", 0)).intValue(),
              r.get("resync.writes"),
              String.format(Locale.ROOT, "%.1f", d(r, "resyncSeconds")),
              d(r, "peakRssMiB"),
              d(r, "idleRssMiB"),
              d(r, "heapAfterGcMaxMiB"),
              d(r, "liveHeapMiB"),
              ms(d(r, "reconcileP50ms")),
              ms(d(r, "reconcileP99ms")),
              d(r, "apiRate"),
              d(r, "apiP50ms"),
              d(r, "apiP99ms"),
              100.0 * d(r, "opRequests") / d(r, "apiRequests"),
              d(r, "cpuOperator"),
              d(r, "cpuApiserver"),
              d(r, "cpuEtcd"),
              d(r, "cpuHarness"),
              d(r, "cpuOthers")));
    }
    for (Map<String, Object> r : results) {
      if (!r.containsKey("pc.writesPerResource")) {
        continue;
      }
      t.append(
          String.format(
              Locale.ROOT,
              "\n"
                  + "Phase change mock -> huggingface of all %d at once: requests sent in %.1f s;"
                  + " all on huggingface with the mock backend gone %s s later (%s done);"
                  + " writes/resource %.2f; op GET+LIST %d; at most %d backends per chatbot at a"
                  + " time; %d smoke test requests answered; peak RSS %.0f MiB, heap after GC max"
                  + " %.0f MiB; reconcile p50/p99 %s / %s ms; API %.0f req/s, p50/p99 %.1f / %.0f"
                  + " ms; load %.1f.\n",
              r.get("n"),
              d(r, "pc.requestSeconds"),
              String.format(Locale.ROOT, "%.1f", d(r, "pc.doneAfterRequestSeconds")),
              r.get("pc.doneCount"),
              d(r, "pc.writesPerResource"),
              ((Number) r.get("pc.reads")).intValue(),
              ((Number) r.get("pc.maxBackendsPerChatbot")).intValue(),
              ((Number) r.get("pc.smokeRequests")).intValue(),
              d(r, "pc.peakRssMiB"),
              d(r, "pc.heapAfterGcMaxMiB"),
              ms(d(r, "pc.reconcileP50ms")),
              ms(d(r, "pc.reconcileP99ms")),
              d(r, "pc.apiRate"),
              d(r, "pc.apiP50ms"),
              d(r, "pc.apiP99ms"),
              d(r, "pc.load")));
    }
    t.append("\nDetails (operator requests by verb and resource, per step):\n");
    for (Map<String, Object> r : results) {
      for (String p : List.of("", "resync.", "pc.")) {
        if (!r.containsKey(p + "writesByKind")) {
          continue;
        }
        String stepName =
            p.isEmpty() ? "creation" : p.equals("resync.") ? "resync" : "phase change";
        t.append(
            String.format(
                Locale.ROOT,
                "- N=%s %s: writes %s",
                r.get("n"),
                stepName,
                r.get(p + "writesByKind")));
        Object failed = r.get(p + "failedWrites");
        if (failed instanceof Map<?, ?> f && !f.isEmpty()) {
          t.append(" (failed: ").append(f).append(')');
        }
        t.append("; write latency p50/p99 ms ").append(r.get(p + "writeLatencyByKind"));
        t.append("; reads ").append(r.get(p + "readsByKind"));
        t.append("; lease writes ").append(r.get(p + "leaseWrites"));
        t.append(String.format(Locale.ROOT, "; reconciles %.0f", d(r, p + "reconciles")));
        if (r.containsKey(p + "gcPauseSeconds")) {
          t.append(String.format(Locale.ROOT, "; GC pauses %.1f s", d(r, p + "gcPauseSeconds")));
        }
        t.append(
            String.format(
                Locale.ROOT,
                "; operator's API p50/p99 %.1f / %.0f ms",
                d(r, p + "opApiP50ms"),
                d(r, p + "opApiP99ms")));
        t.append(
            String.format(
                Locale.ROOT,
                "; etcd p99 %.1f ms; API in flight max %.0f; APF queue wait p99 %.0f ms, %.0f"
                    + " rejected",
                d(r, p + "etcdP99ms"),
                d(r, p + "apiInflightMax"),
                d(r, p + "apfWaitP99ms"),
                d(r, p + "apfRejected")));
        t.append("; requests by user ").append(r.get(p + "requestsByUser")).append('\n');
      }
      if (r.containsKey("error")) {
        t.append("- N=").append(r.get("n")).append(" error: ").append(r.get("error")).append('\n');
      }
    }
    return t.toString();
  }

  /** A reconcile quantile; beyond the timer's largest bucket (30 s) it is only known as more. */
  private static String ms(double v) {
    return Double.isInfinite(v) ? ">30000" : String.format(Locale.ROOT, "%.0f", v);
  }

  private static double d(Map<String, Object> r, String key) {
    Object v = r.get(key);
    return v instanceof Number n ? n.doubleValue() : Double.NaN;
  }

  static void log(String format, Object... args) {
    System.err.printf(
        Locale.ROOT,
        "%s %s%n",
        LocalDateTime.now().format(DateTimeFormatter.ofPattern("HH:mm:ss")),
        String.format(Locale.ROOT, format, args));
  }
}
