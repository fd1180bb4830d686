package dev.chatbot.runtime;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.ConnectException;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;

/** Shared upstream HTTP plumbing: client, Retry-After parsing, line streaming with idle timeout. */
final class HttpSupport {

  /** The largest whole answer read from a provider: far beyond any max_tokens, still bounded. */
  static final int MAX_ANSWER_BYTES = 4 * 1024 * 1024;

  /** One thread for the runtime's short timed tasks: stream watchdogs, retries of held calls. */
  static final ScheduledExecutorService TIMER =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "runtime-timer");
            t.setDaemon(true);
            return t;
          });

  private HttpSupport() {}

  static HttpClient newClient(int timeoutSeconds) {
    return newClient(Duration.ofSeconds(Math.min(timeoutSeconds, 10)));
  }

  static HttpClient newClient(Duration connectTimeout) {
    return HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(connectTimeout)
        .followRedirects(HttpClient.Redirect.NEVER)
        // Run the client's completion stages on its selector thread: no hand-off to a pool,
        // which saves about half a millisecond per upstream call on a busy node.
        .executor(Runnable::run)
        .build();
  }

  /** Parses Retry-After (delta seconds or an HTTP date); -1 when absent or invalid. */
  static long retryAfterSeconds(HttpResponse<?> response) {
    return response
        .headers()
        .firstValue("Retry-After")
        .map(HttpSupport::parseRetryAfter)
        .orElse(-1L);
  }

  static long parseRetryAfter(String value) {
    String v = value.strip();
    try {
      return Math.max(0, Long.parseLong(v));
    } catch (NumberFormatException e) {
      try {
        ZonedDateTime when = ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME);
        return Math.max(0, Duration.between(ZonedDateTime.now(), when).toSeconds());
      } catch (RuntimeException ignored) {
        return -1;
      }
    }
  }

  /** Maps an I/O failure to an UpstreamException without leaking details. */
  static UpstreamException ioFailure(Exception e, String what) {
    if (e instanceof HttpTimeoutException) {
      return new UpstreamException(
          UpstreamException.Kind.TIMEOUT, 0, what + " did not answer in time", -1, true);
    }
    if (e instanceof InterruptedException) {
      Thread.currentThread().interrupt();
    }
    String reason = e instanceof ConnectException ? "is not reachable" : "connection failed";
    return new UpstreamException(
        UpstreamException.Kind.UNAVAILABLE, 0, what + " " + reason, -1, true);
  }

  static String readBody(InputStream in, int limit) throws IOException {
    try (in) {
      byte[] bytes = in.readNBytes(limit);
      return new String(bytes, StandardCharsets.UTF_8);
    }
  }

  /** Reads a whole body, closing the stream (a TIMEOUT) when it takes longer than the timeout. */
  static String readBody(InputStream in, int limit, Duration timeout, String what) {
    AtomicBoolean timedOut = new AtomicBoolean();
    ScheduledFuture<?> timer =
        TIMER.schedule(
            () -> {
              timedOut.set(true);
              try {
                in.close();
              } catch (IOException ignored) {
                // closing only to unblock the reader
              }
            },
            timeout.toMillis(),
            TimeUnit.MILLISECONDS);
    try {
      return readBody(in, limit);
    } catch (IOException e) {
      if (timedOut.get()) {
        throw new UpstreamException(
            UpstreamException.Kind.TIMEOUT, 0, what + " did not answer in time", -1, true);
      }
      throw ioFailure(e, what);
    } finally {
      timer.cancel(false);
    }
  }

  /**
   * Reads lines until {@code onLine} returns false or the stream ends. The stream is closed when no
   * line arrives within {@code idleTimeout}; that surfaces as a TIMEOUT exception.
   *
   * @return true if onLine asked to stop (a terminator was seen), false on end of stream
   */
  static boolean readLines(
      InputStream in,
      Duration idleTimeout,
      String what,
      BooleanSupplier started,
      LineHandler onLine) {
    AtomicBoolean timedOut = new AtomicBoolean();
    Runnable kill =
        () -> {
          timedOut.set(true);
          try {
            in.close();
          } catch (IOException ignored) {
            // closing only to unblock the reader
          }
        };
    try (BufferedReader reader =
        new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
      ScheduledFuture<?> timer =
          TIMER.schedule(kill, idleTimeout.toMillis(), TimeUnit.MILLISECONDS);
      try {
        String line;
        while ((line = reader.readLine()) != null) {
          timer.cancel(false);
          if (!onLine.test(line)) {
            return true;
          }
          timer = TIMER.schedule(kill, idleTimeout.toMillis(), TimeUnit.MILLISECONDS);
        }
        return false;
      } finally {
        timer.cancel(false);
      }
    } catch (IOException e) {
      if (timedOut.get()) {
        return throwTimeout(what, started.getAsBoolean());
      }
      throw UpstreamException.broken(started.getAsBoolean(), what + " connection broke");
    }
  }

  private static boolean throwTimeout(String what, boolean midStream) {
    throw new UpstreamException(
        midStream ? UpstreamException.Kind.MID_STREAM : UpstreamException.Kind.TIMEOUT,
        0,
        what + " stopped sending in time",
        -1,
        !midStream);
  }

  /** Handles one line; returns false to stop reading. */
  @FunctionalInterface
  interface LineHandler {
    boolean test(String line);
  }
}
