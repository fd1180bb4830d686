package dev.chatbot.operator.cli;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Reads one file of an image tar (Jib's docker-archive: plain ustar, no compression). */
final class ImageTar {
  private ImageTar() {}

  static String entry(Path tar, String name) throws IOException {
    try (InputStream in = new BufferedInputStream(Files.newInputStream(tar))) {
      byte[] header = new byte[512];
      while (in.readNBytes(header, 0, 512) == 512) {
        String entry = field(header, 0, 100);
        if (entry.isEmpty()) {
          break;
        }
        String prefix = field(header, 345, 155);
        if (!prefix.isEmpty()) {
          entry = prefix + "/" + entry;
        }
        long size = Long.parseLong(field(header, 124, 12).trim(), 8);
        long padded = (size + 511) / 512 * 512;
        if (entry.equals(name) || entry.equals("./" + name)) {
          return new String(in.readNBytes((int) size), StandardCharsets.UTF_8);
        }
        in.skipNBytes(padded);
      }
    }
    throw new IOException("no " + name + " in " + tar);
  }

  private static String field(byte[] header, int offset, int length) {
    int end = offset;
    while (end < offset + length && header[end] != 0) {
      end++;
    }
    return new String(header, offset, end - offset, StandardCharsets.US_ASCII);
  }
}
