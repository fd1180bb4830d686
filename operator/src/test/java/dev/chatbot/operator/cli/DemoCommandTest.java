package dev.chatbot.operator.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code demo} where the machine cannot run the one-node cluster: one line saying why, what to do
 * instead, exit code 1, before anything is touched. The machine's facts are injected; DemoE2E runs
 * the demo itself on the cluster.
 */
class DemoCommandTest {
  static final String DEBIAN_12 =
      "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nVERSION_ID=\"12\"\nID=debian\n";
  static final String UBUNTU = "NAME=\"Ubuntu\"\nVERSION_ID=\"24.04\"\nID=ubuntu\nID_LIKE=debian\n";
  static final String ROOT = "Name:\tjava\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\n";
  static final String USER =
      "Name:\tjava\nUid:\t1000\t1000\t1000\t1000\nGid:\t1000\t1000\t1000\t1000\n";
  static final String HYBRID =
      "tmpfs /sys/fs/cgroup tmpfs rw 0 0\ncgroup2 /sys/fs/cgroup/unified cgroup2 rw 0 0\n";

  @Test
  void aRootDebian12HybridMachineCanRunIt() {
    assertThat(DemoMachine.whyNot("Linux", "amd64", DEBIAN_12, ROOT, HYBRID)).isEmpty();
  }

  @Test
  void eachMissingNeedIsOneReason() {
    assertThat(DemoMachine.whyNot("Linux", "amd64", DEBIAN_12, USER, HYBRID))
        .singleElement(org.assertj.core.api.InstanceOfAssertFactories.STRING)
        .startsWith("not root");
    assertThat(DemoMachine.whyNot("Linux", "amd64", UBUNTU, ROOT, HYBRID))
        .singleElement(org.assertj.core.api.InstanceOfAssertFactories.STRING)
        .startsWith("not Debian 12");
    assertThat(
            DemoMachine.whyNot(
                "Linux", "amd64", DEBIAN_12, ROOT, "cgroup2 /sys/fs/cgroup cgroup2 rw 0 0\n"))
        .singleElement(org.assertj.core.api.InstanceOfAssertFactories.STRING)
        .startsWith("no cgroup v1 or hybrid hierarchy");
    assertThat(DemoMachine.whyNot("Mac OS X", "aarch64", "", USER, ""))
        .containsExactly("not Linux (Mac OS X)");
  }

  @Test
  void notRootOnUbuntuSaysSoInOneLineAndWhatToDoInsteadWithExitCode1() {
    Cli cli = new Cli();
    cli.demoMachine = () -> DemoMachine.whyNot("Linux", "amd64", UBUNTU, USER, HYBRID);
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code =
        Cli.execute(
            cli,
            new String[] {"demo"},
            new PrintWriter(out, true),
            new PrintWriter(err, true),
            new ByteArrayInputStream(new byte[0]));

    assertThat(code).isEqualTo(1);
    assertThat(out.toString()).isEmpty();
    List<String> lines = err.toString().lines().toList();
    assertThat(lines.get(0))
        .startsWith(
            "chatbot-operator demo: this machine cannot run the project's one-node cluster:")
        .contains("not Debian 12", "not root");
    assertThat(lines.get(1)).startsWith("Instead, on a cluster of your own");
    assertThat(err.toString())
        .contains("helm install chatbot-operator helm/chatbot-operator", "examples/mock.yaml");
  }

  @Test
  void helpDescribesIt() {
    StringWriter out = new StringWriter();
    int code =
        Cli.execute(
            new String[] {"demo", "--help"},
            new PrintWriter(out, true),
            new PrintWriter(new StringWriter(), true),
            new ByteArrayInputStream(new byte[0]));
    assertThat(code).isZero();
    assertThat(out.toString()).contains("Usage: chatbot-operator demo", "--port", "Ctrl-C");
  }
}
