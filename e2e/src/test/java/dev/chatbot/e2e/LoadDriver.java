package dev.chatbot.e2e;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * A bounded load driver: {@code plain + streaming} clients send chat requests to one chatbot URL
 * the whole time, their requests paced together to {@code perSecond} (evenly spaced slots, no
 * catch-up bursts). Every request is recorded; a {@link Window} reports a stretch of it.
 *
 * <p>All traffic from the test JVM arrives at the frontend from one address, so the total rate
 * stays under the frontend's default per-client limit (600 a minute, burst 10): the product's limit
 * is left as it is.
 */
final class LoadDriver implements AutoCloseable {

  /**
   * One request: when it started and ended (System.nanoTime()), whether it succeeded, and which
   * provider gave the answer (the answer's {@code provider} field; null without one), with which
   * {@code model}, and whether it was the runtime's mock {@code fallback} for a failed provider.
   */
  record Result(
      long id,
      boolean stream,
      long startNanos,
      long endNanos,
      boolean ok,
      String error,
      String provider,
      String model,
      boolean fallback) {
    long latencyNanos() {
      return endNanos - startNanos;
    }
  }

  private final String url;
  private final long intervalNanos;
  private final AtomicLong nextSlot = new AtomicLong(System.nanoTime());
  private final AtomicLong ids = new AtomicLong();
  private final List<Result> results = Collections.synchronizedList(new ArrayList<>());
  private final Map<Long, Long> openStreams = new ConcurrentHashMap<>();
  private final ExecutorService clients;
  private volatile boolean running = true;

  private LoadDriver(String url, int plain, int streaming, double perSecond) {
    this.url = url;
    this.intervalNanos = (long) (1e9 / perSecond);
    this.clients = Executors.newFixedThreadPool(plain + streaming);
    for (int i = 0; i < plain + streaming; i++) {
      boolean stream = i >= plain;
      clients.submit(() -> client(stream));
    }
  }

  /** Starts {@code plain} clients of {@code /api/chat} and {@code streaming} of its stream. */
  static LoadDriver start(String url, int plain, int streaming, double perSecond) {
    return new LoadDriver(url, plain, streaming, perSecond);
  }

  private void client(boolean stream) {
    while (running) {
      long slot = nextSlot.updateAndGet(n -> Math.max(n, System.nanoTime()) + intervalNanos);
      long wait = slot - intervalNanos - System.nanoTime();
      if (wait > 0) {
        // The driver paces its own requests; nothing here waits for a condition.
        LockSupport.parkNanos(wait);
      }
      if (!running) {
        return;
      }
      long id = ids.incrementAndGet();
      long start = System.nanoTime();
      boolean ok = false;
      String error = null;
      Map<?, ?> answer = Map.of();
      try {
        if (stream) {
          openStreams.put(id, start);
          List<ChatClient.Event> events = ChatClient.stream(url, "Tell me about load " + id);
          String last = events.isEmpty() ? "nothing" : events.get(events.size() - 1).name();
          ok = last.equals("done") && events.stream().noneMatch(e -> e.name().equals("error"));
          error = ok ? null : "stream ended with " + last + ": " + events;
          answer = ok ? events.get(events.size() - 1).data() : Map.of();
        } else {
          ChatClient.Answer chat = ChatClient.chat(url, "Hello under load " + id);
          ok = chat.status() == 200 && chat.reply() != null && !chat.reply().isBlank();
          error = ok ? null : chat.status() + " " + chat.body();
          answer = ok ? chat.body() : Map.of();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        error = "interrupted";
      } catch (Exception e) {
        error = e.toString();
      } finally {
        results.add(
            new Result(
                id,
                stream,
                start,
                System.nanoTime(),
                ok,
                error,
                (String) answer.get("provider"),
                (String) answer.get("model"),
                Boolean.TRUE.equals(answer.get("fallback"))));
        openStreams.remove(id);
      }
      if (Thread.currentThread().isInterrupted()) {
        return;
      }
    }
  }

  /** Successful answers so far. */
  long successes() {
    synchronized (results) {
      return results.stream().filter(Result::ok).count();
    }
  }

  /** Starts a window now. */
  Window window(String label) {
    return new Window(label, System.nanoTime());
  }

  /** Stops the clients and waits for their requests in flight. */
  @Override
  public void close() throws InterruptedException {
    running = false;
    clients.shutdown();
    if (!clients.awaitTermination(60, TimeUnit.SECONDS)) {
      clients.shutdownNow();
    }
  }

  /** A stretch of the load: from {@link #window} to {@link #report}. */
  final class Window {
    final String label;
    final long startNanos;
    private long switchNanos;
    private Set<Long> streamsAtSwitch = Set.of();

    private Window(String label, long startNanos) {
      this.label = label;
      this.startNanos = startNanos;
    }

    /** Marks the moment traffic moved: the streams open now are watched until they end. */
    void markSwitch() {
      switchNanos = System.nanoTime();
      streamsAtSwitch = Set.copyOf(openStreams.keySet());
    }

    /** Whether every stream open at the switch has ended (well or not). */
    boolean switchStreamsEnded() {
      return streamsAtSwitch.stream().noneMatch(openStreams::containsKey);
    }

    /** The requests of the window so far, started after its start and ended, in end order. */
    List<Result> results() {
      synchronized (results) {
        return results.stream()
            .filter(r -> r.startNanos >= startNanos)
            .sorted(java.util.Comparator.comparingLong(Result::endNanos))
            .toList();
      }
    }

    /** The window's figures, from its start until now (call after the switch's streams ended). */
    Report report() {
      long end = System.nanoTime();
      List<Result> in;
      synchronized (results) {
        in = results.stream().filter(r -> r.startNanos >= startNanos && r.endNanos <= end).toList();
      }
      List<Result> atSwitch =
          results.stream().filter(r -> streamsAtSwitch.contains(r.id())).toList();
      List<Long> done = in.stream().filter(Result::ok).map(Result::endNanos).sorted().toList();
      long gap = 0;
      long previous = startNanos;
      for (long t : done) {
        gap = Math.max(gap, t - previous);
        previous = t;
      }
      gap = Math.max(gap, end - previous);
      return new Report(
          label,
          (end - startNanos) / 1e9,
          in.size(),
          in.stream().filter(r -> !r.ok()).count(),
          gap / 1e6,
          p99(in.stream().filter(r -> !r.stream()).toList()),
          p99(in.stream().filter(Result::stream).toList()),
          switchNanos == 0 ? -1 : streamsAtSwitch.size(),
          atSwitch.stream().filter(Result::ok).count(),
          in.stream().filter(r -> !r.ok()).map(Result::error).distinct().limit(5).toList());
    }
  }

  /** The 99th percentile of the requests' latencies, in ms (0 without any). */
  static double p99(List<Result> results) {
    if (results.isEmpty()) {
      return 0;
    }
    List<Long> sorted = results.stream().map(Result::latencyNanos).sorted().toList();
    return sorted.get((int) Math.ceil(sorted.size() * 0.99) - 1) / 1e6;
  }

  /** The figures of one window, printed as a Markdown table row. */
  record Report(
      String label,
      double seconds,
      int requests,
      long failed,
      double longestGapMs,
      double p99ChatMs,
      double p99StreamMs,
      int streamsAtSwitch,
      long streamsFinished,
      List<String> errors) {

    static final String HEADER =
        "| window | seconds | requests | failed | longest without an answer (ms) | p99 chat (ms)"
            + " | p99 stream (ms) | streams open at switch | finished |\n"
            + "|---|---|---|---|---|---|---|---|---|";

    String row() {
      return String.format(
          Locale.ROOT,
          "| %s | %.1f | %d | %d | %.0f | %.0f | %.0f | %s | %s |",
          label,
          seconds,
          requests,
          failed,
          longestGapMs,
          p99ChatMs,
          p99StreamMs,
          streamsAtSwitch < 0 ? "-" : String.valueOf(streamsAtSwitch),
          streamsAtSwitch < 0 ? "-" : String.valueOf(streamsFinished));
    }
  }
}
