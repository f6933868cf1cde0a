#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# shim_subids.sh - an ordinary user's sandboxes: each a slice of its /etc/subuid range, through newuidmap.
# kiste-suite: host shim_subids.sh
#
# Run as root, in a mount namespace of its own with a private copy of /etc
# bound over /etc: temporary users exist only there (the host's passwd,
# subuid and subgid files are never touched) and are gone with the copy.
# configs/subids/kiste-subids gives them ranges; kiste runs as them
# (setpriv) and is compared with native: tar xp keeps owners, chown to
# ordinary ids works, the maps on the host are the slice's (so newuidmap
# wrote them: an ordinary user may write only its own id), two sandboxes at
# once get two slices (uid 1000 inside is two host ids), host files of the
# slice's ids keep their owners, a --rootfs of the caller's with --rw is
# writable, a user without a range keeps the single mapping, with one slice
# a second sandbox is refused until the first ends, and bad lines, a lock
# folder others may write, a missing or failing helper are each one clear
# line (125; a missing helper: the single mapping and kiste check's line).
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=selftests/shim/shim_lib.sh
. "$here/shim-lib.helper"
K="${KISTE_SHIM:-$here/../bin/kiste}"
SETUP="$here/kiste-subids.helper"
# shellcheck disable=SC2119 # no workloads: only the launcher is needed
shim_need
[ "$(id -u)" = 0 ] || skip_all "needs root (to make temporary users in a private /etc)"
for c in unshare setpriv useradd usermod; do
	command -v "$c" >/dev/null || skip_all "no $c"
done
if ! command -v newuidmap >/dev/null || ! command -v newgidmap >/dev/null; then
	skip_all "no newuidmap/newgidmap: install Debian's uidmap package (make deps)"
fi
[ -f "$SETUP" ] || bail "no $SETUP: build it (make)"

# Outside: a folder, the copy of /etc, then this script again in its own mount namespace.
if [ -z "${KISTE_SUBIDS_WORK:-}" ]; then
	# Not below $SHIM_TMP, which the sandboxes' --tmpfs hides.
	work=$(mktemp -d /var/tmp/kiste-subids.XXXXXX) || bail "cannot make a temporary folder"
	chmod 755 "$work"
	cp -a /etc "$work/etc" || bail "cannot copy /etc"
	KISTE_SUBIDS_WORK=$work unshare -m --propagation private bash "$0"
	rc=$?
	rm -rf "$work"
	exit $rc
fi
work=$KISTE_SUBIDS_WORK
mount --bind "$work/etc" /etc || bail "cannot bind a copy of /etc over /etc"

# t1: a range from the setup script; t2: none; t3: a range of one slice.
mkuser()	# NAME
{
	useradd -K SUB_UID_COUNT=0 -K SUB_GID_COUNT=0 -m -d "$work/home-$1" -s /bin/sh "$1" ||
		bail "useradd $1 failed"
}
mkuser kiste-st1
mkuser kiste-st2
mkuser kiste-st3
# Only ever in a subshell (run, expect, or &): it execs, so a background one's $! is kiste.
as()	# USER CMD...: CMD as USER, no supplementary groups
{
	local u="$1"

	shift
	exec setpriv --reuid "$(id -u "$u")" --regid "$(id -g "$u")" --clear-groups -- "$@"
}

# The setup step, as a user's machine would run it once per user.
grep -q '^kiste-st2:' /etc/subuid /etc/subgid
result $((!$?)) "useradd made the test users without ranges (SUB_UID_COUNT=0)"
run bash "$SETUP" kiste-st1
l1=$(grep '^kiste-st1:' /etc/subuid)
g1=$(grep '^kiste-st1:' /etc/subgid)
[ "$T_RC" = 0 ] && [ -n "$l1" ] && [ "${l1##*:}" = 524288 ] && [ "$g1" = "$l1" ]
result $? "kiste-subids gives a user without ranges 524288 ids in both files ($l1)" "exit $T_RC: $T_OUT"
run bash "$SETUP" kiste-st1
[ "$T_RC" = 0 ] && [ "$(grep -c '^kiste-st1:' /etc/subuid)" = 1 ]
result $? "kiste-subids again: the user keeps its one range" "exit $T_RC: $T_OUT"
run bash "$SETUP" --count 65536 kiste-st3
l3=$(grep '^kiste-st3:' /etc/subuid)
s1=$(echo "$l1" | cut -d: -f2)
s3=$(echo "$l3" | cut -d: -f2)
[ "$T_RC" = 0 ] && [ "${l3##*:}" = 65536 ] && [ "$s3" -ge $((s1 + 524288)) ]
result $? "a second user gets the next free range ($l3 after $l1)" "exit $T_RC: $T_OUT"
expect "kiste-subids refuses a count that is no multiple of 65536" 1 "multiple of 65536" \
	bash "$SETUP" --count 1000 kiste-st2
expect "kiste-subids refuses an unknown user" 1 "no user" bash "$SETUP" kiste-st-nobody-here

u1=$(id -u kiste-st1)
g1id=$(id -g kiste-st1)
expect "kiste check names the slices of a user with a range" 0 "a slice of your /etc/subuid" \
	as kiste-st1 "$K" check
expect "kiste check says a user without a range maps its own id alone, and the fix" 0 \
	"/etc/subuid gives you no range: as root, run kiste-subids kiste-st2" as kiste-st2 "$K" check

# A tree of several owners, modes and times; extracted natively (root) and sandboxed (kiste-st1).
want=$(ids_tree "$work")
run as kiste-st1 "$K" run --mode=shim --tmpfs "$SHIM_TMP" -- sh -c "cd $SHIM_TMP && tar xpf $work/a.tar &&
	find d -printf '%p %U %G %m %T@\n' | sort"
[ "$T_RC" = 0 ] && [ "$T_OUT" = "$want" ]
result $? "an ordinary user's tar xp into a --tmpfs keeps owners, modes and mtimes, as natively" \
	"exit $T_RC:
native:
$want
sandboxed:
$T_OUT"

cp "$work/src/d/f" "$work/native/c"
chown 1234:4321 "$work/native/c"
want=$(stat -c '%u %g' "$work/native/c")
run as kiste-st1 "$K" run --mode=shim --tmpfs "$SHIM_TMP" -- sh -c "echo x >$SHIM_TMP/c &&
	chown 1234:4321 $SHIM_TMP/c && stat -c '%u %g' $SHIM_TMP/c"
[ "$T_RC" = 0 ] && [ "$T_OUT" = "$want" ]
result $? "an ordinary user's chown to ordinary ids in a --tmpfs works, as natively" "exit $T_RC: $T_OUT"
expect "an id beyond the slice is EINVAL (a user namespace's answer)" 1 "Invalid argument" \
	as kiste-st1 "$K" run --mode=shim --tmpfs "$SHIM_TMP" -- \
	sh -c "echo x >$SHIM_TMP/c && chown 70000 $SHIM_TMP/c"

# The maps as the host shows them, of a sandbox's process found by its name.
ln -s /bin/sleep "$work/kiste-sba"
ln -s /bin/sleep "$work/kiste-sbb"
ln -s /bin/sleep "$work/kiste-sbc"
maps()	# COMM: its uid_map and gid_map on one line each, blanks squeezed
{
	local n=0 pid

	while [ $n -lt 100 ]; do
		pid=$(pgrep -x "$1" | head -1)
		if [ -n "$pid" ]; then
			tr -s ' ' <"/proc/$pid/uid_map" | sed 's/^ //' | paste -sd ';'
			tr -s ' ' <"/proc/$pid/gid_map" | sed 's/^ //' | paste -sd ';'
			return
		fi
		sleep 0.1
		n=$((n + 1))
	done
}
slice_of()	# MAPS SELF START COUNT: the slice's first host id when MAPS's uid map is
{		# "0 SELF 1;1 S+1 65535" with S a slice of the range START..START+COUNT-1
	local u0 s

	u0=$(echo "$1" | head -1)
	case "$u0" in
	"0 $2 1;1 "*" 65535") s=${u0#"0 $2 1;1 "}; s=$((${s%% *} - 1)) ;;
	*) return ;;
	esac
	[ "$s" -ge "$3" ] && [ $((s + 65536)) -le $(($3 + $4)) ] && [ $(((s - $3) % 65536)) = 0 ] &&
		echo "$s"
}

mkdir "$work/vol"
chown kiste-st1: "$work/vol"
chmod 700 "$work/vol"
as kiste-st1 "$K" run --mode=shim --volume "$work/vol:/mnt:rw" -- sh -c \
	"echo a >/mnt/a && chown 1000:1000 /mnt/a && exec $work/kiste-sba 10" >/dev/null 2>&1 &
a=$!
as kiste-st1 "$K" run --mode=shim --volume "$work/vol:/mnt:rw" -- sh -c \
	"echo b >/mnt/b && chown 1000:1000 /mnt/b && exec $work/kiste-sbb 10" >/dev/null 2>&1 &
b=$!
ma=$(maps kiste-sba)
mb=$(maps kiste-sbb)
sa=$(slice_of "$ma" "$u1" "$s1" 524288)
sb=$(slice_of "$mb" "$u1" "$s1" 524288)
oa=$(stat -c '%u %g' "$work/vol/a" 2>/dev/null)
ob=$(stat -c '%u %g' "$work/vol/b" 2>/dev/null)
# The launchers (setpriv execs them) forward the signal to their sandboxes.
kill "$a" "$b" 2>/dev/null
wait "$a" "$b" 2>/dev/null
[ -n "$sa" ] && [ "$(echo "$ma" | tail -1)" = "0 $g1id 1;1 $((sa + 1)) 65535" ]
result $? "the host shows the slice's maps, which only newuidmap/newgidmap could write ($ma)" \
	"maps: '$ma', range from $s1"
[ -n "$sa" ] && [ -n "$sb" ] && [ "$sa" != "$sb" ]
result $? "two sandboxes at once of one user get two slices ($sa, $sb)" "maps: '$ma' / '$mb'"
[ -n "$sa" ] && [ -n "$sb" ] && [ "$oa" = "$((sa + 1000)) $((sa + 1000))" ] &&
	[ "$ob" = "$((sb + 1000)) $((sb + 1000))" ]
result $? "uid 1000 inside is two host ids, each its slice's ($oa; $ob)" "slices '$sa' '$sb'"
rm -f "$work/vol/a" "$work/vol/b"
# One after another: the same slice (the first free), so a file one leaves keeps its owner.
as kiste-st1 "$K" run --mode=shim --volume "$work/vol:/mnt:rw" -- sh -c \
	"echo c >/mnt/c && chown 1000:1000 /mnt/c" >/dev/null 2>&1 &
wait $!
expect "sandboxes of one user run one after another share a slice: a file left keeps its owner" 0 \
	"1000 1000" as kiste-st1 "$K" run --mode=shim --volume "$work/vol:/mnt:rw" -- stat -c '%u %g' /mnt/c

# A user without a range: the single mapping, as before.
as kiste-st2 "$K" run --mode=shim -- "$work/kiste-sbc" 10 >/dev/null 2>&1 &
c=$!
mc=$(maps kiste-sbc)
kill "$c" 2>/dev/null
wait "$c" 2>/dev/null
u2=$(id -u kiste-st2)
g2=$(id -g kiste-st2)
[ "$mc" = "0 $u2 1
0 $g2 1" ]
result $? "a user without a range maps its own id alone" "maps: '$mc'"
expect "a user without a range cannot chown to other ids (EINVAL)" 1 "Invalid argument" \
	as kiste-st2 "$K" run --mode=shim --tmpfs "$SHIM_TMP" -- \
	sh -c "echo x >$SHIM_TMP/c && chown 1234 $SHIM_TMP/c"

# One slice: a second sandbox at once is refused with a line, and runs once the first ended.
as kiste-st3 "$K" run --mode=shim -- "$work/kiste-sbc" 10 >/dev/null 2>&1 &
c=$!
mc=$(maps kiste-sbc)
expect "with one slice, a second sandbox at once is refused (125), naming the fix" 125 \
	"all 1 id slices of your range" as kiste-st3 "$K" run --mode=shim -- true
kill "$c" 2>/dev/null
wait "$c" 2>/dev/null
[ -n "$(slice_of "$mc" "$(id -u kiste-st3)" "$s3" 65536)" ]
result $? "the one-slice user's first sandbox had its slice" "maps: '$mc', range from $s3"
expect "with one slice, the next sandbox runs once the first ended" 0 "" \
	as kiste-st3 "$K" run --mode=shim -- true

# Host files of ids in the slice keep their owners inside (its only slice: known in advance),
# as a native listing shows them less the slice's start; the caller's own files are root's.
mkdir "$work/vol3"
u3=$(id -u kiste-st3)
g3=$(id -g kiste-st3)
echo x >"$work/vol3/mine"
echo y >"$work/vol3/sliced"
chown "$u3:$g3" "$work/vol3" "$work/vol3/mine"
chown $((s3 + 1000)):$((s3 + 33)) "$work/vol3/sliced"
want="mine $(($(stat -c %u "$work/vol3/mine") - u3)) $(($(stat -c %g "$work/vol3/mine") - g3))
sliced $(($(stat -c %u "$work/vol3/sliced") - s3)) $(($(stat -c %g "$work/vol3/sliced") - s3))"
run as kiste-st3 "$K" run --mode=shim --volume "$work/vol3:/mnt:rw" -- sh -c "cd /mnt && stat -c '%n %u %g' mine sliced"
[ "$T_RC" = 0 ] && [ "$T_OUT" = "$want" ]
result $? "host files of the slice's ids keep their owners inside, the caller's are root's" \
	"exit $T_RC: wanted '$want', got '$T_OUT'"

# A --rootfs of the caller's own with --rw: writable to the sandbox's root (0 is the caller),
# and a file chowned there to 1000 belongs to the slice's 1000 on the host.
mkdir -p "$work/root3/bin"
cp /bin/busybox "$work/root3/bin/busybox"
chown -R "$u3:$g3" "$work/root3"
run as kiste-st3 "$K" run --mode=shim --rootfs "$work/root3" --rw -- /bin/busybox sh -c \
	"echo x >/f && /bin/busybox chown 1000:1000 /f && echo y >/g && /bin/busybox stat -c '%u %g' /f /g"
hf=$(stat -c '%u %g' "$work/root3/f" "$work/root3/g" 2>/dev/null | paste -sd ';')
[ "$T_RC" = 0 ] && [ "$T_OUT" = "1000 1000
0 0" ] && [ "$hf" = "$((s3 + 1000)) $((s3 + 1000));$u3 $g3" ]
result $? "a --rootfs of the caller's own with --rw: written as the caller, chown to 1000 is the slice's ($hf)" \
	"exit $T_RC: $T_OUT; on the host: $hf"

# A line by uid, as shadow reads it.
cp /etc/subuid "$work/subuid.good"
sed -i "s/^kiste-st1:/$u1:/" /etc/subuid
expect "a range given by uid is the user's too" 0 "a slice of your /etc/subuid" as kiste-st1 "$K" check
expect "and the sandbox's chown works with it" 0 "5 6" as kiste-st1 "$K" run --mode=shim --tmpfs "$SHIM_TMP" -- \
	sh -c "echo x >$SHIM_TMP/c && chown 5:6 $SHIM_TMP/c && stat -c '%u %g' $SHIM_TMP/c"

# Bad lines: one clear error and 125, never a map onto other ids.
for bad in "kiste-st1:$s1:524288x" "kiste-st1:-$s1:524288" "kiste-st1:4294901760:131072" \
	"kiste-st1:1000:65536" "kiste-st1:99999999999:65536"; do
	cp "$work/subuid.good" /etc/subuid
	echo "$bad" >>/etc/subuid
	expect "a malformed /etc/subuid line ($bad) is one clear error (125)" 125 \
		"/etc/subuid: the line" as kiste-st1 "$K" run --mode=shim -- true
done
expect "kiste check says the last of them is refused, and why" 0 "shim ids:              refused: /etc/subuid: the line" \
	as kiste-st1 "$K" check
cp "$work/subuid.good" /etc/subuid
sed -i "s/^kiste-st1:.*/kiste-st1:$s1:65535/" /etc/subuid
expect "a range smaller than a slice is one clear error (125)" 125 "fewer than 65536 ids" \
	as kiste-st1 "$K" run --mode=shim -- true
cp "$work/subuid.good" /etc/subuid

# Another user's write access to the lock folder would let it hold or swap the locks.
lockdir="$work/home-kiste-st1/.local/state/kiste/ids"
chmod 777 "$lockdir"
expect "a lock folder others may write is refused (125), naming the fix" 125 \
	"must be a folder of yours that no one else may write" as kiste-st1 "$K" run --mode=shim -- true
chmod 700 "$lockdir"
expect "the same folder, 0700 again, serves" 0 "" as kiste-st1 "$K" run --mode=shim -- true

# A home that does not exist: no lock folder, so no slice (one line, 125), never an unlocked one.
usermod -d "$work/absent" kiste-st3
expect "a user with a range but no home folder is one clear line (125)" 125 \
	"cannot keep id-slice locks in $work/absent/.local/state/kiste/ids" \
	as kiste-st3 "$K" run --mode=shim -- true
usermod -d "$work/home-kiste-st3" kiste-st3

# Without newuidmap (a mount namespace where it is no program): the single mapping, and
# kiste check names the package.
helper=$(command -v newuidmap)
run unshare -m --propagation private sh -c "mount --bind /dev/null $helper &&
	exec setpriv --reuid $u1 --regid $g1id --clear-groups -- $K check"
case "$T_OUT" in
*"newuidmap is missing: install Debian's uidmap package"*) ok "without newuidmap, kiste check says one clear line" ;;
*) fail "without newuidmap, kiste check says one clear line" "exit $T_RC: $T_OUT" ;;
esac
run unshare -m --propagation private sh -c "mount --bind /dev/null $helper &&
	exec setpriv --reuid $u1 --regid $g1id --clear-groups -- $K run --mode=shim --tmpfs $SHIM_TMP -- \
	sh -c 'echo x >$SHIM_TMP/c && chown 1234 $SHIM_TMP/c'"
[ "$T_RC" = 1 ] && case "$T_OUT" in *"Invalid argument"*) true ;; *) false ;; esac
result $? "without newuidmap, the sandbox still runs with the single mapping" "exit $T_RC: $T_OUT"
# A helper that cannot write the maps (a copy without its setuid bit): one line naming
# the helper's own words and the fix, 125.
cp "$helper" "$work/newuidmap-plain"
chmod 755 "$work/newuidmap-plain"
run unshare -m --propagation private sh -c "mount --bind $work/newuidmap-plain $helper &&
	exec setpriv --reuid $u1 --regid $g1id --clear-groups -- $K run --mode=shim -- true"
[ "$T_RC" = 125 ] && [ "$(echo "$T_OUT" | wc -l)" = 1 ] &&
	case "$T_OUT" in *"cannot map the sandbox's ids: $helper said '"*"setuid root"*) true ;; *) false ;; esac
result $? "a helper that fails is one clear line with its words and the fix (125)" "exit $T_RC: $T_OUT"
t_done
