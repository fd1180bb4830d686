package dev.chatbot.dashboards;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PromQlTest {

  @Test
  void findsMetricNamesAndSkipsFunctionsLabelsAndVariables() {
    assertThat(
            PromQl.metrics(
                "histogram_quantile(0.95, sum by (le, phase) (rate(chatbot_chat_seconds_bucket"
                    + "{namespace=~\"$namespace\", pod=~\"${chatbot}-.*\"}[$__rate_interval])))"))
        .containsExactly("chatbot_chat_seconds_bucket");
    assertThat(
            PromQl.metrics(
                "sum(rate(a_total[5m])) / ignoring(outcome) group_left sum(rate(b_total[5m]))"
                    + " or on (x) vector(0) and c offset 1h > bool 0.5e3"))
        .containsExactly("a_total", "b_total", "c");
    assertThat(PromQl.metrics("max without (pod) (x) * 100")).containsExactly("x");
  }

  @Test
  void variableQueries() {
    assertThat(PromQl.variableMetrics("label_values(chatbot_chat_seconds_count, namespace)"))
        .containsExactly("chatbot_chat_seconds_count");
    assertThat(PromQl.variableMetrics("label_values(namespace)")).isEmpty();
    assertThat(PromQl.variableMetrics("query_result(count by (pod) (up))")).containsExactly("up");
  }

  @Test
  void exposedSampleNames() {
    String scrape =
        "# HELP t x\n# TYPE t counter\nt_total{a=\"b\"} 1.0\n"
            + "h_seconds_bucket{le=\"1.0\"} 2\nh_seconds_count 2\ng 3.0\n";
    assertThat(PromQl.exposed(scrape))
        .containsExactlyInAnyOrder("t_total", "h_seconds_bucket", "h_seconds_count", "g");
  }
}
