package dev.chatbot.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The per-client limit as clients see it: each key its own budget, 429 with Retry-After. Budgets of
 * one call a minute: no bucket refills while a test runs, however slow the machine.
 */
class ClientLimitIT {

  private static final String CHAT = "{\"message\":\"ping\"}";

  private static int status(TestClient c, Map<String, String> headers) throws Exception {
    return c.post("/api/chat", CHAT, headers).statusCode();
  }

  /** Sends burst + 1 calls per client: the burst passes, the next is 429 with Retry-After. */
  private static void eachClientHasItsOwnBudget(
      TestClient c, int clients, int burst, java.util.function.IntFunction<Map<String, String>> id)
      throws Exception {
    for (int i = 0; i < clients; i++) {
      for (int n = 0; n < burst; n++) {
        assertThat(status(c, id.apply(i))).as("client %d call %d", i, n).isEqualTo(200);
      }
    }
    for (int i = 0; i < clients; i++) {
      HttpResponse<String> limited = c.post("/api/chat", CHAT, id.apply(i));
      assertThat(limited.statusCode()).as("client %d over its burst", i).isEqualTo(429);
      assertThat(Long.parseLong(limited.headers().firstValue("Retry-After").orElseThrow()))
          .isBetween(1L, 60L);
    }
  }

  @Test
  void manyClientsWithDistinctApiKeysEachGetTheirOwnBudget() throws Exception {
    RuntimeServer s =
        Servers.start(
            Servers.keys(
                "client_requests_per_minute", "1",
                "client_burst", "3",
                "client_key", "header",
                "client_key_header", "X-API-Key"));
    try {
      TestClient c = TestClient.of(s);
      eachClientHasItsOwnBudget(c, 40, 3, i -> Map.of("X-API-Key", "key-" + i));
      // Calls without the header fall back to the address: one budget for all of them.
      for (int n = 0; n < 3; n++) {
        assertThat(status(c, Map.of())).isEqualTo(200);
      }
      assertThat(status(c, Map.of())).isEqualTo(429);
      assertThat(
              TestClient.metric(
                  c.get("/metrics").body(), "chatbot_rate_limited_total{scope=\"client\"}"))
          .isEqualTo(41);
    } finally {
      s.stop();
    }
  }

  /** A stream asked for in the body of /api/chat or /v1/chat/completions costs one call too. */
  @Test
  void aStreamAskedForInTheBodyCountsOnce() throws Exception {
    RuntimeServer s =
        Servers.start(Servers.keys("client_requests_per_minute", "1", "client_burst", "2"));
    try {
      TestClient c = TestClient.of(s);
      String api = "{\"message\":\"ping\",\"stream\":true}";
      String openAi = "{\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
      assertThat(c.post("/api/chat", api).statusCode()).isEqualTo(200);
      assertThat(c.post("/v1/chat/completions", openAi).statusCode()).isEqualTo(200);
      assertThat(c.post("/api/chat", api).statusCode()).isEqualTo(429);
      assertThat(c.post("/v1/chat/completions", openAi).statusCode()).isEqualTo(429);
    } finally {
      s.stop();
    }
  }

  /**
   * A keep-alive client over its budget gets its 429 and can go on using the connection: the
   * refused call's body, sent after its headers as a slow client sends it, is read before the
   * answer (answered early, the server closed the connection without saying so).
   */
  @Test
  void aRefusedCallLeavesTheConnectionUsable() throws Exception {
    RuntimeServer s =
        Servers.start(Servers.keys("client_requests_per_minute", "1", "client_burst", "1"));
    try (Socket socket = new Socket("127.0.0.1", s.port())) {
      socket.setSoTimeout(10_000);
      OutputStream out = socket.getOutputStream();
      InputStream in = socket.getInputStream();
      byte[] body = CHAT.getBytes(StandardCharsets.UTF_8);
      byte[] head =
          ("POST /api/chat HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                  + "Content-Length: "
                  + body.length
                  + "\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII);
      List<Integer> statuses = new ArrayList<>();
      for (int call = 0; call < 3; call++) {
        out.write(head);
        out.flush();
        await("call " + call + " answered before its body was sent")
            .during(Duration.ofMillis(300))
            .atMost(Duration.ofSeconds(2))
            .until(() -> in.available() == 0);
        out.write(body);
        out.flush();
        String status = line(in);
        assertThat(status).as("call %d on the same connection", call).isNotEmpty();
        statuses.add(Integer.parseInt(status.split(" ")[1]));
        int length = 0;
        for (String header = line(in); !header.isEmpty(); header = line(in)) {
          String lower = header.toLowerCase(Locale.ROOT);
          assertThat(lower).isNotEqualTo("connection: close");
          if (lower.startsWith("content-length:")) {
            length = Integer.parseInt(lower.substring("content-length:".length()).trim());
          }
        }
        assertThat(in.readNBytes(length)).hasSize(length);
      }
      assertThat(statuses).containsExactly(200, 429, 429);
    } finally {
      s.stop();
    }
  }

  /** One CRLF-terminated line of an HTTP head; empty at the end of the stream. */
  private static String line(InputStream in) throws IOException {
    StringBuilder line = new StringBuilder();
    for (int b = in.read(); b >= 0; b = in.read()) {
      if (b == '\n') {
        break;
      }
      if (b != '\r') {
        line.append((char) b);
      }
    }
    return line.toString();
  }

  @Test
  void anUntrustedPeersForwardedForIsIgnored() throws Exception {
    RuntimeServer s =
        Servers.start(Servers.keys("client_requests_per_minute", "1", "client_burst", "2"));
    try {
      TestClient c = TestClient.of(s);
      assertThat(status(c, Map.of("X-Forwarded-For", "198.51.100.1"))).isEqualTo(200);
      assertThat(status(c, Map.of("X-Forwarded-For", "198.51.100.2"))).isEqualTo(200);
      assertThat(status(c, Map.of("X-Forwarded-For", "198.51.100.3")))
          .as("every caller here is 127.0.0.1, whatever it claims")
          .isEqualTo(429);
    } finally {
      s.stop();
    }
  }

  @Test
  void aTrustedProxysForwardedForIsUsed() throws Exception {
    RuntimeServer s =
        Servers.start(
            Servers.keys(
                "client_requests_per_minute", "1",
                "client_burst", "2",
                "trusted_proxies", "127.0.0.0/8, 10.0.0.0/8"));
    try {
      TestClient c = TestClient.of(s);
      eachClientHasItsOwnBudget(
          c, 30, 2, i -> Map.of("X-Forwarded-For", "198.51.100." + i + ", 10.9.9.9"));
      // A client that forges the left part of the header stays one client.
      assertThat(status(c, Map.of("X-Forwarded-For", "1.1.1.1, 203.0.113.5"))).isEqualTo(200);
      assertThat(status(c, Map.of("X-Forwarded-For", "2.2.2.2, 203.0.113.5"))).isEqualTo(200);
      assertThat(status(c, Map.of("X-Forwarded-For", "3.3.3.3, 203.0.113.5"))).isEqualTo(429);
    } finally {
      s.stop();
    }
  }

  @Test
  void keyNoneLimitsNobody() throws Exception {
    RuntimeServer s =
        Servers.start(
            Servers.keys(
                "client_requests_per_minute", "1", "client_burst", "1", "client_key", "none"));
    try {
      TestClient c = TestClient.of(s);
      for (int i = 0; i < 30; i++) {
        assertThat(status(c, Map.of())).isEqualTo(200);
      }
    } finally {
      s.stop();
    }
  }

  /**
   * Behind the frontend (a trusted load balancer in front of it) every user keeps a budget, and the
   * backend does not count a call the frontend forwarded a second time.
   */
  @Test
  void throughTheFrontendEachUserKeepsABudgetAndTheBackendDoesNotCountAgain() throws Exception {
    RuntimeServer backend =
        Servers.start(Servers.keys("client_requests_per_minute", "2", "client_burst", "2"));
    RuntimeServer frontend =
        Servers.start(
            Servers.keys(
                "role", "frontend",
                "backend_url", "http://127.0.0.1:" + backend.port(),
                "client_requests_per_minute", "1",
                "client_burst", "3",
                "trusted_proxies", "127.0.0.1"));
    try {
      TestClient c = TestClient.of(frontend);
      eachClientHasItsOwnBudget(c, 10, 3, i -> Map.of("X-Forwarded-For", "198.51.100." + i));
      // Called directly, the backend limits the caller (2 calls).
      TestClient direct = TestClient.of(backend);
      assertThat(status(direct, Map.of())).isEqualTo(200);
      assertThat(status(direct, Map.of())).isEqualTo(200);
      assertThat(status(direct, Map.of())).isEqualTo(429);
    } finally {
      frontend.stop();
      backend.stop();
    }
  }
}
