package dev.chatbot.operator.envtest;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a {@code String} parameter of a {@link RealApiServer} test to receive the name of a
 * namespace created for that test (unique; named after the test method unless {@link #value()} is
 * set).
 */
@Documented
@Target(ElementType.PARAMETER)
@Retention(RetentionPolicy.RUNTIME)
public @interface TestNamespace {

  /** Name prefix; the test method's name when empty. */
  String value() default "";
}
