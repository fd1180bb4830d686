package dev.chatbot.runtime;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

/**
 * An address range such as {@code 10.0.0.0/8} or {@code fd00::/8}. Addresses are parsed as literals
 * only: a malformed entry never turns into a DNS lookup.
 */
record Cidr(byte[] network, int prefix) {

  /** Parses "a.b.c.d[/n]" or an IPv6 literal with an optional "/n"; comma or space separated. */
  static List<Cidr> parseList(String text) {
    List<Cidr> out = new ArrayList<>();
    for (String part : text.split("[,\\s]+")) {
      if (!part.isEmpty()) {
        out.add(parse(part));
      }
    }
    return out;
  }

  static Cidr parse(String text) {
    int slash = text.indexOf('/');
    byte[] address = literal(slash < 0 ? text : text.substring(0, slash));
    if (address == null) {
      throw new IllegalArgumentException("not an address range: '" + text + "'");
    }
    int bits = address.length * 8;
    int prefix = bits;
    if (slash >= 0) {
      try {
        prefix = Integer.parseInt(text.substring(slash + 1));
      } catch (NumberFormatException e) {
        prefix = -1;
      }
      if (prefix < 0 || prefix > bits) {
        throw new IllegalArgumentException("not an address range: '" + text + "'");
      }
    }
    return new Cidr(address, prefix);
  }

  boolean contains(byte[] address) {
    if (address == null || address.length != network.length) {
      return false;
    }
    int full = prefix / 8;
    for (int i = 0; i < full; i++) {
      if (address[i] != network[i]) {
        return false;
      }
    }
    int rest = prefix % 8;
    if (rest == 0) {
      return true;
    }
    int mask = (0xff << (8 - rest)) & 0xff;
    return (address[full] & mask) == (network[full] & mask);
  }

  static boolean anyContains(List<Cidr> ranges, byte[] address) {
    for (Cidr c : ranges) {
      if (c.contains(address)) {
        return true;
      }
    }
    return false;
  }

  /**
   * The bytes of an IPv4 or IPv6 literal (brackets, an IPv4 port and an IPv6 zone allowed), or null
   * when the text is not one. IPv4-mapped IPv6 addresses come back as IPv4.
   */
  static byte[] literal(String text) {
    String t = text.strip();
    if (t.startsWith("[")) {
      int end = t.indexOf(']');
      if (end < 0) {
        return null;
      }
      t = t.substring(1, end);
    } else if (t.indexOf(':') >= 0 && t.indexOf(':') == t.lastIndexOf(':') && t.indexOf('.') > 0) {
      t = t.substring(0, t.indexOf(':')); // "1.2.3.4:5678"
    }
    int zone = t.indexOf('%');
    if (zone >= 0) {
      t = t.substring(0, zone);
    }
    if (t.indexOf(':') < 0) {
      return ipv4(t);
    }
    for (int i = 0; i < t.length(); i++) {
      char c = t.charAt(i);
      if (Character.digit(c, 16) < 0 && c != ':' && c != '.') {
        return null;
      }
    }
    try {
      // With a ':' and only hex digits, colons and dots this parses a literal; it never resolves.
      return InetAddress.getByName(t).getAddress();
    } catch (UnknownHostException | SecurityException e) {
      return null;
    }
  }

  private static byte[] ipv4(String t) {
    String[] parts = t.split("\\.", -1);
    if (parts.length != 4) {
      return null;
    }
    byte[] out = new byte[4];
    for (int i = 0; i < 4; i++) {
      String p = parts[i];
      if (p.isEmpty() || p.length() > 3) {
        return null;
      }
      int n = 0;
      for (int j = 0; j < p.length(); j++) {
        int d = Character.digit(p.charAt(j), 10);
        if (d < 0) {
          return null;
        }
        n = n * 10 + d;
      }
      if (n > 255) {
        return null;
      }
      out[i] = (byte) n;
    }
    return out;
  }
}
