package dev.chatbot.runtime;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
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
 */
final class InstantChat extends Handler.Wrapper {

  private static final Logger LOG = LoggerFactory.getLogger(InstantChat.class);
  private static final AtomicInteger CPU_THREADS = new AtomicInteger();

  private static final String OPEN_AI = "/v1/chat/completions";

  /** Set on a call handed on to Javalin: the per-client limit counted it here already. */
  static final String COUNTED_ATTRIBUTE = InstantChat.class.getName() + ".counted";

  private final Config config;
  private final Api api;
  private final RuntimeServer server;
  private final ExecutorService cpu =
      Executors.newFixedThreadPool(cpuThreads(), InstantChat::cpuThread);

  InstantChat(Config config, Api api, RuntimeServer server) {
    this.config = config;
    this.api = api;
    this.server = server;
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

  void close() {
    cpu.shutdown();
  }

  @Override
  public boolean handle(Request request, Response response, Callback callback) throws Exception {
    if (!"POST".equals(request.getMethod())) {
      return super.handle(request, response, callback);
    }
    String path = Request.getPathInContext(request);
    if (!OPEN_AI.equals(path) && !"/api/chat".equals(path)) {
      return super.handle(request, response, callback);
    }
    long wait = server.clientWait(request.getHeaders()::get, () -> Request.getRemoteAddr(request));
    Call call = new Call(request, response, callback, path, wait);
    if (request.getLength() > config.maxBodyBytes) {
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

  /** One chat call answered here, from its body to the last byte of its answer. */
  private final class Call {
    private final Request request;
    private final Response response;
    private final Callback callback;
    private final String path;

    /** -1, or the seconds this client must wait for its per-client limit. */
    private final long wait;

    /** When admission let the call in: the request metric's start, as on Javalin's routes. */
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
      } catch (RejectedExecutionException stopping) {
        server.callEnded();
        fail(new ApiError(503, "the chat service is stopping", Admission.RETRY_AFTER_SECONDS));
      }
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
