package dev.chatbot.operator.cli;

/**
 * One problem of a resource.
 *
 * @param field the field's path from the resource root, e.g. spec.backend.replicas
 * @param message what is wrong, in the API server's words where the server checks it
 */
record Problem(String field, String message) {
  @Override
  public String toString() {
    return field + ": " + message;
  }
}
