package dev.chatbot.operator.observer;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Token Secret reads against the fabric8 mock server: one GET per Secret per freshness window. */
@EnableKubernetesMockClient(crud = true)
class TokenSecretsIT {
  KubernetesClient client;
  KubernetesMockServer server;

  /** A clock the test moves. */
  static final class Ticking extends Clock {
    Instant now = Instant.parse("2026-01-01T00:00:00Z");

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }

  @Test
  void passesNamingTheSameSecretShareOneReadUntilItIsStale() {
    Ticking clock = new Ticking();
    TokenSecrets secrets = new TokenSecrets(clock);
    assertThat(secrets.get(client, "ns", "hf-token", "token").exists()).isFalse();
    // A missing Secret is read again by the next pass: created meanwhile, it is seen at once.
    createSecret();
    int before = server.getRequestCount();
    TokenSecrets.Look look = secrets.get(client, "ns", "hf-token", "token");
    assertThat(look.exists()).isTrue();
    assertThat(look.keys()).containsExactly("token");
    assertThat(look.version()).isNotEmpty();
    assertThat(look.toString()).doesNotContain("aGZfeHh4");
    for (int i = 0; i < 100; i++) {
      secrets.get(client, "ns", "hf-token", "token");
    }
    assertThat(server.getRequestCount()).as("one GET while fresh").isEqualTo(before + 1);
    // A missing key is never served from memory either.
    assertThat(secrets.get(client, "ns", "hf-token", "other").keys()).containsExactly("token");
    assertThat(server.getRequestCount()).isEqualTo(before + 2);

    clock.now = clock.now.plus(TokenSecrets.FRESH);
    secrets.get(client, "ns", "hf-token", "token");
    assertThat(server.getRequestCount()).as("stale: read again").isEqualTo(before + 3);
    assertThat(secrets.get(client, "other", "hf-token", "token").exists()).isFalse();
    assertThat(server.getRequestCount()).isEqualTo(before + 4);
  }

  @Test
  void passesFindingItStaleTogetherShareOneRead() throws Exception {
    createSecret();
    TokenSecrets secrets = new TokenSecrets(new Ticking());
    int before = server.getRequestCount();
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      CountDownLatch go = new CountDownLatch(1);
      List<Future<TokenSecrets.Look>> looks = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        looks.add(
            pool.submit(
                () -> {
                  go.await();
                  return secrets.get(client, "ns", "hf-token", "token");
                }));
      }
      go.countDown();
      for (Future<TokenSecrets.Look> look : looks) {
        assertThat(look.get(10, TimeUnit.SECONDS).exists()).isTrue();
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(server.getRequestCount()).isEqualTo(before + 1);
  }

  private void createSecret() {
    client
        .secrets()
        .inNamespace("ns")
        .resource(
            new SecretBuilder()
                .withNewMetadata()
                .withName("hf-token")
                .endMetadata()
                .addToData("token", "aGZfeHh4")
                .build())
        .create();
  }
}
