package dev.chatbot.runtime;

/**
 * A failure talking to the model provider. The message is always our own text: upstream error
 * bodies are never copied into it (they may echo prompts, tokens or account details).
 */
public class UpstreamException extends RuntimeException {

  public enum Kind {
    /** The upstream answered with an HTTP error status (or an error object with that status). */
    STATUS,
    /** No answer in time. */
    TIMEOUT,
    /** Connection refused/reset, DNS, or malformed answer. */
    UNAVAILABLE,
    /** The stream broke after some text was already sent; never retried. */
    MID_STREAM,
    /** Our own client-side limit (requests_per_minute) or open circuit breaker. */
    LOCAL_LIMIT
  }

  private final Kind kind;
  private final int status;
  private final long retryAfterSeconds;
  private final boolean retryable;

  public UpstreamException(
      Kind kind, int status, String message, long retryAfterSeconds, boolean retryable) {
    super(message, null, false, false);
    this.kind = kind;
    this.status = status;
    this.retryAfterSeconds = retryAfterSeconds;
    this.retryable = retryable;
  }

  public Kind kind() {
    return kind;
  }

  /** The upstream HTTP status, or 0 when there was none. */
  public int status() {
    return status;
  }

  /** Seconds the upstream asked us to wait, or -1. */
  public long retryAfterSeconds() {
    return retryAfterSeconds;
  }

  public boolean retryable() {
    return retryable;
  }

  /** Label for the upstream-errors metric. */
  public String statusLabel() {
    return switch (kind) {
      case STATUS -> Integer.toString(status);
      case TIMEOUT -> "timeout";
      case UNAVAILABLE -> "unavailable";
      case MID_STREAM -> status > 0 ? Integer.toString(status) : "stream";
      case LOCAL_LIMIT -> "local_limit";
    };
  }

  /** An answer that is JSON but carries no text: treated like a broken connection, retried. */
  public static UpstreamException noText(String what) {
    return new UpstreamException(
        Kind.UNAVAILABLE, 0, what + " sent an answer without text", -1, true);
  }

  /**
   * A broken answer or stream, with no status: retried only while no text has reached the client
   * ({@code started} false); after that it is a mid-stream failure.
   */
  public static UpstreamException broken(boolean started, String message) {
    return new UpstreamException(
        started ? Kind.MID_STREAM : Kind.UNAVAILABLE, 0, message, -1, !started);
  }

  /** Standard mapping of an upstream HTTP status to retry behaviour and a safe message. */
  public static UpstreamException forStatus(int status, long retryAfterSeconds, String what) {
    String message =
        switch (status) {
          case 401 -> what + " rejected the credentials (401)";
          case 402 -> what + " reports the account's credits are exhausted (402)";
          case 403 -> what + " denied access to the model (403)";
          case 404 -> what + " does not serve this model (404)";
          case 429 -> what + " is rate limiting requests (429)";
          case 503 -> what + " is unavailable or the model is loading (503)";
          default -> what + " answered with status " + status;
        };
    boolean retryable = status == 429 || status >= 500;
    return new UpstreamException(Kind.STATUS, status, message, retryAfterSeconds, retryable);
  }
}
