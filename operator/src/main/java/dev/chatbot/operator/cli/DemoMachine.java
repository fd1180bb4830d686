package dev.chatbot.operator.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Whether this machine can run the project's one-node cluster (what hack/cluster.sh needs). */
final class DemoMachine {
  static final String INSTEAD =
      String.join(
          "\n",
          "Instead, on a cluster of your own (kind, k3s, minikube, a cloud one):",
          "  ./mvnw -B -DskipTests -Pimage package   # both images as tars: */target/jib-image.tar",
          "  # load both tars into it (kind load image-archive ...) or push them (Jib,"
              + " -Djib.to.image=...), then:",
          "  helm install chatbot-operator helm/chatbot-operator -n chatbot-system"
              + " --create-namespace",
          "  kubectl apply -f examples/mock.yaml && kubectl wait cbd/demo --for=condition=Ready"
              + " --timeout=5m",
          "  kubectl port-forward svc/demo 8080:80   # then open http://127.0.0.1:8080/",
          "Without a cluster: java -jar operator/target/chatbot-operator-*.jar render -f"
              + " examples/mock.yaml (or validate -f ...).");

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

  /** The same checks on given facts: the os name and arch, /etc/os-release, /proc/self/status. */
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
    if (osRelease.lines().noneMatch("ID=debian"::equals)
        || osRelease.lines().noneMatch("VERSION_ID=\"12\""::equals)) {
      reasons.add(
          "not Debian 12 (hack/cluster.sh installs its packages with apt from Debian 12"
              + " bookworm)");
    }
    boolean root =
        procStatus
            .lines()
            .filter(l -> l.startsWith("Uid:"))
            .map(l -> l.split("\\s+"))
            .anyMatch(f -> f.length > 2 && "0".equals(f[2]));
    if (!root) {
      reasons.add("not root (the cluster changes the network, cgroups, iptables and mounts)");
    }
    if (mounts.lines().noneMatch(l -> l.contains(" /sys/fs/cgroup/unified cgroup2 "))) {
      reasons.add(
          "no cgroup v1 or hybrid hierarchy (no cgroup2 mount at /sys/fs/cgroup/unified):"
              + " kubelet 1.20 needs one");
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
