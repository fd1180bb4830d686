package dev.chatbot.e2e;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Samples a value (a chatbot's status, a Service's endpoints) every {@code periodMillis} on its own
 * thread, so a test can say afterwards what was true when. A sample that fails is skipped (the API
 * server may be slow on a busy machine; the next sample comes anyway).
 */
final class Timeline<T> implements AutoCloseable {

  /** One sample: when it was taken (System.nanoTime()) and its value. */
  record Sample<T>(long nanos, T value) {}

  private final List<Sample<T>> samples = new ArrayList<>();
  private final ScheduledExecutorService timer;

  private Timeline(Supplier<T> value, long periodMillis) {
    timer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "timeline");
              t.setDaemon(true);
              return t;
            });
    timer.scheduleWithFixedDelay(
        () -> {
          try {
            T v = value.get();
            synchronized (samples) {
              samples.add(new Sample<>(System.nanoTime(), v));
            }
          } catch (RuntimeException e) {
            // skipped: see the class comment
          }
        },
        0,
        periodMillis,
        TimeUnit.MILLISECONDS);
  }

  static <T> Timeline<T> start(Supplier<T> value, long periodMillis) {
    return new Timeline<>(value, periodMillis);
  }

  List<Sample<T>> samples() {
    synchronized (samples) {
      return List.copyOf(samples);
    }
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}
