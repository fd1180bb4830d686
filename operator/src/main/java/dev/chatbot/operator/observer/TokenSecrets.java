package dev.chatbot.operator.observer;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Reads of the token Secrets, each answer shared for {@link #FRESH} by every pass that names the
 * same Secret. The operator may only get Secrets (no list or watch: it has no business seeing the
 * others), so it has no informer for them; a thousand chatbots changing phase at once, or polling
 * for rotation, would otherwise get the same Secret thousands of times. Only the key names and the
 * resourceVersion are kept, never a value. A rotation is seen at most {@link #FRESH} later; a
 * missing Secret or key is never served from memory.
 */
public class TokenSecrets {
  public static final Duration FRESH = Duration.ofSeconds(5);

  /**
   * What a read found.
   *
   * @param exists whether the Secret exists
   * @param version its resourceVersion
   * @param keys the names of its keys
   */
  public record Look(boolean exists, String version, Set<String> keys) {}

  private record Read(Look look, Instant at) {}

  private final Clock clock;
  private final Map<String, Read> reads = new ConcurrentHashMap<>();
  private final Map<String, Object> locks = new ConcurrentHashMap<>();

  public TokenSecrets(Clock clock) {
    this.clock = clock;
  }

  /**
   * The Secret as read at most {@link #FRESH} ago if it then had {@code key}; otherwise read now,
   * so a problem is always reported from a fresh read and a fixed Secret is seen by the next pass.
   */
  public Look get(KubernetesClient client, String namespace, String name, String key) {
    String id = namespace + "/" + name;
    Look fresh = fresh(id, key);
    if (fresh != null) {
      return fresh;
    }
    // One read per Secret at a time: passes that find it stale together wait for that read
    // instead of each sending their own.
    synchronized (locks.computeIfAbsent(id, k -> new Object())) {
      fresh = fresh(id, key);
      if (fresh != null) {
        return fresh;
      }
      Instant now = clock.instant();
      Look look = look(client.secrets().inNamespace(namespace).withName(name).get());
      reads.put(id, new Read(look, now));
      if (reads.size() > 1024) {
        reads.values().removeIf(r -> !now.isBefore(r.at().plus(FRESH)));
      }
      return look;
    }
  }

  private Look fresh(String id, String key) {
    Read read = reads.get(id);
    boolean usable =
        read != null
            && clock.instant().isBefore(read.at().plus(FRESH))
            && read.look().keys().contains(key);
    return usable ? read.look() : null;
  }

  static Look look(Secret secret) {
    if (secret == null) {
      return new Look(false, "", Set.of());
    }
    Set<String> keys = new HashSet<>();
    if (secret.getData() != null) {
      keys.addAll(secret.getData().keySet());
    }
    if (secret.getStringData() != null) {
      keys.addAll(secret.getStringData().keySet());
    }
    return new Look(true, secret.getMetadata().getResourceVersion(), Set.copyOf(keys));
  }
}
