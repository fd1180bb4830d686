package dev.chatbot.operator.realserver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.chatbot.api.v1alpha1.AutoscalingSpec;
import dev.chatbot.api.v1alpha1.ChatbotDeployment;
import dev.chatbot.operator.envtest.ApiServer;
import dev.chatbot.operator.envtest.RealApiServer;
import dev.chatbot.operator.envtest.TestNamespace;
import dev.chatbot.operator.status.Conditions;
import dev.chatbot.operator.support.ClusterSimulator;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Test 2: a table of invalid ChatbotDeployments. Each states what this v1.20 server does with it:
 * REJECTED by its OpenAPI schema validation (the error names the field), or ACCEPTED because the
 * rule is a CEL rule that 1.20 drops (or a rule only the operator knows), and then reported by the
 * operator as Ready=False/InvalidSpec naming the field, with nothing created.
 *
 * <p>1.20 names an array item's field without its index ("spec.local.models", not
 * "spec.local.models[0]"), so the table expects that.
 */
@RealApiServer
class BadInputIT {

  enum Expect {
    REJECTED,
    INVALID_SPEC
  }

  /** One invalid input: its spec (flow YAML), what happens, and the field that must be named. */
  record Case(String title, String name, String spec, Expect expect, String field) {
    @Override
    public String toString() {
      return title + " -> " + expect + " (" + field + ")";
    }
  }

  static final String LONG_NAME = "a-chatbot-name-that-is-longer-than-forty-characters";

  static final List<Case> CASES =
      List.of(
          rejected("bad enum phase", "{phase: bogus}", "spec.phase"),
          rejected("missing phase", "{chat: {maxTokens: 10}}", "spec.phase"),
          rejected(
              "negative replicas",
              "{phase: mock, backend: {replicas: -1}}",
              "spec.backend.replicas"),
          rejected(
              "huge replicas",
              "{phase: mock, backend: {replicas: 100000}}",
              "spec.backend.replicas"),
          rejected(
              "replicas of the wrong type",
              "{phase: mock, backend: {replicas: two}}",
              "spec.backend.replicas"),
          rejected(
              "temperature > 2",
              "{phase: mock, chat: {temperature: 2.5}}",
              "spec.chat.temperature"),
          rejected("maxTokens 0", "{phase: mock, chat: {maxTokens: 0}}", "spec.chat.maxTokens"),
          rejected(
              "port 70000",
              "{phase: mock, frontend: {service: {port: 70000}}}",
              "spec.frontend.service.port"),
          rejected(
              "bad service type",
              "{phase: mock, frontend: {service: {type: Ingress}}}",
              "spec.frontend.service.type"),
          rejected(
              "malformed quantity 12XB",
              "{phase: mock, backend: {resources: {requests: {memory: 12XB}}}}",
              "spec.backend.resources.requests.memory"),
          rejected(
              "negative quantity -1",
              "{phase: mock, backend: {resources: {limits: {cpu: '-1'}}}}",
              "spec.backend.resources.limits.cpu"),
          rejected(
              "bad local model name",
              "{phase: local, local: {models: ['Bad Name!']}}",
              "spec.local.models"),
          rejected("no local models", "{phase: local, local: {models: []}}", "spec.local.models"),
          rejected(
              "too many local models",
              "{phase: local, local: {models: [a, b, c, d, e, f, g, h, i, j, k]}}",
              "spec.local.models"),
          rejected(
              "bad image reference",
              "{phase: mock, backend: {image: 'Not An Image!'}}",
              "spec.backend.image"),
          rejected(
              "bad secret name",
              "{phase: huggingface, huggingface: {model: org/model, tokenSecretRef: {name: Bad_Secret}}}",
              "spec.huggingface.tokenSecretRef.name"),
          rejected(
              "tokenSecretRef without name",
              "{phase: huggingface, huggingface: {model: org/model, tokenSecretRef: {key: token}}}",
              "spec.huggingface.tokenSecretRef.name"),
          rejected(
              "huggingface model without org",
              "{phase: huggingface, huggingface: {model: llama, tokenSecretRef: {name: hf}}}",
              "spec.huggingface.model"),
          rejected(
              "huggingface endpoint not http",
              "{phase: mock, huggingface: {endpoint: 'ftp://example.org'}}",
              "spec.huggingface.endpoint"),
          rejected(
              "bad storage size",
              "{phase: local, local: {models: [llama3.2], storage: {size: lots}}}",
              "spec.local.storage.size"),
          rejected(
              "invalid accessModes",
              "{phase: local, local: {models: [llama3.2], storage: {accessModes: [ReadWriteSometimes]}}}",
              "spec.local.storage.accessModes"),
          rejected(
              "autoscaling maxReplicas 0",
              "{phase: mock, backend: {autoscaling: {enabled: true, maxReplicas: 0}}}",
              "spec.backend.autoscaling.maxReplicas"),
          rejected(
              "bad migration strategy",
              "{phase: mock, migration: {strategy: YOLO}}",
              "spec.migration.strategy"),
          rejected(
              "progress deadline below 30 s",
              "{phase: mock, migration: {progressDeadlineSeconds: 5}}",
              "spec.migration.progressDeadlineSeconds"),
          rejected(
              "17 GPUs",
              "{phase: local, local: {models: [llama3.2], ollama: {gpus: 17}}}",
              "spec.local.ollama.gpus"),
          invalidSpec(
              "backend autoscaling min > max (CEL)",
              "{phase: mock, backend: {autoscaling: {enabled: true, minReplicas: 5, maxReplicas: 2}}}",
              "spec.backend.autoscaling.minReplicas"),
          invalidSpec(
              "frontend autoscaling min > max (CEL)",
              "{phase: mock, frontend: {autoscaling: {minReplicas: 9, maxReplicas: 3}}}",
              "spec.frontend.autoscaling.minReplicas"),
          invalidSpec(
              "huggingface without a huggingface section (CEL)",
              "{phase: huggingface}",
              "spec.huggingface.model"),
          invalidSpec(
              "huggingface without tokenSecretRef (CEL)",
              "{phase: huggingface, huggingface: {model: meta-llama/Llama-3.1-8B-Instruct}}",
              "spec.huggingface.tokenSecretRef"),
          invalidSpec(
              "local without models (CEL)",
              "{phase: local, local: {modelSource: image}}",
              "spec.local.models"),
          invalidSpec(
              "existingClaim + storageClassName (CEL)",
              "{phase: local, local: {models: [llama3.2], storage: {existingClaim: models, storageClassName: fast}}}",
              "spec.local.storage.storageClassName"),
          invalidSpec(
              "backend requests > limits (operator rule)",
              "{phase: mock, backend: {resources: {requests: {cpu: '2'}, limits: {cpu: '1'}}}}",
              "spec.backend.resources.requests.cpu"),
          invalidSpec(
              "frontend memory requests > limits (operator rule)",
              "{phase: mock, frontend: {resources: {requests: {memory: 1Gi}, limits: {memory: 512Mi}}}}",
              "spec.frontend.resources.requests.memory"),
          invalidSpec(
              "ollama requests > limits (operator rule)",
              "{phase: local, local: {models: [llama3.2], ollama: {resources: {requests: {memory: 8Gi}, limits: {memory: 4Gi}}}}}",
              "spec.local.ollama.resources.requests.memory"),
          rejected(
              "negative holdSeconds",
              "{phase: mock, frontend: {holdSeconds: -1}}",
              "spec.frontend.holdSeconds"),
          rejected(
              "bad enum rate-limit key",
              "{phase: mock, frontend: {rateLimit: {key: cookie}}}",
              "spec.frontend.rateLimit.key"),
          rejected(
              "trusted proxy that is not an address",
              "{phase: mock, frontend: {rateLimit: {trustedProxies: [lb.example.com]}}}",
              "spec.frontend.rateLimit.trustedProxies"),
          rejected(
              "bad enum externalTrafficPolicy",
              "{phase: mock, frontend: {service: {externalTrafficPolicy: Nearest}}}",
              "spec.frontend.service.externalTrafficPolicy"),
          rejected(
              "bad enum bridge",
              "{phase: local, local: {models: [llama3.2], bridge: openai}}",
              "spec.local.bridge"),
          rejected(
              "stallSeconds below 10",
              "{phase: local, local: {models: [llama3.2], download: {stallSeconds: 5}}}",
              "spec.local.download.stallSeconds"),
          invalidSpec(
              "header key without a header (CEL)",
              "{phase: mock, frontend: {rateLimit: {key: header}}}",
              "spec.frontend.rateLimit.header"),
          invalidSpec(
              "burst above the per-minute budget (CEL)",
              "{phase: mock, frontend: {rateLimit: {requestsPerMinute: 5, burst: 6}}}",
              "spec.frontend.rateLimit.burst"),
          invalidSpec(
              "externalTrafficPolicy Local on a ClusterIP Service (CEL)",
              "{phase: mock, frontend: {service: {type: ClusterIP, externalTrafficPolicy: Local}}}",
              "spec.frontend.service.externalTrafficPolicy"),
          invalidSpec(
              "huggingface bridge without spec.huggingface (CEL)",
              "{phase: local, local: {models: [llama3.2], bridge: huggingface}}",
              "spec.huggingface"),
          invalidSpec(
              "malformed IPv6 trusted proxy (operator rule)",
              "{phase: mock, frontend: {rateLimit: {trustedProxies: ['1:2:3']}}}",
              "spec.frontend.rateLimit.trustedProxies[0]"),
          new Case(
              "name longer than 40 characters (operator rule)",
              LONG_NAME,
              "{phase: mock}",
              Expect.INVALID_SPEC,
              "metadata.name"));

  static Case rejected(String title, String spec, String field) {
    return new Case(title, "bad", spec, Expect.REJECTED, field);
  }

  static Case invalidSpec(String title, String spec, String field) {
    return new Case(title, "bad", spec, Expect.INVALID_SPEC, field);
  }

  static final Map<Case, String> NAMESPACES = new LinkedHashMap<>();
  static final AtomicInteger TRIED = new AtomicInteger();
  static final AtomicInteger REJECTED = new AtomicInteger();
  static final AtomicInteger REPORTED = new AtomicInteger();
  static RealServer.Operator operator;

  @BeforeAll
  static void startOperator(ApiServer server, KubernetesClient admin) {
    RealServer.installCrd(admin);
    RealServer.bindChartRole(server);
    // Each case gets its own namespace; one operator watches those of the accepted cases.
    for (int i = 0; i < CASES.size(); i++) {
      NAMESPACES.put(CASES.get(i), server.createNamespace("bad-input-" + i));
    }
    Set<String> watched =
        Set.copyOf(
            CASES.stream()
                .filter(c -> c.expect() == Expect.INVALID_SPEC)
                .map(NAMESPACES::get)
                .toList());
    operator =
        new RealServer.Operator(
            server.clientFor(ApiServer.OPERATOR_USER),
            RealServer.config(watched, null),
            RealServer.PASSING);
  }

  @AfterAll
  static void summary() {
    if (operator != null) {
      operator.close();
    }
    System.out.printf(
        "bad inputs: %d tried, %d rejected by the server, %d reported InvalidSpec by the operator%n",
        TRIED.get(), REJECTED.get(), REPORTED.get());
  }

  static Stream<Case> cases() {
    return CASES.stream();
  }

  static GenericKubernetesResource resource(Case c, String ns) {
    String yaml =
        "apiVersion: chatbot.dev/v1alpha1\n"
            + "kind: ChatbotDeployment\n"
            + "metadata:\n"
            + "  name: "
            + c.name()
            + "\n  namespace: "
            + ns
            + "\nspec: "
            + c.spec()
            + "\n";
    return Serialization.unmarshal(yaml, GenericKubernetesResource.class);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void invalidInput(Case c, KubernetesClient admin) {
    String ns = NAMESPACES.get(c);
    TRIED.incrementAndGet();
    var resources =
        admin
            .genericKubernetesResources("chatbot.dev/v1alpha1", "ChatbotDeployment")
            .inNamespace(ns);
    if (c.expect() == Expect.REJECTED) {
      assertThatThrownBy(() -> resources.resource(resource(c, ns)).create())
          .isInstanceOfSatisfying(
              KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(422))
          .hasMessageContaining(c.field());
      assertThat(resources.list().getItems()).isEmpty();
      REJECTED.incrementAndGet();
      return;
    }
    GenericKubernetesResource created = resources.resource(resource(c, ns)).create();
    assertThat(created.getMetadata().getUid()).as("accepted by the 1.20 server").isNotBlank();
    await()
        .atMost(RealServer.WAIT)
        .untilAsserted(
            () -> {
              var ready = RealServer.ready(admin, ns, c.name());
              assertThat(ready.getStatus()).isEqualTo("False");
              assertThat(ready.getReason()).isEqualTo("InvalidSpec");
              assertThat(ready.getMessage()).contains(c.field());
            });
    assertThat(RealServer.condition(admin, ns, c.name(), Conditions.PROGRESSING).getReason())
        .isEqualTo("InvalidSpec");
    await()
        .during(Duration.ofSeconds(1))
        .atMost(Duration.ofSeconds(5))
        .untilAsserted(
            () -> assertThat(RealServer.children(admin, ns)).as("children created").isEmpty());
    REPORTED.incrementAndGet();
  }

  @Test
  void tableIsBigEnough() {
    assertThat(CASES).hasSizeGreaterThanOrEqualTo(22);
    assertThat(CASES.stream().filter(c -> c.expect() == Expect.REJECTED)).isNotEmpty();
    assertThat(CASES.stream().filter(c -> c.expect() == Expect.INVALID_SPEC)).isNotEmpty();
  }

  /** An invalid edit of a running chatbot is reported and changes (and deletes) nothing. */
  @Test
  void anInvalidEditOfARunningChatbotTouchesNoChild(
      ApiServer server, KubernetesClient admin, @TestNamespace String ns) {
    try (ClusterSimulator cluster = new ClusterSimulator(admin, ns, "mock");
        RealServer.Operator op = RealServer.start(server, ns)) {
      RealServer.createReadyMock(admin, ns);
      ExamplesIT.awaitQuiet(op);
      Map<String, String> before = RealServer.children(admin, ns);
      admin
          .resources(ChatbotDeployment.class)
          .inNamespace(ns)
          .withName("demo")
          .edit(
              cr -> {
                cr.getSpec().getBackend().setAutoscaling(new AutoscalingSpec(true, 5, 2, 70));
                return cr;
              });
      await()
          .atMost(RealServer.WAIT)
          .untilAsserted(
              () -> {
                assertThat(RealServer.ready(admin, ns, "demo").getReason())
                    .isEqualTo("InvalidSpec");
                assertThat(RealServer.ready(admin, ns, "demo").getMessage())
                    .contains("spec.backend.autoscaling.minReplicas");
              });
      await()
          .during(Duration.ofSeconds(2))
          .atMost(Duration.ofSeconds(6))
          .untilAsserted(() -> assertThat(RealServer.children(admin, ns)).isEqualTo(before));
    }
  }
}
