package dev.chatbot.runtime;

import java.util.HashMap;
import java.util.Map;

/** Starts runtime servers on free ports for the integration tests. */
final class Servers {
  private Servers() {}

  static Map<String, String> keys(String... kv) {
    Map<String, String> map = new HashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      map.put(kv[i], kv[i + 1]);
    }
    return map;
  }

  static RuntimeServer start(Map<String, String> keys) {
    return start(keys, null);
  }

  static RuntimeServer start(Map<String, String> keys, String hfToken) {
    return new RuntimeServer(Config.of(keys, hfToken, 0, 10)).start();
  }
}
