package dev.chatbot.operator.cli;

import dev.chatbot.api.v1alpha1.Phase;
import java.util.Arrays;
import java.util.Iterator;
import picocli.CommandLine;

/** A phase as written in a resource: mock, huggingface or local. */
final class PhaseConverter implements CommandLine.ITypeConverter<Phase> {
  @Override
  public Phase convert(String value) {
    return Arrays.stream(Phase.values())
        .filter(p -> p.value().equalsIgnoreCase(value))
        .findFirst()
        .orElseThrow(
            () ->
                new CommandLine.TypeConversionException(
                    "'" + value + "' is not a phase: mock, huggingface or local"));
  }

  /** The values for help and completion. */
  static final class Candidates implements Iterable<String> {
    @Override
    public Iterator<String> iterator() {
      return Arrays.stream(Phase.values()).map(Phase::value).iterator();
    }
  }
}
