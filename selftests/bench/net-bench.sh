#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# net-bench.sh - issue 12's network benchmark: a server inside shim mode with --network pasta vs native and vs rootless podman (slirp4netns).
#
# Usage (as root, from a built tree): selftests/bench/net-bench.sh [REPEATS]
# Each round runs every configuration once, in turn, so load from elsewhere falls
# on all of them alike; the figures are medians over REPEATS rounds (default 3):
#   - TCP stream throughput: iperf3 -s inside, iperf3 -c from the host to the
#     published port on 127.0.0.1 (5 s per run);
#   - HTTP requests/s: busybox httpd inside serving a 4 KiB file, ab from the host
#     (2000 requests, 4 at a time, no keep-alive: a connection per request).
# Configurations: native (the servers on the host's loopback), kiste shim mode
# `--network pasta -p`, and podman rootless with Debian podman 4.3's default network
# (slirp4netns, ports by rootlesskit; podman 4.3 has no pasta network), all on the
# same rootfs.  vm mode's card runs only in the nested test VM and the unikernel has no
# TCP server: neither is measured here.  Traffic stays on 127.0.0.1.
# Installs iperf3, apache2-utils (ab), slirp4netns and busybox-static if missing.
# A benchmark, not a test.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
top="$(cd "$here/../.." && pwd)"
K="${KISTE:-$top/build/bin/kiste}"
reps="${1:-3}"
if [ "$reps" -lt 1 ] || [ "$reps" -gt 21 ]; then
	echo "net-bench: REPEATS 1..21" >&2
	exit 2
fi
[ "$(id -u)" = 0 ] || { echo "net-bench: run as root (it makes a user for rootless podman)" >&2; exit 2; }
[ -x "$K" ] || { echo "net-bench: no $K: run make first" >&2; exit 2; }

missing=()
for p in iperf3 apache2-utils slirp4netns busybox-static podman passt uidmap; do
	dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null | grep -qx installed || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	apt-get update >/dev/null
	DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null
fi

tmp=$(mktemp -d)
user="kistenb$$"
cleanup()
{
	pkill -KILL -u "$user" 2>/dev/null || true
	userdel "$user" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT
chmod 755 "$tmp"

# One rootfs for all: busybox (httpd, sh) and iperf3 with the libraries it loads.
root="$tmp/root"
mkdir -p "$root/bin" "$root/www" "$root/tmp" "$root/etc" "$root/dev"
cp /bin/busybox "$root/bin/busybox"
for a in sh httpd; do ln -s busybox "$root/bin/$a"; done
cp "$(command -v iperf3)" "$root/bin/iperf3"
for lib in $(ldd "$(command -v iperf3)" | awk '/=> \// { print $3 } /^\t\/lib64/ { print $1 }'); do
	mkdir -p "$root$(dirname "$lib")"
	cp -L "$lib" "$root$lib"
done
head -c 4096 /dev/urandom | base64 -w 0 | head -c 4096 >"$root/www/index.html"
chmod -R a+rX "$root"
chmod 1777 "$root/tmp"

# Rootless podman: an ordinary user with a subordinate range, the image imported as that user.
useradd -M -d "$tmp/home" -s /bin/sh "$user"
mkdir -p "$tmp/home" "$tmp/run"
chown "$user:" "$tmp/home" "$tmp/run"
chmod 700 "$tmp/run"
usermod --add-subuids 3300000-3365535 --add-subgids 3300000-3365535 "$user"
pm()	# ARGS...: podman as the user
{
	(cd / && setpriv --reuid "$user" --regid "$user" --init-groups \
		env -i HOME="$tmp/home" USER="$user" XDG_RUNTIME_DIR="$tmp/run" \
		PATH=/usr/sbin:/usr/bin:/sbin:/bin podman --cgroup-manager=cgroupfs \
		--events-backend=file "$@")
}
tar -C "$root" -cf "$tmp/img.tar" .
chmod 644 "$tmp/img.tar"
pm import "$tmp/img.tar" localhost/netbench:1 >/dev/null

median()	# numbers on stdin
{
	sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# Starts server CMD (inside RUNS' configuration) published on 127.0.0.1:PORT; its pid in srv.
start()	# CONFIG PORT INNER-PORT CMD...
{
	local cfg="$1" port="$2" inner="$3"
	shift 3
	case $cfg in
	native)	# the same binaries from the rootfs, its paths made host paths
		case $1 in
		/bin/iperf3) "$root/bin/iperf3" "${@:2}" </dev/null >/dev/null 2>&1 & ;;
		/bin/httpd) "$root/bin/busybox" httpd -f -p "$inner" -h "$root/www" \
			</dev/null >/dev/null 2>&1 & ;;
		esac ;;
	kiste)
		# iperf3's server keeps its buffer in a file under /tmp, writable as in podman.
		"$K" run --mode=shim --rootfs "$root" --tmpfs /tmp --network pasta \
			-p "127.0.0.1:$port:$inner/tcp" -- "$@" </dev/null >/dev/null 2>"$tmp/kiste.err" & ;;
	podman-slirp4netns)
		pm run --rm --network slirp4netns -p "127.0.0.1:$port:$inner" \
			localhost/netbench:1 "$@" </dev/null >/dev/null 2>"$tmp/podman.err" & ;;
	esac
	srv=$!
}

stop()	# the server of the last start (podman's through podman: its client waits for it)
{
	pm kill -a >/dev/null 2>&1 || true
	kill "$srv" 2>/dev/null || true
	wait "$srv" 2>/dev/null || true
	pm rm -af >/dev/null 2>&1 || true
	rm -f "$tmp/podman.err" "$tmp/kiste.err"
}

# A failed run's reason, from what the server's runtime said last.
failed()	# CONFIG TEST
{
	local f
	for f in "$tmp/podman.err" "$tmp/kiste.err"; do
		[ ! -s "$f" ] || echo "# $1, $2 failed: $(tail -n 1 "$f")" >>"$tmp/notes"
	done
	echo fail
}

# A published port may take connections before the server inside listens (pasta and
# rootlesskit listen on the host at once): each client is retried until it succeeds,
# every 0.2 s for 30 s at most.
retry()	# CMD...
{
	local i
	for ((i = 0; i < 150; i++)); do
		"$@" && return 0
		kill -0 "$srv" 2>/dev/null || return 1
		sleep 0.2
	done
	return 1
}

iperf_client()	# PORT: one 5 s run's JSON on stdout
{
	iperf3 -c 127.0.0.1 -p "$1" -t 5 -J 2>/dev/null | tee "$tmp/iperf.json" |
		python3 -c 'import json,sys; d=json.load(sys.stdin); sys.exit("end" not in d or "sum_received" not in d["end"])'
}

# Mbit/s of one 5 s iperf3 run against CONFIG, or "fail".
iperf()	# CONFIG
{
	local port=15201 inner=5201
	[ "$1" = native ] && inner=$port
	start "$1" "$port" "$inner" /bin/iperf3 -s -p "$inner"
	if retry iperf_client "$port"; then
		python3 -c 'import json,sys; print("%.0f" % (json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"] / 1e6))' <"$tmp/iperf.json"
	else
		failed "$1" iperf3
	fi
	stop
}

# HTTP requests/s of ab against CONFIG, or "fail".
http()	# CONFIG
{
	local port=18088 inner=8080 out url
	[ "$1" = native ] && inner=$port
	url="http://127.0.0.1:$port/index.html"
	start "$1" "$port" "$inner" /bin/httpd -f -p "$inner" -h /www
	if retry curl -sf -o /dev/null "$url" && out=$(ab -q -n 2000 -c 4 "$url" 2>/dev/null) &&
	   printf '%s' "$out" | grep -q '^Failed requests: *0$'; then
		printf '%s\n' "$out" | awk '/^Requests per second:/ { printf "%.0f\n", $4 }'
	else
		failed "$1" HTTP
	fi
	stop
}

configs=(native kiste podman-slirp4netns)
declare -A tput rps
for ((r = 0; r < reps; r++)); do
	for c in "${configs[@]}"; do
		tput[$c]+="$(iperf "$c") "
		rps[$c]+="$(http "$c") "
	done
done

med()	# "VALUES": the median of those that are numbers, or "fail"
{
	local v
	v=$(tr ' ' '\n' <<<"$1" | grep -E '^[0-9.]+$' || true)
	[ -n "$v" ] && printf '%s\n' "$v" | median || echo fail
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b + 0 > 0 && a + 0 > 0) printf "%.2f", a / b; else print "-" }'; }

echo "# net-bench: $reps rounds, load $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) CPUs"
printf '%-20s %14s %8s %12s %8s  %s\n' config "iperf3 Mbit/s" "vs nat" "HTTP req/s" "vs nat" "runs (Mbit/s; req/s)"
tn=$(med "${tput[native]}")
hn=$(med "${rps[native]}")
for c in "${configs[@]}"; do
	t=$(med "${tput[$c]}")
	h=$(med "${rps[$c]}")
	printf '%-20s %14s %8s %12s %8s  %s; %s\n' "$c" "$t" "$(ratio "$t" "$tn")" "$h" \
		"$(ratio "$h" "$hn")" "${tput[$c]% }" "${rps[$c]% }"
done
t=$(med "${tput[kiste]}")
s=$(med "${tput[podman-slirp4netns]}")
h=$(med "${rps[kiste]}")
hs=$(med "${rps[podman-slirp4netns]}")
[ ! -s "$tmp/notes" ] || sort -u "$tmp/notes"
echo "# kiste shim + pasta vs podman rootless + slirp4netns: throughput $(ratio "$t" "$s")x, requests/s $(ratio "$h" "$hs")x"
