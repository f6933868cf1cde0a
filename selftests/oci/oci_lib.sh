# SPDX-License-Identifier: GPL-2.0
# oci_lib.sh - what the OCI suites share: a busybox bundle, runc beside kiste, verbs compared.
# shellcheck shell=bash
#
# Sourced by oci_*.sh after tap.sh, with $K (kiste) and $BB (busybox-static)
# set.  Sets tmp, KROOT, RROOT, B (the bundle) and RUNC (empty when runc
# cannot run here: the suites then hold kiste to runc's documented values),
# and removes every container and the folder on exit.
tmp=$(mktemp -d)
chmod 755 "$tmp"
KROOT="$tmp/kiste-root"
RROOT="$tmp/runc-root"
cleanup()
{
	for c in $("$K" --root "$KROOT" list -q 2>/dev/null); do
		"$K" --root "$KROOT" delete --force "$c" >/dev/null 2>&1
	done
	if [ -n "$RUNC" ]; then
		for c in $("$RUNC" --root "$RROOT" list -q 2>/dev/null); do
			"$RUNC" --root "$RROOT" delete --force "$c" >/dev/null 2>&1
		done
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT

# The rootfs: static busybox and its applets, nothing of the host's.
B="$tmp/bundle"
mkdir -p "$B/rootfs/bin" "$B/rootfs/proc" "$B/rootfs/dev" "$B/rootfs/sys" "$B/rootfs/tmp"
cp "$BB" "$B/rootfs/bin/busybox"
for a in sh sleep echo cat hostname pwd env true id; do ln -s busybox "$B/rootfs/bin/$a"; done

# config.json for ARGS (one shell command line), with runc's own defaults around it.
bundle_cfg()	# SHELL-COMMAND [HOSTNAME [EXTRA-JSON merged into the config]]
{
	python3 - "$B/config.json" "$1" "${2:-}" "${3:-}" <<'PY'
import json, sys
path, cmd, host, extra = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
c = {
    "ociVersion": "1.0.2-dev",
    "process": {"terminal": False, "user": {"uid": 0, "gid": 0},
                "args": ["sh", "-c", cmd],
                "env": ["PATH=/bin", "TERM=xterm"], "cwd": "/tmp",
                "noNewPrivileges": True},
    "root": {"path": "rootfs", "readonly": True},
    "mounts": [{"destination": "/proc", "type": "proc", "source": "proc"},
               {"destination": "/dev", "type": "tmpfs", "source": "tmpfs",
                "options": ["nosuid", "strictatime", "mode=755", "size=65536k"]}],
    "linux": {"namespaces": [{"type": t} for t in ("pid", "network", "ipc", "uts", "mount")],
              "resources": {"memory": {"limit": 268435456}, "pids": {"limit": 64}}},
}
if host:
    c["hostname"] = host
if extra:
    c.update(json.loads(extra))
json.dump(c, open(path, "w"), indent=1)
PY
}

RUNC=""
if command -v runc >/dev/null; then
	bundle_cfg "true"
	if runc --root "$RROOT" run --bundle "$B" probe >/dev/null 2>&1; then
		RUNC=$(command -v runc)
	else
		t_diag "runc cannot run a container here: comparing with runc's documented behaviour"
	fi
else
	t_diag "runc is not installed: comparing with runc's documented behaviour"
fi

# Runs a runtime verb with its output in a file: a container inherits it, so $(...) would wait.
# Each call writes a file of its own: a container made by create keeps that
# descriptor, and what it prints later must not land in another call's output.
rt()	# kiste|runc VERB ARGS...
{
	local which="$1" out
	shift
	out=$(mktemp "$tmp/out.XXXXXX")	# unique also when called in a $(...) subshell
	if [ "$which" = kiste ]; then
		"$K" --root "$KROOT" "$@" >"$out" 2>&1 </dev/null
	else
		"$RUNC" --root "$RROOT" "$@" >"$out" 2>&1 </dev/null
	fi
	T_RC=$?
	T_OUT=$(cat "$out")
}

status_of()	# kiste|runc ID: the status field, or "none"
{
	rt "$1" state "$2"
	[ "$T_RC" -eq 0 ] || { echo none; return; }
	printf '%s' "$T_OUT" | python3 -c 'import json,sys; print(json.load(sys.stdin)["status"])'
}

wait_status()	# kiste|runc ID STATUS: up to 5 s
{
	local i=0
	while [ $i -lt 50 ]; do
		[ "$(status_of "$1" "$2")" = "$3" ] && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

# step NAME WANT_RC [WANT_SUBSTR] -- VERB ARGS: kiste must exit WANT_RC, runc's documented
# status.  runc runs the same step when present; a runc that departs from the table is told
# (t_diag), not counted against kiste: under load runc's own pause failed once (exit 1, its
# freezer) while kiste gave the table's 0, and that failed the whole check.
step()
{
	local name="$1" want="$2" sub="$3"
	shift 4
	if [ -n "$RUNC" ]; then
		rt runc "$@"
		[ "$T_RC" -eq "$want" ] || t_diag "runc itself gave $T_RC for '$*' (table says $want)"
	fi
	rt kiste "$@"
	if [ "$T_RC" -ne "$want" ]; then
		fail "$name" "kiste exit $T_RC, runc's is $want: $T_OUT"
	elif [ -n "$sub" ] && [[ "$T_OUT" != *"$sub"* ]]; then
		fail "$name" "kiste's output lacks '$sub': $T_OUT"
	else
		ok "$name"
	fi
}

# status NAME ID WANT: the state's status field, kiste's and runc's.
check_status()
{
	local got rgot=""
	got=$(status_of kiste "$2")
	[ -n "$RUNC" ] && rgot=$(status_of runc "$2")
	if [ "$got" != "$3" ]; then
		fail "$1" "kiste says '$got', wanted '$3'"
	elif [ -n "$RUNC" ] && [ "$rgot" != "$got" ]; then
		fail "$1" "kiste says '$got', runc '$rgot'"
	else
		ok "$1"
	fi
}

