package dev.chatbot.runtime;

import io.github.resilience4j.ratelimiter.RateLimiter;
import io.github.resilience4j.ratelimiter.RateLimiterConfig;
import io.github.resilience4j.ratelimiter.internal.AtomicRateLimiter;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Per-client rate limit (client_requests_per_minute), one resilience4j limiter per client key, kept
 * in a bounded LRU map. Limits of 60/min or more refill every second, smaller ones every minute.
 */
public final class ClientRateLimiter {

  private static final int MAX_CLIENTS = 10_000;

  private final RateLimiterConfig limiterConfig;
  private final Map<String, AtomicRateLimiter> limiters =
      new LinkedHashMap<>(256, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, AtomicRateLimiter> eldest) {
          return size() > MAX_CLIENTS;
        }
      };

  public ClientRateLimiter(int perMinute) {
    if (perMinute <= 0) {
      this.limiterConfig = null;
    } else if (perMinute >= 60) {
      this.limiterConfig =
          RateLimiterConfig.custom()
              .limitForPeriod(perMinute / 60)
              .limitRefreshPeriod(Duration.ofSeconds(1))
              .timeoutDuration(Duration.ZERO)
              .build();
    } else {
      this.limiterConfig =
          RateLimiterConfig.custom()
              .limitForPeriod(perMinute)
              .limitRefreshPeriod(Duration.ofMinutes(1))
              .timeoutDuration(Duration.ZERO)
              .build();
    }
  }

  /** Returns -1 when allowed, otherwise the seconds to wait (at least 1). */
  public long tryAcquire(String client) {
    if (limiterConfig == null) {
      return -1;
    }
    AtomicRateLimiter limiter;
    synchronized (limiters) {
      limiter =
          limiters.computeIfAbsent(
              client, k -> (AtomicRateLimiter) RateLimiter.of("client", limiterConfig));
    }
    if (limiter.acquirePermission()) {
      return -1;
    }
    long nanos = limiter.getDetailedMetrics().getNanosToWait();
    return Math.max(1, (nanos + 999_999_999L) / 1_000_000_000L);
  }
}
