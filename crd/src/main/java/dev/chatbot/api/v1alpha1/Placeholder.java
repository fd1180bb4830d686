package dev.chatbot.api.v1alpha1;

/** Placeholder. */
public final class Placeholder {}
