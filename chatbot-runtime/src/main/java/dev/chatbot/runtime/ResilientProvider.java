package dev.chatbot.runtime;

import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.core.IntervalFunction;
import io.github.resilience4j.ratelimiter.RateLimiter;
import io.github.resilience4j.ratelimiter.RateLimiterConfig;
import io.github.resilience4j.ratelimiter.internal.AtomicRateLimiter;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Wraps a remote provider with resilience4j: a client-side rate limit (requests_per_minute), a
 * circuit breaker and retries with Retry-After or exponential backoff with jitter. Only failures
 * marked retryable are retried (429, 5xx, timeouts, connection failures before any text was sent);
 * 401/402/403/404 and mid-stream breaks are not.
 */
public final class ResilientProvider implements Provider {

  private static final Logger LOG = LoggerFactory.getLogger(ResilientProvider.class);

  private final Provider delegate;
  private final Metrics metrics;
  private final Retry retry;
  private final CircuitBreaker breaker;
  private final AtomicRateLimiter limiter;
  private final Duration openWait;

  public ResilientProvider(Provider delegate, Config config, Metrics metrics) {
    this(delegate, config, metrics, Duration.ofSeconds(30));
  }

  public ResilientProvider(Provider delegate, Config config, Metrics metrics, Duration openWait) {
    this.delegate = delegate;
    this.metrics = metrics;
    this.openWait = openWait;
    IntervalFunction backoff =
        IntervalFunction.ofExponentialRandomBackoff(config.retryInitialBackoffMillis, 2.0, 0.5);
    long maxRetryAfter = config.maxRetryAfterSeconds;
    RetryConfig retryConfig =
        RetryConfig.<Object>custom()
            .maxAttempts(config.retryMaxAttempts)
            .retryOnException(
                e ->
                    e instanceof UpstreamException u
                        && u.retryable()
                        && u.retryAfterSeconds() <= maxRetryAfter)
            .intervalBiFunction(
                (attempt, either) -> {
                  if (either.isLeft()
                      && either.getLeft() instanceof UpstreamException u
                      && u.retryAfterSeconds() > 0) {
                    return u.retryAfterSeconds() * 1000;
                  }
                  return backoff.apply(attempt);
                })
            .build();
    this.retry = Retry.of(delegate.name(), retryConfig);
    this.breaker =
        CircuitBreaker.of(
            delegate.name(),
            CircuitBreakerConfig.custom()
                .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
                .slidingWindowSize(20)
                .minimumNumberOfCalls(5)
                .failureRateThreshold(50)
                .waitDurationInOpenState(openWait)
                .permittedNumberOfCallsInHalfOpenState(2)
                .recordException(
                    e ->
                        e instanceof UpstreamException u
                            && u.kind() != UpstreamException.Kind.LOCAL_LIMIT)
                .build());
    breaker
        .getEventPublisher()
        .onStateTransition(
            e ->
                LOG.warn(
                    "circuit breaker for {}: {}",
                    delegate.name(),
                    e.getStateTransition().name().toLowerCase()));
    metrics.circuitBreaker(delegate.name(), breaker);
    if (config.requestsPerMinute > 0) {
      this.limiter =
          (AtomicRateLimiter)
              RateLimiter.of(
                  delegate.name(),
                  RateLimiterConfig.custom()
                      .limitForPeriod(config.requestsPerMinute)
                      .limitRefreshPeriod(Duration.ofMinutes(1))
                      .timeoutDuration(Duration.ZERO)
                      .build());
    } else {
      this.limiter = null;
    }
  }

  public CircuitBreaker circuitBreaker() {
    return breaker;
  }

  @Override
  public String name() {
    return delegate.name();
  }

  @Override
  public String model() {
    return delegate.model();
  }

  @Override
  public boolean ready() {
    return delegate.ready();
  }

  @Override
  public void start() {
    delegate.start();
  }

  @Override
  public void close() {
    delegate.close();
  }

  @Override
  public Completion complete(List<Message> messages) {
    return call(() -> delegate.complete(messages));
  }

  @Override
  public Completion stream(List<Message> messages, Consumer<String> onDelta) {
    // Retries happen only before the first delta: later failures are MID_STREAM (not retryable).
    return call(() -> delegate.stream(messages, onDelta));
  }

  private <T> T call(Supplier<T> upstreamCall) {
    Supplier<T> attempt =
        () -> {
          if (limiter != null && !limiter.acquirePermission()) {
            metrics.rateLimited("upstream");
            long wait = limiter.getDetailedMetrics().getNanosToWait();
            throw new UpstreamException(
                UpstreamException.Kind.LOCAL_LIMIT,
                429,
                "requests_per_minute limit for " + delegate.name() + " reached",
                Math.max(1, (wait + 999_999_999L) / 1_000_000_000L),
                false);
          }
          try {
            return upstreamCall.get();
          } catch (UpstreamException e) {
            metrics.upstreamError(delegate.name(), e.statusLabel());
            LOG.warn("{} call failed: {}", delegate.name(), e.getMessage());
            throw e;
          }
        };
    Supplier<T> decorated =
        Retry.decorateSupplier(retry, CircuitBreaker.decorateSupplier(breaker, attempt));
    try {
      return decorated.get();
    } catch (CallNotPermittedException e) {
      throw new UpstreamException(
          UpstreamException.Kind.LOCAL_LIMIT,
          503,
          "circuit breaker for " + delegate.name() + " is open",
          Math.max(1, openWait.toSeconds()),
          false);
    }
  }
}
