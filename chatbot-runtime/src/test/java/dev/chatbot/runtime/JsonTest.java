package dev.chatbot.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The runtime's use of Gson: strict parsing, safe navigation, writing. */
class JsonTest {

  @Test
  void parsesAndNavigates() {
    JsonElement n =
        Json.parseOrNull(
            " {\"a\":[1,-2.5e3,true,null,\"x\\\"y\\\\z\\n\\u00e9\\ud83d\\ude00\"],\"b\":{},\"c\":0} ");
    assertThat(Json.integer(Json.at(n, "a", 0), -1)).isEqualTo(1);
    assertThat(Json.decimal(Json.at(n, "a", 1), 0)).isEqualTo(-2500.0);
    assertThat(Json.bool(Json.at(n, "a", 2), false)).isTrue();
    assertThat(Json.at(n, "a", 3).isJsonNull()).isTrue();
    assertThat(Json.text(Json.at(n, "a", 4), null)).isEqualTo("x\"y\\z\né😀");
    assertThat(Json.at(n, "b").isJsonObject()).isTrue();
    assertThat(Json.at(n, "missing", 3, "x")).isNull();
    assertThat(Json.at(n, "a", 9)).isNull();
    assertThat(Json.at(n, "c", "x")).isNull();
    assertThat(Json.text(Json.at(n, "missing"), "def")).isEqualTo("def");
    assertThat(Json.integer(Json.at(n, "b"), 7)).isEqualTo(7);
    assertThat(Json.isText(Json.at(n, "a", 4))).isTrue();
    assertThat(Json.isText(Json.at(n, "a", 0))).isFalse();
  }

  @Test
  void writesWhatItParses() {
    JsonObject o = new JsonObject();
    o.addProperty("s", "quote \" backslash \\ newline \n tab \t ctl \u0001 line \u2028 <tag>");
    o.addProperty("i", 42);
    o.addProperty("d", 0.7);
    o.add("arr", Json.messages(List.of(Message.user("hi"))));
    String text = Json.write(o);
    assertThat(text)
        .doesNotContain("\n")
        .contains("\\u0001")
        .contains("\\u2028")
        .contains("<tag>")
        .contains("\"d\":0.7");
    JsonElement back = Json.parseOrNull(text);
    assertThat(Json.text(Json.at(back, "s"), null)).isEqualTo(o.get("s").getAsString());
    assertThat(Json.at(back, "arr", 0, "role").getAsString()).isEqualTo("user");
    assertThat(Json.write(back)).isEqualTo(text);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "   ",
        "{",
        "{\"a\":}",
        "[1,]",
        "{\"a\":1}x",
        "{\"a\":1} {}",
        "'single'",
        "{a:1}",
        "01",
        "NaN",
        "[1 2]",
        "{\"a\" 1}",
        "\"unterminated",
        "\"bad \\x escape\"",
        "\"raw\nnewline\"",
        "\"raw \t tab\"",
        "// comment\n{}",
        "tru",
        "-"
      })
  void rejectsWhatIsNotStrictJson(String text) {
    assertThat(Json.parseOrNull(text)).isNull();
  }

  @Test
  void limitsNesting() {
    assertThat(Json.parseOrNull("[".repeat(10_000) + "]".repeat(10_000))).isNull();
    assertThat(Json.parseOrNull("{\"a\":".repeat(100) + "1" + "}".repeat(100))).isNull();
    assertThat(Json.parseOrNull("[".repeat(50) + "]".repeat(50))).isNotNull();
  }

  @Test
  void hugeValuesStayValues() {
    String big = "x".repeat(1_000_000);
    assertThat(Json.text(Json.at(Json.parseOrNull("{\"m\":\"" + big + "\"}"), "m"), ""))
        .hasSize(1_000_000);
    assertThat(Json.integer(Json.parseOrNull("1" + "0".repeat(400)), -1)).isEqualTo(-1);
  }

  @Test
  void findsUpstreamErrors() {
    assertThat(Json.hasError(Json.parseOrNull("{\"error\":\"boom\"}"))).isTrue();
    assertThat(Json.hasError(Json.parseOrNull("{\"error\":{\"message\":\"x\"}}"))).isTrue();
    assertThat(Json.hasError(Json.parseOrNull("{\"error\":null}"))).isFalse();
    assertThat(Json.hasError(Json.parseOrNull("[\"error\"]"))).isFalse();
  }
}
