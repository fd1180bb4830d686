package dev.chatbot.operator.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Whether this machine can run the project's one-node cluster (hack/cluster.sh's needs). */
final class DemoMachine {
  static final String INSTEAD =
      String.join(
          "\n",
          "What to do instead: run it on your own cluster (kind, k3s, minikube, a cloud one):",
          "  ./mvnw -B -DskipTests -Pimage package      # both images, as tars in */target",
          "  # load operator/target/jib-image.tar and chatbot-runtime/target/jib-image.tar into it,",
          "  # e.g. kind load image-archive ..., or push them with Jib (-Djib.to.image=...)",
          "  helm install chatbot-operator helm/chatbot-operator -n chatbot-system"
              + " --create-namespace",
          "  kubectl apply -f examples/mock.yaml",
          "  kubectl wait cbd/demo --for=condition=Ready --timeout=5m",
          "  kubectl port-forward svc/demo 8080:80   # then open http://127.0.0.1:8080/",
          "Or use the CLI without a cluster: render -f examples/mock.yaml, validate -f ...");

  private DemoMachine() {}

  /** The reasons this machine cannot run the cluster; empty when it can. */
  static List<String> whyNot() {
    return whyNot(
        System.getProperty("os.name"),
        System.getProperty("os.arch"),
        read(Path.of("/etc/os-release")),
        read(Path.of("/proc/self/status")),
        read(Path.of("/proc/mounts")));
  }

  static List<String> whyNot(
      String os, String arch, String osRelease, String procStatus, String mounts) {
    List<String> reasons = new ArrayList<>();
    if (!"Linux".equals(os)) {
      reasons.add("not Linux (" + os + ")");
      return reasons;
    }
    if (!"amd64".equals(arch) && !"x86_64".equals(arch)) {
      reasons.add("not amd64 (" + arch + "): the cluster's binaries are built for amd64");
    }
    if (!osRelease.lines().anyMatch("ID=debian"::equals)
        || !osRelease.lines().anyMatch(l -> l.equals("VERSION_ID=\"12\""))) {
      reasons.add("not Debian 12 (bookworm): hack/cluster.sh installs its packages with apt");
    }
    boolean root =
        procStatus
            .lines()
            .filter(l -> l.startsWith("Uid:"))
            .anyMatch(l -> l.split("\\s+").length > 2 && "0".equals(l.split("\\s+")[2]));
    if (!root) {
      reasons.add("not root: the cluster needs network, cgroup, iptables and mount changes");
    }
    if (!mounts.lines().anyMatch(l -> l.contains(" /sys/fs/cgroup/unified cgroup2 "))) {
      reasons.add(
          "no cgroup v1 or hybrid hierarchy (no cgroup2 mount at /sys/fs/cgroup/unified):"
              + " kubelet 1.20 needs one");
    }
    if (mounts.isEmpty() && reasons.isEmpty()) {
      reasons.add("cannot read /proc/mounts");
    }
    return reasons;
  }

  private static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException | RuntimeException e) {
      return "";
    }
  }
}
