package dev.chatbot.operator.children;

import dev.chatbot.operator.model.Names;
import io.fabric8.kubernetes.api.model.FieldsV1;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ManagedFieldsEntry;
import io.fabric8.kubernetes.client.informers.cache.ItemStore;
import io.javaoperatorsdk.operator.processing.event.source.informer.TransformingItemStore;
import java.lang.ref.WeakReference;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * What the informer caches keep of each object, and how they list. Most of a cached object's memory
 * is its managedFields (every field a nested map), which the operator reads only for one thing:
 * JOSDK's server-side-apply matcher compares just the fields of this operator's apply entry. So a
 * child keeps only that entry, with its field tree shared with every equal tree (children of one
 * kind differ in a few keys); a ChatbotDeployment keeps none. Empty additional-property maps are
 * shared too ({@link EmptyMaps}).
 */
public final class InformerStores {
  /**
   * Informers list in pages of this many objects: a list of thousands of children at once is a
   * response of tens of MiB held whole while it is read, and the heap grown for it stays.
   */
  public static final long LIST_PAGE = 250;

  private static final String APPLY = "Apply";
  private static final FieldTrees TREES = new FieldTrees();

  private InformerStores() {}

  /** The item store of a child kind's informer. */
  public static <R extends HasMetadata> ItemStore<R> children() {
    return new TransformingItemStore<>(InformerStores::child);
  }

  /** The item store of the ChatbotDeployment informer. */
  public static <R extends HasMetadata> ItemStore<R> primaries() {
    return new TransformingItemStore<>(InformerStores::primary);
  }

  static <R extends HasMetadata> R child(R r) {
    List<ManagedFieldsEntry> entries = r.getMetadata().getManagedFields();
    if (entries != null && !entries.isEmpty()) {
      r.getMetadata().setManagedFields(ours(entries));
    }
    EmptyMaps.share(r);
    return r;
  }

  private static List<ManagedFieldsEntry> ours(List<ManagedFieldsEntry> entries) {
    List<ManagedFieldsEntry> ours =
        entries.stream()
            .filter(e -> Names.FIELD_MANAGER.equals(e.getManager()))
            .filter(e -> APPLY.equals(e.getOperation()))
            .toList();
    for (ManagedFieldsEntry e : ours) {
      if (e.getFieldsV1() != null) {
        FieldsV1 shared = new FieldsV1();
        shared.setAdditionalProperties(TREES.intern(e.getFieldsV1().getAdditionalProperties()));
        e.setFieldsV1(shared);
      }
    }
    return ours;
  }

  static <R extends HasMetadata> R primary(R r) {
    r.getMetadata().setManagedFields(null);
    EmptyMaps.share(r);
    return r;
  }

  /**
   * Hash-consing of managed-field trees: equal subtrees become one unmodifiable instance (shared,
   * so nobody may change it). Weakly held: the trees of deleted objects go.
   */
  static final class FieldTrees {
    private final Map<Map<String, Object>, WeakReference<Map<String, Object>>> shared =
        new WeakHashMap<>();

    @SuppressWarnings("unchecked")
    synchronized Map<String, Object> intern(Map<String, Object> tree) {
      // Equal content finds the shared tree without a copy (the usual case).
      WeakReference<Map<String, Object>> known = shared.get(tree);
      Map<String, Object> existing = known == null ? null : known.get();
      if (existing != null) {
        return existing;
      }
      // The server's key order is kept: JOSDK's matcher reads a level's first key to tell a keyed
      // list from a struct.
      Map<String, Object> children = new LinkedHashMap<>();
      tree.forEach(
          (k, v) ->
              children.put(k, v instanceof Map<?, ?> m ? intern((Map<String, Object>) m) : v));
      Map<String, Object> unmodifiable = Collections.unmodifiableMap(children);
      shared.put(unmodifiable, new WeakReference<>(unmodifiable));
      return unmodifiable;
    }
  }
}
