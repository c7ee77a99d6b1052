#!/usr/bin/env bash
# Builds remit's container images from docker/Dockerfile with podman, as CI does on machines with
# no Docker engine and no reachable image registry (../shared/ENVIRONMENT.md, "Containers without
# Docker"):
#
#   .ci/image.sh        # -> localhost/remit:ci (target runtime), localhost/remit-sandbox:ci (target sandbox)
#
# The Dockerfile takes its bases as build args; where a registry exists their defaults apply
# (maven:3.9-eclipse-temurin-25, eclipse-temurin:25-jre). Here it gets local stand-ins, made once and
# kept between runs (podman image exists):
#   localhost/remit-ci/debian-minbase  Debian bookworm, debootstrap --variant=minbase (+ ca-certificates,
#                                      curl: the wrapper ./mvnw downloads Maven with curl)
#   localhost/remit-ci/jdk             minbase + this machine's JDK 25 at /opt/java/openjdk  -> BUILD_IMAGE
#   localhost/remit-ci/jre             minbase + a JRE jlink'ed from it at /opt/java/openjdk -> RUNTIME_IMAGE
# A base's tag is a hash of what it is made of (JDK release, trusted CAs, JRE modules, definitions), so
# a new JDK or a changed definition makes new bases; older tags of these repositories are then removed.
# On this machine: about 2 minutes for the bases, 3 for a first remit build (Maven downloads), 5 s
# when nothing changed.
# The remit build itself uses podman's layer cache (dependencies are re-resolved only when pom.xml or
# the wrapper changes). Every step prints how long it took.
#
# Environment: JAVA_HOME (the JDK 25 to install; default /usr/lib/jvm/temurin-25-jdk-amd64, else the
# JDK of java on PATH),
# REMIT_IMAGE (default localhost/remit:ci), CONTAINERS_CONF (default .ci/podman/containers.conf),
# REMIT_REBUILD_BASES=1 to make the stand-in bases again.
# Needs root (debootstrap, podman storage); installs podman, runc and debootstrap with apt if absent.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

JDK="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
if [ ! -x "$JDK/bin/jlink" ] && command -v java >/dev/null; then
  JDK="$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")"
fi
IMAGE="${REMIT_IMAGE:-localhost/remit:ci}"
SANDBOX_IMAGE="localhost/remit-sandbox:ci"
export CONTAINERS_CONF="${CONTAINERS_CONF:-$ROOT/.ci/podman/containers.conf}"
SUITE=bookworm
LOCAL_CAS=/usr/local/share/ca-certificates
MINBASE_PACKAGES="ca-certificates,curl"
# The JRE: java.se plus the jdk.* service modules a Temurin JRE carries that a server may load at run
# time (Unsafe, JMX/OperatingSystemMXBean, JFR, DNS, zipfs, charsets, locales, EC/PKCS#11, Kerberos).
# remit itself needs java.se (java.desktop's java.beans for Spring, java.sql, java.naming,
# java.management, java.security.sasl for Kafka, java.net.http), jdk.unsupported and jdk.management.
JRE_MODULES="java.se,jdk.unsupported,jdk.management,jdk.management.agent,jdk.management.jfr,jdk.jfr,\
jdk.naming.dns,jdk.zipfs,jdk.charsets,jdk.localedata,jdk.crypto.ec,jdk.crypto.cryptoki,jdk.security.auth,\
jdk.security.jgss,jdk.net,jdk.httpserver"

say() { printf 'image: %s\n' "$*"; }

# step NAME COMMAND...: runs COMMAND, then prints how long it took.
step() {
  local name="$1" start=$SECONDS
  shift
  say "$name ..."
  "$@"
  say "$name: $((SECONDS - start)) s"
}

pm() { podman --runtime runc "$@"; }

need_tools() {
  local missing=()
  command -v podman >/dev/null || missing+=(podman)
  command -v runc >/dev/null || missing+=(runc)
  command -v debootstrap >/dev/null || missing+=(debootstrap)
  [ ${#missing[@]} -eq 0 ] && return
  if [ "$(id -u)" -ne 0 ]; then
    echo "image: missing ${missing[*]}; run as root or install them" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  # With recommends: catatonit makes the pause image of podman's pods (kube play).
  step "installing (apt) ${missing[*]}" sh -c "apt-get update -qq >/dev/null && apt-get install -y -qq ${missing[*]} >/dev/null"
}

# The Debian mirror of this machine: the URIs of the deb822 stanza that has the suite itself
# (not -updates or -security), else deb.debian.org.
debian_mirror() {
  local sources=/etc/apt/sources.list.d/debian.sources mirror=""
  if [ -r "$sources" ]; then
    mirror="$(awk -v suite="$SUITE" '
      /^[[:space:]]*$/ { if (ok && uri != "") { print uri; exit } ok = 0; uri = ""; next }
      /^URIs:/ { uri = $2 }
      /^Suites:/ { for (i = 2; i <= NF; i++) if ($i == suite) ok = 1 }
      END { if (ok && uri != "") print uri }' "$sources" | head -n 1)"
  fi
  printf '%s\n' "${mirror:-http://deb.debian.org/debian}"
}

hash_of() { sha256sum | cut -c1-12; }

# Removes the other tags of a stand-in repository (superseded bases).
drop_other_tags() {
  local keep="$1" repo="${1%:*}" ref
  while read -r ref; do
    [ "$ref" = "$keep" ] || pm rmi "$ref" >/dev/null 2>&1 || true
  done < <(pm images --format '{{.Repository}}:{{.Tag}}' "$repo")
}

make_minbase() {
  local rootfs mirror
  mirror="$(debian_mirror)"
  rootfs="$(mktemp -d /var/tmp/remit-minbase.XXXXXX)"
  say "debootstrap --variant=minbase $SUITE from $mirror"
  if ! debootstrap --variant=minbase --include="$MINBASE_PACKAGES" "$SUITE" "$rootfs" "$mirror" >"$rootfs.log" 2>&1; then
    tail -n 30 "$rootfs.log" >&2
    rm -rf "$rootfs" "$rootfs.log"
    return 1
  fi
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* "$rootfs.log"
  # groupadd/useradd for the Dockerfile's user 10001.
  chroot "$rootfs" sh -c 'command -v groupadd && command -v useradd' >/dev/null
  tar -C "$rootfs" -c . | pm import --change 'CMD ["bash"]' - "$MINBASE" >/dev/null
  rm -rf "$rootfs"
}

# make_java_base TAG JAVA_DIR: the minbase with JAVA_DIR at /opt/java/openjdk, trusting the CAs this
# machine trusts (its Java cacerts, which the machine's JDK links to /etc/ssl/certs/java/cacerts, and
# its local CAs in /usr/local/share/ca-certificates: downloads may pass through a TLS-inspecting proxy).
make_java_base() {
  local tag="$1" java="$2" stage
  stage="$(mktemp -d /var/tmp/remit-java.XXXXXX)"
  mkdir "$stage/ca-certificates" "$stage/java"
  cp -a "$java/." "$stage/java/"
  cp --remove-destination -L "$JDK/lib/security/cacerts" "$stage/java/lib/security/cacerts"
  find "$LOCAL_CAS" -maxdepth 1 -name '*.crt' -type f -exec cp {} "$stage/ca-certificates/" \; 2>/dev/null || true
  pm build --pull=never --network host -f "$ROOT/.ci/base/java.Containerfile" --build-arg BASE="$MINBASE" \
    -t "$tag" "$stage"
  rm -rf "$stage"
}

make_jdk_base() {
  make_java_base "$JDK_BASE" "$JDK"
}

make_jre_base() {
  local stage
  stage="$(mktemp -d /var/tmp/remit-jre.XXXXXX)"
  "$JDK/bin/jlink" --add-modules "$JRE_MODULES" --strip-debug --no-man-pages --no-header-files \
    --compress=zip-6 --generate-cds-archive --output "$stage/java" >/dev/null
  make_java_base "$JRE_BASE" "$stage/java"
  rm -rf "$stage"
}

ensure() {
  local image="$1" what="$2" maker="$3"
  if [ "${REMIT_REBUILD_BASES:-0}" != 1 ] && pm image exists "$image"; then
    say "$what: $image (cached)"
  else
    if [ "${REMIT_REBUILD_BASES:-0}" = 1 ]; then pm rmi -f "$image" >/dev/null 2>&1 || true; fi
    step "$what: $image" "$maker"
  fi
  drop_other_tags "$image"
}

build_image() {
  local target="$1" tag="$2"
  pm build --pull=never --network host --layers -f docker/Dockerfile --ignorefile docker/Dockerfile.dockerignore \
    --build-arg BUILD_IMAGE="$JDK_BASE" --build-arg RUNTIME_IMAGE="$JRE_BASE" --target "$target" -t "$tag" .
}

# ---------------------------------------------------------------------------------------------------
total=$SECONDS
if [ ! -x "$JDK/bin/jlink" ]; then
  echo "image: no JDK with jlink at $JDK (set JAVA_HOME to a JDK 25)" >&2
  exit 1
fi
need_tools
say "$(podman --version), $(runc --version | head -n 1), CONTAINERS_CONF=$CONTAINERS_CONF"

MINBASE="localhost/remit-ci/debian-minbase:$SUITE-$(printf '%s\n' "$SUITE" "$MINBASE_PACKAGES" | hash_of)"
java_def="$({ cat .ci/base/java.Containerfile "$JDK/release" "$JDK/lib/security/cacerts"
  find "$LOCAL_CAS" -maxdepth 1 -name '*.crt' -type f -exec cat {} + 2>/dev/null; echo "$MINBASE"; } | hash_of)"
JDK_BASE="localhost/remit-ci/jdk:25-$java_def"
JRE_BASE="localhost/remit-ci/jre:25-$(printf '%s\n' "$java_def" "$JRE_MODULES" | hash_of)"

ensure "$MINBASE" "Debian minbase" make_minbase
ensure "$JDK_BASE" "BUILD_IMAGE (JDK 25)" make_jdk_base
ensure "$JRE_BASE" "RUNTIME_IMAGE (jlink'ed JRE 25)" make_jre_base
step "remit image (target runtime): $IMAGE" build_image runtime "$IMAGE"
step "sandbox image (target sandbox): $SANDBOX_IMAGE" build_image sandbox "$SANDBOX_IMAGE"
say "$(pm images --format '{{.Repository}}:{{.Tag}} {{.Size}}' "$IMAGE")"
say "total: $((SECONDS - total)) s"
