package dev.chatbot.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import org.junit.jupiter.api.Test;

class SmallPartsTest {

  @Test
  void retryAfterParsesSecondsAndDates() {
    assertThat(HttpSupport.parseRetryAfter("17")).isEqualTo(17);
    assertThat(HttpSupport.parseRetryAfter("soon")).isEqualTo(-1);
    String date = ZonedDateTime.now().plusSeconds(30).format(DateTimeFormatter.RFC_1123_DATE_TIME);
    assertThat(HttpSupport.parseRetryAfter(date)).isBetween(28L, 30L);
  }

  @Test
  void clientRateLimiterCountsPerClient() {
    ClientRateLimiter limiter = new ClientRateLimiter(2);
    assertThat(limiter.tryAcquire("a")).isEqualTo(-1);
    assertThat(limiter.tryAcquire("a")).isEqualTo(-1);
    assertThat(limiter.tryAcquire("a")).isBetween(1L, 60L);
    assertThat(limiter.tryAcquire("b")).isEqualTo(-1);
    ClientRateLimiter off = new ClientRateLimiter(0);
    for (int i = 0; i < 1000; i++) {
      assertThat(off.tryAcquire("a")).isEqualTo(-1);
    }
  }

  @Test
  void routeLabelsHaveBoundedCardinality() {
    assertThat(RuntimeServer.route("/api/chat")).isEqualTo("/api/chat");
    assertThat(RuntimeServer.route("/api/x/../../y")).isEqualTo("other");
    assertThat(RuntimeServer.route("/app.js")).isEqualTo("static");
  }

  @Test
  void mockTokensConcatenateBack() {
    String text = "a bb  ccc d";
    assertThat(String.join("", MockProvider.tokens(text))).isEqualTo(text);
  }
}
