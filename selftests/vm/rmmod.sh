#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# rmmod.sh - TAP suite run in the test VM last: a live sandbox pins kiste.ko; deleting it frees it.

# shellcheck source=selftests/lib/tap.sh
. "$(dirname "$0")/tap.sh"

KISTE_KO="${KISTE_KO:-/lib/modules/kiste/kiste.ko}"
NAME=rmmod-pin

in_use()
{
	[ -d /sys/module/kiste ] && [ "$(cat /sys/module/kiste/refcnt 2>/dev/null)" -gt 0 ]
}

[ -d /sys/module/kiste ] || bail "kiste.ko is not loaded"

if command -v kiste >/dev/null 2>&1; then
	# Earlier suites must clean up after themselves; delete what they left so
	# the pinning checks below still mean something.  A list that fails to
	# run shows nothing left either: its status counts.
	run kiste sandbox list
	left=$(printf '%s\n' "$T_OUT" | awk 'NR > 1 && $1 ~ /^[0-9]+$/ { print $1 }')
	if [ "$T_RC" -ne 0 ]; then
		fail "earlier suites left no sandbox behind" "kiste sandbox list failed (exit $T_RC): $T_OUT"
	elif [ -n "$left" ]; then
		fail "earlier suites left no sandbox behind" "left behind: $T_OUT"
		for id in $left; do
			kiste sandbox delete "$id" >/dev/null 2>&1
		done
	else
		ok "earlier suites left no sandbox behind"
	fi
	expect "kiste sandbox create --mode shim --name $NAME" 0 "" kiste sandbox create --mode shim --name "$NAME"
	out=$(rmmod kiste 2>&1)
	rc=$?
	[ "$rc" -ne 0 ]
	result $? "rmmod fails while a sandbox exists" "rmmod exit $rc: $out"
	in_use
	result $? "kiste.ko still loaded and in use" "refcnt $(cat /sys/module/kiste/refcnt 2>&1)"
	expect "kiste sandbox delete $NAME" 0 "" kiste sandbox delete "$NAME"
else
	why="/bin/kiste is not in the VM image (build userspace first)"
	skip "earlier suites left no sandbox behind" "$why"
	skip "kiste sandbox create" "$why"
	skip "rmmod fails while a sandbox exists" "$why"
	skip "kiste.ko still loaded and in use" "$why"
	skip "kiste sandbox delete" "$why"
fi

# The sandbox is unlinked once its members are gone; it had none, but allow a moment.
i=0
while :; do
	out=$(rmmod kiste 2>&1) && break
	i=$((i + 1))
	[ $i -ge 50 ] && break
	sleep 0.1
done
echo "# rmmod after delete: ${out:-ok}"
why=""
if [ -d /sys/module/kiste ]; then
	why="still loaded: refcnt $(cat /sys/module/kiste/refcnt)"
	command -v kiste >/dev/null 2>&1 && why="$why; $({ kiste sandbox list; kiste stats; } 2>&1)"
fi
[ ! -d /sys/module/kiste ]
result $? "rmmod succeeds once no sandbox is left" "$why"

expect "insmod again" 0 "" insmod "$KISTE_KO"
t_done
