package dev.chatbot.runtime;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Stream;

/**
 * The Ollama stand-in's model store: one small JSON file per model in a directory, holding how many
 * of its bytes are "stored" and whether the pull finished. Nothing else is written, so a pull that
 * is interrupted, or a process that restarts on the same directory (a PVC), resumes where it was.
 */
final class ModelStore {

  /** One layer of a model, as the pull progress names it. */
  record Layer(String digest, long size) {
    String shortDigest() {
      return digest.substring("sha256:".length(), "sha256:".length() + 12);
    }
  }

  /** A model's state in the store. */
  static final class Entry {
    final String name;
    long completed;
    boolean complete;
    String modifiedAt;

    Entry(String name) {
      this.name = name;
      this.modifiedAt = Instant.now().toString();
    }
  }

  private static final String SUFFIX = ".pull.json";
  // The small layers of a typical Ollama model: template, license, parameters.
  private static final long[] SMALL_LAYERS = {1_429, 7_711, 96};

  private final Path dir;
  private final long modelBytes;
  private final ConcurrentHashMap<String, ReentrantLock> locks = new ConcurrentHashMap<>();

  ModelStore(Path dir, long modelBytes) {
    this.dir = dir;
    this.modelBytes = modelBytes;
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the model store " + dir, e);
    }
  }

  Path dir() {
    return dir;
  }

  /** Ollama's names: {@code llama3.2} is {@code llama3.2:latest}. */
  static String normalize(String name) {
    String n = name.strip();
    int slash = n.lastIndexOf('/');
    return n.indexOf(':', slash + 1) < 0 ? n + ":latest" : n;
  }

  /** The layers of a model: the weights, then the small files; digests derive from the name. */
  List<Layer> layers(String name) {
    List<Layer> out = new ArrayList<>();
    long small = 0;
    for (long s : SMALL_LAYERS) {
      small += s;
    }
    if (modelBytes <= small) {
      out.add(new Layer(digest(name + "#0"), modelBytes));
      return out;
    }
    out.add(new Layer(digest(name + "#0"), modelBytes - small));
    for (int i = 0; i < SMALL_LAYERS.length; i++) {
      out.add(new Layer(digest(name + "#" + (i + 1)), SMALL_LAYERS[i]));
    }
    return out;
  }

  long total() {
    return modelBytes;
  }

  static String digest(String text) {
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
      return "sha256:" + HexFormat.of().formatHex(d);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** One pull of a model at a time; a second one waits (Ollama shares the download instead). */
  ReentrantLock lock(String name) {
    return locks.computeIfAbsent(name, n -> new ReentrantLock());
  }

  private Path file(String name) {
    return dir.resolve(URLEncoder.encode(name, StandardCharsets.UTF_8) + SUFFIX);
  }

  Entry read(String name) {
    Path f = file(name);
    Entry e = new Entry(name);
    if (!Files.isRegularFile(f)) {
      return e;
    }
    try {
      JsonElement node = Json.parseOrNull(Files.readString(f, StandardCharsets.UTF_8));
      e.completed = Math.min(modelBytes, Math.max(0, longAt(node, "completed")));
      e.complete = Json.bool(Json.at(node, "complete"), false) && e.completed == modelBytes;
      e.modifiedAt = Json.text(Json.at(node, "modified_at"), e.modifiedAt);
    } catch (IOException ex) {
      // unreadable: start over
    }
    return e;
  }

  private static long longAt(JsonElement node, String name) {
    JsonElement v = Json.at(node, name);
    return v != null && v.isJsonPrimitive() && v.getAsJsonPrimitive().isNumber()
        ? v.getAsLong()
        : 0;
  }

  /** Writes the entry atomically (a crash leaves the old or the new state, never half). */
  void write(Entry e) {
    JsonObject o = new JsonObject();
    o.addProperty("model", e.name);
    o.addProperty("total", modelBytes);
    o.addProperty("completed", e.completed);
    o.addProperty("complete", e.complete);
    o.addProperty("modified_at", e.modifiedAt);
    Path f = file(e.name);
    Path tmp = f.resolveSibling(f.getFileName() + ".tmp");
    try {
      Files.writeString(tmp, Json.write(o), StandardCharsets.UTF_8);
      Files.move(tmp, f, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException ex) {
      throw new UncheckedIOException("cannot write " + f, ex);
    }
  }

  boolean delete(String name) {
    try {
      return Files.deleteIfExists(file(name));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Every model in the store, partial ones included. */
  List<Entry> all() {
    List<Entry> out = new ArrayList<>();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path f : (Iterable<Path>) files::iterator) {
        String file = f.getFileName().toString();
        if (file.endsWith(SUFFIX)) {
          String name =
              URLDecoder.decode(
                  file.substring(0, file.length() - SUFFIX.length()), StandardCharsets.UTF_8);
          out.add(read(name));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out;
  }

  /** Bytes stored by every model but {@code except}: what the simulated disk holds already. */
  long usedExcept(String except) {
    long used = 0;
    for (Entry e : all()) {
      if (!e.name.equals(except)) {
        used += e.completed;
      }
    }
    return used;
  }

  Entry completeEntry(String name) {
    Entry e = read(name);
    return e.complete ? e : null;
  }
}
