package dev.chatbot.operator;

/** Entry point. */
public final class Main {
  public static void main(String[] args) {}
}
