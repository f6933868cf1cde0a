#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# shim_ids.sh - run as root, each sandbox has a range of host ids of its own: owners kept, never shared.
# kiste-suite: host shim_ids.sh
#
# Compared with native: tar xp into a --tmpfs keeps owners, modes and mtimes;
# chown to ordinary ids works.  On the host: two sandboxes running at once are
# two different ids, neither root nor nobody, inside the pool (ids.c).
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=selftests/shim/shim_lib.sh
. "$here/shim-lib.helper"
K="${KISTE_SHIM:-$here/../bin/kiste}"
# shellcheck disable=SC2119 # no workloads: only the launcher is needed
shim_need
[ "$(id -u)" = 0 ] || skip_all "needs root (ranges are for sandboxes kiste runs as root)"
# Not below $SHIM_TMP, which the sandboxes' --tmpfs hides.
work=$(mktemp -d /var/tmp/kiste-ids.XXXXXX) || bail "cannot make a temporary folder"
trap 'rm -rf "$work"' EXIT
chmod 755 "$work"

# A tree of several owners, modes and times; extracted natively and sandboxed.
want=$(ids_tree "$work")
run "$K" run --mode=shim --tmpfs "$SHIM_TMP" -- sh -c "cd $SHIM_TMP && tar xpf $work/a.tar &&
	find d -printf '%p %U %G %m %T@\n' | sort"
[ "$T_RC" = 0 ] && [ "$T_OUT" = "$want" ]
result $? "tar xp as root into a --tmpfs keeps owners, modes and mtimes, as natively" "exit $T_RC:
native:
$want
sandboxed:
$T_OUT"

cp "$work/src/d/f" "$work/native/c"
chown 1234:4321 "$work/native/c"
want=$(stat -c '%u %g' "$work/native/c")
run "$K" run --mode=shim --tmpfs "$SHIM_TMP" -- sh -c "echo x >$SHIM_TMP/c && chown 1234:4321 $SHIM_TMP/c &&
	stat -c '%u %g' $SHIM_TMP/c"
[ "$T_RC" = 0 ] && [ "$T_OUT" = "$want" ]
result $? "chown to ordinary ids in a --tmpfs works, as natively" "exit $T_RC: $T_OUT"
expect "an id beyond the sandbox's range is EINVAL (a user namespace's answer)" 1 \
	"Invalid argument" "$K" run --mode=shim --tmpfs "$SHIM_TMP" -- \
	sh -c "echo x >$SHIM_TMP/c && chown 70000 $SHIM_TMP/c"

# A read-write --volume: the sandbox writes there (Landlock allows beneath it), as its
# own range's root; a read-only one refuses.
mkdir -p "$work/vol"
chmod 1777 "$work/vol"
run "$K" run --mode=shim --volume "$work/vol:/mnt:rw" -- sh -c 'echo written >/mnt/f && cat /mnt/f'
owner=$(stat -c %u "$work/vol/f" 2>/dev/null)
[ "$T_RC" = 0 ] && [ "$T_OUT" = written ] && [ -n "$owner" ] && [ "$owner" -ge 524288 ]
result $? "a read-write --volume is writable, its files the sandbox's range's ($owner)" "exit $T_RC: $T_OUT"
expect "a read-only --volume refuses writes" 2 "Read-only file system" \
	"$K" run --mode=shim --volume "$work/vol:/mnt:ro" -- sh -c 'cat /mnt/f && echo x >/mnt/g'
# Read-only unless :rw (issue 13), podman's -v spelling too.
expect "a --volume without :rw is read-only" 2 "Read-only file system" \
	"$K" run --mode=shim -v "$work/vol:/mnt" -- sh -c 'cat /mnt/f && echo x >/mnt/g'
expect "a --volume with anything but :ro or :rw: one line (125)" 125 "read-only unless :rw" \
	"$K" run --mode=shim -v "$work/vol:/mnt:wr" -- true

# A program in a root-owned 0700 folder: the sandbox's root is not the host's, so it
# cannot reach it.  Refused as a shell refuses it natively to a user who cannot reach
# it: permission denied and 126, by path and by PATH, never "command not found".
mkdir -p "$work/priv"
cp /bin/true "$work/priv/kiste-true"
chmod 700 "$work/priv"
run setpriv --reuid 65534 --regid 65534 --clear-groups bash -c "$work/priv/kiste-true"
native_rc=$T_RC
expect "a program the sandbox cannot reach: 126 and permission denied (natively $native_rc)" \
	"$native_rc" "permission denied" "$K" run --mode=shim -- "$work/priv/kiste-true"
expect "the same program by PATH: 126 and permission denied, not command not found" 126 \
	"permission denied" "$K" run --mode=shim --env "PATH=$work/priv" -- kiste-true
chmod 755 "$work/priv"
expect "the same program once reachable runs" 0 "" "$K" run --mode=shim -- "$work/priv/kiste-true"

# Two at once: their host ids differ, and are neither root nor nobody.  Each runs
# sleep under a name of its own, which is what the host shows as its comm.
ln -s /bin/sleep "$work/kiste-slpa"
ln -s /bin/sleep "$work/kiste-slpb"
host_ids()	# COMM: "uid gid" of the process named COMM, on the host
{
	local n=0 pid

	while [ $n -lt 100 ]; do
		pid=$(pgrep -x "$1" | head -1)
		if [ -n "$pid" ]; then
			awk '/^Uid:/ { u = $3 } /^Gid:/ { g = $3 } END { print u, g }' "/proc/$pid/status"
			return
		fi
		sleep 0.1
		n=$((n + 1))
	done
}
"$K" run --mode=shim -- "$work/kiste-slpa" 9 >/dev/null 2>&1 &
a=$!
"$K" run --mode=shim -- "$work/kiste-slpb" 9 >/dev/null 2>&1 &
b=$!
ia=$(host_ids kiste-slpa)
ib=$(host_ids kiste-slpb)
kill "$a" "$b" 2>/dev/null
wait "$a" "$b" 2>/dev/null
ua=${ia% *}
ub=${ib% *}
case "$ia:$ib" in
:* | *:) fail "two sandboxes at once run as two host ids" "no process found ('$ia' '$ib')" ;;
*)
	[ "$ua" != "$ub" ] && [ "$ua" -ge 524288 ] && [ "$ub" -ge 524288 ]
	result $? "two sandboxes at once run as two host ids of kiste's pool ($ia; $ib)" "$ia; $ib"
	;;
esac
# Their two lock files (slot = (uid - pool start) / 65536; the default pool here, as
# /etc/subuid names no user kiste on these machines), not other sandboxes' that run now.
n=0
for u in $ua $ub; do
	f="/run/kiste-ids/$(( (u - 1610612736) / 65536 ))"
	[ -f "$f" ] || { n=$((n + 1)); continue; }
	flock -n "$f" true || n=$((n + 1))
done
[ "$n" = 0 ]
result $? "their ranges are free again once they ended" "$n still held"

# The pool from /etc/subuid and /etc/subgid (user kiste), in a mount namespace of the test's.
if command -v unshare >/dev/null; then
	cp -a /etc "$work/etc"
	echo "kiste:3000000:131072" >>"$work/etc/subuid"
	echo "kiste:4000000:131072" >>"$work/etc/subgid"
	ln -s /bin/sleep "$work/kiste-slpc"
	unshare -m sh -c "mount --bind $work/etc /etc && exec $K run --mode=shim --tmpfs $SHIM_TMP -- \
		$work/kiste-slpc 9" >/dev/null 2>&1 &
	c=$!
	ic=$(host_ids kiste-slpc)
	pkill -x kiste-slpc
	wait "$c" 2>/dev/null
	case "$ic" in
	"3000000 4000000" | "3065536 4065536") ok "/etc/subuid and /etc/subgid's range for user kiste is the pool ($ic)" ;;
	*) fail "/etc/subuid and /etc/subgid's range for user kiste is the pool" "uid gid '$ic'" ;;
	esac
	echo "kiste:5:10" >"$work/etc/subuid"
	expect "a range too small for a sandbox is one clear error (125)" 125 "/etc/subuid: the range of user kiste" \
		unshare -m sh -c "mount --bind $work/etc /etc && exec $K run --mode=shim -- true"
	# A sign, a wrap past 2^32, text after the count: none may map the sandbox onto root.
	for bad in "kiste:-65536:131072" "kiste:4294901760:131072" "kiste:100000:65536x"; do
		echo "$bad" >"$work/etc/subuid"
		expect "a malformed /etc/subuid line ($bad) is one clear error (125)" 125 \
			"/etc/subuid: the range of user kiste" \
			unshare -m sh -c "mount --bind $work/etc /etc && exec $K run --mode=shim -- true"
	done
	# A rootfs whose owner lies in the pool: the plain range, not a map overlapping it.
	echo "kiste:3000000:131072" >"$work/etc/subuid"
	mkdir -p "$work/ownedroot"
	cp -a /bin/busybox "$work/ownedroot/busybox" 2>/dev/null || cp /bin/true "$work/ownedroot/busybox"
	chown 3000005:4000005 "$work/ownedroot"
	expect "a rootfs owned by an id of the pool still runs" 0 "" \
		unshare -m sh -c "mount --bind $work/etc /etc && exec $K run --mode=shim --rootfs $work/ownedroot -- /busybox true"
else
	skip "/etc/subuid and /etc/subgid's range for user kiste is the pool" "no unshare"
	skip "a range too small for a sandbox is one clear error (125)" "no unshare"
	skip "malformed /etc/subuid lines are one clear error" "no unshare"
	skip "a rootfs owned by an id of the pool still runs" "no unshare"
fi
t_done
