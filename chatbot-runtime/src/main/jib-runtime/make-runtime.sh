#!/usr/bin/env bash
# Builds the Java runtime layer of the image: a jlink'ed JRE from Debian's JDK 17 (it ships jmods)
# plus the shared libraries it links, laid out as a root filesystem under $1 (default
# target/jib-runtime). Jib adds that tree to a `scratch` base (see the `image` profile in pom.xml).
# JLINK_JDK picks another JDK: one without jmods works from JDK 24 on when it was built with a
# linkable run-time image (JEP 493; Temurin 25 is).
set -euo pipefail
OUT=${1:-target/jib-runtime}
JDK=${JLINK_JDK:-/usr/lib/jvm/java-17-openjdk-amd64}
MODULES=java.base,java.desktop,java.instrument,java.logging,java.management,java.naming,java.net.http,java.security.jgss,java.sql,java.xml,jdk.crypto.ec,jdk.management,jdk.unsupported,jdk.zipfs
# An image may need more (the operator serves /healthz with jdk.httpserver).
MODULES=$MODULES${JLINK_EXTRA_MODULES:+,$JLINK_EXTRA_MODULES}

if [ -d "$JDK/jmods" ]; then
  MODULE_PATH=(--module-path "$JDK/jmods")
  COMPRESS=--compress=2
else
  # Linking from the JDK's own run-time image; jlink says so plainly if this JDK cannot.
  MODULE_PATH=()
  COMPRESS=--compress=zip-6
fi
rm -rf "$OUT"
mkdir -p "$OUT/opt" "$OUT/tmp" "$OUT/etc"
"$JDK/bin/jlink" "${MODULE_PATH[@]}" --add-modules "$MODULES" \
  --strip-debug --no-header-files --no-man-pages "$COMPRESS" \
  --generate-cds-archive --output "$OUT/opt/java"

# Debian's cacerts is a symlink into /etc: put the real trust store in the image (HTTPS to the router).
rm -f "$OUT/opt/java/lib/security/cacerts"
cp -L /etc/ssl/certs/java/cacerts "$OUT/opt/java/lib/security/cacerts"

# Only compressed-oops heaps (< 32 GB) are used: drop the other CDS archive.
rm -f "$OUT/opt/java/lib/server/classes_nocoops.jsa"

# The glibc, libz, libstdc++, libgcc_s and loader libraries the runtime links. The AWT, font and
# sound libraries of java.desktop (only its java.beans classes are used) are not loaded: skip them.
libs=$( (ldd "$OUT/opt/java/bin/java"; find "$OUT/opt/java/lib" -name '*.so' \
    ! -name 'libawt*' ! -name 'libfontmanager.so' ! -name 'liblcms.so' ! -name 'libjavajpeg.so' \
    ! -name 'libmlib_image.so' ! -name 'libsplashscreen.so' ! -name 'libjsound.so' ! -name 'libjawt.so' \
    -exec ldd {} \;) 2>/dev/null \
  | awk '/=>/ {print $3} /^\s*\/lib/ {print $1}' | grep '^/' | sort -u)
for lib in $libs /lib64/ld-linux-x86-64.so.2; do
  real=$(readlink -f "$lib")
  mkdir -p "$OUT$(dirname "$lib")"
  cp "$real" "$OUT$lib"
done
# nsswitch-free name resolution is enough for the JDK (it reads /etc/hosts and resolv.conf itself).
printf 'root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n' > "$OUT/etc/passwd"
printf 'root:x:0:\nnonroot:x:65532:\n' > "$OUT/etc/group"
du -sh "$OUT" | awk '{print "java runtime layer: " $1}'
