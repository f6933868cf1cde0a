#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# oci-bench.sh - issue 13's benchmark: kiste as an OCI runtime beside runc, the verbs alone and under podman.
#
# Usage (as root, from a built tree): selftests/bench/oci-bench.sh [REPEATS]
# (or `make bench-oci`).  Each round runs every configuration once, in turn, so
# load from elsewhere falls on all of them alike; the figures are medians over
# REPEATS rounds (default 7), in ms, and their ratios to runc's:
#   - the OCI verbs on one busybox bundle: `run` (create, start, wait, delete) of
#     `true`, kiste in shim mode and in unikernel mode (kiste-uk-cc's hello) vs runc;
#   - `podman run --rm IMAGE true` with --runtime kiste (shim; unikernel: the hello
#     image) vs --runtime runc, podman's configuration of its own (podman_lib.sh).
# vm mode's container boots a Linux guest, which these hosts' KVM cannot: it is not
# measured here (vmmode_run.sh runs its verbs in the test VM).  Installs runc, podman,
# conmon and busybox-static if missing.  A benchmark, not a test.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
top="$(cd "$here/../.." && pwd)"
K="${KISTE:-$top/build/bin/kiste}"
reps="${1:-7}"
if [ "$reps" -lt 1 ] || [ "$reps" -gt 101 ]; then
	echo "oci-bench: REPEATS 1..101" >&2
	exit 2
fi
[ "$(id -u)" = 0 ] || { echo "oci-bench: run as root (runc and rootful podman need it)" >&2; exit 2; }
[ -x "$K" ] || { echo "oci-bench: no $K: run make first" >&2; exit 2; }
UKHELLO="$top/build/unikernel/hello"
[ -x "$UKHELLO" ] || { echo "oci-bench: no $UKHELLO: run make first" >&2; exit 2; }

missing=()
for p in runc podman conmon busybox-static; do
	dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null | grep -qx installed || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	apt-get update >/dev/null
	DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null
fi
BB=$(command -v busybox)
RUNC=$(command -v runc)

# podman_lib.sh's pieces use tap.sh's bail; the benchmark prints no TAP of its own.
bail() { echo "oci-bench: $*" >&2; exit 1; }
# shellcheck source=selftests/oci/podman_lib.sh
. "$top/selftests/oci/podman_lib.sh"
KR="$tmp/kiste-root" RR="$tmp/runc-root"

# The bundle: the image's tree, config.json from kiste spec with `true` (its own
# defaults, as runc spec's), a copy with the unikernel annotation running /hello.
B="$tmp/bundle"
mkdir -p "$B" "$tmp/ukbundle/rootfs"
cp -a "$tmp/img" "$B/rootfs"
(cd "$B" && "$K" spec)
cp "$UKHELLO" "$tmp/ukbundle/rootfs/hello"
python3 - "$B/config.json" "$tmp/ukbundle/config.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c["process"]["args"] = ["true"]
c["process"]["terminal"] = False
c["root"]["readonly"] = True
json.dump(c, open(sys.argv[1], "w"))
c["process"]["args"] = ["/hello"]
c["annotations"] = {"org.kiste.mode": "unikernel"}
json.dump(c, open(sys.argv[2], "w"))
PY
UKIMG=localhost/kiste-uk:bench
tar -C "$tmp/ukbundle/rootfs" -c . | podman import - "$UKIMG" >/dev/null 2>&1

# Runs CMD... once; its wall time in microseconds into FILE (a failed run stops the benchmark).
timed()	# FILE CMD...
{
	local f="$1" s e
	shift
	s=$(date +%s%N)
	if ! "$@" >"$tmp/last.out" 2>&1 </dev/null; then
		echo "oci-bench: failed: $* ($(tail -3 "$tmp/last.out"))" >&2
		exit 1
	fi
	e=$(date +%s%N)
	echo $(((e - s) / 1000)) >>"$f"
}

median_ms()	# FILE
{
	sort -g "$1" | awk '{ v[NR] = $1 } END { m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%.1f\n", m / 1000 }'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

names=(verbs-kiste-shim verbs-kiste-uk verbs-runc podman-kiste-shim podman-kiste-uk podman-runc)
for ((i = 0; i < reps; i++)); do
	timed "$tmp/verbs-kiste-shim" "$K" --root "$KR" run --bundle "$B" "ks$i"
	timed "$tmp/verbs-kiste-uk" "$K" --root "$KR" run --bundle "$tmp/ukbundle" "ku$i"
	timed "$tmp/verbs-runc" "$RUNC" --root "$RR" run --bundle "$B" "r$i"
	timed "$tmp/podman-kiste-shim" podman --runtime "$K" run --rm "$IMG" true
	timed "$tmp/podman-kiste-uk" podman --runtime "$K" run --rm \
		--annotation org.kiste.mode=unikernel "$UKIMG" /hello
	timed "$tmp/podman-runc" podman --runtime "$RUNC" run --rm "$IMG" true
done
declare -A m
for n in "${names[@]}"; do m[$n]=$(median_ms "$tmp/$n"); done
echo "== OCI runtime (medians of $reps rounds, ms; ratio to runc)"
printf '%-38s %8s %8s\n' "" "ms" "x runc"
printf '%-38s %8s %8s\n' "run (create+start+delete), shim" "${m[verbs-kiste-shim]}" \
	"$(ratio "${m[verbs-kiste-shim]}" "${m[verbs-runc]}")"
printf '%-38s %8s %8s\n' "run (create+start+delete), unikernel" "${m[verbs-kiste-uk]}" \
	"$(ratio "${m[verbs-kiste-uk]}" "${m[verbs-runc]}")"
printf '%-38s %8s %8s\n' "run (create+start+delete), runc" "${m[verbs-runc]}" "1.00"
printf '%-38s %8s %8s\n' "podman run --rm, kiste shim" "${m[podman-kiste-shim]}" \
	"$(ratio "${m[podman-kiste-shim]}" "${m[podman-runc]}")"
printf '%-38s %8s %8s\n' "podman run --rm, kiste unikernel" "${m[podman-kiste-uk]}" \
	"$(ratio "${m[podman-kiste-uk]}" "${m[podman-runc]}")"
printf '%-38s %8s %8s\n' "podman run --rm, runc" "${m[podman-runc]}" "1.00"
