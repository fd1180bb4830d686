package dev.chatbot.operator.support;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.http.BasicBuilder;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.Interceptor;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Counts the write requests (anything but GET) a client sends, at the HTTP layer. */
public final class WriteCounter implements Interceptor {
  private final List<String> writes = new CopyOnWriteArrayList<>();

  @Override
  public void before(BasicBuilder builder, HttpRequest request, RequestTags tags) {
    if (!"GET".equals(request.method())) {
      writes.add(request.method() + " " + request.uri().getPath());
    }
  }

  /** A client like {@code base} whose writes this counter sees. */
  public KubernetesClient wrap(KubernetesClient base) {
    return new KubernetesClientBuilder()
        .withConfig(base.getConfiguration())
        .withHttpClientBuilderConsumer(b -> b.addOrReplaceInterceptor("write-counter", this))
        .build();
  }

  public List<String> writes() {
    return List.copyOf(writes);
  }

  public void reset() {
    writes.clear();
  }
}
