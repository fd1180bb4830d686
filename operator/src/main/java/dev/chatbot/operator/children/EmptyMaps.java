package dev.chatbot.operator.children;

import io.fabric8.kubernetes.api.model.HasMetadata;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * Every fabric8 model object carries its own {@code additionalProperties} map for fields the model
 * does not know, and it is almost always empty: at 1000 chatbots the caches held 189,000 empty
 * LinkedHashMaps and 170,000 entry-set views of them, 13 MiB of a 71 MiB live heap
 * (docs/BENCHMARKS.md, operator at scale). In a cached object they become the one immutable empty
 * map. Cached objects are read, never changed (builders copy these maps), so nothing puts into
 * them.
 */
final class EmptyMaps {
  private static final String MODEL = "io.fabric8.kubernetes.api.model.";
  private static final String ADDITIONAL = "additionalProperties";

  /** Per model class: the fields worth visiting (maps, lists and nested model objects). */
  private static final ClassValue<List<Field>> FIELDS =
      new ClassValue<>() {
        @Override
        protected List<Field> computeValue(Class<?> type) {
          return visited(type);
        }
      };

  private EmptyMaps() {}

  /** Replaces the empty additional-property maps of {@code resource} and everything it holds. */
  static void share(HasMetadata resource) {
    if (isModel(resource.getClass())) {
      visit(resource);
    } else {
      // A custom resource: only its metadata is fabric8's model.
      visit(resource.getMetadata());
    }
  }

  private static void visit(Object value) {
    if (value instanceof Collection<?> items) {
      items.forEach(EmptyMaps::visit);
    } else if (value instanceof Map<?, ?> map) {
      // forEach, not values(): a LinkedHashMap would keep the view it creates.
      map.forEach((k, v) -> visit(v));
    } else if (value != null && isModel(value.getClass())) {
      for (Field f : FIELDS.get(value.getClass())) {
        Object held = read(f, value);
        if (!ADDITIONAL.equals(f.getName())) {
          visit(held);
        } else if (held instanceof Map<?, ?> map && map.isEmpty()) {
          write(f, value, Collections.emptyMap());
        }
        // A non-empty additional-property map is left alone: raw JSON, not model objects.
      }
    }
  }

  private static boolean isModel(Class<?> type) {
    return type.getName().startsWith(MODEL);
  }

  private static List<Field> visited(Class<?> type) {
    List<Field> fields = new ArrayList<>();
    for (Class<?> c = type; c != null && isModel(c); c = c.getSuperclass()) {
      for (Field f : c.getDeclaredFields()) {
        Class<?> t = f.getType();
        boolean holdsModel =
            Map.class.isAssignableFrom(t) || Collection.class.isAssignableFrom(t) || isModel(t);
        if (!Modifier.isStatic(f.getModifiers()) && holdsModel && f.trySetAccessible()) {
          fields.add(f);
        }
      }
    }
    return List.copyOf(fields);
  }

  private static Object read(Field f, Object owner) {
    try {
      return f.get(owner);
    } catch (IllegalAccessException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void write(Field f, Object owner, Object value) {
    try {
      f.set(owner, value);
    } catch (IllegalAccessException e) {
      throw new IllegalStateException(e);
    }
  }
}
