#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# rmmod.sh - TAP suite run in the test VM last: a live sandbox pins kiste.ko; deleting it frees it.

KISTE_KO="${KISTE_KO:-/lib/modules/kiste/kiste.ko}"
NAME=rmmod-pin
n=0
failed=0

ok()
{
	n=$((n + 1))
	echo "ok $n $*"
}

not_ok()
{
	n=$((n + 1))
	echo "not ok $n $*"
	failed=1
}

# Runs a command, its output as TAP comments, and records one result.
check()
{
	desc="$1"
	shift
	out=$("$@" 2>&1)
	rc=$?
	[ -n "$out" ] && printf '%s\n' "$out" | sed 's/^/# /'
	if [ $rc -eq 0 ]; then ok "$desc"; else not_ok "$desc"; fi
}

skip()
{
	n=$((n + 1))
	echo "ok $n $1 # SKIP $2"
}

in_use()
{
	[ -d /sys/module/kiste ] && [ "$(cat /sys/module/kiste/refcnt 2>/dev/null)" -gt 0 ]
}

echo "TAP version 13"
echo "1..7"
if [ ! -d /sys/module/kiste ]; then
	echo "Bail out! kiste.ko is not loaded"
	exit 1
fi

leftover_ids()
{
	kiste list 2>/dev/null | awk 'NR > 1 && $1 ~ /^[0-9]+$/ { print $1 }'
}

if command -v kiste >/dev/null 2>&1; then
	# Earlier suites must clean up after themselves; delete what they left so
	# the pinning checks below still mean something.
	left=$(leftover_ids)
	if [ -z "$left" ]; then
		ok "earlier suites left no sandbox behind"
	else
		kiste list 2>&1 | sed 's/^/# left behind: /'
		not_ok "earlier suites left no sandbox behind"
		for id in $left; do
			kiste delete "$id" >/dev/null 2>&1
		done
	fi
	check "kiste create --mode shim --name $NAME" kiste create --mode shim --name "$NAME"
	out=$(rmmod kiste 2>&1)
	rc=$?
	echo "# rmmod with a live sandbox: rc=$rc: $out"
	check "rmmod fails while a sandbox exists" [ "$rc" -ne 0 ]
	check "kiste.ko still loaded and in use" in_use
	check "kiste delete $NAME" kiste delete "$NAME"
else
	why="/bin/kiste is not in the VM image (build userspace first)"
	skip "earlier suites left no sandbox behind" "$why"
	skip "kiste create" "$why"
	skip "rmmod fails while a sandbox exists" "$why"
	skip "kiste.ko still loaded and in use" "$why"
	skip "kiste delete" "$why"
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
if [ -d /sys/module/kiste ]; then
	echo "# still loaded: refcnt $(cat /sys/module/kiste/refcnt); what is left:"
	command -v kiste >/dev/null 2>&1 && { kiste list; kiste stats; } 2>&1 | sed 's/^/# /'
fi
check "rmmod succeeds once no sandbox is left" [ ! -d /sys/module/kiste ]

check "insmod again" insmod "$KISTE_KO"
exit $failed
