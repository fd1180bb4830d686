package dev.chatbot.dashboards;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The metric names a PromQL expression (or a Grafana variable query) reads: every identifier that
 * is not a function or aggregation, a keyword, a label (in a selector or a grouping list), a
 * string, a duration or a Grafana variable. Enough PromQL for dashboards, not a full parser.
 */
final class PromQl {
  private PromQl() {}

  private static final Pattern VARIABLE = Pattern.compile("\\$\\{[^}]*}|\\$\\w+|\\[\\[\\w+]]");
  private static final Pattern STRING = Pattern.compile("\"(?:[^\"\\\\]|\\\\.)*\"|'[^']*'");
  private static final Pattern TOKEN =
      Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*|\\d+(?:\\.\\d+)?[a-zA-Z]*|[(),]|\\S");
  private static final Set<String> GROUPING =
      Set.of("by", "without", "on", "ignoring", "group_left", "group_right");
  private static final Set<String> KEYWORDS =
      Set.of(
          "and",
          "or",
          "unless",
          "bool",
          "offset",
          "inf",
          "nan",
          "atan2",
          "group_left",
          "group_right");

  /** Metric names read by an expression. */
  static Set<String> metrics(String expression) {
    String e = VARIABLE.matcher(expression).replaceAll(" 1 ");
    e = STRING.matcher(e).replaceAll(" ");
    e = strip(e, '{', '}');
    e = strip(e, '[', ']');
    List<String> tokens = new ArrayList<>();
    Matcher m = TOKEN.matcher(e);
    while (m.find()) {
      tokens.add(m.group());
    }
    Set<String> out = new TreeSet<>();
    for (int i = 0; i < tokens.size(); i++) {
      String t = tokens.get(i);
      String next = i + 1 < tokens.size() ? tokens.get(i + 1).toLowerCase() : "";
      // A function, or an aggregation with its grouping first: sum by (le) (...).
      boolean call = next.equals("(") || next.equals("by") || next.equals("without");
      if (GROUPING.contains(t.toLowerCase()) && call) {
        i = closing(tokens, i + 1); // a list of labels
      } else if (!call && identifier(t) && !KEYWORDS.contains(t.toLowerCase())) {
        out.add(t);
      }
    }
    return out;
  }

  /**
   * Metric names a Grafana Prometheus variable query reads: {@code label_values(selector, label)},
   * {@code query_result(expr)}, {@code metrics(regex)} (none) or a plain expression.
   */
  static Set<String> variableMetrics(String query) {
    String q = query.trim();
    if (q.startsWith("label_values(") && q.endsWith(")")) {
      String inner = q.substring("label_values(".length(), q.length() - 1);
      int comma = inner.lastIndexOf(',');
      return comma < 0 ? Set.of() : metrics(inner.substring(0, comma));
    }
    if (q.startsWith("query_result(") && q.endsWith(")")) {
      return metrics(q.substring("query_result(".length(), q.length() - 1));
    }
    if (q.startsWith("metrics(") || q.startsWith("label_names(")) {
      return Set.of();
    }
    return metrics(q);
  }

  private static boolean identifier(String t) {
    char c = t.charAt(0);
    return Character.isLetter(c) || c == '_' || c == ':';
  }

  private static int closing(List<String> tokens, int open) {
    int depth = 0;
    for (int i = open; i < tokens.size(); i++) {
      if (tokens.get(i).equals("(")) {
        depth++;
      } else if (tokens.get(i).equals(")") && --depth == 0) {
        return i;
      }
    }
    throw new IllegalArgumentException("unbalanced parentheses");
  }

  private static String strip(String e, char open, char close) {
    StringBuilder b = new StringBuilder();
    int depth = 0;
    for (char c : e.toCharArray()) {
      if (c == open) {
        depth++;
        b.append(' ');
      } else if (c == close && depth > 0) {
        depth--;
      } else if (depth == 0) {
        b.append(c);
      }
    }
    if (depth != 0) {
      throw new IllegalArgumentException("unbalanced " + open + close + " in " + e);
    }
    return b.toString();
  }

  /** Names of the samples of a Prometheus text exposition (histograms: _bucket, _count, _sum). */
  static Set<String> exposed(String scrape) {
    Set<String> names = new TreeSet<>();
    for (String line : scrape.split("\n")) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      int end = 0;
      while (end < line.length() && line.charAt(end) != '{' && line.charAt(end) != ' ') {
        end++;
      }
      names.add(line.substring(0, end));
    }
    return names;
  }
}
