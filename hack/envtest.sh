#!/usr/bin/env bash
# Provisions a real Kubernetes control plane for the operator's integration tests (*IT):
# kube-apiserver and kube-controller-manager v1.20.2 built from Debian bookworm's `kubernetes`
# source package, and etcd from Debian's `etcd-server`, cached by version so that only the first
# run on a machine pays the build (about five minutes on two cores).
#
#   hack/envtest.sh install   install packages, build and cache the binaries (idempotent; warm: seconds)
#   hack/envtest.sh dir       print the binary directory (what the Java tests read, see ENVTEST_BIN_DIR)
#   hack/envtest.sh check     exit 0 if the binaries are provisioned, 1 otherwise
#   hack/envtest.sh start     start etcd, kube-apiserver and a garbage-collector-only
#                             kube-controller-manager on 127.0.0.1 (random ports) for manual use
#   hack/envtest.sh stop      stop what `start` started
#   hack/envtest.sh clean-build   delete the build tree and Go build cache (keeps the binaries)
#   hack/envtest.sh source    print the prepared source tree (preparing it if missing)
#   hack/envtest.sh build DIR CMD...  build ./cmd/CMD of that tree into DIR with this recipe and Go
#                             cache (hack/cluster.sh builds kubelet, kube-proxy, kube-scheduler, kubectl)
#
# Environment:
#   ENVTEST_CACHE   cache root (default ~/.cache/chatbot-operator/envtest); binaries go to
#                   $ENVTEST_CACHE/1.20.2/, the build tree to $ENVTEST_CACHE/build/
#   ENVTEST_RUN_DIR state directory for `start`/`stop` (default $ENVTEST_CACHE/run)
#
# Needs root (or sudo) for apt-get, Debian 12 (bookworm), amd64. No internet besides Debian apt.
set -euo pipefail
# Every Kubernetes daemon started from here (and its children) must not call the cloud metadata
# address 169.254.169.254: traffic stays on loopback and 198.18.0.0/15.
export AWS_EC2_METADATA_DISABLED=true

K8S_VERSION=1.20.2
# Bump when the build recipe changes, so cached binaries built by an older recipe are rebuilt.
RECIPE=1
SRC_PACKAGE=kubernetes
# The Debian source version this recipe was checked with (upstream v1.20.2 despite the name).
SRC_PACKAGE_VERSION=1.20.5+really1.20.2-1.1+deb12u1
SRC_VERSION=$SRC_PACKAGE_VERSION

HACK_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CACHE="${ENVTEST_CACHE:-$HOME/.cache/chatbot-operator/envtest}"
BIN_DIR="$CACHE/$K8S_VERSION"
BUILD_DIR="$CACHE/build"
STAMP="$BIN_DIR/.provisioned"
STAMP_CONTENT="kubernetes=$K8S_VERSION recipe=$RECIPE source=$SRC_PACKAGE_VERSION"
RUN_DIR="${ENVTEST_RUN_DIR:-$CACHE/run}"

BUILD_PACKAGES=(golang-go golang-github-modern-go-reflect2-dev dpkg-dev)
RUNTIME_PACKAGES=(etcd-server openssl ca-certificates)

log() { printf 'envtest: %s\n' "$*" >&2; }
now_ms() { echo $(($(date +%s%N) / 1000000)); }
# Seconds since a now_ms timestamp, with one decimal.
since() { local d=$(($(now_ms) - $1)); printf '%d.%d' $((d / 1000)) $((d % 1000 / 100)); }
die() { log "ERROR: $*"; exit 1; }

SUDO=()
if [[ $(id -u) -ne 0 ]] && command -v sudo >/dev/null; then SUDO=(sudo); fi
need_root() {
  [[ $(id -u) -eq 0 || ${#SUDO[@]} -gt 0 ]] || die "not root and no sudo: cannot install Debian packages"
}

is_warm() {
  [[ -f "$STAMP" && "$(cat "$STAMP")" == "$STAMP_CONTENT" ]] || return 1
  local b
  for b in kube-apiserver kube-controller-manager etcd; do
    [[ -x "$BIN_DIR/$b" ]] || return 1
  done
}

missing_packages() {
  local p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || printf '%s\n' "$p"
  done
}

APT_UPDATED=false
apt_update() {
  if ! $APT_UPDATED; then
    need_root
    log "apt-get update"
    "${SUDO[@]}" apt-get -o DPkg::Lock::Timeout=600 update -q >/dev/null
    APT_UPDATED=true
  fi
}

apt_install() {
  local missing
  missing=$(missing_packages "$@")
  [[ -z "$missing" ]] && return 0
  apt_update
  # shellcheck disable=SC2086
  log "apt-get install" $missing
  # DPkg::Lock::Timeout: other jobs on the machine may be running apt at the same moment.
  # shellcheck disable=SC2086
  DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get -o DPkg::Lock::Timeout=600 install -y -q \
    --no-install-recommends $missing >/dev/null
}

# Sets SRC_VERSION to the source version to build: the checked one, or else (after a Debian point
# release replaced it) any offered version that is still upstream v1.20.2.
pick_source_version() {
  local offered
  offered=$(apt-cache showsrc "$SRC_PACKAGE" 2>/dev/null | sed -n 's/^Version: //p')
  if grep -qxF "$SRC_PACKAGE_VERSION" <<<"$offered"; then
    SRC_VERSION=$SRC_PACKAGE_VERSION
    return 0
  fi
  SRC_VERSION=$(grep -E "(^|really)$K8S_VERSION" <<<"$offered" | head -1 || true)
  [[ -n "$SRC_VERSION" ]] || return 1
  log "WARNING: $SRC_PACKAGE $SRC_PACKAGE_VERSION is gone; building $SRC_VERSION (same upstream $K8S_VERSION)"
}

ensure_deb_src() {
  pick_source_version && return 0
  local f=/etc/apt/sources.list.d/chatbot-operator-deb-src.sources
  need_root
  log "adding a deb-src entry for bookworm main: $f"
  printf '%s\n' 'Types: deb-src' 'URIs: http://deb.debian.org/debian' 'Suites: bookworm' \
    'Components: main' 'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg' |
    "${SUDO[@]}" tee "$f" >/dev/null
  APT_UPDATED=false
  apt_update
  pick_source_version ||
    die "apt offers no source package $SRC_PACKAGE for Kubernetes $K8S_VERSION (is this Debian 12 bookworm?)"
}

# Fetches and unpacks the source into $BUILD_DIR/src and applies the three fixes that let
# Go 1.19 build Kubernetes v1.20.2 from it (see the header of each step).
prepare_source() {
  local src="$BUILD_DIR/src" dl="$BUILD_DIR/download"
  if [[ -f "$src/.prepared" ]]; then
    log "source tree already prepared: $src"
    return 0
  fi
  rm -rf "$src" "$dl"
  mkdir -p "$dl"
  log "fetching source package $SRC_PACKAGE=$SRC_VERSION"
  (cd "$dl" && apt-get source -q --download-only "$SRC_PACKAGE=$SRC_VERSION" >/dev/null 2>&1) ||
    die "apt-get source $SRC_PACKAGE failed"
  # apt verified the download against the signed Release file; dpkg-source's gpgv has no keyring.
  (cd "$dl" && dpkg-source -q -x ./*.dsc "$src" >"$BUILD_DIR/dpkg-source.log" 2>&1) ||
    { cat "$BUILD_DIR/dpkg-source.log" >&2; die "dpkg-source -x failed"; }
  rm -rf "$dl"

  # Fix 1: vendor/modules.txt was sorted by upstream's vendor script; Go >= 1.16 then attributes
  # package lines to unversioned modules. Regroup them under their versioned module headers.
  (cd / && go build -o "$BUILD_DIR/regroup-modules-txt" "$HACK_DIR/envtest/regroup-modules-txt.go")
  (cd "$src" && "$BUILD_DIR/regroup-modules-txt" vendor/modules.txt >&2)

  # Fix 3 (before generating, so that every tool uses it): the vendored reflect2 v1.0.1 makes
  # every POST panic at run time under Go >= 1.18. Use Debian's reflect2 1.0.2 instead.
  local r2=/usr/share/gocode/src/github.com/modern-go/reflect2
  [[ -f "$r2/reflect2.go" ]] || die "missing $r2 (package golang-github-modern-go-reflect2-dev)"
  find "$src/vendor/github.com/modern-go/reflect2" -maxdepth 1 -type f \( -name '*.go' -o -name '*.s' \) -delete
  find "$r2" -maxdepth 1 -type f \( -name '*.go' -o -name '*.s' \) ! -name '*_test.go' \
    -exec cp {} "$src/vendor/github.com/modern-go/reflect2/" \;

  # Fix 2: pkg/generated/openapi/zz_generated.openapi.go is generated by upstream's make.
  generate_openapi "$src"
  touch "$src/.prepared"
}

generate_openapi() {
  local src="$1" gopath="$BUILD_DIR/gopath"
  log "generating pkg/generated/openapi (openapi-gen)"
  rm -rf "$gopath"
  mkdir -p "$gopath/src/k8s.io" "$BUILD_DIR/tools"
  ln -s "$src" "$gopath/src/k8s.io/kubernetes"
  (cd "$src" && go build -mod=vendor -o "$BUILD_DIR/tools/openapi-gen" k8s.io/kube-openapi/cmd/openapi-gen)
  # The same package set as upstream's Makefile.generated_files (KUBE_OPENAPI_TAG_FILES): every
  # directory of the tree (staging/src named as vendor/) holding a Go file with a `+k8s:` tag
  # and `+k8s:openapi-gen=`, except code-generator and sample-apiserver.
  local dirs
  dirs=$(cd "$src" &&
    find -H . \( -path ./_\* -o -path ./.\* -o -path ./vendor -o -path ./debian \) -prune -o \
      -type f -name '*.go' -print |
    sed 's|^\./staging/src|vendor|; s|^\./||' |
    { xargs grep --color=never -l '^// *+k8s:' || true; } |
    { xargs grep --color=never -l '+k8s:openapi-gen=' || true; } |
    grep -v -e '^vendor/k8s.io/code-generator/' -e '^vendor/k8s.io/sample-apiserver/' |
    xargs -n1 dirname | LC_ALL=C sort -u | sed 's|^|k8s.io/kubernetes/|' | paste -sd, -)
  [[ -n "$dirs" ]] || die "found no +k8s:openapi-gen packages"
  (
    cd "$gopath/src/k8s.io/kubernetes"
    GOPATH="$gopath" GO111MODULE=off "$BUILD_DIR/tools/openapi-gen" \
      --logtostderr -v 0 \
      -i "$dirs" \
      -p k8s.io/kubernetes/pkg/generated/openapi \
      -O zz_generated.openapi \
      -o "$gopath/src" \
      -h vendor/k8s.io/code-generator/hack/boilerplate.go.txt \
      -r "$BUILD_DIR/openapi-violations.report"
  ) >"$BUILD_DIR/openapi-gen.log" 2>&1 || { tail -20 "$BUILD_DIR/openapi-gen.log" >&2; die "openapi-gen failed"; }
  [[ -s "$src/pkg/generated/openapi/zz_generated.openapi.go" ]] || die "openapi-gen wrote no file"
  if diff -q "$BUILD_DIR/openapi-violations.report" "$src/api/api-rules/violation_exceptions.list" >/dev/null; then
    log "openapi-gen: API rule report equals api/api-rules/violation_exceptions.list"
  else
    log "WARNING: openapi-gen API rule report differs from upstream's violation_exceptions.list"
  fi
}

# Go reads only the prepared tree and its vendor/ (no module downloads); the build cache is kept.
go_env() {
  export GOPATH="$BUILD_DIR/gopath" GOCACHE="$BUILD_DIR/go-build" GOFLAGS='' GOPROXY=off \
    GOTOOLCHAIN=local CGO_ENABLED=0 GO111MODULE=on GOWORK=off
}

# Builds ./cmd/NAME of the prepared tree into directory $1, for each NAME after it: vendored,
# trimmed, stripped and stamped with the version.
go_build_cmds() {
  local out=$1 src="$BUILD_DIR/src" ldflags="-s -w" pkg cmd t0
  shift
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ldflags+=" -X $pkg.gitVersion=v$K8S_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=20"
    ldflags+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=1970-01-01T00:00:00Z"
  done
  for cmd in "$@"; do
    t0=$SECONDS
    log "go build ./cmd/$cmd (a cold build takes minutes)"
    (cd "$src" && go build -mod=vendor -trimpath -ldflags "$ldflags" -o "$out/$cmd" "./cmd/$cmd")
    log "built $cmd in $((SECONDS - t0)) s"
  done
}

build_binaries() {
  local tmp="$BIN_DIR.tmp"
  rm -rf "$tmp"
  mkdir -p "$tmp"
  go_build_cmds "$tmp" kube-apiserver kube-controller-manager
  install -m 0755 "$(command -v etcd)" "$tmp/etcd"
  local v
  v=$("$tmp/kube-apiserver" --version)
  [[ "$v" == "Kubernetes v$K8S_VERSION" ]] || die "unexpected version stamp: $v"
  echo "$STAMP_CONTENT" >"$tmp/.provisioned"
  rm -rf "$BIN_DIR"
  mv "$tmp" "$BIN_DIR"
}

cmd_install() {
  local t0
  t0=$(now_ms)
  lock_cache
  if is_warm; then
    # The tests also run openssl (certificates); a no-op when it is installed.
    command -v openssl >/dev/null || apt_install openssl
    log "warm: kube-apiserver, kube-controller-manager and etcd v$K8S_VERSION already cached in $BIN_DIR"
    log "warm provisioning took $(since "$t0") s"
    echo "$BIN_DIR"
    return 0
  fi
  log "cold: provisioning Kubernetes v$K8S_VERSION into $BIN_DIR"
  apt_install "${RUNTIME_PACKAGES[@]}" "${BUILD_PACKAGES[@]}"
  command -v go >/dev/null || die "go not found after installing golang-go"
  command -v etcd >/dev/null || die "etcd not found after installing etcd-server"
  ensure_deb_src
  mkdir -p "$BUILD_DIR"
  go_env
  prepare_source
  build_binaries
  log "cold provisioning took $(since "$t0") s (binaries in $BIN_DIR; build tree in $BUILD_DIR," \
    "remove with: $0 clean-build)"
  echo "$BIN_DIR"
}

# One provisioning or build at a time per cache.
lock_cache() {
  mkdir -p "$CACHE"
  exec 9>"$CACHE/.lock"
  flock 9
}

# The prepared tree also serves hack/cluster.sh (kubelet etc.); a machine whose binaries came from a
# CI cache has none yet: prepare it then.
ensure_source() {
  [[ -f "$BUILD_DIR/src/.prepared" ]] && return 0
  apt_install "${BUILD_PACKAGES[@]}"
  ensure_deb_src
  mkdir -p "$BUILD_DIR"
  go_env
  prepare_source
}

cmd_source() {
  lock_cache
  ensure_source
  echo "$BUILD_DIR/src"
}

cmd_build() {
  (($# >= 2)) || die "usage: $0 build DIR CMD..."
  lock_cache
  ensure_source
  go_env
  mkdir -p "$1"
  go_build_cmds "$@"
}

cmd_check() {
  if is_warm; then echo "$BIN_DIR"; else
    log "not provisioned: run hack/envtest.sh install"
    return 1
  fi
}

free_port() {
  # Asks the kernel for a free port on 127.0.0.1.
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null ||
    echo $((20000 + RANDOM % 20000))
}

cmd_start() {
  is_warm || die "not provisioned: run $0 install first"
  command -v curl >/dev/null || apt_install curl
  [[ -f "$RUN_DIR/apiserver.pid" ]] && kill -0 "$(cat "$RUN_DIR/apiserver.pid")" 2>/dev/null &&
    die "already running (kubeconfig $RUN_DIR/kubeconfig); run $0 stop first"
  rm -rf "$RUN_DIR"
  mkdir -p "$RUN_DIR"
  cd "$RUN_DIR"
  local t0 etcd_port peer_port api_port token
  etcd_port=$(free_port)
  peer_port=$(free_port)
  api_port=$(free_port)
  token=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
  openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -keyout ca.key -out ca.crt -subj /CN=envtest-ca 2>/dev/null
  openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj /CN=kube-apiserver 2>/dev/null
  printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n' >server.ext
  openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 3650 \
    -extfile server.ext -out server.crt 2>/dev/null
  openssl genrsa -out sa.key 2048 2>/dev/null
  echo "$token,admin,admin,\"system:masters\"" >tokens.csv
  t0=$(date +%s%N)
  "$BIN_DIR/etcd" --name default --data-dir "$RUN_DIR/etcd" \
    --listen-client-urls "http://127.0.0.1:$etcd_port" --advertise-client-urls "http://127.0.0.1:$etcd_port" \
    --listen-peer-urls "http://127.0.0.1:$peer_port" --initial-advertise-peer-urls "http://127.0.0.1:$peer_port" \
    --initial-cluster "default=http://127.0.0.1:$peer_port" >etcd.log 2>&1 &
  echo $! >etcd.pid
  "$BIN_DIR/kube-apiserver" --etcd-servers "http://127.0.0.1:$etcd_port" \
    --bind-address 127.0.0.1 --secure-port "$api_port" --insecure-port 0 \
    --cert-dir "$RUN_DIR" --tls-cert-file server.crt --tls-private-key-file server.key \
    --client-ca-file ca.crt --token-auth-file tokens.csv --authorization-mode RBAC \
    --service-account-issuer https://kubernetes.default.svc --service-account-key-file sa.key \
    --service-account-signing-key-file sa.key --api-audiences https://kubernetes.default.svc \
    --service-cluster-ip-range 10.96.0.0/16 --endpoint-reconciler-type none \
    --disable-admission-plugins ServiceAccount --allow-privileged >apiserver.log 2>&1 &
  echo $! >apiserver.pid
  cat >kubeconfig <<EOF
apiVersion: v1
kind: Config
clusters:
- name: envtest
  cluster:
    server: https://127.0.0.1:$api_port
    certificate-authority-data: $(base64 -w0 ca.crt)
users:
- name: admin
  user:
    token: $token
contexts:
- name: envtest
  context: {cluster: envtest, user: admin, namespace: default}
current-context: envtest
EOF
  local _
  for _ in $(seq 1 600); do
    if curl -fsS --cacert ca.crt -H "Authorization: Bearer $token" "https://127.0.0.1:$api_port/readyz" >/dev/null 2>&1; then
      log "kube-apiserver ready in $((($(date +%s%N) - t0) / 1000000)) ms at https://127.0.0.1:$api_port"
      # Only the garbage collector, so that deleting an owner deletes its dependents.
      "$BIN_DIR/kube-controller-manager" --kubeconfig "$RUN_DIR/kubeconfig" \
        --controllers garbagecollector --use-service-account-credentials=false --leader-elect=false \
        --port 0 --secure-port 0 >controller-manager.log 2>&1 &
      echo $! >controller-manager.pid
      log "kube-controller-manager (garbage collector only) started; logs and state in $RUN_DIR"
      echo "export KUBECONFIG=$RUN_DIR/kubeconfig"
      return 0
    fi
    kill -0 "$(cat apiserver.pid)" 2>/dev/null || break
    sleep 0.1
  done
  tail -20 apiserver.log >&2
  cmd_stop
  die "kube-apiserver did not become ready"
}

cmd_stop() {
  local p
  for p in controller-manager apiserver etcd; do
    if [[ -f "$RUN_DIR/$p.pid" ]]; then
      kill "$(cat "$RUN_DIR/$p.pid")" 2>/dev/null || true
      rm -f "$RUN_DIR/$p.pid"
    fi
  done
  log "stopped (state left in $RUN_DIR)"
}

case "${1:-}" in
  install) cmd_install ;;
  dir) echo "$BIN_DIR" ;;
  check) cmd_check ;;
  start) cmd_start ;;
  stop) cmd_stop ;;
  clean-build) rm -rf "$BUILD_DIR" && log "removed $BUILD_DIR" ;;
  source) cmd_source ;;
  build) shift && cmd_build "$@" ;;
  *)
    sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
    exit 2
    ;;
esac
