package dev.chatbot.operator.validation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chatbot.api.v1alpha1.AutoscalingSpec;
import dev.chatbot.api.v1alpha1.ChatbotDeployment;
import dev.chatbot.api.v1alpha1.HuggingFaceSpec;
import dev.chatbot.api.v1alpha1.LocalSpec;
import dev.chatbot.api.v1alpha1.Phase;
import dev.chatbot.operator.model.Defaults;
import dev.chatbot.operator.support.Fixtures;
import dev.chatbot.operator.validation.SpecValidator.Violation;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
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
}
