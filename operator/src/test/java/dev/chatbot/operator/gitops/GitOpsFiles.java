package dev.chatbot.operator.gitops;

import dev.chatbot.api.v1alpha1.ChatbotDeployment;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** Reading the manifests under examples/gitops. */
final class GitOpsFiles {
  private GitOpsFiles() {}

  /** Every YAML document of a file, as generic resources. */
  static List<GenericKubernetesResource> documents(Path file) throws IOException {
    List<GenericKubernetesResource> out = new ArrayList<>();
    for (String doc : Files.readString(file).split("(?m)^---\\s*$")) {
      if (doc.lines().allMatch(l -> l.isBlank() || l.trim().startsWith("#"))) {
        continue;
      }
      out.add(Serialization.unmarshal(doc, GenericKubernetesResource.class));
    }
    return out;
  }

  /** The ChatbotDeployments in a directory of plain manifests, as the operator's API type. */
  static List<ChatbotDeployment> chatbots(Path dir) throws IOException {
    List<ChatbotDeployment> out = new ArrayList<>();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path f : files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList()) {
        for (GenericKubernetesResource r : documents(f)) {
          if ("ChatbotDeployment".equals(r.getKind())) {
            out.add(Serialization.unmarshal(Serialization.asYaml(r), ChatbotDeployment.class));
          }
        }
      }
    }
    return out;
  }
}
