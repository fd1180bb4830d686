package dev.chatbot.runtime;

/** An error answer to the client: status, a safe message, and an optional Retry-After. */
public final class ApiError extends RuntimeException {
  private final int status;
  private final long retryAfterSeconds;

  public ApiError(int status, String message) {
    this(status, message, -1);
  }

  public ApiError(int status, String message, long retryAfterSeconds) {
    super(message, null, false, false);
    this.status = status;
    this.retryAfterSeconds = retryAfterSeconds;
  }

  public int status() {
    return status;
  }

  public long retryAfterSeconds() {
    return retryAfterSeconds;
  }

  /** Maps a provider failure to what the client sees. */
  public static ApiError fromUpstream(UpstreamException e, String providerName) {
    return switch (e.kind()) {
      case LOCAL_LIMIT -> new ApiError(e.status(), e.getMessage(), e.retryAfterSeconds());
      case TIMEOUT -> new ApiError(504, e.getMessage());
      case UNAVAILABLE, MID_STREAM -> new ApiError(502, e.getMessage());
      case STATUS -> {
        int s = e.status();
        if (s == 429 || s == 503) {
          yield new ApiError(s, e.getMessage(), Math.max(1, e.retryAfterSeconds()));
        }
        // The mock mirrors its injected status so clients can be tested against it.
        yield new ApiError("mock".equals(providerName) ? s : 502, e.getMessage());
      }
    };
  }
}
