#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# oci_containerd.sh - containerd's runc v2 shim drives kiste (shim mode) beside runc: ctr run, tasks.
# kiste-suite: host oci_containerd.sh
#
# A containerd of the test's own (its config, root, state and socket below one
# temporary folder; the namespace kiste-test), an OCI image made here from
# busybox-static (no registry), and each case run with --runc-binary kiste and
# --runc-binary runc: same output and exit status.  The runc v2 shim keeps its
# runtime state under /run/containerd/runc/kiste-test, removed at the end.
# Installs nothing (make deps installs containerd).
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=selftests/lib/tap.sh
. "$here/tap.sh"
# shellcheck source=selftests/oci/engine_lib.sh
. "$here/engine_lib.sh"
K="${KISTE_BIN:-$here/../bin/kiste}"
K=$(cd "$(dirname "$K")" 2>/dev/null && pwd)/$(basename "$K")
BB=$(command -v busybox)
NS=kiste-test
IMG=docker.io/local/kiste-busybox:test
[ -x "$K" ] || bail "no kiste at $K: build it first"
[ "$(id -u)" -eq 0 ] || skip_all "containerd needs root (run the suite as root)"
for c in containerd ctr containerd-shim-runc-v2 runc python3; do
	command -v "$c" >/dev/null || skip_all "$c is not installed (make deps installs containerd)"
done
if [ -z "$BB" ] || ldd "$BB" >/dev/null 2>&1; then
	skip_all "busybox-static is not installed (make deps)"
fi

tmp=$(mktemp -d)
chmod 755 "$tmp"
SOCK="$tmp/containerd.sock"
C() { ctr --address "$SOCK" -n "$NS" "$@"; }
cleanup()
{
	local t

	for t in $(C task ls -q 2>/dev/null); do
		C task kill -s KILL "$t" >/dev/null 2>&1
		C task delete -f "$t" >/dev/null 2>&1
	done
	for t in $(C container ls -q 2>/dev/null); do
		C container delete "$t" >/dev/null 2>&1
	done
	[ -n "${CTD:-}" ] && kill "$CTD" 2>/dev/null && wait "$CTD" 2>/dev/null
	rm -rf "$tmp" "/run/containerd/runc/$NS" "/run/containerd/io.containerd.runtime.v2.task/$NS"
}
trap cleanup EXIT

cat >"$tmp/config.toml" <<EOF
version = 2
root = "$tmp/root"
state = "$tmp/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "$SOCK"
EOF
containerd --config "$tmp/config.toml" >"$tmp/containerd.log" 2>&1 &
CTD=$!
n=0
while [ $n -lt 100 ] && ! ctr --address "$SOCK" version >/dev/null 2>&1; do
	sleep 0.1
	n=$((n + 1))
done
ctr --address "$SOCK" version >/dev/null 2>&1 || bail "containerd did not start: $(tail -3 "$tmp/containerd.log")"

# The image: an OCI archive of busybox-static and its applets, made here.
mkdir -p "$tmp/rootfs/bin" "$tmp/rootfs/etc"
cp "$BB" "$tmp/rootfs/bin/busybox"
for a in sh echo cat ls true id sleep env tty; do
	ln -s busybox "$tmp/rootfs/bin/$a"
done
echo "root:x:0:0:root:/:/bin/sh" >"$tmp/rootfs/etc/passwd"
python3 - "$tmp/rootfs" "$tmp/image.tar" "$IMG" <<'EOF' || bail "cannot make the image"
import hashlib, io, json, sys, tarfile
rootfs, out, ref = sys.argv[1:4]
layer = io.BytesIO()
with tarfile.open(fileobj=layer, mode="w") as t:
    t.add(rootfs, arcname=".")
blobs = [layer.getvalue()]
ld = hashlib.sha256(blobs[0]).hexdigest()
cfg = {"architecture": "amd64", "os": "linux", "config": {"Env": ["PATH=/bin"]},
       "rootfs": {"type": "layers", "diff_ids": ["sha256:" + ld]}}
blobs.append(json.dumps(cfg).encode())
cd = hashlib.sha256(blobs[1]).hexdigest()
man = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
       "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                  "digest": "sha256:" + cd, "size": len(blobs[1])},
       "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar",
                   "digest": "sha256:" + ld, "size": len(blobs[0])}]}
blobs.append(json.dumps(man).encode())
md = hashlib.sha256(blobs[2]).hexdigest()
idx = {"schemaVersion": 2, "manifests": [{
    "mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": "sha256:" + md,
    "size": len(blobs[2]), "annotations": {"org.opencontainers.image.ref.name": ref}}]}
with tarfile.open(out, "w") as t:
    def add(name, data):
        ti = tarfile.TarInfo(name)
        ti.size = len(data)
        t.addfile(ti, io.BytesIO(data))
    add("oci-layout", json.dumps({"imageLayoutVersion": "1.0.0"}).encode())
    add("index.json", json.dumps(idx).encode())
    for b in blobs:
        add("blobs/sha256/" + hashlib.sha256(b).hexdigest(), b)
EOF
C image import "$tmp/image.tar" >"$tmp/import.log" 2>&1 || bail "ctr image import failed: $(tail -2 "$tmp/import.log")"

# One container with --runc-binary kiste or runc, removed after (engine_lib.sh compares).
N=0
engine_run()	# kiste|runc CTR-RUN-ARGS... -- CMD...
{
	local bin="$K" id

	[ "$1" = runc ] && bin=$(command -v runc)
	id="${1:0:1}$N"
	shift
	engine_split "$@"
	timeout 120 ctr --address "$SOCK" -n "$NS" run --rm --runc-binary "$bin" "${E_ARGS[@]}" \
		"$IMG" "$id" "${E_CMD[@]}"
}
both() { N=$((N + 1)); engine_both "$@"; }

both "ctr run --rm echo" -- /bin/echo hello from a container
both "an exit status passes through" -- /bin/sh -c 'exit 7'
# shellcheck disable=SC2016 # the container's shell expands it
both "--env reaches the process" --env KISTE_T=42 -- /bin/sh -c 'echo $KISTE_T'
both "the process is root of the container" -- /bin/id -u
# A missing command fails the create, as runc's does (the message differs: not compared).
k_out=$(timeout 120 ctr --address "$SOCK" -n "$NS" run --rm --runc-binary "$K" "$IMG" km \
	/no/such/command 2>&1 </dev/null)
k_rc=$?
[ "$k_rc" = 1 ] && case "$k_out" in *"create"*"no such file or directory"*) true ;; *) false ;; esac
result $? "a missing command fails the create, as runc's (ctr exit 1)" "exit $k_rc: $k_out"

# Detached: a task that runs, is listed, survives TERM (sleep, its pid 1, has no handler:
# as under runc), is killed (KILL) and deleted.
status()	# TASK: its STATUS column in ctr task ls
{
	C task ls 2>/dev/null | awk -v t="$1" '$1 == t { print $3 }'
}
C run -d --runc-binary "$K" "$IMG" kd /bin/sleep 60 >/dev/null 2>&1
running=$(status kd)
C task kill kd >/dev/null 2>&1
sleep 1
after_term=$(status kd)
C task kill -s KILL kd >/dev/null 2>&1
n=0
while [ $n -lt 100 ] && [ "$(status kd)" != STOPPED ]; do
	sleep 0.1
	n=$((n + 1))
done
stopped=$(status kd)
C task delete kd >/dev/null 2>&1
C container delete kd >/dev/null 2>&1
[ "$running" = RUNNING ] && [ "$after_term" = RUNNING ] && [ "$stopped" = STOPPED ] &&
	[ -z "$(status kd)" ]
result $? "run -d, task ls, task kill (TERM ignored by pid 1), kill -s KILL, task delete" \
	"running '$running', after TERM '$after_term', after KILL '$stopped'"

# configs/runtime's wrapper beside kiste: the mode it names, for engines that name a binary.
mkdir -p "$tmp/bin"
cp "$K" "$tmp/bin/kiste"
install -m 755 "$here/kiste-runtime-shim.helper" "$tmp/bin/kiste-runtime-shim"
out=$(timeout 120 ctr --address "$SOCK" -n "$NS" run --rm --runc-binary "$tmp/bin/kiste-runtime-shim" \
	"$IMG" kw /bin/echo through the wrapper 2>&1 </dev/null)
[ "$out" = "through the wrapper" ]
result $? "configs/runtime/kiste-runtime-shim as the runc binary" "$out"

# configs/containerd/kiste.toml as an administrator merges it (imports): containerd's own
# parser reads a runtime per mode, each the runc v2 shim with its wrapper as BinaryName
# and the mode annotation passed through, under the CRI plugin where RuntimeClasses look.
printf 'version = 2\nimports = ["%s"]\n' "$here/containerd-kiste.toml.helper" >"$tmp/merged.toml"
dump=$(containerd --config "$tmp/merged.toml" config dump 2>&1)
n=0
for m in shim vm unikernel; do
	printf '%s\n' "$dump" | awk -v m="$m" '
		$0 ~ "^ *\\[plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.kiste-" m "\\]" { in_rt = 1; next }
		in_rt && /^ *\[plugins/ && $0 !~ "kiste-" m "\\.options\\]" { in_rt = 0 }
		in_rt && /runtime_type = "io.containerd.runc.v2"/ { t = 1 }
		in_rt && /pod_annotations = \["org.kiste.mode"\]/ { a = 1 }
		in_rt && $0 ~ "BinaryName = \"/usr/local/bin/kiste-runtime-" m "\"" { b = 1 }
		END { exit !(t && a && b) }' && n=$((n + 1))
done
[ "$n" = 3 ]
result $? "containerd parses configs/containerd/kiste.toml: three runtimes, runc v2 shim, wrappers" \
	"$(printf '%s\n' "$dump" | grep -A14 'runtimes.kiste-' | head -50)"

left=$(ls "/run/containerd/runc/$NS" 2>/dev/null)
[ -z "$left" ] && [ -z "$(C task ls -q 2>/dev/null)" ]
result $? "nothing is left behind (no task, no runtime state)" "left: $left"
t_done
