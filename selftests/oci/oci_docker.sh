#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# oci_docker.sh - dockerd (Debian's docker.io) runs kiste (shim mode) as a runtime, beside runc.
# kiste-suite: host oci_docker.sh
#
# A dockerd of the test's own: its daemon.json (bridge none, no iptables: without them
# dockerd rewrites the host's firewall), data and exec roots, pid file and socket below
# one temporary folder, runtimes.kiste naming this build's kiste, the vfs storage
# driver; the containerd it starts for itself lives there too.  The image is
# busybox-static imported with `docker import` (no registry).  Debian's /usr/bin/docker
# is used by its path: another docker in /usr/local/bin shadows it on these machines.
# Installs nothing (make deps installs docker.io).
# shellcheck disable=SC2016 # the containers' shells expand their own $VARs
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=selftests/lib/tap.sh
. "$here/tap.sh"
# shellcheck source=selftests/oci/engine_lib.sh
. "$here/engine_lib.sh"
K="${KISTE_BIN:-$here/../bin/kiste}"
K=$(cd "$(dirname "$K")" 2>/dev/null && pwd)/$(basename "$K")
BB=$(command -v busybox)
DOCKERD=/usr/sbin/dockerd
DOCKER=/usr/bin/docker
[ -x "$K" ] || bail "no kiste at $K: build it first"
[ "$(id -u)" -eq 0 ] || skip_all "dockerd needs root (run the suite as root)"
{ [ -x "$DOCKERD" ] && [ -x "$DOCKER" ]; } || skip_all "docker.io is not installed (make deps)"
if [ -z "$BB" ] || ldd "$BB" >/dev/null 2>&1; then
	skip_all "busybox-static is not installed (make deps)"
fi

tmp=$(mktemp -d) || bail "cannot make a temporary folder"
[ -d "$tmp" ] || bail "cannot make a temporary folder"
chmod 755 "$tmp"
D() { "$DOCKER" -H "unix://$tmp/docker.sock" "$@"; }
cleanup()
{
	local n=0 left

	left=$(D ps -aq 2>/dev/null)
	# shellcheck disable=SC2086 # one id a word
	[ -n "$left" ] && D rm -f $left >/dev/null 2>&1
	if [ -s "$tmp/docker.pid" ]; then
		kill "$(cat "$tmp/docker.pid")" 2>/dev/null
		while [ $n -lt 100 ] && [ -e "$tmp/docker.pid" ]; do
			sleep 0.1
			n=$((n + 1))
		done
	fi
	umount -R "$tmp/data" 2>/dev/null
	umount -R "$tmp/exec" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

printf '%s\n' '{' '  "bridge": "none",' '  "iptables": false,' '  "ip6tables": false,' \
	"  \"data-root\": \"$tmp/data\"," "  \"exec-root\": \"$tmp/exec\"," \
	"  \"pidfile\": \"$tmp/docker.pid\"," "  \"hosts\": [\"unix://$tmp/docker.sock\"]," \
	"  \"runtimes\": { \"kiste\": { \"path\": \"$K\" } }," '  "storage-driver": "vfs",' \
	'  "containerd-namespace": "kiste-docker-test",' \
	'  "containerd-plugins-namespace": "kiste-docker-test-plugins"' '}' >"$tmp/daemon.json"
"$DOCKERD" --config-file "$tmp/daemon.json" >"$tmp/dockerd.log" 2>&1 &
n=0
while [ $n -lt 150 ] && ! D version >/dev/null 2>&1; do
	sleep 0.2
	n=$((n + 1))
done
D version >/dev/null 2>&1 || bail "dockerd did not start: $(tail -3 "$tmp/dockerd.log")"

mkdir -p "$tmp/rootfs/bin" "$tmp/rootfs/etc" "$tmp/vol"
cp "$BB" "$tmp/rootfs/bin/busybox"
for a in sh echo cat ls true id sleep env hostname wc; do
	ln -s busybox "$tmp/rootfs/bin/$a"
done
echo "root:x:0:0:root:/:/bin/sh" >"$tmp/rootfs/etc/passwd"
echo "from the host" >"$tmp/vol/note"
IMG=local/kiste-busybox:test
tar -C "$tmp/rootfs" -c . | D import -c 'ENV PATH=/bin' - "$IMG" >/dev/null 2>&1 ||
	bail "docker import failed"

# One container with --runtime kiste or runc, removed after (engine_lib.sh compares).
engine_run()	# kiste|runc DOCKER-RUN-ARGS... -- CMD...
{
	local rt="$1"

	shift
	engine_split "$@"
	timeout 120 "$DOCKER" -H "unix://$tmp/docker.sock" run --rm --runtime "$rt" --network none \
		"${E_ARGS[@]}" "$IMG" "${E_CMD[@]}"
}
both() { engine_both "$@"; }

both "docker run --runtime kiste --rm echo" -- /bin/echo hello from a container
both "an exit status passes through" -- /bin/sh -c 'exit 7'
both "-e reaches the process" -e KISTE_T=42 -- /bin/sh -c 'echo $KISTE_T'
both "--workdir" --workdir /etc -- /bin/sh -c 'pwd'
both "-v DIR:/x:ro is readable" -v "$tmp/vol:/x:ro" -- /bin/cat /x/note
both "-v DIR:/x:ro refuses writes" -v "$tmp/vol:/x:ro" -- \
	/bin/sh -c '(echo y >/x/new) 2>/dev/null; echo $?'
both "--hostname" --hostname kistebox -- /bin/hostname

# A missing command: docker's 127, from the create's error, as with runc.
k_rc=$(timeout 120 "$DOCKER" -H "unix://$tmp/docker.sock" run --rm --runtime kiste --network none \
	"$IMG" /no/such/command >/dev/null 2>&1 </dev/null; echo $?)
[ "$k_rc" = 127 ]
result $? "a missing command is docker's 127" "exit $k_rc"

# Detached: run -d, ps, stop, rm.  sleep is the container's pid 1 and has no TERM
# handler, so stop's TERM is ignored, as under runc, and its KILL after -t ends it: 137.
id=$(D run -d --runtime kiste --network none "$IMG" /bin/sleep 60 2>&1)
listed=$(D ps -q --no-trunc | grep -c "^$id$")
D stop -t 2 "$id" >/dev/null 2>&1
code=$(D inspect -f '{{.State.ExitCode}}' "$id" 2>&1)
D rm "$id" >/dev/null 2>&1
[ "$listed" = 1 ] && [ "$code" = 137 ] && [ -z "$(D ps -aq)" ]
result $? "run -d, ps, stop (TERM ignored by pid 1, then KILL: 137), rm" \
	"listed $listed, exit code '$code', left: $(D ps -aq)"
# ... and stop's TERM reaches a process that handles it: its status, 7.
id=$(D run -d --runtime kiste --network none "$IMG" /bin/sh -c \
	'trap "exit 7" TERM; echo ready; while :; do sleep 0.2; done' 2>&1)
n=0
while [ $n -lt 100 ] && [ "$(D logs "$id" 2>&1)" != ready ]; do sleep 0.1; n=$((n + 1)); done
D stop -t 20 "$id" >/dev/null 2>&1
code=$(D inspect -f '{{.State.ExitCode}}' "$id" 2>&1)
D rm "$id" >/dev/null 2>&1
[ "$code" = 7 ]
result $? "stop of a process that traps TERM: its status (7)" "exit code '$code'"
t_done
