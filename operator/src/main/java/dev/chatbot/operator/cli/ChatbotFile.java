package dev.chatbot.operator.cli;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.chatbot.api.v1alpha1.ChatbotDeployment;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/** The YAML documents of a file given with {@code -f} ("-" reads standard input). */
final class ChatbotFile {
  static final String KIND = "ChatbotDeployment";
  static final String VERSION = ChatbotDeployment.VERSION;
  static final String API_VERSION = ChatbotDeployment.GROUP + "/" + VERSION;
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  /**
   * One document.
   *
   * @param source the file name and the document's place in it, e.g. mock.yaml#1
   * @param node its content
   */
  record Document(String source, JsonNode node) {
    String kind() {
      return node.path("kind").asText("");
    }

    String name() {
      return node.path("metadata").path("name").asText("");
    }

    boolean isChatbot() {
      return KIND.equals(kind());
    }

    /** kind/name for messages. */
    String title() {
      return (kind().isEmpty() ? "(no kind)" : kind())
          + " "
          + (name().isEmpty() ? "(no name)" : name());
    }
  }

  /** A file that cannot be read (a bad argument) or parsed (a problem of its content). */
  static final class Unreadable extends Exception {
    final boolean badArgument;

    Unreadable(String message, boolean badArgument) {
      super(message);
      this.badArgument = badArgument;
    }
  }

  private ChatbotFile() {}

  static List<Document> read(String file, InputStream stdin) throws Unreadable {
    String text;
    try {
      text =
          "-".equals(file)
              ? new String(stdin.readAllBytes(), StandardCharsets.UTF_8)
              : Files.readString(Path.of(file), StandardCharsets.UTF_8);
    } catch (java.nio.file.NoSuchFileException e) {
      throw new Unreadable(file + ": no such file", true);
    } catch (IOException e) {
      throw new Unreadable(file + ": cannot read: " + e.getMessage(), true);
    }
    String name = "-".equals(file) ? "<stdin>" : file;
    List<Document> docs = new ArrayList<>();
    try (JsonParser parser = YAML.createParser(text);
        MappingIterator<JsonNode> it = YAML.readValues(parser, JsonNode.class)) {
      int index = 0;
      while (it.hasNextValue()) {
        JsonNode node = it.nextValue();
        index++;
        if (node == null || node.isNull() || node.isMissingNode()) {
          continue;
        }
        if (!node.isObject()) {
          throw new Unreadable(name + " document " + index + ": not a Kubernetes object", false);
        }
        docs.add(new Document(name + "#" + index, node));
      }
    } catch (IOException | RuntimeException e) {
      throw new Unreadable(name + ": not valid YAML: " + firstLine(e.getMessage()), false);
    }
    return docs;
  }

  /**
   * Hands every ChatbotDeployment document of {@code files} to {@code each}, in order; a file whose
   * content cannot be parsed and a document of another kind are reported on {@code notes}.
   *
   * @return how many files could not be parsed
   * @throws Unreadable for a file that cannot be read at all (a bad argument)
   */
  static int eachChatbot(
      List<String> files, InputStream stdin, PrintWriter notes, Consumer<Document> each)
      throws Unreadable {
    int unparsable = 0;
    for (String file : files) {
      List<Document> docs;
      try {
        docs = read(file, stdin);
      } catch (Unreadable e) {
        if (e.badArgument) {
          throw e;
        }
        notes.println(e.getMessage());
        unparsable++;
        continue;
      }
      for (Document doc : docs) {
        if (doc.isChatbot()) {
          each.accept(doc);
        } else {
          notes.println(doc.source() + ": " + doc.title() + ": skipped (not a ChatbotDeployment)");
        }
      }
    }
    return unparsable;
  }

  private static String firstLine(String message) {
    if (message == null) {
      return "";
    }
    int nl = message.indexOf('\n');
    return nl < 0 ? message : message.substring(0, nl);
  }
}
