package dev.chatbot.operator;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.deser.std.StdScalarDeserializer;
import com.fasterxml.jackson.databind.deser.std.StringDeserializer;
import com.fasterxml.jackson.databind.module.SimpleModule;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;

/**
 * The client's JSON reading with equal short strings shared. The informer caches hold every child
 * of every chatbot, and most of their strings are the same few hundred values read again for each
 * object (the defaults the API server fills in, labels, images, ports): at 1000 chatbots they were
 * 450,000 strings, a third of the live heap (docs/BENCHMARKS.md, operator at scale). Strings are
 * interned in the JVM's string table, which holds them weakly: values of deleted objects go.
 */
final class SharedStrings extends StdScalarDeserializer<String> {
  /** Longer values (messages, certificates, scripts) are rarely repeated: not worth a lookup. */
  static final int MAX_LENGTH = 64;

  private SharedStrings() {
    super(String.class);
  }

  /** fabric8's serialization (its own modules and settings) with this reading of strings. */
  static KubernetesSerialization serialization() {
    ObjectMapper mapper = new ObjectMapper();
    mapper.registerModule(
        new SimpleModule("shared-strings").addDeserializer(String.class, new SharedStrings()));
    return new KubernetesSerialization(mapper, true);
  }

  @Override
  public String deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
    String value = StringDeserializer.instance.deserialize(p, ctxt);
    return value != null && value.length() <= MAX_LENGTH ? value.intern() : value;
  }
}
