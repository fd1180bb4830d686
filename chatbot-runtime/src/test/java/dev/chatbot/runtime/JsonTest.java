package dev.chatbot.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class JsonTest {

  @Test
  void parsesAndNavigates() {
    JsonNode n =
        Json.parseOrNull(
            " {\"a\":[1,-2.5e3,true,null,\"x\\\"y\\\\z\\n\\u00e9\\ud83d\\ude00\"],\"b\":{},\"c\":0} ");
    assertThat(n.path("a").size()).isEqualTo(5);
    assertThat(n.path("a").path(0).asInt()).isEqualTo(1);
    assertThat(n.path("a").path(1).asDouble()).isEqualTo(-2500.0);
    assertThat(n.path("a").path(2).asBoolean()).isTrue();
    assertThat(n.path("a").path(3).isNull()).isTrue();
    assertThat(n.path("a").path(4).asText()).isEqualTo("x\"y\\z\né😀");
    assertThat(n.path("b").isObject()).isTrue();
    assertThat(n.path("missing").path(3).path("x").asText("def")).isEqualTo("def");
    assertThat(n.get("missing")).isNull();
    assertThat(n.hasNonNull("c")).isTrue();
  }

  @Test
  void writesWhatItParses() {
    ObjectNode o = Json.object();
    o.put("s", "quote \" backslash \\ newline \n tab \t ctl \u0001 line \u2028");
    o.put("i", 42).put("d", 0.7).put("t", true).putNull("n");
    o.putArray("arr").addObject().put("k", "v");
    String text = Json.write(o);
    assertThat(text).doesNotContain("\n").contains("\\u0001").contains("\\u2028");
    JsonNode back = Json.parseOrNull(text);
    assertThat(back.path("s").asText()).isEqualTo(o.path("s").asText());
    assertThat(back.path("i").asInt()).isEqualTo(42);
    assertThat(back.path("d").asDouble()).isEqualTo(0.7);
    assertThat(back.path("arr").path(0).path("k").asText()).isEqualTo("v");
    assertThat(Json.write(back)).isEqualTo(text);
    assertThat(Json.write("a\"b")).isEqualTo("\"a\\\"b\"");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "{",
        "{\"a\":}",
        "[1,]",
        "{\"a\":1}x",
        "'single'",
        "{a:1}",
        "01",
        "\"unterminated",
        "\"bad \\x escape\"",
        "\"raw\nnewline\"",
        "tru",
        "-"
      })
  void rejectsInvalidJson(String text) {
    assertThat(Json.parseOrNull(text)).isNull();
  }

  @Test
  void limitsNesting() {
    assertThat(Json.parseOrNull("[".repeat(10_000) + "]".repeat(10_000))).isNull();
    assertThat(Json.parseOrNull("[".repeat(50) + "]".repeat(50))).isNotNull();
  }
}
