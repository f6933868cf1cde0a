#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# shim_basic.sh - shim mode on the host: static, static-pie, dynamic programs, shells, statuses.
# kiste-suite: host shim_basic.sh
# shellcheck disable=SC2016 # single-quoted scripts are for the sandbox's shell to expand
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=selftests/shim/shim_lib.sh
. "$here/shim-lib.helper"
K="${KISTE_SHIM:-$here/../bin/kiste}"
shim_need hello_raw hello_static hello_spie hello_at2m nointerp
tmp=$(mktemp -d)
chmod 755 "$tmp"
trap 'rm -rf "$tmp"' EXIT

# Milestone 1: write + exit_group, nothing else, redirected with dispatch armed by prctl.
expect "static raw write+exit (status 42)" 42 "hi raw" "$K" run --mode=shim -- "$WL/hello_raw"
expect "static glibc program" 3 "hello static" "$K" run --mode=shim -- "$WL/hello_static"
expect "static-pie program" 3 "hello static" "$K" run --mode=shim -- "$WL/hello_spie"
expect "static program linked at 0x200000 (ld.lld's default base; the guest kernel ends below)" 3 \
	"hello static" "$K" run --mode=shim -- "$WL/hello_at2m"
expect "dynamic loader run directly" 0 "NAME=" "$K" run --mode=shim -- /lib64/ld-linux-x86-64.so.2 /bin/cat /etc/os-release

# Milestone 2: static busybox.
if command -v busybox >/dev/null && ! ldd "$(command -v busybox)" >/dev/null 2>&1; then
	expect "busybox echo" 0 "hi" "$K" run --mode=shim -- busybox echo hi
	expect "busybox ls /" 0 "etc" "$K" run --mode=shim -- busybox ls /
	expect "busybox cat /etc/os-release" 0 "NAME=" "$K" run --mode=shim -- busybox cat /etc/os-release
	run "$K" run --mode=shim -- busybox sh -c 'echo hi; ls /; cat /etc/os-release; for i in 1 2 3; do echo $i; done | sort -r'
	case "$T_RC:$T_OUT" in
	0:hi*PRETTY_NAME*3?2?1) ok "busybox sh: echo, ls, cat, for | sort -r" ;;
	*) fail "busybox sh: echo, ls, cat, for | sort -r" "exit $T_RC: $T_OUT" ;;
	esac
else
	skip "static busybox" "busybox-static is not installed"
fi

# Milestone 3: dynamic programs give the same bytes as natively.
same()	# NAME CMD...
{
	s_name="$1"
	shift
	native=$("$@" 2>&1)
	run "$K" run --mode=shim -- "$@"
	if [ "$T_RC" = 0 ] && [ "$T_OUT" = "$native" ]; then
		ok "$s_name"
	else
		fail "$s_name" "exit $T_RC; got: $(echo "$T_OUT" | head -5) wanted: $(echo "$native" | head -5)"
	fi
}
same "dynamic cat" cat /etc/os-release
same "dynamic sort" sort /etc/os-release
same "dynamic wc" wc /etc/os-release
same "dynamic sha256sum" sha256sum /etc/os-release /etc/hostname
same "dynamic grep" grep -c NAME /etc/os-release
same "dynamic find" find /etc/apt -maxdepth 1 -name 'sources*'
expect "dynamic ls -la" 0 "os-release" "$K" run --mode=shim -- ls -la /etc
expect_not "ls -la reports no errors" 0 "not implemented" "$K" run --mode=shim -- ls -la /etc

# Milestone 4: shells fork, pipe, wait and exec.
expect "sh pipeline and command substitution" 0 "got sub 3" \
	"$K" run --mode=shim -- sh -c 'x=$(echo sub); n=$(printf "a\nb\nc\n" | wc -l); echo "got $x $n"'
expect "sh runs a script with #!" 0 "script-ran" \
	"$K" run --mode=shim --tmpfs /tmp -- sh -c 'printf "#!/bin/sh\necho script-ran\n" >/tmp/s; chmod +x /tmp/s; /tmp/s'
if command -v python3 >/dev/null; then
	expect "python3 sees pid 1" 0 '{"pid": 1}' "$K" run --mode=shim -- python3 -c \
		'import json, hashlib, os; print(json.dumps({"pid": os.getpid()}))'
else
	skip "python3 sees pid 1" "no python3"
fi
expect "getppid of the workload is 0, children see 1" 0 "0 1" \
	"$K" run --mode=shim -- sh -c 'echo $PPID $(sh -c "echo \$PPID")'
expect "uname -n is kiste" 0 "kiste" "$K" run --mode=shim -- uname -n
expect "identity is root of its namespace" 0 "uid=0" "$K" run --mode=shim -- id
expect "--user sets the identity seen" 0 "uid=1000" "$K" run --mode=shim --user 1000:1000 -- id

# Statuses (DESIGN.md).
expect "exit status passes through" 7 "" "$K" run --mode=shim -- sh -c 'exit 7'
expect "death by signal is 128+N" 143 "" "$K" run --mode=shim -- sh -c 'kill -TERM $$'
expect "missing command is 127" 127 "not found" "$K" run --mode=shim -- /no/such/command
expect "missing command on PATH is 127" 127 "not found" "$K" run --mode=shim -- no-such-command-kiste
printf 'plain text\n' >"$tmp/notelf"
chmod 755 "$tmp/notelf"
expect "non-ELF is 126" 126 "cannot execute" "$K" run --mode=shim -- "$tmp/notelf"
cp "$WL/hello_raw" "$tmp/wrongarch"
printf '\267' | dd of="$tmp/wrongarch" bs=1 seek=18 count=1 conv=notrunc status=none
expect "wrong-architecture ELF is 126" 126 "cannot execute" "$K" run --mode=shim -- "$tmp/wrongarch"
expect "missing interpreter is 126" 126 "interpreter not found" "$K" run --mode=shim -- "$WL/nointerp"
expect "--rw on / is refused with 125" 125 "--rw is refused" "$K" run --mode=shim --rw -- true
expect "unknown option is 125" 125 "unknown option" "$K" run --mode=shim --bogus -- true
expect "--timeout kills with 137" 137 "timed out" "$K" run --mode=shim --timeout 1 -- sleep 10

# SIGINT to the launcher reaches the workload.
"$K" run --mode=shim -- sleep 20 &
pid=$!
sleep 1
kill -INT $pid
wait $pid
rc=$?
[ $rc = 130 ]
result $? "SIGINT reaches the workload (130)" "exit $rc"

# The workload dies with the launcher (SIGKILL cannot be forwarded).  It says
# "started" first, and the launcher is killed only then: a workload that never
# ran would not say "alive" either.
out="$tmp/alive"
"$K" run --mode=shim -- sh -c 'echo started; sleep 2; echo alive' >"$out" 2>&1 &
pid=$!
n=0
while [ $n -lt 200 ] && ! grep -q started "$out"; do
	sleep 0.1
	n=$((n + 1))
done
exec 3>&2 2>/dev/null	# bash reports the killed job on stderr: not a result
kill -KILL $pid
wait $pid
exec 2>&3 3>&-
sleep 3
if ! grep -q started "$out"; then
	fail "the workload dies with a SIGKILLed launcher" "it never started: $(cat "$out")"
elif grep -q alive "$out"; then
	fail "the workload dies with a SIGKILLed launcher" "it was still running"
else
	ok "the workload dies with a SIGKILLed launcher"
fi

# Files: read-only root, writable tmpfs, tar round trip.
expect "writing without --rw fails" 1 "Read-only file system" "$K" run --mode=shim -- sh -c 'echo x >/etc/kiste-test || exit 1'
expect "--tmpfs is writable; tar cf/xf works there" 0 "payload" \
	"$K" run --mode=shim --tmpfs /tmp --cwd /tmp -- sh -c 'mkdir d && echo payload >d/f && tar cf a.tar d && rm -r d && tar xf a.tar && cat d/f'
expect "--env reaches the workload" 0 "v=42" "$K" run --mode=shim --env V=42 -- sh -c 'echo v=$V'
expect "--cwd sets the working directory" 0 "/etc" "$K" run --mode=shim --cwd /etc -- pwd
# --memory is the sandbox's memory cgroup (an OOM kill, named); without a cgroup kiste
# may use, an explicit --memory falls back to RLIMIT_AS (MemoryError): kiste check says which.
if "$K" check | grep -q "^cgroups: *v"; then
	expect "--memory caps the sandbox's memory (OOM kill, named)" 137 "out of memory" \
		"$K" run --mode=shim --memory 64M -- python3 -c 'x = bytearray(200 << 20)'
else
	expect "--memory caps the address space (no cgroup here)" 1 "" \
		"$K" run --mode=shim --memory 64M -- python3 -c 'x = bytearray(200 << 20)'
fi
# A host that refuses user namespaces (a user namespace whose limit is 0) gets no
# silent fallback: the weaker run needs --unsafe-no-namespaces.
expect "a host without user namespaces is refused without the unsafe option" 125 \
	"--unsafe-no-namespaces" unshare -Ur sh -c \
	"echo 0 >/proc/sys/user/max_user_namespaces && exec '$K' run --mode=shim -- true"
# --unsafe-no-namespaces: the userspace layers alone (Landlock refuses writes).
expect "without namespaces: a pipeline runs" 0 "HI" \
	"$K" run --mode=shim --unsafe-no-namespaces -- sh -c 'echo hi | tr a-z A-Z'
mkdir -m 1777 "$tmp/ww"
expect "without namespaces: writes are refused" 1 "" \
	"$K" run --mode=shim --unsafe-no-namespaces -- sh -c "echo x >$tmp/ww/nons || exit 1"
[ ! -e "$tmp/ww/nons" ]
result $? "without namespaces: nothing was written" "$tmp/ww/nons exists"
run "$K" run --mode=shim --trace -- "$WL/hello_raw"
case "$T_OUT" in
*"write(1"*"= 7"*) ok "--trace logs each syscall" ;;
*) fail "--trace logs each syscall" "$T_OUT" ;;
esac
run "$K" policy shim
case "$T_RC:$T_OUT" in
0:*"syscalls,"*"rules"*) ok "policy shim prints the allowlist and its size" ;;
*) fail "policy shim prints the allowlist and its size" "$T_OUT" ;;
esac
for bad in execve ptrace mount bpf keyctl kexec_load init_module; do
	case "$T_OUT" in
	*"
$bad "*) fail "policy shim lacks $bad" "$bad is on the list" ;;
	*) ok "policy shim lacks $bad" ;;
	esac
done
# Issue 11: directory descriptors are host directories, not path strings capped at 255
# bytes.  fts's openat(fd, "..") walks (du, find, rm -rf), Python's fd-based rmtree and
# mkdir -p, over real trees, the same as natively.
same "du -s over /usr/share/doc" du -s /usr/share/doc
same "find -type f | wc -l over /usr/share/doc" sh -c 'find /usr/share/doc -type f | wc -l'
same "find /usr/share/doc -depth (fts walks back up)" sh -c 'find /usr/share/doc -depth | md5sum'
# ps and pgrep -f read other processes' command lines (/proc/PID/cmdline).
same "ps -o args= of a child that exec'd, and pgrep -f" sh -c \
	'sleep 7 & sleep 0.2; ps -o args= -p $!; pgrep -f "^sleep 7" >/dev/null && echo found; kill $!'
# libcap's capsh drops a capability from the bounding set, then execs: root's
# exec leaves it out of the permitted set (the guest kernel's exec applies it).
if [ "$(id -u)" = 0 ] && command -v capsh >/dev/null; then
	same "capsh --drop=cap_net_raw, then exec: cap_net_raw not permitted, cap_chown is" \
		capsh --drop=cap_net_raw -- -c \
		'capsh --has-p=cap_net_raw 2>&1; echo "rc $?"; capsh --has-p=cap_chown 2>&1; echo "rc $?"'
else
	skip "capsh --drop=cap_net_raw, then exec" "needs root and libcap's capsh"
fi
D="$here/shim-conformance/dirs"
mkdir "$tmp/dirs"	# natively, the empty folder the sandbox's tmpfs is
# A tree 60 names of 100 bytes deep (6 KB paths), a file and a symlink on each level.
deep_tree='"$0" mktree "$1/t" 60 && find "$1/t" -type f | wc -l && find "$1/t" | wc -l &&
	du -s --inodes "$1/t" | cut -f1 && rm -rf "$1/t" && echo rm-rf-done && ls "$1"'
native=$(sh -c "$deep_tree" "$D" "$tmp/dirs" 2>&1)
run "$K" run --mode=shim --tmpfs "$SHIM_TMP" -- sh -c "$deep_tree" "$D" "$SHIM_TMP"
if [ "$T_RC" = 0 ] && [ "$T_OUT" = "$native" ]; then
	ok "a 6 KB deep tree: find, du --inodes, rm -rf as natively"
else
	fail "a 6 KB deep tree: find, du --inodes, rm -rf as natively" \
		"exit $T_RC; got: $(echo "$T_OUT" | head -5) wanted: $(echo "$native" | head -5)"
fi
long=$(printf 'abcdefghi/%.0s' $(seq 60))
mkdir_p='mkdir -p "$1/$2" && cd "$1/$2" && echo here >f && cat "$1/$2/f" && rm -r "$1/abcdefghi" &&
	echo removed'
native=$(sh -c "$mkdir_p" sh "$tmp/dirs" "$long" 2>&1)
run "$K" run --mode=shim --tmpfs "$SHIM_TMP" -- sh -c "$mkdir_p" sh "$SHIM_TMP" "$long"
if [ "$T_RC" = 0 ] && [ "$T_OUT" = "$native" ] && [ "$native" = "here
removed" ]; then
	ok "mkdir -p of a 600-byte path, rm -r of it"
else
	fail "mkdir -p of a 600-byte path, rm -r of it" "exit $T_RC; got: $T_OUT; wanted: $native"
fi
if [ -x /usr/bin/python3 ]; then
	rmtree='"$0" mktree "$1/t" 60 && /usr/bin/python3 -c "import shutil, os, sys
shutil.rmtree(sys.argv[1] + \"/t\"); print(\"rmtree\", os.listdir(sys.argv[1]))" "$1"'
	native=$(sh -c "$rmtree" "$D" "$tmp/dirs" 2>&1)
	run "$K" run --mode=shim --tmpfs "$SHIM_TMP" -- sh -c "$rmtree" "$D" "$SHIM_TMP"
	if [ "$T_RC" = 0 ] && [ "$T_OUT" = "$native" ]; then
		ok "python3 shutil.rmtree of a 6 KB deep tree"
	else
		fail "python3 shutil.rmtree of a 6 KB deep tree" "exit $T_RC; got: $T_OUT; wanted: $native"
	fi
else
	skip "python3 shutil.rmtree of a 6 KB deep tree" "no /usr/bin/python3"
fi
# Without namespaces (no procfs, the rootfs not pivoted): the same walks.
run "$K" run --mode=shim --unsafe-no-namespaces -- sh -c 'find /usr/share/doc -depth | md5sum'
native=$(find /usr/share/doc -depth | md5sum)
[ "$T_RC" = 0 ] && [ "$T_OUT" = "$native" ]
result $? "without namespaces: find -depth over /usr/share/doc as natively" "exit $T_RC: $T_OUT"

# podman's spellings (issue 13): -e, --env-file (a bare name takes the caller's value,
# comments and blank lines skipped), -w/--workdir, --hostname, -v.
ef=$(mktemp /var/tmp/kiste-ef.XXXXXX)
vd=$(mktemp -d /var/tmp/kiste-v.XXXXXX)
printf 'A=from file\n# a comment\n\n  \nKISTE_EF_HOST\nKISTE_EF_UNSET\nB=x=y\n' >"$ef"
echo in-volume >"$vd/f"
chmod 755 "$vd"
chmod 644 "$ef" "$vd/f"
want="web-1
from file|x=y|c|host value|unset
/tmp
in-volume"
run env -u KISTE_EF_UNSET KISTE_EF_HOST="host value" "$K" run --mode=shim --hostname web-1 \
	-e C=c --env-file "$ef" -w /tmp -v "$vd:/mnt:ro" -- \
	sh -c 'hostname; echo "$A|$B|$C|$KISTE_EF_HOST|${KISTE_EF_UNSET-unset}"; pwd; cat /mnt/f'
[ "$T_RC" = 0 ] && [ "$T_OUT" = "$want" ]
result $? "-e, --env-file, -w, --hostname and -v as podman reads them" "exit $T_RC: $T_OUT"
run "$K" run --mode=shim --workdir /etc -- pwd
[ "$T_RC" = 0 ] && [ "$T_OUT" = /etc ]
result $? "--workdir is --cwd" "exit $T_RC: $T_OUT"
printf 'OK=1\n=bad\n' >"$ef"
expect "an --env-file line without a name: one line naming file and line (125)" 125 \
	"--env-file $ef: line 2" "$K" run --mode=shim --env-file "$ef" -- true
# podman's short spellings: -u is --user, -m is --memory (the sandbox's /proc/meminfo).
# shellcheck disable=SC2016 # the sandbox's shell expands it
expect "-u UID:GID is --user" 0 "1234:567" "$K" run --mode=shim -u 1234:567 -- \
	sh -c 'echo "$(id -u):$(id -g)"'
expect "-m SIZE is --memory" 0 "65536 kB" "$K" run --mode=shim -m 64M -- head -1 /proc/meminfo
expect "a missing --env-file: one line (125)" 125 "--env-file $ef.none" \
	"$K" run --mode=shim --env-file "$ef.none" -- true
expect "--hostname starting with a dash: one line (125)" 125 "bad --hostname" \
	"$K" run --mode=shim --hostname=-x -- true
expect "-v in a mode without volumes names the mode (125)" 125 \
	"not an option of unikernel mode" "$K" run --mode=unikernel -v "$vd:/mnt" -- true
expect "vm mode's -v with :rw: one line naming :rw (125)" 125 "read-only for now: leave out :rw" \
	"$K" run --mode=vm -v "$vd:/mnt:rw" -- true
rm -rf "$ef" "$vd"
t_done
