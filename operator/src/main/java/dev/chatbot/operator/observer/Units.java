package dev.chatbot.operator.observer;

import java.util.Locale;

/** Byte counts, rates and durations as people read them in status and messages. */
public final class Units {
  private Units() {}

  /** "1.5 GB" (decimal units, as the pull command and Ollama count), "512 B". */
  public static String bytes(long n) {
    String[] units = {"B", "kB", "MB", "GB", "TB"};
    double v = n;
    int u = 0;
    while (v >= 1000 && u < units.length - 1) {
      v /= 1000;
      u++;
    }
    return u == 0 ? n + " B" : String.format(Locale.ROOT, "%.1f %s", v, units[u]);
  }

  /** "8.4 MB/s". */
  public static String rate(long bytesPerSecond) {
    return bytes(bytesPerSecond) + "/s";
  }

  /** "45s", "2m10s", "1h05m". */
  public static String duration(long seconds) {
    if (seconds < 60) {
      return seconds + "s";
    }
    if (seconds < 3600) {
      return (seconds / 60) + "m" + String.format(Locale.ROOT, "%02d", seconds % 60) + "s";
    }
    return (seconds / 3600) + "h" + String.format(Locale.ROOT, "%02d", (seconds % 3600) / 60) + "m";
  }

  /** "45.0%". */
  public static String percent(double percent) {
    return String.format(Locale.ROOT, "%.1f%%", percent);
  }
}
