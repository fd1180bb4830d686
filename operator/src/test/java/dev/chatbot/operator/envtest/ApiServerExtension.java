package dev.chatbot.operator.envtest;

import io.fabric8.kubernetes.client.KubernetesClient;
import java.lang.reflect.Method;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.platform.commons.support.AnnotationSupport;

/**
 * JUnit 5 extension behind {@link RealApiServer}: starts (once per JVM) the shared API server,
 * optionally the garbage collector, and resolves {@link ApiServer}, the admin {@link
 * KubernetesClient} and {@link TestNamespace} parameters.
 */
public final class ApiServerExtension implements BeforeAllCallback, ParameterResolver {

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
