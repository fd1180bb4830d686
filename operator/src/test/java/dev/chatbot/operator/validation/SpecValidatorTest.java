package dev.chatbot.operator.validation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chatbot.api.v1alpha1.AutoscalingSpec;
import dev.chatbot.api.v1alpha1.Bridge;
import dev.chatbot.api.v1alpha1.ChatbotDeployment;
import dev.chatbot.api.v1alpha1.ClientKey;
import dev.chatbot.api.v1alpha1.ExternalTrafficPolicy;
import dev.chatbot.api.v1alpha1.HuggingFaceSpec;
import dev.chatbot.api.v1alpha1.LocalSpec;
import dev.chatbot.api.v1alpha1.Phase;
import dev.chatbot.api.v1alpha1.ServiceType;
import dev.chatbot.operator.model.Defaults;
import dev.chatbot.operator.support.Fixtures;
import dev.chatbot.operator.validation.SpecValidator.Violation;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class SpecValidatorTest {

  @ParameterizedTest
  @ValueSource(
      strings = {"mock.yaml", "huggingface.yaml", "local-download.yaml", "local-image.yaml"})
  void everyExampleIsValid(String example) {
    assertThat(SpecValidator.validate(Fixtures.example(example, "ns"))).isEmpty();
  }

  static Stream<Arguments> rules() {
    return Stream.of(
        rule(
            "spec.backend.autoscaling.minReplicas",
            cr -> cr.getSpec().getBackend().setAutoscaling(new AutoscalingSpec(true, 4, 2, 70))),
        rule(
            "spec.frontend.autoscaling.minReplicas",
            cr ->
                cr.getSpec()
                    .getFrontend()
                    .setAutoscaling(new AutoscalingSpec(null, 11, null, null))),
        rule("spec.huggingface.model", cr -> cr.getSpec().setPhase(Phase.HUGGINGFACE)),
        rule(
            "spec.huggingface.tokenSecretRef",
            cr -> {
              cr.getSpec().setPhase(Phase.HUGGINGFACE);
              HuggingFaceSpec hf = new HuggingFaceSpec();
              hf.setModel("org/model");
              cr.getSpec().setHuggingface(hf);
            }),
        rule("spec.local.models", cr -> cr.getSpec().setPhase(Phase.LOCAL)),
        rule(
            "spec.local.models[1]",
            cr -> {
              cr.getSpec().setPhase(Phase.LOCAL);
              LocalSpec local = new LocalSpec();
              local.setModels(List.of("llama3.2", "Bad Name!"));
              cr.getSpec().setLocal(local);
            }),
        rule(
            "spec.local.storage.storageClassName",
            cr -> {
              cr.getSpec().setPhase(Phase.LOCAL);
              LocalSpec local = new LocalSpec();
              local.setModels(List.of("llama3.2"));
              local.getStorage().setExistingClaim("mine");
              local.getStorage().setStorageClassName("fast");
              cr.getSpec().setLocal(local);
            }),
        rule(
            "spec.backend.resources.requests.memory",
            cr ->
                cr.getSpec()
                    .getBackend()
                    .setResources(Defaults.resources(null, "2Gi", null, "1Gi"))),
        rule(
            "spec.frontend.resources.limits.cpu",
            cr ->
                cr.getSpec()
                    .getFrontend()
                    .setResources(Defaults.resources(null, null, "lots", null))),
        rule(
            "spec.frontend.rateLimit.header",
            cr -> cr.getSpec().getFrontend().getRateLimit().setKey(ClientKey.HEADER)),
        rule(
            "spec.frontend.rateLimit.header",
            cr -> {
              cr.getSpec().getFrontend().getRateLimit().setKey(ClientKey.HEADER);
              cr.getSpec().getFrontend().getRateLimit().setHeader("X API Key");
            }),
        rule(
            "spec.frontend.rateLimit.burst",
            cr -> {
              cr.getSpec().getFrontend().getRateLimit().setRequestsPerMinute(5);
              cr.getSpec().getFrontend().getRateLimit().setBurst(6);
            }),
        rule(
            "spec.frontend.rateLimit.trustedProxies[1]",
            cr ->
                cr.getSpec()
                    .getFrontend()
                    .getRateLimit()
                    .setTrustedProxies(List.of("10.0.0.0/8", "1:2:3"))),
        rule(
            "spec.frontend.service.externalTrafficPolicy",
            cr -> {
              cr.getSpec().getFrontend().getService().setType(ServiceType.ClusterIP);
              cr.getSpec()
                  .getFrontend()
                  .getService()
                  .setExternalTrafficPolicy(ExternalTrafficPolicy.Local);
            }),
        rule(
            "spec.huggingface",
            cr -> {
              cr.getSpec().setPhase(Phase.LOCAL);
              LocalSpec local = new LocalSpec();
              local.setModels(List.of("llama3.2"));
              local.setBridge(Bridge.HUGGINGFACE);
              cr.getSpec().setLocal(local);
            }),
        rule(
            "metadata.name",
            cr -> cr.getMetadata().setName("a-very-long-chatbot-name-that-will-not-fit-here")));
  }

  static Arguments rule(String field, Consumer<ChatbotDeployment> breakIt) {
    return Arguments.of(field, breakIt);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("rules")
  void eachRuleNamesItsField(String field, Consumer<ChatbotDeployment> breakIt) {
    ChatbotDeployment cr = Fixtures.example("mock.yaml", "ns");
    breakIt.accept(cr);
    assertThat(SpecValidator.validate(cr)).extracting(Violation::field).contains(field);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "10.0.0.0/8",
        "192.168.1.7",
        "fd00::/8",
        "::1",
        "2001:db8::1:2/64",
        "1:2:3:4:5:6:7:8"
      })
  void addressesAndRangesTheRuntimeReads(String text) {
    assertThat(SpecValidator.cidr(text)).isTrue();
  }

  @ParameterizedTest
  @ValueSource(strings = {"10.0.0.0/33", "256.1.1.1", "1:2:3", "1::2::3", "example.com", ""})
  void notAddressesOrRanges(String text) {
    assertThat(SpecValidator.cidr(text)).isFalse();
  }

  @Test
  void aHeaderKeyWithItsHeaderAndAWholeRateLimitAreValid() {
    ChatbotDeployment cr = Fixtures.example("mock.yaml", "ns");
    var limit = cr.getSpec().getFrontend().getRateLimit();
    limit.setKey(ClientKey.HEADER);
    limit.setHeader("X-API-Key");
    limit.setRequestsPerMinute(120);
    limit.setBurst(120);
    limit.setTrustedProxies(List.of("10.0.0.0/8", "fd00::/8"));
    cr.getSpec().getFrontend().getService().setExternalTrafficPolicy(ExternalTrafficPolicy.Local);
    assertThat(SpecValidator.validate(cr)).isEmpty();
  }
}
