package dev.chatbot.e2e;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Runs the annotated class against the one-node cluster of {@code hack/cluster.sh}, with this
 * build's images loaded into it. Test methods, constructors and lifecycle methods can take a {@link
 * Cluster} parameter.
 *
 * <p>When the cluster is not running the class is skipped with the reason and the command that
 * starts it; with {@code CI=true} it fails instead.
 */
@Documented
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@ExtendWith(ClusterExtension.class)
@Tag("e2e")
public @interface OneNodeCluster {}
