package dev.chatbot.operator;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/**
 * What this build is: its version and the image references it tags, from {@code build.properties}
 * (filtered by Maven from the poms), so the operator's default runtime image is always the image
 * the same build made.
 */
public final class BuildInfo {
  private static final Properties PROPERTIES = load();

  /** The Maven version, e.g. 0.1.0-SNAPSHOT. */
  public static final String VERSION = PROPERTIES.getProperty("version");

  /** The version of the images and the chart: the Maven version without -SNAPSHOT. */
  public static final String RELEASE_VERSION = PROPERTIES.getProperty("release.version");

  /** The operator image this build tags. */
  public static final String OPERATOR_IMAGE = PROPERTIES.getProperty("operator.image");

  /** The chatbot-runtime image this build tags. */
  public static final String RUNTIME_IMAGE = PROPERTIES.getProperty("runtime.image");

  private BuildInfo() {}

  private static Properties load() {
    Properties p = new Properties();
    try (InputStream in = BuildInfo.class.getResourceAsStream("build.properties")) {
      if (in == null) {
        throw new IllegalStateException("build.properties missing from the class path");
      }
      p.load(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    for (String key : p.stringPropertyNames()) {
      if (p.getProperty(key).contains("${")) {
        throw new IllegalStateException("build.properties not filtered by Maven: " + key);
      }
    }
    return p;
  }
}
