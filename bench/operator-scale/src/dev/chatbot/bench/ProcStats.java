package dev.chatbot.bench;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Readings from /proc: resident memory, CPU time, machine load. */
final class ProcStats {
  private static final double TICKS = 100.0; // USER_HZ on Linux

  private ProcStats() {}

  static long rssKb(long pid) {
    return statusField(pid, "VmRSS:");
  }

  static long hwmKb(long pid) {
    return statusField(pid, "VmHWM:");
  }

  static void resetHwm(long pid) {
    try {
      Files.writeString(Path.of("/proc/" + pid + "/clear_refs"), "5", UTF_8);
    } catch (IOException ignored) {
      // not allowed or gone: the sampled peak still counts
    }
  }

  private static long statusField(long pid, String field) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"), UTF_8)) {
        if (line.startsWith(field)) {
          return Long.parseLong(line.replaceAll("[^0-9]", ""));
        }
      }
    } catch (IOException | NumberFormatException ignored) {
      // process gone
    }
    return 0;
  }

  /** User plus system CPU seconds the process has used so far. */
  static double cpuSeconds(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc/" + pid + "/stat"), UTF_8);
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      // After "(comm) ": state is f[0]; utime and stime are fields 14 and 15 of the line.
      return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / TICKS;
    } catch (IOException | RuntimeException e) {
      return 0;
    }
  }

  /** Busy CPU seconds of the whole machine so far (all cores). */
  static double machineBusySeconds() {
    try {
      String[] f = Files.readAllLines(Path.of("/proc/stat"), UTF_8).get(0).trim().split("\\s+");
      long busy = 0;
      for (int i = 1; i < f.length; i++) {
        if (i != 4 && i != 5 && i < 9) { // not idle, iowait or guest (counted in user)
          busy += Long.parseLong(f[i]);
        }
      }
      return busy / TICKS;
    } catch (IOException | RuntimeException e) {
      return 0;
    }
  }

  /** The 1-minute load average. */
  static double load1() {
    try {
      return Double.parseDouble(
          Files.readString(Path.of("/proc/loadavg"), UTF_8).trim().split("\\s+")[0]);
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }
}
