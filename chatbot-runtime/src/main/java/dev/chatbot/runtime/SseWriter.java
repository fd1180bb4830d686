package dev.chatbot.runtime;

import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/** Writes server-sent events and flushes each one. A vanished client surfaces as ClientGone. */
final class SseWriter {

  /** The client closed the connection; stops reading the upstream. */
  static final class ClientGone extends RuntimeException {
    ClientGone() {
      super("client went away", null, false, false);
    }
  }

  private final OutputStream out;

  SseWriter(HttpServletResponse res) throws IOException {
    res.setStatus(200);
    res.setContentType("text/event-stream;charset=utf-8");
    res.setHeader("Cache-Control", "no-cache");
    res.setHeader("X-Accel-Buffering", "no");
    this.out = res.getOutputStream();
  }

  void data(String data) {
    write("data: " + data + "\n\n");
  }

  void event(String name, String data) {
    write("event: " + name + "\ndata: " + data + "\n\n");
  }

  private void write(String text) {
    try {
      out.write(text.getBytes(StandardCharsets.UTF_8));
      out.flush();
    } catch (IOException e) {
      throw new ClientGone();
    }
  }
}
