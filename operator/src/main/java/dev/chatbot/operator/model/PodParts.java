package dev.chatbot.operator.model;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSecurityContextBuilder;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.ProbeBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.SecurityContextBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import java.util.ArrayList;
import java.util.List;

/** Pieces every chatbot pod shares: the restricted security context, probes, volumes. */
public final class PodParts {
  public static final long USER_ID = 65532L;
  public static final String CONFIG_VOLUME = "config";
  public static final String CONFIG_PATH = "/etc/chatbot";
  public static final String TMP_VOLUME = "tmp";

  private PodParts() {}

  /** Pod-level restricted profile: non-root, RuntimeDefault seccomp. */
  public static PodSecurityContext podSecurityContext() {
    return new PodSecurityContextBuilder()
        .withRunAsNonRoot(true)
        .withRunAsUser(USER_ID)
        .withRunAsGroup(USER_ID)
        .withFsGroup(USER_ID)
        .withNewSeccompProfile()
        .withType("RuntimeDefault")
        .endSeccompProfile()
        .build();
  }

  /** Container-level restricted profile: read-only root, no escalation, no capabilities. */
  public static SecurityContext containerSecurityContext() {
    return new SecurityContextBuilder()
        .withRunAsNonRoot(true)
        .withAllowPrivilegeEscalation(false)
        .withReadOnlyRootFilesystem(true)
        .withPrivileged(false)
        .withNewCapabilities()
        .withDrop("ALL")
        .endCapabilities()
        .withNewSeccompProfile()
        .withType("RuntimeDefault")
        .endSeccompProfile()
        .build();
  }

  public static Probe httpProbe(
      String path, String port, int periodSeconds, int failureThreshold, int timeoutSeconds) {
    return new ProbeBuilder()
        .withNewHttpGet()
        .withPath(path)
        .withNewPort(port)
        .withScheme("HTTP")
        .endHttpGet()
        .withPeriodSeconds(periodSeconds)
        .withFailureThreshold(failureThreshold)
        .withTimeoutSeconds(timeoutSeconds)
        .withSuccessThreshold(1)
        .build();
  }

  /** The chatbot-runtime container of either role. */
  public static Container runtimeContainer(
      String image, ResourceRequirements resources, List<EnvVar> extraEnv) {
    List<EnvVar> env = new ArrayList<>();
    env.add(new EnvVarBuilder().withName("CHATBOT_CONFIG_DIR").withValue(CONFIG_PATH).build());
    env.add(
        new EnvVarBuilder().withName("PORT").withValue(String.valueOf(Names.RUNTIME_PORT)).build());
    env.addAll(extraEnv);
    return new ContainerBuilder()
        .withName("runtime")
        .withImage(image)
        .withImagePullPolicy("IfNotPresent")
        .addNewPort()
        .withName("http")
        .withContainerPort(Names.RUNTIME_PORT)
        .withProtocol("TCP")
        .endPort()
        .withEnv(env)
        .withResources(resources)
        .withStartupProbe(httpProbe("/healthz", "http", 2, 30, 2))
        .withLivenessProbe(httpProbe("/healthz", "http", 10, 3, 2))
        .withReadinessProbe(httpProbe("/readyz", "http", 5, 2, 2))
        .withSecurityContext(containerSecurityContext())
        .withVolumeMounts(mount(CONFIG_VOLUME, CONFIG_PATH, true), mount(TMP_VOLUME, "/tmp", false))
        .build();
  }

  /**
   * A volume mount. {@code readOnly: false} is left out rather than written: the API server drops
   * false for this omitempty field, so an applied {@code false} would never match what the server
   * returns and every resync would re-apply the pod template (found on a real API server).
   */
  public static VolumeMount mount(String name, String path, boolean readOnly) {
    return new VolumeMountBuilder()
        .withName(name)
        .withMountPath(path)
        .withReadOnly(readOnly ? Boolean.TRUE : null)
        .build();
  }

  public static Volume configVolume(String configMapName) {
    return new VolumeBuilder()
        .withName(CONFIG_VOLUME)
        .withNewConfigMap()
        .withName(configMapName)
        .endConfigMap()
        .build();
  }

  public static Volume tmpVolume() {
    return new VolumeBuilder()
        .withName(TMP_VOLUME)
        .withNewEmptyDir()
        .withSizeLimit(new Quantity("64Mi"))
        .endEmptyDir()
        .build();
  }
}
