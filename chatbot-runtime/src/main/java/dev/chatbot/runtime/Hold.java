package dev.chatbot.runtime;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The frontend's hold through cold starts (hold_seconds): whether the backend Service can take a
 * call, and the chat calls waiting for it. A held call never holds a thread: it either waits in the
 * admission queue (Jetty's QoSHandler suspends it) or, once it has a chat slot, in an asynchronous
 * retry loop ({@link Proxy}). While the backend is unreachable the admission queue keeps a call up
 * to hold_seconds, and a full queue answers 429.
 */
final class Hold {

  private static final Logger LOG = LoggerFactory.getLogger(Hold.class);

  /** Request attribute: the call arrived while the backend was unreachable. */
  static final String HELD_ATTRIBUTE = Hold.class.getName() + ".held";

  /** What a client is told to wait when a hold ends without the backend. */
  static final int RETRY_AFTER_SECONDS = 5;

  private final long holdNanos;
  private final Admission admission;
  private final Metrics metrics;
  private final AtomicInteger retrying = new AtomicInteger();
  private volatile boolean unreachable;
  private volatile long unreachableSinceNanos;

  Hold(Config config, Admission admission, Metrics metrics) {
    this.holdNanos = Duration.ofSeconds(config.holdSeconds).toNanos();
    // A call queued for a slot may be waiting for the backend: it gets the hold time too.
    admission.setMaxSuspend(
        Duration.ofSeconds(Math.max(config.queueTimeoutSeconds, config.holdSeconds)));
    this.admission = admission;
    this.metrics = metrics;
    this.unreachableSinceNanos = System.nanoTime(); // before any call arrives
    metrics.backendReachable(() -> unreachable ? 0 : 1);
    metrics.heldNow(this::waiting);
  }

  long holdNanos() {
    return holdNanos;
  }

  boolean unreachable() {
    return unreachable;
  }

  /**
   * Whether the call that arrived at {@code arrivedNanos} has been waiting for the backend: it
   * arrived while the backend was away, or the backend went away while it waited for a slot.
   */
  boolean waitedForBackend(long arrivedNanos) {
    return unreachable || unreachableSinceNanos - arrivedNanos > 0;
  }

  /** A call found no backend. */
  void markUnreachable() {
    if (!unreachable) {
      synchronized (this) {
        if (!unreachable) {
          unreachableSinceNanos = System.nanoTime();
          unreachable = true;
          LOG.warn(
              "the chat backend is not reachable; holding chat calls up to {} s", holdSeconds());
        }
      }
    }
  }

  /** The backend answered. */
  void markReachable() {
    if (unreachable) {
      synchronized (this) {
        if (unreachable) {
          unreachable = false;
          LOG.info("the chat backend is reachable again");
        }
      }
    }
  }

  private long holdSeconds() {
    return Duration.ofNanos(holdNanos).toSeconds();
  }

  /** A call that holds a chat slot started waiting for the backend. */
  void retryStarted() {
    retrying.incrementAndGet();
  }

  void retryEnded() {
    retrying.decrementAndGet();
  }

  /** Held calls now: waiting in a slot, plus the queued ones while the backend is away. */
  int waiting() {
    return retrying.get() + (unreachable ? admission.getSuspendedRequestCount() : 0);
  }

  /** Calls retrying in a slot (they finish or give up within hold_seconds). */
  int retrying() {
    return retrying.get();
  }

  void held() {
    metrics.held();
  }

  void forwarded(long waitedNanos) {
    metrics.holdEnded("forwarded", waitedNanos);
  }

  /** The answer to a call that waited hold_seconds in vain (503), counted as given up. */
  ApiError gaveUp(long waitedNanos) {
    metrics.holdEnded("gave_up", waitedNanos);
    metrics.holdGivenUp("timeout");
    return new ApiError(
        503, "the chat backend is not available yet; try again shortly", RETRY_AFTER_SECONDS);
  }

  /** The answer when the queue of held calls is full (429). */
  ApiError full() {
    metrics.holdGivenUp("queue_full");
    return new ApiError(
        429,
        "the chat backend is starting and too many requests are waiting for it; try again shortly",
        RETRY_AFTER_SECONDS);
  }
}
