package dev.chatbot.runtime;

import java.time.Duration;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.QoSHandler;
import org.eclipse.jetty.util.Callback;

/**
 * Admission control for chat calls (POST under /api/ and /v1/): at most max_concurrent_chats run at
 * once, each on its own thread; the excess waits in a queue that holds no thread (Jetty suspends
 * the request) for at most queue_timeout_seconds, and at most max_queued_chats wait. Beyond that a
 * call is shed at once with 503 + Retry-After, so a burst of clients costs bounded memory and
 * threads. Probes, metrics and the page are never queued: they keep answering under any chat load.
 * Whole answers of an instant provider (the mock) never get here: {@link InstantChat}, above this
 * handler, bounds them with a queue of its own.
 *
 * <p>In the frontend the same queue holds chat calls through a cold start ({@link Hold}): a queued
 * call waits up to max(queue_timeout_seconds, hold_seconds), and while the backend is unreachable a
 * full queue answers 429.
 */
final class Admission extends QoSHandler {

  static final int RETRY_AFTER_SECONDS = 1;
  private static final String MESSAGE = "the chat service is overloaded; try again shortly";

  private final Metrics metrics;
  private volatile Hold hold;

  Admission(Config config, Metrics metrics) {
    this.metrics = metrics;
    setMaxRequestCount(config.maxConcurrentChats);
    setMaxSuspendedRequestCount(config.maxQueuedChats);
    setMaxSuspend(Duration.ofSeconds(config.queueTimeoutSeconds));
    include(Admission::isChat);
  }

  void setHold(Hold hold) {
    this.hold = hold;
  }

  @Override
  public boolean onConditionsMet(Request request, Response response, Callback callback)
      throws Exception {
    Hold h = hold;
    if (h != null && h.unreachable()) {
      request.setAttribute(Hold.HELD_ATTRIBUTE, Boolean.TRUE);
      h.held();
    }
    return super.onConditionsMet(request, response, callback);
  }

  static boolean isChat(Request request) {
    String path = Request.getPathInContext(request);
    return "POST".equals(request.getMethod())
        && (path.startsWith("/api/") || path.startsWith("/v1/"));
  }

  /** The queue is full: while the backend is away, of held calls (429); else overload (503). */
  @Override
  protected void reject(Request request, Response response, Callback callback, int status) {
    Hold h = hold;
    if (h != null && h.unreachable()) {
      write(request, response, callback, h.full());
      return;
    }
    shed(request, response, callback, "queue_full");
  }

  /**
   * The call waited queue_timeout_seconds (in the frontend max(queue_timeout_seconds,
   * hold_seconds)), or failed while waiting.
   */
  @Override
  protected void failSuspended(
      Request request, Response response, Callback callback, int status, Throwable failure) {
    Hold h = hold;
    long arrived = request.getBeginNanoTime();
    if (h != null && h.waitedForBackend(arrived)) {
      if (request.getAttribute(Hold.HELD_ATTRIBUTE) == null) {
        h.held();
      }
      write(request, response, callback, h.gaveUp(System.nanoTime() - arrived));
      return;
    }
    shed(request, response, callback, "queue_timeout");
  }

  private void shed(Request request, Response response, Callback callback, String reason) {
    metrics.shed(reason);
    write(request, response, callback, overloaded());
  }

  /** What a shed call is answered: 503 with Retry-After. */
  static ApiError overloaded() {
    return new ApiError(503, MESSAGE, RETRY_AFTER_SECONDS);
  }

  private static void write(Request request, Response response, Callback callback, ApiError e) {
    response.getHeaders().put(HttpHeader.RETRY_AFTER, Long.toString(e.retryAfterSeconds()));
    RuntimeServer.json(
        response,
        e.status(),
        Json.write(RuntimeServer.errorBody(Request.getPathInContext(request), e)),
        callback);
  }
}
