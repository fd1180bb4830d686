package dev.chatbot.runtime;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Promise;
import org.eclipse.jetty.util.thread.Invocable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whole answers of a provider that answers instantly (the mock), sent from Jetty's core API below
 * Javalin and the servlet layer: POST /api/chat and /v1/chat/completions without {@code stream}.
 * That layer cost about 25 us of CPU per call, a third of the total, and most of the fall in
 * throughput from 32 to 256 connections (docs/BENCHMARKS.md). Everything else, streams included,
 * goes on to Javalin; a stream request's body, read here already, is handed on with it.
 *
 * <p>The answers are computed on a CPU pool, one thread per core (at least two), in arrival order.
 * Admission lets max_concurrent_chats run because streams and upstream calls mostly wait; 32
 * answers computing at once on two cores share them at the scheduler's whim, and the unlucky ones
 * took 15x the median (docs/BENCHMARKS.md). Queued here, they hold no thread, and the answer is
 * written without blocking one.
 *
 * <p>It runs twice, on one CPU pool. Above {@link Admission}: an answer that holds no thread needs
 * no chat slot, and suspending and resuming the calls beyond max_concurrent_chats was what still
 * made throughput fall from 32 to 256 connections (docs/BENCHMARKS.md). The pool's queue bounds
 * these calls instead: at most max_concurrent_chats + max_queued_chats answers wait, as many as
 * admission lets run and wait; beyond that, or after queue_timeout_seconds in the queue, a call is
 * shed with 503 + Retry-After, counted in chatbot_shed_total. Their bodies are read before any
 * slot, so their bytes are budgeted: at most a 64th of the heap (at least max_body_bytes), a body
 * of unknown length counted at max_body_bytes. A call that does not fit goes on unread to
 * admission, and once it has a slot to the second instance, below admission, with no budget (the
 * slots bound it): 1000 clients with 64 KiB bodies must not fill a 32 MiB heap. Streams go on to
 * admission and Javalin.
 */
final class InstantChat extends Handler.Wrapper {

  private static final Logger LOG = LoggerFactory.getLogger(InstantChat.class);
  private static final AtomicInteger CPU_THREADS = new AtomicInteger();

  private static final String OPEN_AI = "/v1/chat/completions";

  /** Set on a stream handed on with its body: the per-client limit counted it here already. */
  static final String COUNTED_ATTRIBUTE = InstantChat.class.getName() + ".counted";

  private final Config config;
  private final Api api;
  private final RuntimeServer server;
  private final ThreadPoolExecutor cpu;
  private final long queueTimeoutNanos;

  /** Body bytes calls on this path may still hold. */
  private final AtomicLong bodyBytesFree;

  /**
   * Above {@code next} (admission) with a budget of body bytes; or, {@code next} null and no
   * budget, below admission, where Javalin's servlet layer goes below it.
   */
  InstantChat(
      Config config,
      Api api,
      RuntimeServer server,
      Handler next,
      ThreadPoolExecutor cpu,
      long bodyBudget) {
    super(next);
    this.config = config;
    this.api = api;
    this.server = server;
    this.cpu = cpu;
    this.queueTimeoutNanos = TimeUnit.SECONDS.toNanos(config.queueTimeoutSeconds);
    this.bodyBytesFree = new AtomicLong(bodyBudget);
  }

  /**
   * The CPU pool: one thread per core; its queue takes as many answers as admission lets run and
   * wait.
   */
  static ThreadPoolExecutor cpuPool(Config config) {
    int threads = cpuThreads();
    return new ThreadPoolExecutor(
        threads,
        threads,
        0,
        TimeUnit.MILLISECONDS,
        new ArrayBlockingQueue<>(config.maxConcurrentChats + config.maxQueuedChats),
        InstantChat::cpuThread);
  }

  /**
   * Body bytes the calls above admission may hold at once: a 64th of the heap (512 KiB of the
   * image's 32 MiB), at least one largest body. With an eighth, a burst of 62 KiB bodies ran 2-3x
   * the full collections of reading them only in a slot (docs/BENCHMARKS.md).
   */
  static long bodyBudget(int maxBodyBytes) {
    return Math.max(maxBodyBytes, Runtime.getRuntime().maxMemory() / 64);
  }

  /** One per core, at least two: an answer stuck behind a slow one leaves another thread. */
  static int cpuThreads() {
    return Math.max(2, Runtime.getRuntime().availableProcessors());
  }

  private static Thread cpuThread(Runnable r) {
    Thread t = new Thread(r, "chat-cpu-" + CPU_THREADS.incrementAndGet());
    t.setDaemon(true);
    return t;
  }

  @Override
  public boolean handle(Request request, Response response, Callback callback) throws Exception {
    if (!"POST".equals(request.getMethod())) {
      return super.handle(request, response, callback);
    }
    String path = Request.getPathInContext(request);
    if (!OPEN_AI.equals(path) && !"/api/chat".equals(path)
        || request.getAttribute(COUNTED_ATTRIBUTE) != null) {
      return super.handle(request, response, callback); // not a chat, or a stream read above
    }
    long length = request.getLength();
    boolean tooLarge = length > config.maxBodyBytes;
    // Too large: refused unread. Unknown length: it may grow to the limit.
    long bytes = tooLarge ? 0 : length >= 0 ? length : config.maxBodyBytes;
    if (!reserve(bytes)) {
      return super.handle(request, response, callback);
    }
    long wait = server.clientWait(request.getHeaders()::get, () -> Request.getRemoteAddr(request));
    Call call =
        new Call(
            request,
            response,
            // the body's bytes go back to the budget when the call completes, either way
            Callback.from(() -> bodyBytesFree.addAndGet(bytes), callback),
            path,
            wait);
    if (tooLarge) {
      call.tooLarge();
      return true;
    }
    // Read even when refused, so that a keep-alive client's connection stays usable. The body
    // usually came with the headers, and then this runs at once, on this thread.
    Content.Source.asByteArrayAsync(
        request,
        config.maxBodyBytes,
        Promise.Invocable.from(
            Invocable.InvocationType.BLOCKING, call::bodyRead, call::bodyFailed));
    return true;
  }

  private boolean reserve(long bytes) {
    long free;
    do {
      free = bodyBytesFree.get();
      if (free < bytes) {
        return false;
      }
    } while (!bodyBytesFree.compareAndSet(free, free - bytes));
    return true;
  }

  /** One chat call answered here, from its body to the last byte of its answer. */
  private final class Call {
    private final Request request;
    private final Response response;
    private final Callback callback;
    private final String path;

    /** -1, or the seconds this client must wait for its per-client limit. */
    private final long wait;

    /** When the call arrived: the request metric's start, and its wait in the queue. */
    private final long began = System.nanoTime();

    Call(Request request, Response response, Callback callback, String path, long wait) {
      this.request = request;
      this.response = response;
      this.callback = callback;
      this.path = path;
      this.wait = wait;
    }

    /** Refused for its size, unless refused for its client's limit (as the other chat paths do). */
    void tooLarge() {
      fail(wait >= 0 ? RuntimeServer.tooManyRequests(wait) : server.tooLarge());
    }

    private boolean openAi() {
      return path.equals(OPEN_AI);
    }

    void bodyRead(byte[] body) {
      if (wait >= 0) {
        fail(RuntimeServer.tooManyRequests(wait));
        return;
      }
      ChatRequest chat;
      try {
        chat = ChatRequest.parse(new String(body, StandardCharsets.UTF_8), config, openAi());
      } catch (ApiError e) {
        fail(e);
        return;
      }
      if (chat.stream()) {
        onToJavalin(body);
        return;
      }
      server.callStarted();
      try {
        cpu.execute(() -> answer(chat));
      } catch (RejectedExecutionException e) {
        server.callEnded();
        if (cpu.isShutdown()) {
          fail(new ApiError(503, "the chat service is stopping", Admission.RETRY_AFTER_SECONDS));
        } else {
          shed("queue_full");
        }
      }
    }

    private void shed(String reason) {
      server.metrics().shed(reason);
      fail(Admission.overloaded());
    }

    void bodyFailed(Throwable failure) {
      if (failure instanceof IllegalStateException) {
        // "Max size (N) exceeded": a body without a declared length grew beyond max_body_bytes
        tooLarge();
      } else {
        callback.failed(failure); // the client went away
      }
    }

    private void answer(ChatRequest chat) {
      if (System.nanoTime() - began > queueTimeoutNanos) {
        server.callEnded();
        shed("queue_timeout");
        return;
      }
      Api.Whole whole;
      try {
        whole = openAi() ? api.openAiWhole(chat) : api.apiWhole(chat);
      } catch (ApiError e) {
        server.callEnded();
        fail(e);
        return;
      } catch (RuntimeException e) {
        server.callEnded();
        LOG.error("unexpected {} on {}", e.getClass().getName(), path);
        fail(new ApiError(500, "internal error"));
        return;
      }
      api.answeredBy(response.getHeaders()::put, whole.result());
      send(200, Json.write(whole.body()), Callback.from(callback, server::callEnded));
    }

    /** A stream: Javalin answers it, reading the body this handler has read already. */
    private void onToJavalin(byte[] body) {
      request.setAttribute(COUNTED_ATTRIBUTE, Boolean.TRUE);
      Request replayed = new Replayed(request, body);
      try {
        if (!InstantChat.super.handle(replayed, response, callback)) {
          Response.writeError(request, response, callback, 404);
        }
      } catch (Throwable e) {
        Response.writeError(request, response, callback, e);
      }
    }

    void fail(ApiError e) {
      if (e.retryAfterSeconds() >= 0) {
        response.getHeaders().put(HttpHeader.RETRY_AFTER, Long.toString(e.retryAfterSeconds()));
      }
      send(e.status(), Json.write(RuntimeServer.errorBody(path, e)), callback);
    }

    private void send(int status, String json, Callback done) {
      Callback measured =
          Callback.from(
              done,
              () -> server.metrics().request(path, "POST", status, System.nanoTime() - began));
      RuntimeServer.json(response, status, json, measured);
    }
  }

  /** The request with its body read already: the servlet layer reads the same bytes again. */
  private static final class Replayed extends Request.Wrapper {
    private final Content.Source body;

    Replayed(Request request, byte[] bytes) {
      super(request);
      this.body = Content.Source.from(ByteBuffer.wrap(bytes));
    }

    @Override
    public Content.Chunk read() {
      return body.read();
    }

    @Override
    public void demand(Runnable demandCallback) {
      body.demand(demandCallback);
    }

    @Override
    public void fail(Throwable failure) {
      body.fail(failure);
    }

    @Override
    public boolean consumeAvailable() {
      return true;
    }
  }
}
