#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# shim_stdio.sh - descriptors 0-2 on the caller's own files, relayed through pipes: redirections natively and sandboxed.
# kiste-suite: host shim_stdio.sh
# shellcheck disable=SC2016 # single-quoted scripts are for the case's shell to expand
#
# kiste relays 0-2 when they name a file the sandbox could change the
# metadata of (userspace/shim/README.md, "Descriptors 0-2"): run as root, the
# sandbox's ids own nothing here, so kiste runs as 65534 on 65534's files, as
# an ordinary user runs it on their own.  Each case is a shell script run by
# that user in a fresh folder, once natively ($R empty) and once with $R the
# sandbox; what it prints must be the same.
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=selftests/shim/shim_lib.sh
. "$here/shim-lib.helper"
K="${KISTE_SHIM:-$here/../bin/kiste}"
[ -x "$K" ] || bail "no launcher $K: build it (make)"
tmp=$(mktemp -d)
chmod 755 "$tmp"
trap 'rm -rf "$tmp"' EXIT
as=""
if [ "$(id -u)" = 0 ]; then
	command -v setpriv >/dev/null || skip_all "run as root, it needs setpriv (kiste runs as 65534)"
	as="setpriv --reuid=65534 --regid=65534 --clear-groups"
	chown 65534:65534 "$tmp"
	# The launcher, where 65534 may run it (the build may lie below a folder it cannot enter).
	cp "$K" "$tmp/kiste"
	chmod 755 "$tmp/kiste"
	K="$tmp/kiste"
fi
export K
SR="$K run --mode=shim --timeout 120 --"
SRU="$K run --mode=shim --unsafe-no-namespaces --timeout 120 --"
n=0

# in_dir WHO SCRIPT: SCRIPT run by sh as the files' owner in a new folder; its output in $D_OUT.
in_dir()
{
	n=$((n + 1))
	d="$tmp/$1.$n"
	mkdir "$d"
	[ -z "$as" ] || chown 65534:65534 "$d"
	if [ "$1" = native ]; then
		D_OUT=$(cd "$d" && R="" $as sh -c "$2" 2>&1 </dev/null)
	else
		D_OUT=$(cd "$d" && R="$SR" RU="$SRU" $as sh -c "$2" 2>&1 </dev/null)
	fi
}

# compare NAME SCRIPT: the same output natively and sandboxed (and not none).
compare()
{
	in_dir native "$2"
	nat="$D_OUT"
	in_dir sandbox "$2"
	if [ -n "$nat" ] && [ "$D_OUT" = "$nat" ]; then
		ok "$1"
	else
		fail "$1" "got: $(printf '%s\n' "$D_OUT" | head -8) wanted: $(printf '%s\n' "$nat" | head -8)"
	fi
}

# The relay is there (not a vacuous comparison): the workload's 0 and 1 are pipes on the
# caller's own files; a file the sandbox cannot change (root's, read-only) stays itself.
in_dir sandbox 'echo in >f; $R sh -c "readlink /proc/self/fd/0 /proc/self/fd/1" <f >g; cat g'
case "$D_OUT" in
pipe:*"
"pipe:*) ok "a file the sandbox's root owns is a pipe at 0 and 1" ;;
*) fail "a file the sandbox's root owns is a pipe at 0 and 1" "$D_OUT" ;;
esac
in_dir sandbox 'echo in >f; $RU sh -c "readlink /proc/self/fd/0; echo x" <f >g; cat g'
case "$D_OUT" in
pipe:*"
"x) ok "without namespaces too (the caller's own file is a pipe)" ;;
*) fail "without namespaces too (the caller's own file is a pipe)" "$D_OUT" ;;
esac
in_dir sandbox '$R readlink /proc/self/fd/0 </etc/hostname'
case "$D_OUT" in
/etc/hostname) ok "root's read-only /etc/hostname stays a file at 0" ;;
*) fail "root's read-only /etc/hostname stays a file at 0" "$D_OUT" ;;
esac

compare "> f" '$R sh -c "echo one; echo two" >f; echo rc=$?; cat f'
compare ">> f appends after what is there" 'printf "old\n" >f; $R echo new >>f; $R echo newer >>f; cat f'
compare "the caller's offset is shared: { kiste run echo a; echo b; } > f" \
	'{ $R echo a; echo b; $R echo c; } >f; cat f'
compare "2>&1: one program writing to both keeps its order" \
	'$R sh -c "for i in 1 2 3 4 5 6; do echo out\$i; echo err\$i >&2; done" >f 2>&1; cat f'
compare "1 and 2 to two files" '$R sh -c "echo o; echo e >&2; echo o2" >o 2>e; cat o e'
compare "< f" 'printf "l1\nl2\n" >f; $R cat <f'
compare "{ read x; kiste run cat; } < f: the rest of a partly read file" \
	'printf "l1\nl2\nl3\n" >f; { read x; echo "x=$x"; $R cat; } <f'
compare "< f: what the workload left unread is the caller's (the offset goes back)" \
	'printf "l1\nl2\nl3\n" >f; { $R sh -c "read a; echo got \$a"; cat; } <f'
compare "<> f and 1>&0: one description, read and written" \
	'printf "abc\n" >f; $R sh -c "read a; echo \$a-seen >&1" <>f 1>&0; cat f'
compare "several MB of output, byte for byte" \
	'$R seq 1 1500000 >f; echo rc=$?; wc -c <f; md5sum <f'
compare "several MB of input" 'seq 1 1000000 >f; $R md5sum <f; $R wc -l <f'
compare "several MB through 2>&1 with stderr between" \
	'$R sh -c "seq 1 400000; echo mid >&2; seq 1 400000" >f 2>&1; wc -c <f; md5sum <f'
compare "an exit status with output to a file" '$R sh -c "echo before; exit 3" >f; echo rc=$?; cat f'
# (the case's own shell reports a child killed natively: "Killed" on its stderr, left out)
compare "a death by signal with output to a file" \
	'{ $R sh -c "echo before; kill -KILL \$\$" >f; echo rc=$?; } 2>/dev/null; cat f'
compare "a death by SIGTERM with output in the pipe" \
	'{ $R sh -c "seq 1 20000; kill -TERM \$\$" >f; echo rc=$?; } 2>/dev/null; wc -l <f'
compare "EPIPE: the reader of a named FIFO goes away" \
	'mkfifo p; head -n 1 <p >h & $R seq 1 1000000 >p; echo rc=$?; wait; cat h'
# Every channel at once: 0, 1 and 2 on three files and the --trace-output file's pipe (the
# poll set once had room for four of these five).
in_dir sandbox 'printf "in\n" >f; $K run --mode=shim --timeout 120 --trace-output t -- sh -c "cat; echo err >&2" <f >o 2>e; echo rc=$?; cat o e; [ -s t ] && echo traced'
case "$D_OUT" in
"rc=0
in
err
traced") ok "0, 1, 2 and --trace-output relayed at once" ;;
*) fail "0, 1, 2 and --trace-output relayed at once" "$D_OUT" ;;
esac

# A background child holding stdout while the main process exits: natively the script
# goes on at once; the sandbox ends with its main process, so kiste must not wait for it.
t0=$(date +%s)
compare "a background child keeps stdout: kiste does not wait for it" \
	'$R sh -c "(sleep 30; echo late) & echo main" >f 2>&1; echo rc=$?; cat f'
t=$(($(date +%s) - t0))
result "$([ "$t" -lt 20 ]; echo $?)" "... and both runs took less than 20 s (the child sleeps 30)" "$t s"

t_done
