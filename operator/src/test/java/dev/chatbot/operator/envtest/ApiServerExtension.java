package dev.chatbot.operator.envtest;

import io.fabric8.kubernetes.client.KubernetesClient;
import java.lang.reflect.Method;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.platform.commons.support.AnnotationSupport;
import org.slf4j.LoggerFactory;

/**
 * JUnit 5 extension behind {@link RealApiServer}: starts (once per JVM) the shared API server,
 * optionally the garbage collector, and resolves {@link ApiServer}, the admin {@link
 * KubernetesClient} and {@link TestNamespace} parameters.
 */
public final class ApiServerExtension
    implements ExecutionCondition, BeforeAllCallback, ParameterResolver {

  private static volatile boolean warned;

  /** Outside CI, missing binaries disable the tests with the reason and the fix (reported). */
  @Override
  public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
    if (ApiServer.binariesAvailable() || ApiServer.mustRun()) {
      return ConditionEvaluationResult.enabled("envtest binaries in " + ApiServer.binDir());
    }
    if (!warned) {
      warned = true;
      LoggerFactory.getLogger(ApiServerExtension.class)
          .warn(
              "Skipping real-API-server tests (outside CI): {}",
              ApiServer.missingBinariesMessage());
    }
    return ConditionEvaluationResult.disabled(ApiServer.missingBinariesMessage());
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    ApiServer server = ApiServer.shared();
    boolean controllerManager =
        AnnotationSupport.findAnnotation(context.getRequiredTestClass(), RealApiServer.class)
            .map(RealApiServer::controllerManager)
            .orElse(false);
    if (controllerManager) {
      server.startControllerManager();
    }
  }

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    Class<?> type = parameter.getParameter().getType();
    return type == ApiServer.class
        || type == KubernetesClient.class
        || (type == String.class && parameter.isAnnotated(TestNamespace.class));
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    ApiServer server = ApiServer.shared();
    Class<?> type = parameter.getParameter().getType();
    if (type == ApiServer.class) {
      return server;
    }
    if (type == KubernetesClient.class) {
      return server.adminClient();
    }
    String prefix = parameter.findAnnotation(TestNamespace.class).orElseThrow().value();
    if (prefix.isEmpty()) {
      prefix =
          context
              .getTestMethod()
              .map(Method::getName)
              .orElse(context.getRequiredTestClass().getSimpleName());
    }
    return server.createNamespace(prefix);
  }
}
