package dev.chatbot.runtime;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Per-client rate limit: a token bucket per client key holding up to {@code burst} calls, refilled
 * at {@code perMinute / 60} calls a second, kept in a bounded LRU map (a client evicted from it
 * starts again with a full bucket).
 */
public final class ClientRateLimiter {

  private static final int MAX_CLIENTS = 10_000;

  /** A bucket's state; guarded by the map's lock. */
  private static final class Bucket {
    double tokens;
    long updatedNanos;
  }

  private final double perNano;
  private final double burst;
  private final LongSupplier nanoClock;
  private final Map<String, Bucket> buckets =
      new LinkedHashMap<>(256, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Bucket> eldest) {
          return size() > MAX_CLIENTS;
        }
      };

  /** The limit with its default burst: 10 calls, at most the per-minute budget. */
  public ClientRateLimiter(int perMinute) {
    this(perMinute, Math.max(1, Math.min(10, perMinute)));
  }

  /** {@code perMinute} 0 turns the limit off. */
  public ClientRateLimiter(int perMinute, int burst) {
    this(perMinute, burst, System::nanoTime);
  }

  ClientRateLimiter(int perMinute, int burst, LongSupplier nanoClock) {
    this.perNano = perMinute <= 0 ? 0 : perMinute / 60e9;
    this.burst = Math.max(1, burst);
    this.nanoClock = nanoClock;
  }

  public boolean enabled() {
    return perNano > 0;
  }

  /** Returns -1 when allowed, otherwise the seconds until a call is allowed again (at least 1). */
  public long tryAcquire(String client) {
    if (perNano == 0) {
      return -1;
    }
    double missing;
    synchronized (buckets) {
      // Read under the lock: a time read before another call's update would count backwards,
      // take tokens away, and promise a Retry-After longer than one refill.
      long now = nanoClock.getAsLong();
      Bucket b = buckets.get(client);
      if (b == null) {
        b = new Bucket();
        b.tokens = burst;
        b.updatedNanos = now;
        buckets.put(client, b);
      } else if (now > b.updatedNanos) {
        b.tokens = Math.min(burst, b.tokens + (now - b.updatedNanos) * perNano);
        b.updatedNanos = now;
      }
      if (b.tokens >= 1) {
        b.tokens -= 1;
        return -1;
      }
      missing = 1 - b.tokens;
    }
    return Math.max(1, (long) Math.ceil(missing / perNano / 1e9));
  }
}
