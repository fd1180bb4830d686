#!/usr/bin/env bash
# A real one-node Kubernetes v1.20.2 cluster on this machine, for the end-to-end tests (*E2E):
# etcd, kube-apiserver and kube-controller-manager from hack/envtest.sh; kubelet, kube-proxy,
# kube-scheduler and kubectl built from the same prepared source tree; containerd, runc and the CNI
# plugins from Debian; a pause image compiled from the tree's build/pause/linux/pause.c. Images come
# from local tars only: there is no registry, and a pull fails at once.
#
#   hack/cluster.sh install        install packages, build and cache the binaries and images (warm: seconds)
#   hack/cluster.sh start [TAR...] start the cluster (and load image tars); prints `export KUBECONFIG=...`
#   hack/cluster.sh load TAR...    import image tars (e.g. */target/jib-image.tar) into the node
#   hack/cluster.sh status         daemons, memory, node, and the egress guard's reject counter
#   hack/cluster.sh env            print the environment of the running cluster (eval "$(... env)")
#   hack/cluster.sh stop           stop everything and leave the machine exactly as `start` found it;
#                                  compares before/after snapshots and fails if anything differs
#
# Network (nothing leaves the machine): node IP 198.19.255.1 on bridge cbnode0, pods 198.18.0.0/24 on
# bridge cbpod0 (198.18.0.1), Services 198.19.0.0/17, control plane on 127.0.0.1. Every daemon runs
# with AWS_EC2_METADATA_DISABLED=true in the cgroup-v2 group `chatbot-node`; an iptables guard rejects
# its traffic to anything but 127.0.0.0/8 and 198.18.0.0/15 (IPv6: ::1) and drops pod traffic
# leaving 198.18.0.0/15. Pods have no default route; their resolver (dnsmasq) has no upstream.
#
# Environment:
#   CLUSTER_CACHE   cache root (default ~/.cache/chatbot-operator/cluster): binaries in $CLUSTER_CACHE/1.20.2,
#                   run state (kubeconfig, logs) in $CLUSTER_CACHE/run, snapshots in $CLUSTER_CACHE/state
#   ENVTEST_CACHE   as in hack/envtest.sh (its source tree and Go build cache are reused)
#
# Needs root, Debian 12 (bookworm) amd64, a cgroup v1 or hybrid host with iptables. Checked recipe:
# /work/shared/envtest/NODE-NOTES.md (facts and measured figures).
set -euo pipefail

K8S_VERSION=1.20.2
# Bump when the build recipe changes, so cached binaries and images are rebuilt.
RECIPE=1

NODE_NAME=chatbot-node
NODE_IP=198.19.255.1
NODE_BRIDGE=cbnode0
POD_BRIDGE=cbpod0
POD_CIDR=198.18.0.0/24
POD_GW=198.18.0.1
CLUSTER_CIDR=198.18.0.0/16
SERVICE_CIDR=198.19.0.0/17
ALLOWED_CIDR=198.18.0.0/15
API_PORT=16443
ETCD_PORT=12379
ETCD_PEER_PORT=12380
CGROUP=chatbot-node
CGROUP2_ROOT=/sys/fs/cgroup/unified
PAUSE_IMAGE=localhost/chatbot-node/pause:3.4
TOOLS_IMAGE=localhost/chatbot-node/busybox:1.35
GUARD_OUT=CHATBOT-NODE-OUT
GUARD_FWD=CHATBOT-NODE-FWD

HACK_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CACHE="${CLUSTER_CACHE:-$HOME/.cache/chatbot-operator/cluster}"
BIN_DIR="$CACHE/$K8S_VERSION"
RUN_DIR="$CACHE/run"
STATE_DIR="$CACHE/state"
STAMP="$BIN_DIR/.provisioned"
STAMP_CONTENT="kubernetes=$K8S_VERSION recipe=$RECIPE"
SOCK="$RUN_DIR/containerd/containerd.sock"
CG2="$CGROUP2_ROOT/$CGROUP"

PACKAGES=(containerd runc containernetworking-plugins iptables nftables conntrack socat ethtool
  dnsmasq-base busybox-static gcc libc6-dev openssl curl)
# Daemons in start order (stop goes in reverse); each has $RUN_DIR/pids/<name>.pid.
DAEMONS=(containerd etcd kube-apiserver api-relay dnsmasq dns-sync kube-controller-manager
  kube-scheduler kubelet kube-proxy)
# The sysctls the daemons change (kubelet, kube-proxy, the bridge plugin): recorded by start,
# restored by stop.
SYSCTLS=(net.ipv4.ip_forward net.ipv4.conf.all.forwarding net.ipv4.conf.default.forwarding
  net.ipv4.conf.all.route_localnet net.bridge.bridge-nf-call-iptables
  net.bridge.bridge-nf-call-ip6tables vm.overcommit_memory vm.panic_on_oom kernel.panic
  kernel.panic_on_oops kernel.keys.root_maxkeys kernel.keys.root_maxbytes
  net.netfilter.nf_conntrack_max net.netfilter.nf_conntrack_tcp_timeout_established
  net.netfilter.nf_conntrack_tcp_timeout_close_wait net.netfilter.nf_log.2 net.netfilter.nf_log.10)
# Host paths the daemons create outside the run dir (hard-coded in kubelet, e.g. its device-plugin
# socket in /var/lib/kubelet, containerd's shim sockets, libcni's result cache, iptables, libmount);
# stop removes the ones that did not exist before start.
HOST_PATHS=(/var/log/pods /var/log/containers /var/run/netns /run/netns /var/lib/cni
  /run/containerd /run/xtables.lock /run/mount /var/lib/kubelet /var/lib/containerd /opt/containerd
  /etc/cni /opt/cni /usr/libexec/kubernetes /var/lib/dockershim /etc/kubernetes)
# Directories listed (one level) in the before/after snapshots.
SNAPSHOT_DIRS=(/run /var/run /var/lib /var/log /etc /opt /usr/libexec /sys/fs/cgroup/*/)

# kubelet's in-tree AWS credential provider asks the EC2 metadata service at every start otherwise.
export AWS_EC2_METADATA_DISABLED=true

log() { printf 'cluster: %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
now_ms() { echo $(($(date +%s%N) / 1000000)); }
since() { since_between "$1" "$(now_ms)"; }
since_between() { local d=$(($2 - $1)); printf '%d.%d' $((d / 1000)) $((d % 1000 / 100)); }

need_root() { [[ $(id -u) -eq 0 ]] || die "needs root (network, cgroups, iptables, mounts)"; }

envtest() { ENVTEST_CACHE="${ENVTEST_CACHE:-}" "$HACK_DIR/envtest.sh" "$@"; }

# kubectl 1.20 against the running cluster; its discovery cache stays in the run dir.
kc() { "$BIN_DIR/kubectl" --kubeconfig "$RUN_DIR/kubeconfig" --cache-dir "$RUN_DIR/kube-cache" "$@"; }

ctr_() { ctr --address "$SOCK" --namespace k8s.io "$@"; }

# ---------------------------------------------------------------------------------------------
# install

is_warm() {
  [[ -f "$STAMP" && "$(cat "$STAMP")" == "$STAMP_CONTENT" ]] || return 1
  local f
  for f in kubelet kube-proxy kube-scheduler kubectl images/pause.tar images/busybox.tar; do
    [[ -s "$BIN_DIR/$f" ]] || return 1
  done
}

missing_packages() {
  local installed p
  installed=$(dpkg-query -W -f='${Package} ${Status}\n' "$@" 2>/dev/null | awk '/install ok installed/ {print $1}')
  for p in "$@"; do
    grep -qxF "$p" <<<"$installed" || printf '%s\n' "$p"
  done
}

# Installs Debian packages without letting any of them start a service (containerd's, dnsmasq's):
# a policy-rc.d that exits 101 is in place for the duration, and the previous one (if any) restored.
apt_install() {
  local missing
  missing=$(missing_packages "$@")
  [[ -z "$missing" ]] && return 0
  need_root
  local policy=/usr/sbin/policy-rc.d saved=""
  if [[ -e $policy ]]; then
    saved=$(mktemp)
    cp -p "$policy" "$saved"
  fi
  printf '#!/bin/sh\n# hack/cluster.sh: no service starts while packages install\nexit 101\n' >$policy
  chmod 755 $policy
  local rc=0
  log "apt-get update"
  apt-get -o DPkg::Lock::Timeout=600 update -q >/dev/null || rc=$?
  if ((rc == 0)); then
    # shellcheck disable=SC2086
    log "apt-get install" $missing
    # shellcheck disable=SC2086
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -q \
      --no-install-recommends $missing >/dev/null || rc=$?
  fi
  if [[ -n $saved ]]; then
    cp -p "$saved" "$policy" && rm -f "$saved"
  else
    rm -f "$policy"
  fi
  ((rc == 0)) || die "apt-get failed"
}

build_binaries() {
  local src tmp="$BIN_DIR.tmp"
  src=$(envtest source)
  rm -rf "$tmp"
  mkdir -p "$tmp/images"
  # envtest's recipe and Go cache (kube-apiserver already compiled most of the packages).
  envtest build "$tmp" kubelet kube-proxy kube-scheduler kubectl
  local v
  v=$("$tmp/kubelet" --version)
  [[ "$v" == "Kubernetes v$K8S_VERSION" ]] || die "unexpected version stamp: $v"
  build_images "$src" "$tmp/images"
  echo "$STAMP_CONTENT" >"$tmp/.provisioned"
  rm -rf "$BIN_DIR"
  mv "$tmp" "$BIN_DIR"
}

# Writes a one-layer docker-archive image tar ($1: name:tag, $2: root dir of the layer, $3: output,
# $4: entrypoint JSON array, $5: user) that `ctr images import` takes. Reproducible: fixed mtimes
# and owners.
image_tar() {
  local name=$1 root=$2 out=$3 entrypoint=$4 user=$5 work
  work=$(mktemp -d)
  tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$root" -cf "$work/layer.tar" .
  local layer_sha config_sha
  layer_sha=$(sha256sum "$work/layer.tar" | cut -d' ' -f1)
  mkdir -p "$work/$layer_sha"
  mv "$work/layer.tar" "$work/$layer_sha/layer.tar"
  printf '{"architecture":"amd64","os":"linux","config":{"User":"%s","Entrypoint":%s},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}' \
    "$user" "$entrypoint" "$layer_sha" >"$work/config.json"
  config_sha=$(sha256sum "$work/config.json" | cut -d' ' -f1)
  mv "$work/config.json" "$work/$config_sha.json"
  printf '[{"Config":"%s.json","RepoTags":["%s"],"Layers":["%s/layer.tar"]}]' \
    "$config_sha" "$name" "$layer_sha" >"$work/manifest.json"
  tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$work" -cf "$out" \
    manifest.json "$config_sha.json" "$layer_sha"
  rm -rf "$work"
}

build_images() {
  local src=$1 out=$2 root
  # The pause image, as upstream builds it (build/pause/Makefile, Dockerfile): a static pause.c.
  root=$(mktemp -d)
  gcc -Os -Wall -Werror -static -DVERSION=v3.4-chatbot -o "$root/pause" "$src/build/pause/linux/pause.c"
  image_tar "$PAUSE_IMAGE" "$root" "$out/pause.tar" '["/pause"]' ""
  rm -rf "$root"
  # A tools image (busybox: sh, nc, nslookup) for checks from inside the cluster.
  root=$(mktemp -d)
  mkdir -p "$root/bin" "$root/tmp"
  chmod 1777 "$root/tmp"
  cp /bin/busybox "$root/bin/busybox"
  local applet
  for applet in $(/bin/busybox --list); do
    [[ $applet == busybox ]] || ln -s busybox "$root/bin/$applet"
  done
  image_tar "$TOOLS_IMAGE" "$root" "$out/busybox.tar" '["/bin/sh"]' "65534:65534"
  rm -rf "$root"
  log "built images $PAUSE_IMAGE and $TOOLS_IMAGE"
}

cmd_install() {
  local t0
  t0=$(now_ms)
  need_root
  mkdir -p "$CACHE"
  exec 8>"$CACHE/.lock"
  flock 8
  apt_install "${PACKAGES[@]}"
  # etcd, kube-apiserver and kube-controller-manager (warm: seconds).
  envtest install >/dev/null
  if is_warm; then
    log "warm: kubelet, kube-proxy, kube-scheduler, kubectl and images already cached in $BIN_DIR"
  else
    log "cold: building the node's binaries into $BIN_DIR"
    build_binaries
  fi
  log "install took $(since "$t0") s"
  echo "$BIN_DIR"
}

# ---------------------------------------------------------------------------------------------
# machine snapshots: what start may change and stop must restore

# Writes the machine state that the cluster touches into directory $1, normalised so that two
# snapshots of an unchanged machine are equal (no counters, interface indexes or byte counts).
snapshot() {
  local d=$1 t
  mkdir -p "$d"
  for t in iptables ip6tables; do
    if command -v "$t-save" >/dev/null; then
      "$t-save" 2>/dev/null | sed -e '/^#/d' -e 's/\[[0-9]*:[0-9]*\]/[0:0]/' >"$d/$t"
    else
      : >"$d/$t"
    fi
  done
  if command -v nft >/dev/null; then
    nft list ruleset 2>/dev/null | sed -E 's/counter packets [0-9]+ bytes [0-9]+/counter/' >"$d/nft"
  else
    : >"$d/nft"
  fi
  ip -o link show | sed -E 's/^[0-9]+: //; s/ link-netnsid [0-9]+//' | sort >"$d/links"
  ip -o addr show | sed -E 's/^[0-9]+: //; s/valid_lft [^ ]+ preferred_lft [^ ]+//' | sort >"$d/addrs"
  { ip route show table all; ip -6 route show table all; ip rule show; ip -6 rule show; } |
    sed -E 's/ expires [0-9]+sec//' | sort >"$d/routes"
  # mount point, fs type, source, options and propagation (peer group numbers dropped)
  awk '{ opt=""; for (i = 7; $i != "-"; i++) { o=$i; sub(/:[0-9]+$/, "", o); opt = opt o "," }
         print $5, $(i+1), $(i+2), $6, opt }' /proc/self/mountinfo | sort >"$d/mounts"
  # every sysctl except the ones that move by themselves (tcp_fastopen_key: the kernel draws one
  # at the first TCP Fast Open use by anyone)
  sysctl -a 2>/dev/null | grep -Ev \
    '^(net\.ipv4\.tcp_fastopen_key|kernel\.random\.|kernel\.ns_last_pid|kernel\.pty\.nr|kernel\.tainted|fs\.(dentry-state|inode-nr|inode-state|file-nr|aio-nr|quota\.)|net\.netfilter\.nf_conntrack_count|vm\.(stat_refresh|drop_caches)|dev\.cdrom|kernel\.sched_domain|net\.ipv4\.route\.flush|net\.ipv6\.route\.flush|kernel\.perf_event_max)' |
    sort >"$d/sysctls"
  local p
  for p in "${SNAPSHOT_DIRS[@]}"; do
    p=${p%/}
    # shellcheck disable=SC2012
    if [[ -d $p ]]; then ls -1A "$p" 2>/dev/null | sed "s|^|$p/|"; fi
  done | sort >"$d/paths"
  for p in "${HOST_PATHS[@]}"; do
    if [[ -e $p || -L $p ]]; then echo "$p"; fi
  done >"$d/host-paths"
}

# Compares the snapshot taken by start with the machine now; prints the differences.
compare_snapshots() {
  local before=$1 after=$2 f rc=0
  for f in iptables ip6tables nft links addrs routes mounts sysctls paths; do
    if ! diff -u "$before/$f" "$after/$f" >"$after/$f.diff"; then
      log "DIFFERS from before start: $f"
      sed 's/^/    /' "$after/$f.diff" | head -40 >&2
      rc=1
    fi
  done
  return $rc
}

# ---------------------------------------------------------------------------------------------
# start

port_free() { ! ss -Hltn "sport = :$1" | grep -q .; }

# Starts daemon $1 (argv after it) in its own session, in the guard cgroup, with its own log and
# PID file; the PID file is written by the daemon's process itself (setsid may fork). Descriptors
# above stderr are closed first: a daemon must not keep a caller's lock (`flock f hack/cluster.sh
# start` would otherwise stay locked for the cluster's whole life).
launch() {
  local name=$1 pidfile="$RUN_DIR/pids/$1.pid"
  shift
  rm -f "$pidfile"
  # shellcheck disable=SC2016
  setsid bash -c 'for f in /proc/$$/fd/*; do n=${f##*/}; [ "$n" -gt 2 ] && eval "exec $n>&-"; done
    echo $$ >"$0" && echo $$ >"$1.tmp" && mv "$1.tmp" "$1" && shift && exec "$@"' \
    "$CG2/cgroup.procs" "$pidfile" "$@" </dev/null >"$RUN_DIR/logs/$name.log" 2>&1 &
  local i
  for i in $(seq 1 100); do
    [[ -s $pidfile ]] && return 0
    sleep 0.02
  done
  die "$name did not start (log: $RUN_DIR/logs/$name.log)"
}

alive() {
  local pid=$1 state
  state=$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null) || return 1
  # A stopped daemon is re-parented to PID 1, which may reap it late: a zombie is not alive.
  [[ -n $state && $state != Z && $state != X ]]
}

daemon_pid() { cat "$RUN_DIR/pids/$1.pid" 2>/dev/null; }

wait_for() {
  local what=$1 timeout=$2 daemon=$3
  shift 3
  local deadline=$(($(now_ms) + timeout * 1000))
  until "$@" >/dev/null 2>&1; do
    if [[ -n $daemon ]] && ! alive "$(daemon_pid "$daemon")"; then
      tail -25 "$RUN_DIR/logs/$daemon.log" >&2 || true
      die "$daemon exited while waiting for $what"
    fi
    (($(now_ms) < deadline)) || {
      [[ -z $daemon ]] || tail -25 "$RUN_DIR/logs/$daemon.log" >&2 || true
      die "timed out after ${timeout}s waiting for $what"
    }
    sleep 0.2
  done
}

# EC P-256 key and a certificate signed by the cluster CA: $1 name, $2 subject, $3 extensions.
cert() {
  local name=$1 subject=$2 ext=$3 pki="$RUN_DIR/pki"
  openssl ecparam -name prime256v1 -genkey -noout -out "$pki/$name.key" 2>/dev/null
  openssl req -new -key "$pki/$name.key" -subj "$subject" -out "$pki/$name.csr" 2>/dev/null
  printf '%s\n' "$ext" >"$pki/$name.ext"
  openssl x509 -req -in "$pki/$name.csr" -CA "$pki/ca.crt" -CAkey "$pki/ca.key" -CAcreateserial \
    -days 365 -sha256 -extfile "$pki/$name.ext" -out "$pki/$name.crt" 2>/dev/null
  rm -f "$pki/$name.csr" "$pki/$name.ext"
}

kubeconfig() {
  local file=$1 user=$2 pki="$RUN_DIR/pki"
  cat >"$file" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: $NODE_NAME
  cluster:
    server: https://127.0.0.1:$API_PORT
    certificate-authority-data: $(base64 -w0 "$pki/ca.crt")
users:
- name: $user
  user:
    client-certificate-data: $(base64 -w0 "$pki/$user.crt")
    client-key-data: $(base64 -w0 "$pki/$user.key")
contexts:
- name: $NODE_NAME
  context: {cluster: $NODE_NAME, user: $user, namespace: default}
current-context: $NODE_NAME
EOF
  chmod 600 "$file"
}

make_pki() {
  local pki="$RUN_DIR/pki" client='extendedKeyUsage=clientAuth' server
  mkdir -p "$pki"
  openssl ecparam -name prime256v1 -genkey -noout -out "$pki/ca.key" 2>/dev/null
  openssl req -x509 -new -key "$pki/ca.key" -days 365 -sha256 -subj "/CN=chatbot-node-ca" \
    -out "$pki/ca.crt" 2>/dev/null
  server="subjectAltName=IP:127.0.0.1,IP:$NODE_IP,IP:198.19.0.1,DNS:localhost,DNS:kubernetes"
  server+=",DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local"
  cert apiserver "/CN=kube-apiserver" "$server"$'\nextendedKeyUsage=serverAuth'
  cert kubelet-serving "/CN=$NODE_NAME" "subjectAltName=IP:$NODE_IP,DNS:$NODE_NAME"$'\nextendedKeyUsage=serverAuth'
  cert admin "/O=system:masters/CN=admin" "$client"
  cert apiserver-kubelet "/O=system:masters/CN=kube-apiserver-kubelet-client" "$client"
  cert kubelet "/O=system:nodes/CN=system:node:$NODE_NAME" "$client"
  cert controller-manager "/CN=system:kube-controller-manager" "$client"
  cert scheduler "/CN=system:kube-scheduler" "$client"
  cert kube-proxy "/CN=system:kube-proxy" "$client"
  openssl ecparam -name prime256v1 -genkey -noout -out "$pki/sa.key" 2>/dev/null
  openssl ec -in "$pki/sa.key" -pubout -out "$pki/sa.pub" 2>/dev/null
  kubeconfig "$RUN_DIR/kubeconfig.tmp" admin
  local who
  for who in kubelet controller-manager scheduler kube-proxy; do
    kubeconfig "$RUN_DIR/$who.kubeconfig" "$who"
  done
}

write_configs() {
  mkdir -p "$RUN_DIR/containerd/certs.d" "$RUN_DIR/cni/net.d" "$RUN_DIR/kubelet" "$RUN_DIR/dns/hosts.d"
  # Every registry a manifest might name points at a closed local port: a pull fails at once.
  local reg
  for reg in docker.io registry-1.docker.io ghcr.io quay.io registry.k8s.io k8s.gcr.io gcr.io \
    public.ecr.aws mcr.microsoft.com registry.gitlab.com ollama.com registry.ollama.ai; do
    mkdir -p "$RUN_DIR/containerd/certs.d/$reg"
    printf 'server = "http://127.0.0.1:9"\n[host."http://127.0.0.1:9"]\n  capabilities = ["pull", "resolve"]\n' \
      >"$RUN_DIR/containerd/certs.d/$reg/hosts.toml"
  done
  cat >"$RUN_DIR/containerd/config.toml" <<EOF
version = 2
root = "$RUN_DIR/containerd/root"
state = "$RUN_DIR/containerd/state"
[grpc]
  address = "$SOCK"
[plugins."io.containerd.internal.v1.opt"]
  path = "$RUN_DIR/containerd/opt"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$PAUSE_IMAGE"
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  disable_apparmor = true
  restrict_oom_score_adj = true
  enable_selinux = false
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
        Root = "$RUN_DIR/runc"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$RUN_DIR/cni/net.d"
    max_conf_num = 1
  [plugins."io.containerd.grpc.v1.cri".registry]
    config_path = "$RUN_DIR/containerd/certs.d"
EOF
  # Pods: one route (198.18.0.0/15 via the bridge), no default route, no masquerading.
  cat >"$RUN_DIR/cni/net.d/10-chatbot.conflist" <<EOF
{
  "cniVersion": "0.4.0",
  "name": "chatbot-node",
  "plugins": [
    {
      "type": "bridge",
      "bridge": "$POD_BRIDGE",
      "isGateway": true,
      "isDefaultGateway": false,
      "ipMasq": false,
      "hairpinMode": true,
      "ipam": {
        "type": "host-local",
        "dataDir": "$RUN_DIR/cni/ipam",
        "ranges": [[{"subnet": "$POD_CIDR", "gateway": "$POD_GW"}]],
        "routes": [{"dst": "$ALLOWED_CIDR", "gw": "$POD_GW"}]
      }
    }
  ]
}
EOF
  # Pods with dnsPolicy Default get this resolver too: never the host's.
  echo "nameserver $POD_GW" >"$RUN_DIR/resolv.conf"
  cat >"$RUN_DIR/kubelet/config.yaml" <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: $NODE_IP
port: 10250
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: 10248
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: true}
  x509: {clientCAFile: $RUN_DIR/pki/ca.crt}
authorization: {mode: Webhook}
tlsCertFile: $RUN_DIR/pki/kubelet-serving.crt
tlsPrivateKeyFile: $RUN_DIR/pki/kubelet-serving.key
cgroupDriver: cgroupfs
cgroupRoot: /$CGROUP
failSwapOn: false
resolvConf: $RUN_DIR/resolv.conf
clusterDNS: [$POD_GW]
clusterDomain: cluster.local
podCIDR: $POD_CIDR
evictionHard:
  memory.available: 100Mi
  nodefs.available: 1%
  nodefs.inodesFree: 1%
  imagefs.available: 1%
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
volumePluginDir: $RUN_DIR/kubelet/volume-plugins
nodeStatusUpdateFrequency: 2s
serializeImagePulls: false
EOF
  cat >"$RUN_DIR/kube-proxy.yaml" <<EOF
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
clientConnection:
  kubeconfig: $RUN_DIR/kube-proxy.kubeconfig
hostnameOverride: $NODE_NAME
mode: iptables
clusterCIDR: $CLUSTER_CIDR
bindAddress: $NODE_IP
healthzBindAddress: 127.0.0.1:10256
metricsBindAddress: 127.0.0.1:10249
nodePortAddresses: [$NODE_IP/32]
conntrack:
  maxPerCore: 0
  min: 0
  tcpEstablishedTimeout: 0s
  tcpCloseWaitTimeout: 0s
iptables:
  minSyncPeriod: 1s
  syncPeriod: 30s
EOF
}

# The guard's cgroup: in cgroup v2 for the daemons; in every hierarchy as the kubelet's cgroupRoot,
# so that the pods' processes (runc also joins the v2 hierarchy) are inside it too.
make_cgroups() {
  mkdir "$CG2"
  local h
  for h in /sys/fs/cgroup/*/; do
    h=${h%/}
    [[ $h == "$CGROUP2_ROOT" ]] && continue
    mkdir "$h/$CGROUP"
    if [[ -f $h/cpuset.cpus ]]; then
      cat "$h/cpuset.cpus" >"$h/$CGROUP/cpuset.cpus"
      cat "$h/cpuset.mems" >"$h/$CGROUP/cpuset.mems"
    fi
  done
}

record_sysctls() {
  local k
  for k in "${SYSCTLS[@]}"; do
    if [[ -e /proc/sys/${k//.//} ]]; then echo "$k=$(cat "/proc/sys/${k//.//}")"; fi
  done >"$STATE_DIR/sysctls"
}

setup_network() {
  ip link add "$NODE_BRIDGE" type bridge
  ip addr add "$NODE_IP/32" dev "$NODE_BRIDGE"
  ip link set "$NODE_BRIDGE" up
  # The bridge plugin takes an existing bridge whose address is its gateway; made here first so
  # that host -> ClusterIP traffic has a route with a pod-network source address from the start.
  ip link add "$POD_BRIDGE" type bridge
  ip addr add "$POD_GW/24" dev "$POD_BRIDGE"
  ip link set "$POD_BRIDGE" up
  ip route add "$SERVICE_CIDR" dev "$POD_BRIDGE" src "$POD_GW"
  # Nothing in the allowed range may follow the default route off the machine.
  ip route add unreachable "$ALLOWED_CIDR"
}

# The egress guard: the daemons, and the pods (kubelet's cgroupRoot), run in cgroup $CGROUP; their
# packets may go to 127.0.0.0/8 and 198.18.0.0/15 only (IPv6: ::1). Pod traffic routed out of the
# pod bridge is dropped unless it stays in 198.18.0.0/15, in mangle/FORWARD, before any ACCEPT
# kube-proxy puts in filter/FORWARD. Each refusal is also logged to the kernel log (rate-limited).
setup_guard() {
  local fam log=(-m limit --limit 30/min --limit-burst 10 -j LOG --log-prefix "chatbot-node-guard: " --log-uid)
  for fam in iptables ip6tables; do
    "$fam" -w -N "$GUARD_OUT"
    "$fam" -w -t mangle -N "$GUARD_FWD"
  done
  iptables -w -A "$GUARD_OUT" -d 127.0.0.0/8 -j RETURN
  iptables -w -A "$GUARD_OUT" -d "$ALLOWED_CIDR" -j RETURN
  iptables -w -t mangle -A "$GUARD_FWD" -d "$ALLOWED_CIDR" -j RETURN
  ip6tables -w -A "$GUARD_OUT" -d ::1/128 -j RETURN
  for fam in iptables ip6tables; do
    "$fam" -w -A "$GUARD_OUT" "${log[@]}"
    "$fam" -w -A "$GUARD_OUT" -p tcp -j REJECT --reject-with tcp-reset
    "$fam" -w -t mangle -A "$GUARD_FWD" "${log[@]}"
    "$fam" -w -t mangle -A "$GUARD_FWD" -j DROP
  done
  iptables -w -A "$GUARD_OUT" -j REJECT --reject-with icmp-admin-prohibited
  ip6tables -w -A "$GUARD_OUT" -j REJECT --reject-with adm-prohibited
  for fam in iptables ip6tables; do
    "$fam" -w -I OUTPUT 1 -m cgroup --path "$CGROUP" -m comment --comment "chatbot-node egress guard" -j "$GUARD_OUT"
    # ! -o: frames bridged between pods stay on the bridge (and IPv6 multicast there is harmless)
    "$fam" -w -t mangle -I FORWARD 1 -i "$POD_BRIDGE" ! -o "$POD_BRIDGE" -m comment --comment "chatbot-node egress guard" -j "$GUARD_FWD"
  done
}

# Proves the guard before any daemon runs: a connection from the guard cgroup to 203.0.113.1 (a
# documentation address, routed into the port-less node bridge for this probe, so that nothing could
# leave even if the guard failed) must be rejected. Then the counters go back to zero.
check_guard() {
  ip route add 203.0.113.1/32 dev "$NODE_BRIDGE"
  local out rc=0
  out=$(
    echo "$BASHPID" >"$CG2/cgroup.procs"
    timeout 3 bash -c 'exec 3<>/dev/tcp/203.0.113.1/9' 2>&1
  ) || rc=$?
  ip route del 203.0.113.1/32 dev "$NODE_BRIDGE"
  local rejected
  rejected=$(guard_counts | awk '{s += $2} END {print s + 0}')
  ((rc != 0 && rc != 124 && rejected > 0)) ||
    die "egress guard self-test failed (rc=$rc, rejected=$rejected): $out"
  iptables -w -Z "$GUARD_OUT"
  ip6tables -w -Z "$GUARD_OUT"
  iptables -w -t mangle -Z "$GUARD_FWD"
  ip6tables -w -t mangle -Z "$GUARD_FWD"
  log "egress guard: a probe from cgroup $CGROUP was rejected ($out); counters reset"
}

# Prints "<rule> <packets>" for every rejecting or dropping rule of the guard.
guard_counts() {
  local fam t chain
  for fam in iptables ip6tables; do
    for t in filter:$GUARD_OUT mangle:$GUARD_FWD; do
      chain=${t#*:}
      "$fam" -w -t "${t%%:*}" -L "$chain" -v -x -n 2>/dev/null |
        awk -v n="$fam/${t%%:*}/$chain" '$3 == "REJECT" || $3 == "DROP" { print n "/" $3 (NF > 9 ? "(" $NF ")" : ""), $1 }'
    done
  done
}

start_dns() {
  # Cluster DNS: <svc>.<ns>.svc.cluster.local -> ClusterIP, nothing else (no upstream: REFUSED).
  launch dnsmasq dnsmasq --keep-in-foreground --conf-file=/dev/null --no-resolv --no-hosts --no-poll \
    --listen-address="$POD_GW" --bind-interfaces --hostsdir="$RUN_DIR/dns/hosts.d" \
    --local=/cluster.local/ --domain-needed --user=root --pid-file= --log-facility=-
  # dns-sync: one watch on Services keeps dnsmasq's hosts file (and the test JVM's) current.
  launch dns-sync bash "$HACK_DIR/cluster.sh" _dns-sync
}

cmd_dns_sync() {
  local hosts="$RUN_DIR/dns/hosts.d/services" jvm="$RUN_DIR/dns/hosts" line type ns name ip
  declare -A svc
  # stop sends TERM: end the watch too
  trap 'pkill -TERM -P $$; exit 0' TERM
  write_hosts() {
    local k tmp="$RUN_DIR/dns/.services.tmp"
    for k in "${!svc[@]}"; do
      printf '%s %s.svc.cluster.local\n' "${svc[$k]}" "$k"
    done | sort >"$tmp"
    mv "$tmp" "$hosts"
    # The test JVM resolves with this file only (-Djdk.net.hosts.file), never the host's resolver.
    { printf '127.0.0.1 localhost %s\n::1 localhost\n%s %s\n' "$(hostname)" "$NODE_IP" "$NODE_NAME"
      cat "$hosts"; } >"$jvm.tmp"
    mv "$jvm.tmp" "$jvm"
  }
  while true; do
    svc=()
    write_hosts
    # (the watch ends when the server times it out; then list again)
    while read -r type ns name ip; do
      [[ -n $name ]] || continue
      if [[ $type == DELETED || $ip == None || -z $ip ]]; then
        unset "svc[$name.$ns]"
      else
        svc[$name.$ns]=$ip
      fi
      write_hosts
    done < <(kc get services --all-namespaces --watch --output-watch-events \
      -o jsonpath='{.type} {.object.metadata.namespace} {.object.metadata.name} {.object.spec.clusterIP}{"\n"}' 2>/dev/null)
    sleep 1
  done
}

import_images() {
  local tar
  for tar in "$@"; do
    [[ -f $tar ]] || die "no such image tar: $tar"
    local t0
    t0=$(now_ms)
    ctr_ images import "$tar" >/dev/null
    log "loaded $(tar_image_names "$tar") from $tar in $(since "$t0") s"
  done
}

tar_image_names() {
  tar -xOf "$1" manifest.json 2>/dev/null | grep -o '"RepoTags":\[[^]]*\]' | sed 's/"RepoTags"://; s/[]["]//g' ||
    echo "(OCI archive)"
}

cmd_start() {
  need_root
  is_warm || die "not installed: run $0 install first"
  envtest check >/dev/null || die "envtest binaries missing: run $0 install first"
  [[ ! -f "$STATE_DIR/started" ]] ||
    die "already started at $(cat "$STATE_DIR/started") (or a stop did not finish): run $0 stop first"
  grep -q " $CGROUP2_ROOT cgroup2 " /proc/mounts ||
    die "no cgroup2 mount at $CGROUP2_ROOT (a cgroup v1 or hybrid host is needed)"
  local l
  for l in "$NODE_BRIDGE" "$POD_BRIDGE"; do
    ! ip link show "$l" >/dev/null 2>&1 || die "network link $l exists already"
  done
  ! compgen -G "/sys/fs/cgroup/*/$CGROUP" >/dev/null || die "cgroup $CGROUP exists already"
  local port
  for port in "$API_PORT" "$ETCD_PORT" "$ETCD_PEER_PORT" 10248 10249 10256; do
    port_free "$port" || die "port $port is taken (ss -ltnp 'sport = :$port')"
  done
  local t0 envbin
  t0=$(now_ms)
  envbin=$(envtest dir)

  rm -rf "$STATE_DIR"
  mkdir -p "$STATE_DIR"
  snapshot "$STATE_DIR/before"
  iptables-save >"$STATE_DIR/iptables.v4"
  ip6tables-save >"$STATE_DIR/iptables.v6"
  nft list tables >"$STATE_DIR/nft-tables"
  record_sysctls
  date -Is >"$STATE_DIR/started"
  trap 'rc=$?; if ((rc != 0)); then log "start failed: stopping"; cmd_stop || true; fi' EXIT

  if [[ -e $RUN_DIR ]]; then
    still_mounted "$RUN_DIR" && die "mounts left under $RUN_DIR"
    rm -rf "$RUN_DIR"
  fi
  mkdir -p "$RUN_DIR/logs" "$RUN_DIR/pids"
  make_pki
  write_configs
  setup_network
  make_cgroups
  setup_guard
  check_guard

  launch containerd containerd --config "$RUN_DIR/containerd/config.toml"
  launch etcd "$envbin/etcd" --name "$NODE_NAME" --data-dir "$RUN_DIR/etcd" \
    --listen-client-urls "http://127.0.0.1:$ETCD_PORT" --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" \
    --listen-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-cluster "$NODE_NAME=http://127.0.0.1:$ETCD_PEER_PORT"
  local pki="$RUN_DIR/pki"
  launch kube-apiserver "$envbin/kube-apiserver" --etcd-servers "http://127.0.0.1:$ETCD_PORT" \
    --bind-address 127.0.0.1 --secure-port "$API_PORT" --insecure-port 0 --advertise-address "$NODE_IP" \
    --cert-dir "$pki" --tls-cert-file "$pki/apiserver.crt" --tls-private-key-file "$pki/apiserver.key" \
    --client-ca-file "$pki/ca.crt" --authorization-mode Node,RBAC --enable-admission-plugins NodeRestriction \
    --service-account-issuer https://kubernetes.default.svc.cluster.local \
    --service-account-key-file "$pki/sa.pub" --service-account-signing-key-file "$pki/sa.key" \
    --api-audiences https://kubernetes.default.svc.cluster.local \
    --service-cluster-ip-range "$SERVICE_CIDR" --allow-privileged \
    --kubelet-client-certificate "$pki/apiserver-kubelet.crt" --kubelet-client-key "$pki/apiserver-kubelet.key" \
    --kubelet-certificate-authority "$pki/ca.crt" --kubelet-preferred-address-types InternalIP,Hostname \
    --profiling=false
  wait_for "containerd" 30 containerd ctr --address "$SOCK" version
  import_images "$BIN_DIR/images/pause.tar" "$BIN_DIR/images/busybox.tar"
  wait_for "kube-apiserver /readyz" 90 kube-apiserver curl -fsS --cacert "$pki/ca.crt" \
    --cert "$pki/admin.crt" --key "$pki/admin.key" "https://127.0.0.1:$API_PORT/readyz"
  mv "$RUN_DIR/kubeconfig.tmp" "$RUN_DIR/kubeconfig"
  log "kube-apiserver ready $(since "$t0") s after start"
  # Pods reach the API at kubernetes.default.svc (198.19.0.1:443 -> $NODE_IP:$API_PORT); the
  # server itself listens on loopback only.
  launch api-relay socat "TCP-LISTEN:$API_PORT,bind=$NODE_IP,reuseaddr,fork" "TCP:127.0.0.1:$API_PORT"
  start_dns

  launch kube-controller-manager "$envbin/kube-controller-manager" \
    --kubeconfig "$RUN_DIR/controller-manager.kubeconfig" \
    --service-account-private-key-file "$pki/sa.key" --root-ca-file "$pki/ca.crt" \
    --cluster-signing-cert-file "$pki/ca.crt" --cluster-signing-key-file "$pki/ca.key" \
    --use-service-account-credentials --leader-elect=false --port 0 --secure-port 0 \
    --service-cluster-ip-range "$SERVICE_CIDR" --profiling=false \
    --flex-volume-plugin-dir "$RUN_DIR/controller-manager/volume-plugins"
  launch kube-scheduler "$BIN_DIR/kube-scheduler" --kubeconfig "$RUN_DIR/scheduler.kubeconfig" \
    --leader-elect=false --port 0 --secure-port 0 --profiling=false
  # Images come from loaded tars; the tools image must not be garbage-collected either.
  if (($# > 0)); then import_images "$@"; fi
  launch kubelet "$BIN_DIR/kubelet" --config "$RUN_DIR/kubelet/config.yaml" \
    --kubeconfig "$RUN_DIR/kubelet.kubeconfig" --container-runtime remote \
    --container-runtime-endpoint "unix://$SOCK" --node-ip "$NODE_IP" --hostname-override "$NODE_NAME" \
    --root-dir "$RUN_DIR/kubelet" --cert-dir "$RUN_DIR/kubelet/pki" \
    --pod-infra-container-image "$PAUSE_IMAGE" --v 1
  launch kube-proxy "$BIN_DIR/kube-proxy" --config "$RUN_DIR/kube-proxy.yaml" --v 1

  wait_for "node $NODE_NAME Ready" 120 kubelet node_ready
  log "node $NODE_NAME Ready $(since "$t0") s after start"
  wait_for "the default ServiceAccount's token" 60 kube-controller-manager default_token
  write_env
  trap - EXIT
  log "started in $(since "$t0") s; logs and state in $RUN_DIR"
  cmd_env
}

default_token() { [[ -n $(kc -n default get serviceaccount default -o 'jsonpath={.secrets[0].name}') ]]; }

node_ready() {
  [[ $(kc get node "$NODE_NAME" -o 'jsonpath={.status.conditions[?(@.type=="Ready")].status}') == True ]]
}

# The running cluster's facts, read by the E2E tests' JUnit extension.
write_env() {
  cat >"$RUN_DIR/cluster.env" <<EOF
KUBECONFIG=$RUN_DIR/kubeconfig
NODE_NAME=$NODE_NAME
NODE_IP=$NODE_IP
API_SERVER=https://127.0.0.1:$API_PORT
SERVICE_CIDR=$SERVICE_CIDR
POD_CIDR=$POD_CIDR
HOSTS_FILE=$RUN_DIR/dns/hosts
TOOLS_IMAGE=$TOOLS_IMAGE
KUBECTL=$BIN_DIR/kubectl
EOF
}

cmd_env() {
  [[ -f $RUN_DIR/cluster.env ]] || die "not running (no $RUN_DIR/cluster.env): run $0 start"
  echo "export KUBECONFIG=$RUN_DIR/kubeconfig PATH=$BIN_DIR:\$PATH"
  echo "# node $NODE_NAME at $NODE_IP; Services $SERVICE_CIDR; for a JVM: -Djdk.net.hosts.file=$RUN_DIR/dns/hosts"
}

cmd_load() {
  need_root
  (($# > 0)) || die "usage: $0 load TAR..."
  [[ -S $SOCK ]] && alive "$(daemon_pid containerd)" || die "not running: run $0 start first"
  import_images "$@"
}

# ---------------------------------------------------------------------------------------------
# status

cmd_status() {
  if [[ ! -f $STATE_DIR/started ]]; then
    echo "cluster: not started"
    return 3
  fi
  echo "cluster: started $(cat "$STATE_DIR/started"); run dir $RUN_DIR"
  local name pid rss total=0 envok
  printf '  %-24s %8s %9s  %s\n' DAEMON PID RSS_MiB "AWS_EC2_METADATA_DISABLED / cgroup"
  for name in "${DAEMONS[@]}"; do
    pid=$(daemon_pid "$name") || pid=""
    if [[ -n $pid ]] && alive "$pid"; then
      rss=$(awk '/^VmRSS/ {print int($2 / 1024)}' "/proc/$pid/status")
      total=$((total + rss))
      # grep reads all (no -q): an early exit would fail tr with SIGPIPE under pipefail.
      envok=$(tr '\0' '\n' <"/proc/$pid/environ" | grep -x 'AWS_EC2_METADATA_DISABLED=true' >/dev/null && echo yes || echo NO)
      printf '  %-24s %8s %9s  %s / %s\n' "$name" "$pid" "$rss" "$envok" \
        "$(grep '^0::' "/proc/$pid/cgroup" | cut -d: -f3)"
    else
      printf '  %-24s %8s %9s\n' "$name" "${pid:-?}" "DOWN"
    fi
  done
  local top=0 all=0 n=0 p
  if [[ -d $CG2 ]]; then
    # shellcheck disable=SC2044 # PIDs
    for p in $(find "$CG2" -name cgroup.procs -exec cat {} +); do
      rss=$(awk '/^VmRSS/ {print int($2 / 1024)}' "/proc/$p/status" 2>/dev/null) || continue
      all=$((all + ${rss:-0}))
      n=$((n + 1))
    done
    for p in $(cat "$CG2/cgroup.procs"); do
      rss=$(awk '/^VmRSS/ {print int($2 / 1024)}' "/proc/$p/status" 2>/dev/null) || continue
      top=$((top + ${rss:-0}))
    done
  fi
  echo "memory (RSS): daemons $total MiB; with shims and helpers $top MiB; cgroup $CGROUP with pods: $n processes, $all MiB"
  if [[ -f $RUN_DIR/kubeconfig ]]; then
    echo "node: $(kc get node "$NODE_NAME" --no-headers 2>&1 | tr -s ' ')"
    echo "pods: $(kc get pods --all-namespaces --no-headers 2>/dev/null | wc -l) ($(kc get pods --all-namespaces --no-headers 2>/dev/null | awk '{print $4}' | sort | uniq -c | tr -s ' ' | paste -sd, -))"
  fi
  local counts sum
  counts=$(guard_counts)
  sum=$(awk '{s += $2} END {print s + 0}' <<<"$counts")
  echo "egress guard: $sum packets rejected or dropped"
  sed 's/^/  /' <<<"$counts"
  if ((sum > 0)); then
    echo "  last logged (dmesg):"
    dmesg 2>/dev/null | grep 'chatbot-node-guard: ' | tail -5 | sed 's/^/    /'
  fi
}

# ---------------------------------------------------------------------------------------------
# stop

still_mounted() {
  awk -v p="$1" '$5 == p || index($5, p "/") == 1 {found=1} END {exit !found}' /proc/self/mountinfo
}

unmount_under() {
  local prefix=$1 m
  # deepest first
  for m in $(awk -v p="$prefix" '$5 == p || index($5, p "/") == 1 {print $5}' /proc/self/mountinfo | sort -r); do
    umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || log "WARNING: cannot unmount $m"
  done
}

stop_daemon() {
  local name=$1 pid
  pid=$(daemon_pid "$name") || return 0
  if alive "$pid"; then
    local t0
    t0=$(now_ms)
    kill -TERM "$pid" 2>/dev/null || true
    local i
    for i in $(seq 1 75); do
      alive "$pid" || break
      sleep 0.2
    done
    if alive "$pid"; then
      log "$name (pid $pid) did not stop in 15 s: SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
    fi
    (($(now_ms) - t0 < 2000)) || log "$name took $(since "$t0") s to stop"
  fi
  rm -f "$RUN_DIR/pids/$name.pid"
}

# Deletes every pod while the kubelet still runs, so that it tears the sandboxes down (CNI DEL,
# network namespaces, mounts); controllers are stopped first so that nothing replaces them.
drain_node() {
  alive "$(daemon_pid kubelet)" && alive "$(daemon_pid kube-apiserver)" || return 0
  stop_daemon kube-controller-manager
  stop_daemon kube-scheduler
  kc delete pods --all-namespaces --all --grace-period=0 --force --wait=false >/dev/null 2>&1 || true
  local i
  for i in $(seq 1 100); do
    [[ -z $(ctr_ tasks ls -q 2>/dev/null) ]] && ! compgen -G '/run/netns/cni-*' >/dev/null && return 0
    sleep 0.2
  done
  log "WARNING: sandboxes left after 20 s: $(ctr_ tasks ls -q 2>/dev/null | paste -sd' ' -)"
}

remove_cgroups() {
  local h d
  for h in /sys/fs/cgroup/*/; do
    h=${h%/}
    [[ $h == "$CGROUP2_ROOT" ]] && continue
    for d in "$h/kubepods" "$h/$CGROUP"; do
      [[ -d $d ]] || continue
      grep -qxF "$d" "$STATE_DIR/before/paths" 2>/dev/null && continue
      find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null || log "WARNING: cannot remove cgroup $d"
    done
  done
  for d in "$CGROUP2_ROOT/kubepods" "$CG2"; do
    [[ -d $d ]] || continue
    find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null || log "WARNING: cannot remove cgroup $d"
  done
}

kill_cgroup_leftovers() {
  local f p left=""
  # shellcheck disable=SC2044 # cgroup paths have no spaces
  for f in $(find "$CG2" "$CGROUP2_ROOT/kubepods" /sys/fs/cgroup/pids/$CGROUP -name cgroup.procs 2>/dev/null); do
    for p in $(cat "$f" 2>/dev/null); do
      left+=" $p($(cat "/proc/$p/comm" 2>/dev/null))"
      kill -KILL "$p" 2>/dev/null || true
    done
  done
  [[ -z $left ]] || log "killed processes left in the cluster's cgroups:$left"
  local i
  for i in $(seq 1 50); do
    [[ -z $(find "$CG2" "$CGROUP2_ROOT/kubepods" /sys/fs/cgroup/pids/$CGROUP -name cgroup.procs -exec cat {} + 2>/dev/null) ]] && return 0
    sleep 0.1
  done
}

restore_iptables() {
  [[ -s $STATE_DIR/iptables.v4 ]] && iptables-restore -w <"$STATE_DIR/iptables.v4"
  [[ -s $STATE_DIR/iptables.v6 ]] && ip6tables-restore -w <"$STATE_DIR/iptables.v6"
  # Tables that did not exist before start (kubelet and kube-proxy create filter, nat, mangle).
  local fam_t
  while read -r _ fam_t; do
    # shellcheck disable=SC2086 # "<family> <name>"
    grep -qxF "table $fam_t" "$STATE_DIR/nft-tables" || nft delete table $fam_t
  done < <(nft list tables)
}

restore_sysctls() {
  local line k v
  [[ -f $STATE_DIR/sysctls ]] || return 0
  # ip_forward first: writing it resets every interface's forwarding setting.
  for line in $(grep '^net.ipv4.ip_forward=' "$STATE_DIR/sysctls") $(grep -v '^net.ipv4.ip_forward=' "$STATE_DIR/sysctls"); do
    k=${line%%=*}
    v=${line#*=}
    [[ $(cat "/proc/sys/${k//.//}") == "$v" ]] || echo "$v" >"/proc/sys/${k//.//}"
  done
}

cmd_stop() {
  need_root
  local t0 name
  t0=$(now_ms)
  if [[ ! -f $STATE_DIR/started ]]; then
    log "not started; nothing to stop"
    return 0
  fi
  local rejected
  rejected=$(guard_counts | awk '{s += $2} END {print s + 0}')
  drain_node
  local t1 t2
  t1=$(now_ms)
  for ((i = ${#DAEMONS[@]} - 1; i >= 0; i--)); do
    stop_daemon "${DAEMONS[i]}"
  done
  kill_cgroup_leftovers
  t2=$(now_ms)
  unmount_under "$RUN_DIR"
  local ns
  for ns in /run/netns/cni-*; do
    [[ -e $ns ]] || continue
    umount "$ns" 2>/dev/null || true
    rm -f "$ns"
  done
  unmount_under /run/containerd
  ip link del "$POD_BRIDGE" 2>/dev/null || true
  ip link del "$NODE_BRIDGE" 2>/dev/null || true
  ip route del unreachable "$ALLOWED_CIDR" 2>/dev/null || true
  # any veth left by a sandbox that was not torn down
  local veth
  for veth in $(ip -o link show type veth 2>/dev/null | awk -F': ' '{print $2}' | cut -d@ -f1); do
    grep -q "^${veth}[:@ ]" "$STATE_DIR/before/links" || ip link del "$veth" 2>/dev/null || true
  done
  restore_iptables
  restore_sysctls
  remove_cgroups
  local p
  for p in "${HOST_PATHS[@]}"; do
    if [[ -e $p || -L $p ]] && ! grep -qxF "$p" "$STATE_DIR/before/host-paths"; then
      still_mounted "$p" && unmount_under "$p"
      rm -rf "$p"
    fi
  done
  # Keep the logs; drop the state (and the kubeconfig: the E2E tests and the image profiles see the
  # cluster as down).
  if ! still_mounted "$RUN_DIR"; then
    find "$RUN_DIR" -mindepth 1 -maxdepth 1 ! -name logs -exec rm -rf {} +
  fi
  snapshot "$STATE_DIR/after"
  local rc=0
  if compare_snapshots "$STATE_DIR/before" "$STATE_DIR/after"; then
    log "machine restored: iptables, nftables, links, addresses, routes, mounts, sysctls and host paths equal the snapshot taken before start"
  else
    rc=1
    log "ERROR: the machine differs from before start (details above; snapshots in $STATE_DIR)"
  fi
  # Something in the cluster tried to reach beyond 127.0.0.0/8 and 198.18.0.0/15: a failure too.
  if ((rejected > 0)); then
    rc=1
    log "ERROR: the egress guard rejected $rejected packets during the run (see the daemons' logs in $RUN_DIR/logs)"
  else
    log "egress guard: 0 packets rejected during the run"
  fi
  rm -f "$STATE_DIR/started"
  log "stopped in $(since "$t0") s (pods $(since_between "$t0" "$t1") s, daemons $(since_between "$t1" "$t2") s, restore and check $(since "$t2") s)"
  return $rc
}

main() {
  case "${1:-}" in
    install) cmd_install ;;
    start) shift && cmd_start "$@" ;;
    load) shift && cmd_load "$@" ;;
    status) cmd_status ;;
    env) cmd_env ;;
    stop) cmd_stop ;;
    _dns-sync) cmd_dns_sync ;;
    *)
      sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
      return 2
      ;;
  esac
}

# One line: editing this file while a daemon (dns-sync) runs it must not break that daemon.
main "$@"; exit $?
