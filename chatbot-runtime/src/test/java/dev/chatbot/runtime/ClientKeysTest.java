package dev.chatbot.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Address ranges, X-Forwarded-For through trusted proxies, and the token bucket. */
class ClientKeysTest {

  private static final List<Cidr> TRUSTED = Cidr.parseList("10.0.0.0/8, 192.168.1.7 fd00::/8");

  @Test
  void rangesMatchIpv4AndIpv6() {
    assertThat(Cidr.parse("10.0.0.0/8").contains(Cidr.literal("10.200.3.4"))).isTrue();
    assertThat(Cidr.parse("10.0.0.0/8").contains(Cidr.literal("11.0.0.1"))).isFalse();
    assertThat(Cidr.parse("192.168.1.7").contains(Cidr.literal("192.168.1.7"))).isTrue();
    assertThat(Cidr.parse("192.168.1.7").contains(Cidr.literal("192.168.1.8"))).isFalse();
    assertThat(Cidr.parse("172.16.0.0/12").contains(Cidr.literal("172.31.255.255"))).isTrue();
    assertThat(Cidr.parse("172.16.0.0/12").contains(Cidr.literal("172.32.0.0"))).isFalse();
    assertThat(Cidr.parse("fd00::/8").contains(Cidr.literal("fd12::1"))).isTrue();
    assertThat(Cidr.parse("fd00::/8").contains(Cidr.literal("fe80::1"))).isFalse();
    assertThat(Cidr.parse("0.0.0.0/0").contains(Cidr.literal("8.8.8.8"))).isTrue();
    // Brackets, ports, zones and IPv4-mapped IPv6.
    assertThat(Cidr.literal("[::1]:8080")).isEqualTo(Cidr.literal("::1"));
    assertThat(Cidr.literal("10.1.2.3:5555")).isEqualTo(new byte[] {10, 1, 2, 3});
    assertThat(Cidr.literal("::ffff:10.1.2.3")).isEqualTo(new byte[] {10, 1, 2, 3});
    assertThat(Cidr.literal("fe80::1%eth0")).hasSize(16);
  }

  @Test
  void anythingButALiteralIsRefusedWithoutALookup() {
    // A host name here would mean a DNS lookup per request: never.
    for (String bad : List.of("localhost", "example.com", "1.2.3", "1.2.3.4.5", "256.1.1.1", "")) {
      assertThat(Cidr.literal(bad)).as(bad).isNull();
    }
    assertThatThrownBy(() -> Cidr.parse("10.0.0.0/33")).hasMessageContaining("10.0.0.0/33");
    assertThatThrownBy(() -> Cidr.parse("proxy.internal/8"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Config.of(Map.of("trusted_proxies", "10.0.0.0/8, nonsense")))
        .hasMessageStartingWith("trusted_proxies:");
  }

  @Test
  void theRightMostUntrustedForwardedAddressIsTheClient() {
    // An untrusted peer's X-Forwarded-For is ignored.
    assertThat(ClientKeys.clientAddress("203.0.113.9", "1.1.1.1", TRUSTED))
        .isEqualTo("203.0.113.9");
    assertThat(ClientKeys.clientAddress("10.0.0.5", null, TRUSTED)).isEqualTo("10.0.0.5");
    // A trusted proxy: the right-most address that is not a trusted proxy.
    assertThat(ClientKeys.clientAddress("10.0.0.5", "198.51.100.4", TRUSTED))
        .isEqualTo("198.51.100.4");
    assertThat(ClientKeys.clientAddress("10.0.0.5", "6.6.6.6, 198.51.100.4, 192.168.1.7", TRUSTED))
        .as("a forged left part does not change who the client is")
        .isEqualTo("198.51.100.4");
    assertThat(ClientKeys.clientAddress("10.0.0.5", "fd00::9, 10.3.3.3", TRUSTED))
        .as("all trusted: the left-most")
        .isEqualTo("fd00::9");
    assertThat(ClientKeys.clientAddress("10.0.0.5", "garbage, 10.3.3.3", TRUSTED))
        .isEqualTo("garbage");
  }

  @Test
  void bucketsHoldABurstAndRefillAtTheRate() {
    ClientRateLimiter limiter = new ClientRateLimiter(600, 3);
    for (int i = 0; i < 3; i++) {
      assertThat(limiter.tryAcquire("a")).isEqualTo(-1);
    }
    assertThat(limiter.tryAcquire("a")).isEqualTo(1); // 10 a second: the next in 0.1 s
    assertThat(limiter.tryAcquire("b")).isEqualTo(-1);
    ClientRateLimiter slow = new ClientRateLimiter(2, 1);
    assertThat(slow.tryAcquire("a")).isEqualTo(-1);
    assertThat(slow.tryAcquire("a")).isBetween(29L, 30L);
    assertThat(Config.of(Map.of()).clientBurst).isEqualTo(10);
  }

  @Test
  void aStaleReadingOfTheClockTakesNoTokensAndPromisesNoMoreThanOneRefill() {
    // 6 a minute: one call every 10 s. A call whose time reading is older than the last update
    // (two calls racing) must not count time backwards.
    long[] now = {1_000_000_000_000L};
    ClientRateLimiter limiter = new ClientRateLimiter(6, 1, () -> now[0]);
    assertThat(limiter.tryAcquire("a")).isEqualTo(-1);
    now[0] -= 2_000_000_000L;
    assertThat(limiter.tryAcquire("a")).as("Retry-After").isEqualTo(10);
    now[0] += 2_000_000_000L + 10_000_000_000L;
    assertThat(limiter.tryAcquire("a")).as("refilled 10 s after the first call").isEqualTo(-1);
    assertThat(Config.of(Map.of("client_requests_per_minute", "3")).clientBurst).isEqualTo(3);
    assertThatThrownBy(() -> Config.of(Map.of("client_key", "header")))
        .hasMessageStartingWith("client_key_header:");
  }
}
