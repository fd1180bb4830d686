package dev.chatbot.operator.envtest;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Runs the annotated test class against the real kube-apiserver of this JVM ({@link
 * ApiServer#shared()}). Test methods, constructors and lifecycle methods can take parameters of
 * type {@link ApiServer}, {@link io.fabric8.kubernetes.client.KubernetesClient} (the admin client)
 * and {@code @TestNamespace String} (a fresh namespace per test).
 *
 * <p>Without the binaries the class is skipped, or fails when {@code CI=true}; see {@link
 * ApiServer}.
 */
@Documented
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@ExtendWith(ApiServerExtension.class)
@Tag("envtest")
public @interface RealApiServer {

  /**
   * Also run kube-controller-manager with only the garbage collector, so that deleting an owner
   * deletes its dependents.
   */
  boolean controllerManager() default false;
}
