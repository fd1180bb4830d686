package dev.chatbot.runtime;

import io.javalin.http.Context;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

/**
 * Who a chat call counts against for the per-client rate limit (client_key): the client address, a
 * header such as an API key, or nobody. X-Forwarded-For is believed only from peers inside
 * trusted_proxies, and then the right-most address that is not a trusted proxy is the client.
 */
final class ClientKeys {

  /** Set by the frontend on what it forwards: the call was limited there already. */
  static final String FRONTEND_HEADER = "X-Chatbot-Frontend";

  private static final int MAX_KEY_CHARS = 128;

  private final Config.ClientKeyKind kind;
  private final String header;
  private final List<Cidr> trusted;
  private final boolean backend;

  ClientKeys(Config config) {
    this.kind = config.clientKey;
    this.header = config.clientKeyHeader;
    this.trusted = Cidr.parseList(config.trustedProxies);
    this.backend = config.role == Config.Role.BACKEND;
  }

  /**
   * The rate-limit key of a call, or null when it is not limited here; {@code peer} is asked only
   * when the key is the address.
   */
  String key(UnaryOperator<String> headers, Supplier<String> peer) {
    if (kind == Config.ClientKeyKind.NONE || (backend && headers.apply(FRONTEND_HEADER) != null)) {
      return null;
    }
    if (kind == Config.ClientKeyKind.HEADER) {
      String value = headers.apply(header);
      if (value != null && !value.isBlank()) {
        return "h:" + shorten(value.strip());
      }
    }
    return address(headers, peer.get());
  }

  /** The client's address: the peer, or what a trusted proxy in front of us says it is. */
  String address(Context ctx) {
    return address(ctx::header, ctx.req().getRemoteAddr());
  }

  private String address(UnaryOperator<String> headers, String peer) {
    if (trusted.isEmpty()) {
      return peer;
    }
    return clientAddress(peer, headers.apply("X-Forwarded-For"), trusted);
  }

  static String clientAddress(String peer, String forwardedFor, List<Cidr> trusted) {
    if (forwardedFor == null || !Cidr.anyContains(trusted, Cidr.literal(peer))) {
      return peer;
    }
    String[] hops = forwardedFor.split(",");
    String leftMost = peer;
    for (int i = hops.length - 1; i >= 0; i--) {
      String hop = hops[i].strip();
      if (hop.isEmpty()) {
        continue;
      }
      byte[] address = Cidr.literal(hop);
      if (address == null || !Cidr.anyContains(trusted, address)) {
        return shorten(hop);
      }
      leftMost = hop;
    }
    return leftMost; // every hop was a trusted proxy
  }

  /** Long values (say a JWT) are kept as a hash: bounded memory per client. */
  private static String shorten(String value) {
    if (value.length() <= MAX_KEY_CHARS) {
      return value;
    }
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8));
      return "sha256:" + HexFormat.of().formatHex(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
