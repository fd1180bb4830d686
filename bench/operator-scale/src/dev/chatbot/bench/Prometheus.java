package dev.chatbot.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;

/** Just enough of the Prometheus text format: samples, sums, and histogram quantiles. */
final class Prometheus {
  record Sample(String name, String labels, double value) {
    String label(String key) {
      int i = labels.indexOf(key + "=\"");
      if (i < 0) {
        return null;
      }
      int start = i + key.length() + 2;
      return labels.substring(start, labels.indexOf('"', start));
    }
  }

  private final List<Sample> samples = new ArrayList<>();

  Prometheus(String text) {
    for (String line : text.split("\n")) {
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      int brace = line.indexOf('{');
      int space = line.lastIndexOf(' ');
      if (space < 0) {
        continue;
      }
      String name;
      String labels = "";
      if (brace >= 0 && brace < space) {
        name = line.substring(0, brace);
        labels = line.substring(brace + 1, line.lastIndexOf('}'));
      } else {
        name = line.substring(0, line.indexOf(' '));
      }
      try {
        samples.add(new Sample(name, labels, Double.parseDouble(line.substring(space + 1))));
      } catch (NumberFormatException ignored) {
        // a timestamped or odd line
      }
    }
  }

  double sum(String name, Predicate<Sample> filter) {
    return samples.stream()
        .filter(s -> s.name().equals(name) && filter.test(s))
        .mapToDouble(Sample::value)
        .sum();
  }

  double sum(String name) {
    return sum(name, s -> true);
  }

  /** Cumulative bucket counts by upper bound, summed over the series that pass the filter. */
  TreeMap<Double, Double> buckets(String histogram, Predicate<Sample> filter) {
    TreeMap<Double, Double> out = new TreeMap<>();
    for (Sample s : samples) {
      if (s.name().equals(histogram + "_bucket") && filter.test(s)) {
        String le = s.label("le");
        double bound = "+Inf".equals(le) ? Double.POSITIVE_INFINITY : Double.parseDouble(le);
        out.merge(bound, s.value(), Double::sum);
      }
    }
    return out;
  }

  /** The difference of two scrapes' buckets (after minus before). */
  static TreeMap<Double, Double> delta(
      TreeMap<Double, Double> after, TreeMap<Double, Double> before) {
    TreeMap<Double, Double> out = new TreeMap<>();
    after.forEach((k, v) -> out.put(k, v - before.getOrDefault(k, 0.0)));
    return out;
  }

  /** Quantile q by linear interpolation inside the bucket, as PromQL's histogram_quantile. */
  static double quantile(double q, TreeMap<Double, Double> cumulative) {
    if (cumulative.isEmpty()) {
      return Double.NaN;
    }
    double total = cumulative.lastEntry().getValue();
    if (total <= 0) {
      return Double.NaN;
    }
    double rank = q * total;
    double lowerBound = 0;
    double lowerCount = 0;
    for (Map.Entry<Double, Double> e : cumulative.entrySet()) {
      if (e.getValue() >= rank) {
        if (e.getKey().isInfinite()) {
          return Double.POSITIVE_INFINITY; // beyond the largest finite bucket
        }
        double inBucket = e.getValue() - lowerCount;
        return inBucket <= 0
            ? e.getKey()
            : lowerBound + (e.getKey() - lowerBound) * (rank - lowerCount) / inBucket;
      }
      lowerBound = e.getKey();
      lowerCount = e.getValue();
    }
    return lowerBound;
  }
}
