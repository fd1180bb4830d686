package dev.chatbot.runtime;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;

/**
 * A Kubernetes Service in miniature: a TCP port whose new connections go to the current endpoint,
 * while connections already open keep their endpoint (as kube-proxy's conntrack does). With no
 * endpoint a new connection is closed at once: nothing behind the Service.
 */
final class ServiceProxy implements AutoCloseable {

  private final ServerSocket listener;
  private volatile int endpoint = -1;
  private volatile boolean closed;

  ServiceProxy() throws IOException {
    listener = new ServerSocket(0, 256, InetAddress.getLoopbackAddress());
    Thread t = new Thread(this::acceptLoop, "service-proxy");
    t.setDaemon(true);
    t.start();
  }

  int port() {
    return listener.getLocalPort();
  }

  /** The endpoint port for new connections; -1 for none. */
  void endpoint(int port) {
    this.endpoint = port;
  }

  private void acceptLoop() {
    while (!closed) {
      try {
        Socket client = listener.accept();
        int target = endpoint;
        if (target < 0) {
          client.close();
          continue;
        }
        Socket upstream;
        try {
          upstream = new Socket(InetAddress.getLoopbackAddress(), target);
        } catch (IOException refused) {
          client.close();
          continue;
        }
        pump(client, upstream);
        pump(upstream, client);
      } catch (IOException e) {
        // the listener closed
      }
    }
  }

  private static void pump(Socket from, Socket to) {
    Thread t =
        new Thread(
            () -> {
              try (InputStream in = from.getInputStream();
                  OutputStream out = to.getOutputStream()) {
                in.transferTo(out);
              } catch (IOException ignored) {
                // one side closed
              } finally {
                closeQuietly(from);
                closeQuietly(to);
              }
            },
            "service-proxy-pump");
    t.setDaemon(true);
    t.start();
  }

  private static void closeQuietly(Socket s) {
    try {
      s.close();
    } catch (IOException ignored) {
      // already closed
    }
  }

  @Override
  public void close() throws IOException {
    closed = true;
    listener.close();
  }
}
