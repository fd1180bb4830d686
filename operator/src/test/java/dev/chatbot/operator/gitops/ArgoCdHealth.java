package dev.chatbot.operator.gitops;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.Map;
import org.luaj.vm2.Globals;
import org.luaj.vm2.LoadState;
import org.luaj.vm2.LuaString;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.compiler.LuaC;
import org.luaj.vm2.lib.PackageLib;
import org.luaj.vm2.lib.TableLib;
import org.luaj.vm2.lib.jse.JseBaseLib;

/**
 * The Argo CD health check of examples/gitops (the Lua in the argocd-cm patch, byte for byte), run
 * with luaj in a sandbox like Argo CD's: base, package and table libraries only (Argo CD adds a
 * safe os library the script does not use; there is no string library).
 */
final class ArgoCdHealth {
  static final Path FILE = Paths.get("..", "examples", "gitops", "argocd", "argocd-cm-health.yaml");
  static final String KEY = "resource.customizations.health.chatbot.dev_ChatbotDeployment";

  final ConfigMap configMap;
  final String script;

  ArgoCdHealth() {
    try {
      configMap = Serialization.unmarshal(Files.readString(FILE), ConfigMap.class);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    script = configMap.getData().get(KEY);
    assertThat(script).as("data key %s", KEY).isNotBlank();
  }

  /** The health ("status") and "message" the script returns for a resource. */
  Map<String, String> evaluate(Map<String, Object> object) {
    Globals globals = sandbox();
    globals.set("obj", toLua(object));
    LuaValue result = globals.load(script, "health.lua").call();
    assertThat(result.istable()).as("the script returns a table").isTrue();
    return Map.of(
        "status", result.get("status").tojstring(), "message", result.get("message").tojstring());
  }

  static Globals sandbox() {
    // luaj keeps the string metatable in a static; drop it so string methods fail as in Argo CD.
    LuaString.s_metatable = null;
    Globals globals = new Globals();
    globals.load(new JseBaseLib());
    globals.load(new PackageLib());
    globals.load(new TableLib());
    LoadState.install(globals);
    LuaC.install(globals);
    return globals;
  }

  /** JSON-shaped values to Lua the way Argo CD does (numbers as floats, lists 1-based). */
  static LuaValue toLua(Object value) {
    if (value == null) {
      return LuaValue.NIL;
    }
    if (value instanceof Map<?, ?> map) {
      LuaTable t = new LuaTable();
      map.forEach((k, v) -> t.set(String.valueOf(k), toLua(v)));
      return t;
    }
    if (value instanceof List<?> list) {
      LuaTable t = new LuaTable();
      for (int i = 0; i < list.size(); i++) {
        t.set(i + 1, toLua(list.get(i)));
      }
      return t;
    }
    if (value instanceof Number n) {
      return LuaValue.valueOf(n.doubleValue());
    }
    if (value instanceof Boolean b) {
      return LuaValue.valueOf(b);
    }
    return LuaValue.valueOf(value.toString());
  }
}
