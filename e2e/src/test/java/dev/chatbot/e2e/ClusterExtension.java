package dev.chatbot.e2e;

import java.util.Optional;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.jupiter.api.extension.TestWatcher;
import org.slf4j.LoggerFactory;

/**
 * JUnit 5 extension behind {@link OneNodeCluster}: decides whether the tests run, connects once per
 * JVM (loading the build's images), resolves {@link Cluster} parameters and dumps the cluster's
 * state when a test fails.
 */
public final class ClusterExtension implements ExecutionCondition, ParameterResolver, TestWatcher {

  private static final ExtensionContext.Namespace STORE =
      ExtensionContext.Namespace.create(ClusterExtension.class);
  private static volatile boolean warned;

  @Override
  public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
    // Asked once per JVM: the condition is evaluated for every class and method.
    @SuppressWarnings("unchecked")
    Optional<String> down =
        context
            .getRoot()
            .getStore(STORE)
            .getOrComputeIfAbsent("down", k -> Cluster.whyNotRunning(), Optional.class);
    if (down.isEmpty()) {
      return ConditionEvaluationResult.enabled("one-node cluster at " + Cluster.runDir());
    }
    String reason = down.get() + "; start it with: " + Cluster.START_COMMAND;
    if (Cluster.mustRun()) {
      // CI=true: enabled, so that connecting fails the tests with this reason.
      return ConditionEvaluationResult.enabled("CI=true: " + reason);
    }
    if (!warned) {
      warned = true;
      LoggerFactory.getLogger(ClusterExtension.class)
          .warn("Skipping end-to-end tests (outside CI): {}", reason);
    }
    return ConditionEvaluationResult.disabled(reason);
  }

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    return parameter.getParameter().getType() == Cluster.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    return shared(context);
  }

  /** One connection per JVM, closed (and the tests' leftovers removed) when the JVM's run ends. */
  static Cluster shared(ExtensionContext context) {
    return context
        .getRoot()
        .getStore(STORE)
        .getOrComputeIfAbsent(Cluster.class, k -> Cluster.connect(), Cluster.class);
  }

  @Override
  public void testFailed(ExtensionContext context, Throwable cause) {
    Cluster cluster = context.getRoot().getStore(STORE).get(Cluster.class, Cluster.class);
    if (cluster != null) {
      cluster.dumpDiagnostics(context.getDisplayName() + " " + context.getUniqueId());
    }
  }
}
