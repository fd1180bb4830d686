package dev.chatbot.operator;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A kubeconfig whose client key is an EC P-256 key in SEC1 PEM ("BEGIN EC PRIVATE KEY" with the
 * curve named, as k3s and the one-node cluster write it, made here by openssl) gives a working
 * client: building it builds the TLS context, which reads the key.
 */
class EcKubeconfigTest {
  @Test
  void aClientBuildsFromAKubeconfigWithAnEcClientKey(@TempDir Path dir) throws Exception {
    openssl(
        dir,
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-keyout",
        "pkcs8.pem",
        "-out",
        "client.crt",
        "-subj",
        "/CN=admin/O=system:masters",
        "-days",
        "1");
    openssl(dir, "ec", "-in", "pkcs8.pem", "-out", "client.key");
    String key = Files.readString(dir.resolve("client.key"));
    assertThat(key).startsWith("-----BEGIN EC PRIVATE KEY-----");
    String kubeconfig =
        String.join(
            "\n",
            "apiVersion: v1",
            "kind: Config",
            "clusters:",
            "- name: c",
            "  cluster:",
            "    server: https://127.0.0.1:6443",
            "    insecure-skip-tls-verify: true",
            "users:",
            "- name: u",
            "  user:",
            "    client-certificate-data: " + base64(Files.readString(dir.resolve("client.crt"))),
            "    client-key-data: " + base64(key),
            "contexts:",
            "- name: c",
            "  context: {cluster: c, user: u}",
            "current-context: c",
            "");
    Config config = Config.fromKubeconfig(kubeconfig);
    assertThat(config.getClientKeyAlgo()).isEqualTo("EC");
    try (KubernetesClient client = new KubernetesClientBuilder().withConfig(config).build()) {
      assertThat(client.getMasterUrl().toString()).isEqualTo("https://127.0.0.1:6443/");
    }
  }

  private static void openssl(Path dir, String... args) throws Exception {
    List<String> command = new java.util.ArrayList<>(List.of("openssl"));
    command.addAll(List.of(args));
    Process p =
        new ProcessBuilder(command)
            .directory(dir.toFile())
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("openssl.log").toFile())
            .start();
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(Files.readString(dir.resolve("openssl.log"))).isZero();
  }

  private static String base64(String s) {
    return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }
}
