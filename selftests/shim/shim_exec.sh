#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# shim_exec.sh - kiste exec NAME into a running 'kiste run --mode=shim --name NAME': defaults, statuses, refusals, users.
# kiste-suite: host shim_exec.sh
# shellcheck disable=SC2016 # single-quoted scripts are for the sandbox's shell to expand
#
# Named runs in the background (each one's wait bounded: 100 tries, 0.1 s
# apart), and kiste exec into them: the process sees the run's command as
# pid 1, the run's environment, --cwd and --user (the same as a fresh run
# with those options gives its workload, and as natively), options override
# them, statuses are the process's; a name that matches nothing, a run that
# ended (its socket gone), a run whose launcher was SIGKILLed (a stale
# socket), another listener put in the socket's place, and a run folder
# others may enter are refused with one line (255), fast; two runs do not
# cross; an ordinary user finds its own runs only, root finds root's only.
# The caller's 0-2 naming files the sandbox owns reach the process as pipes
# kiste exec relays (README.md, "Descriptors 0-2"): a gate jump's fchmod,
# futimens and fsetxattr on 1 leave the file as it was, and redirections
# give what they give natively.
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=selftests/shim/shim_lib.sh
. "$here/shim-lib.helper"
K="${KISTE_SHIM:-$here/../bin/kiste}"
# shellcheck disable=SC2119 # no workloads: only the launcher is needed
shim_need
[ "$(id -u)" = 0 ] || skip_all "needs root (its runs are root's, and it runs others as other users)"
command -v busybox >/dev/null || skip_all "no busybox"
command -v python3 >/dev/null || skip_all "no python3"
tmp=$(mktemp -d)
chmod 755 "$tmp"
RUNDIR=/run/kiste-run
A=kxa$$
B=kxb$$
pids=()
cleanup()
{
	local p

	for p in "${pids[@]}"; do
		kill -TERM "$p" 2>/dev/null
	done
	wait 2>/dev/null
	# Nothing of ours stays in the shared run folder, even from a failed run (a mutant's).
	rm -f "$RUNDIR/$A.exec" "$RUNDIR/$A.exec.sock" "$RUNDIR/$A.trace" "$RUNDIR/$A.exec.init" \
		"$RUNDIR/$B.exec" "$RUNDIR/$B.exec.sock" "$RUNDIR/$B.trace" "$RUNDIR/$B.exec.init"
	rm -rf "$tmp"
}
trap cleanup EXIT

# Waits until `kiste exec NAME true` works (bounded): 0 once it does.
wait_exec()	# NAME [ENV-AND-SETPRIV-PREFIX...]
{
	local name="$1"

	shift
	for _ in $(seq 100); do
		timeout -k 5 10 "$@" "$K" exec "$name" true </dev/null >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}

RUNOPTS=(-e RUNVAR=from-run -e PATH=/bin:/usr/bin --cwd /tmp --user 1000:1001)
"$K" run --mode=shim --name "$A" "${RUNOPTS[@]}" -- sleep 60 </dev/null >"$tmp/a.log" 2>&1 &
pa=$!
pids+=("$pa")
"$K" run --mode=shim --name "$B" -e RUNVAR=from-b -- sleep 60 </dev/null >"$tmp/b.log" 2>&1 &
pb=$!
pids+=("$pb")
wait_exec "$A" || bail "the run $A never took exec requests: $(cat "$tmp/a.log")"
wait_exec "$B" || bail "the run $B never took exec requests: $(cat "$tmp/b.log")"

X() { timeout -k 5 20 "$K" exec "$@"; }

# The launcher names its init for the relay's id maps once they are written (before the
# init serves): "LAUNCHER INIT", the init the launcher's child.
read -r l i <"$RUNDIR/$A.exec.init" 2>/dev/null
[ "$l" = "$pa" ] && [ "$(awk '{ print $4 }' "/proc/$i/stat" 2>/dev/null)" = "$pa" ]
result $? "NAME.exec.init names the launcher and its init" "$(cat "$RUNDIR/$A.exec.init" 2>&1)"
expect "the run's command is pid 1" 0 "sleep 60" X "$A" sh -c 'tr "\0" " " </proc/1/cmdline'
expect "the run's -e" 0 "from-run" X "$A" sh -c 'echo $RUNVAR'
expect "the run's --cwd" 0 "/tmp" X "$A" pwd
expect "the run's --user" 0 "1000:1001" X "$A" sh -c 'echo $(id -u):$(id -g)'
# The whole environment, cwd and identity: as a fresh run with the run's options gives them.
probe='env | sort; pwd; id -u; id -g'
run X "$A" sh -c "$probe"
xo=$T_OUT
xr=$T_RC
run "$K" run --mode=shim "${RUNOPTS[@]}" -- sh -c "$probe"
[ "$xr" = 0 ] && [ "$T_RC" = 0 ] && [ "$xo" = "$T_OUT" ]
result $? "environment, cwd and identity: those of the run's workload" \
	"exec ($xr): $xo / run ($T_RC): $T_OUT"
# And natively: the same variables the run set (PATH, RUNVAR), the same folder.
nat=$(cd /tmp && env -i PATH=/bin:/usr/bin RUNVAR=from-run sh -c 'echo $RUNVAR $PATH; pwd')
expect "the run's variables and folder as natively (${nat//$'\n'/ })" 0 "$nat" \
	X "$A" sh -c 'echo $RUNVAR $PATH; pwd'

expect "exit 0" 0 "" X "$A" true
expect "exit 3" 3 "" X "$A" sh -c 'exit 3'
expect "killed by TERM: 143" 143 "" X "$A" sh -c 'kill -TERM $$'
expect "killed by KILL: 137" 137 "" X "$A" sh -c 'kill -KILL $$'
expect "-e overrides the run's" 0 "mine new" X -e RUNVAR=mine -e NEW=new "$A" sh -c 'echo $RUNVAR $NEW'
expect "--cwd overrides the run's" 0 "/etc" X --cwd /etc "$A" pwd
expect "-u overrides the run's" 0 "0:0" X -u 0:0 "$A" sh -c 'echo $(id -u):$(id -g)'
expect "a missing program: 255" 255 "" X "$A" /nonexistent/prog

# Descriptors: 0-2 and --preserve-fds go, nothing else of the caller's.
echo kept-fd >"$tmp/f3"
run bash -c "exec 3<'$tmp/f3' 4<'$tmp/f3' 5<'$tmp/f3'; timeout -k 5 20 '$K' exec --preserve-fds 1 '$A' \
	sh -c 'cat <&3; for f in 4 5 6 7; do [ -e /proc/self/fd/\$f ] && echo leaked \$f; done; echo end'"
[ "$T_RC" = 0 ] && [ "$T_OUT" = "kept-fd
end" ]
result $? "--preserve-fds 1 passes 3; the caller's 4 and 5 stay out" "exit $T_RC: $T_OUT"
run bash -c "exec 3<'$tmp/f3'; timeout -k 5 20 '$K' exec '$A' sh -c '[ -e /proc/self/fd/3 ] && echo leaked; echo end'"
[ "$T_RC" = 0 ] && [ "$T_OUT" = end ]
result $? "without --preserve-fds the caller's 3 stays out" "exit $T_RC: $T_OUT"

# Two runs: each exec reaches its own.
expect "the other run's own environment" 0 "from-b" X "$B" sh -c 'echo $RUNVAR'
expect "the other run's own cwd (/)" 0 "/" X "$B" pwd
run X "$A" sh -c 'echo $RUNVAR'
[ "$T_OUT" = from-run ]
result $? "the first run still its own" "$T_OUT"

# -d with --pid-file: the stand-in's pid, which ends with the process's status.
run X -d --pid-file "$tmp/pid" "$A" sh -c 'sleep 0.3; exit 4'
p=$(cat "$tmp/pid" 2>/dev/null)
[ "$T_RC" = 0 ] && [ -n "$p" ]
result $? "--detach returns at once and writes --pid-file" "exit $T_RC: $T_OUT"
for _ in $(seq 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
kill -0 "$p" 2>/dev/null
result $((!$?)) "the detached stand-in ends with its process"

# -t: kiste relays a terminal of the sandbox's, as docker exec -t; the same text and status as natively.
TH="$here/shim-wl/ttyharness.py"
# harness R [ACTION...] -- SCRIPT: what the terminal showed (any /dev/pts/N), status in H_RC.
harness()
{
	local r="$1"

	shift
	H_OUT=$(R="$r" timeout -k 5 60 python3 "$TH" "$@" 2>&1 </dev/null | sed -e 's|/dev/pts/[0-9]*|/dev/pts/N|g')
	H_RC=${PIPESTATUS[0]}
}
tty_same()	# NAME WANT [ACTION...] -- SCRIPT
{
	local name="$1" want="$2" nat nrc

	shift 2
	harness "" "$@"
	nat=$H_OUT
	nrc=$H_RC
	harness "timeout --foreground -k 5 30 $K exec -t -i $B" "$@"
	if [[ "$nat" != *"$want"* ]]; then
		fail "$name" "natively: no '$want' in: $nat"
	elif [ "$H_OUT" = "$nat" ] && [ "$H_RC" = "$nrc" ]; then
		ok "$name"
	else
		fail "$name" "exec (status $H_RC): $H_OUT
natively (status $nrc): $nat"
	fi
}
if [ -f "$TH" ]; then
	tty_same "-t: a terminal at 0-2 of the caller's size, the process's status" "33 77" -- \
		'echo ready; $R sh -c '"'"'[ -t 0 ] && [ -t 1 ] && [ -t 2 ] && echo on a tty; stty size; exit 4'"'"'; echo rc=$?'
	tty_same "-t -i: a typed line runs, its status comes back" "typed 6" sleep:1 type:6563686f20747970656420363b206578697420360a -- \
		'echo ready; $R sh; echo rc=$?'
	tty_same "-t -i: ^C is the process's terminal's (its INT trap runs)" "INT" sleep:1 type:03 -- \
		'echo ready; $R sh -c '"'"'trap "echo INT; exit 7" INT; sleep 10 & wait'"'"'; echo rc=$?'
	# A signal to kiste exec -t goes on to the process, as without -t (raw mode's own
	# handlers for the signals that would end kiste must not end the stand-in instead).
	pidf=$(mktemp)
	usr1='echo $$ >'"$pidf"'; exec $R sh -c '"'"'trap "echo USR1; exit 5" USR1; echo ready; sleep 10 & wait'"'"
	harness "" sleep:1 "kill:USR1:$pidf" -- "$usr1"
	nat=$H_OUT
	nrc=$H_RC
	harness "$K exec -t -i $B" sleep:2 "kill:USR1:$pidf" -- "$usr1"
	rm -f "$pidf"
	if [[ "$nat" == *USR1* ]] && [ "$H_OUT" = "$nat" ] && [ "$H_RC" = "$nrc" ]; then
		ok "-t -i: a signal to kiste exec reaches the process (its USR1 trap runs, 5)"
	else
		fail "-t -i: a signal to kiste exec reaches the process" "exec (status $H_RC): $H_OUT
natively (status $nrc): $nat"
	fi
else
	skip "-t through kiste's relay" "no $TH: build it (make)"
fi
expect "-d with -t and no --console-socket: one line, 255" 255 "console-socket" X -d -t "$A" true
expect "--process is for OCI containers: 255" 255 "--process" X --process /dev/null "$A"

# A name that matches nothing: both places named, at once.
run X nosuch$$ true
[ "$T_RC" = 255 ] && [[ "$T_OUT" == *"does not exist"*"--root"*"$RUNDIR"* ]] &&
	[ "$(printf '%s\n' "$T_OUT" | wc -l)" = 1 ]
result $? "an unknown name: one line naming --root and $RUNDIR, 255" "exit $T_RC: $T_OUT"

# A run without namespaces has no init to start processes in it: one line that says so.
N=kxn$$
"$K" run --mode=shim --unsafe-no-namespaces --name "$N" -- sleep 60 </dev/null >"$tmp/n.log" 2>&1 &
pn=$!
pids+=("$pn")
for _ in $(seq 100); do [ -e "$RUNDIR/$N.trace" ] && break; sleep 0.1; done
run X "$N" true
[ "$T_RC" = 255 ] && [[ "$T_OUT" == *"takes no exec requests"*"--unsafe-no-namespaces"* ]] &&
	[ "$(printf '%s\n' "$T_OUT" | wc -l)" = 1 ]
result $? "a run with --unsafe-no-namespaces: one line naming why it takes no exec, 255" \
	"exit $T_RC: $T_OUT"
kill -TERM "$pn"
wait "$pn" 2>/dev/null

# Another listener in the socket's place (same user): refused before any request goes.
mv "$RUNDIR/$A.exec.sock" "$tmp/a.sock"
python3 - "$RUNDIR/$A.exec.sock" "$tmp/rogue" <<'PY' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.bind(sys.argv[1]); s.listen(4); s.settimeout(15)
open(sys.argv[2], "w").write("listening\n")
try:
    c, _ = s.accept(); c.settimeout(5)
    d = c.recv(65536)
    open(sys.argv[2], "a").write(("got %d bytes\n" % len(d)) if d else "closed\n")
except Exception as e:
    open(sys.argv[2], "a").write("nothing: %s\n" % e)
PY
rogue=$!
for _ in $(seq 100); do grep -q listening "$tmp/rogue" 2>/dev/null && break; sleep 0.1; done
run X "$A" true
kill "$rogue" 2>/dev/null
wait "$rogue" 2>/dev/null
rm -f "$RUNDIR/$A.exec.sock"
mv "$tmp/a.sock" "$RUNDIR/$A.exec.sock"
[ "$T_RC" = 255 ] && [[ "$T_OUT" == *changed* ]] && ! grep -q "got" "$tmp/rogue"
result $? "a listener that is not the run's launcher's gets no request (255)" \
	"exit $T_RC: $T_OUT; listener: $(cat "$tmp/rogue")"
expect "the run's own socket back: exec works again" 0 "from-run" X "$A" sh -c 'echo $RUNVAR'

# The run ends (TERM to its launcher): its socket and defaults go, exec is refused.
kill -TERM "$pa"
wait "$pa"
[ ! -e "$RUNDIR/$A.exec.sock" ] && [ ! -e "$RUNDIR/$A.exec" ] && [ ! -e "$RUNDIR/$A.trace" ] &&
	[ ! -e "$RUNDIR/$A.exec.init" ]
result $? "an ended run leaves neither NAME.exec.sock, NAME.exec nor NAME.exec.init" "$(echo "$RUNDIR/$A".*)"
expect "exec into an ended run: 255, does not exist" 255 "does not exist" X "$A" true

# The launcher SIGKILLed: its files stay, and are refused at once (no hang).
kill -KILL "$pb"
wait "$pb" 2>/dev/null
for _ in $(seq 100); do [ -e "$RUNDIR/$B.exec.sock" ] || break; sleep 0.1; done
[ -e "$RUNDIR/$B.exec.sock" ]
result $? "a SIGKILLed launcher leaves its socket behind (the case below)"
SECONDS=0
expect "exec into a SIGKILLed run: 255, does not exist" 255 "does not exist" X "$B" true
[ "$SECONDS" -lt 5 ]
result $? "...at once (${SECONDS}s)"
# A new run of that name: exec reaches it, with its own defaults.
"$K" run --mode=shim --name "$B" -e RUNVAR=from-b2 -- sleep 60 </dev/null >"$tmp/b2.log" 2>&1 &
pb2=$!
pids+=("$pb2")
wait_exec "$B"
expect "a new run under the name: exec reaches it, its defaults" 0 "from-b2" X "$B" sh -c 'echo $RUNVAR'
kill -TERM "$pb2"
wait "$pb2"

# Ordinary users: their own folder ($XDG_RUNTIME_DIR/kiste-run), their own runs only.
U1=nobody
U2=daemon
if ! id "$U1" >/dev/null 2>&1 || ! id "$U2" >/dev/null 2>&1; then
	skip "ordinary users' runs" "no users $U1 and $U2"
	t_done
	exit
fi
mkdir -p "$tmp/x1" "$tmp/x2"
chown "$U1:" "$tmp/x1"
chown "$U2:" "$tmp/x2"
chmod 700 "$tmp/x1" "$tmp/x2"
as1=(env XDG_RUNTIME_DIR="$tmp/x1" setpriv --reuid "$(id -u $U1)" --regid "$(id -g $U1)" --clear-groups --)
as2=(env XDG_RUNTIME_DIR="$tmp/x2" setpriv --reuid "$(id -u $U2)" --regid "$(id -g $U2)" --clear-groups --)
as2in1=(env XDG_RUNTIME_DIR="$tmp/x1" setpriv --reuid "$(id -u $U2)" --regid "$(id -g $U2)" --clear-groups --)
"${as1[@]}" "$K" run --mode=shim --name "$A" -e RUNVAR=user1 -- sleep 60 </dev/null >"$tmp/u1.log" 2>&1 &
pu=$!
pids+=("$pu")
if wait_exec "$A" "${as1[@]}"; then
	ok "an ordinary user's named run takes its exec requests"
else
	fail "an ordinary user's named run takes its exec requests" "$(cat "$tmp/u1.log")"
fi
expect "its process: the run's environment, the caller as root inside" 0 "user1 0" \
	"${as1[@]}" timeout 20 "$K" exec "$A" sh -c 'echo $RUNVAR $(id -u)'
# Another sandbox of the same user, on the host's / (where the run folder is visible):
# the folder is covered, so no run's -e values can be read from NAME.exec: under the
# caller's XDG_RUNTIME_DIR, and under /run/user/UID whatever the caller's environment.
# (A folder of the test's own under /var/tmp, and /run/user/UID made for the test when
# the user has none.)
vt=$(mktemp -d /var/tmp/kiste-exec.XXXXXX)
chmod 755 "$vt"
ru="/run/user/$(id -u $U1)"
made_ru=
if [ ! -e "$ru" ]; then
	mkdir -p /run/user && mkdir -m 700 "$ru" && chown "$U1:" "$ru" && made_ru=1
fi
C=kxc$$
for where in "$vt/x" "$ru"; do
	[ "$where" = "$vt/x" ] && mkdir -m 700 "$where" && chown "$U1:" "$where"
	asv=(env XDG_RUNTIME_DIR="$where" setpriv --reuid "$(id -u $U1)" --regid "$(id -g $U1)" \
		--clear-groups --)
	"${asv[@]}" "$K" run --mode=shim --name "$C" -e RUNVAR=secret-of-c -- sleep 60 </dev/null \
		>"$tmp/c.log" 2>&1 &
	pc=$!
	pids+=("$pc")
	# /run/user/UID: the other sandbox started without XDG_RUNTIME_DIR at all.
	unset_x=()
	[ "$where" = "$ru" ] && unset_x=(-u XDG_RUNTIME_DIR)
	if wait_exec "$C" "${asv[@]}" && [ -e "$where/kiste-run/$C.exec" ]; then
		expect "another sandbox of the user sees $where/kiste-run empty (no run's -e values)" \
			0 "entries: 0" "${asv[@]}" env "${unset_x[@]}" timeout 20 "$K" run \
			--mode=shim -- sh -c "cat $where/kiste-run/$C.exec 2>/dev/null; \
			echo entries: \$(ls -A $where/kiste-run | wc -l)"
	else
		fail "a named run with its run folder in $where" "$(cat "$tmp/c.log")"
	fi
	kill -TERM "$pc" 2>/dev/null
	wait "$pc" 2>/dev/null
done
rm -rf "$vt"
[ -n "$made_ru" ] && rm -rf "$ru"

# The caller's 0-2 on files the sandbox's root owns (the user's own): relayed through pipes, so
# neither the guest kernel's calls nor a gate jump past it (the hostile suite's attack) changes
# their mode, times or xattrs; the bytes are what the same command writes natively.
ATT="$here/hostile/attack"
uf() { for f in "$@"; do : >"$tmp/x1/$f"; chown "$U1:" "$tmp/x1/$f"; done; }
meta() { stat -c '%a %u %g' "$1"; python3 -c 'import os, sys; print(sorted(os.listxattr(sys.argv[1])))' "$1" 2>&1; }
if [ -x "$ATT" ]; then
	cp "$ATT" "$tmp/attack"
	chmod 755 "$tmp/attack"
	# shellcheck disable=SC2016 # the sandbox's shell expands $1
	atk='echo before; python3 -c "
import os
for n, f in ((\"fchmod\", lambda: os.fchmod(1, 0o6777)), (\"futimens\", lambda: os.utime(1, (1, 1))),
             (\"fsetxattr\", lambda: os.setxattr(1, \"user.kiste\", b\"x\"))):
    try: f(); print(\"gk\", n, \"ok\", file=os.sys.stderr)
    except OSError as e: print(\"gk\", n, e.errno, file=os.sys.stderr)
"; "$1" gatemeta 1; echo after'
	uf f nat ferr
	echo keep >"$tmp/x1/f"
	echo keep >"$tmp/x1/nat"
	chmod 640 "$tmp/x1/f"
	b=$(meta "$tmp/x1/f")
	t0=$(stat -c %Y "$tmp/x1/f")
	sleep 1.1
	"${as1[@]}" timeout 20 "$K" exec "$A" sh -c "$atk" sh "$tmp/attack" \
		>>"$tmp/x1/f" 2>"$tmp/x1/ferr" </dev/null
	rc=$?
	# Natively there is no gate to jump to: the attack's step is none (true).
	"${as1[@]}" sh -c "$atk" sh true >>"$tmp/x1/nat" 2>/dev/null </dev/null
	a=$(meta "$tmp/x1/f")
	t1=$(stat -c %Y "$tmp/x1/f")
	[ "$rc" = 0 ] && grep -q "gatemeta fchmod=" "$tmp/x1/ferr" && grep -q "gk fchmod" "$tmp/x1/ferr" &&
		[ "$a" = "$b" ] && [ "$t1" -ge "$t0" ] && cmp -s "$tmp/x1/f" "$tmp/x1/nat"
	result $? "exec >>FILE: a gate jump's and the guest kernel's fchmod, futimens, fsetxattr on 1 leave the file as it was, its bytes as natively" \
		"exit $rc; before: $b ($t0); after: $a ($t1); content: $(tr '\n' '|' <"$tmp/x1/f"), natively: $(tr '\n' '|' <"$tmp/x1/nat"); $(tr '\n' '|' <"$tmp/x1/ferr")"
	# The run's own workload (here an earlier exec) plants the jump in /root/.bashrc, on the
	# tmpfs later processes share; the user's `kiste exec NAME bash -i ... >>FILE` runs it.
	uf g
	echo keep >"$tmp/x1/g"
	chmod 640 "$tmp/x1/g"
	b=$(meta "$tmp/x1/g")
	"${as1[@]}" timeout 20 "$K" exec "$A" sh -c 'echo "$1 gatemeta 1" >/root/.bashrc' sh \
		"$tmp/attack" </dev/null >/dev/null 2>&1
	"${as1[@]}" timeout 20 "$K" exec "$A" bash -i -c 'echo hi' >>"$tmp/x1/g" 2>"$tmp/x1/gerr" </dev/null
	rc=$?
	"${as1[@]}" timeout 20 "$K" exec "$A" rm -f /root/.bashrc </dev/null >/dev/null 2>&1
	a=$(meta "$tmp/x1/g")
	[ "$rc" = 0 ] && grep -q "gatemeta fchmod=" "$tmp/x1/gerr" && [ "$a" = "$b" ] &&
		[ "$(cat "$tmp/x1/g")" = $'keep\nhi' ]
	result $? "a .bashrc the sandbox planted jumps at 1 of a later 'exec bash -i >>FILE': the file as it was" \
		"exit $rc; before: $b; after: $a; $(tr '\n' '|' <"$tmp/x1/g"); $(tr '\n' '|' <"$tmp/x1/gerr")"
else
	skip "exec >>FILE under a gate jump" "no $ATT: build the hostile suite (make selftests)"
fi
# Redirections through the relay: the same bytes and status as natively.
printf 'line one\nline two\n' >"$tmp/x1/in"
chown "$U1:" "$tmp/x1/in"
rdr()	# NAME SHELL-REDIRECTIONS COMMAND: exec's files (e.*) against native ones (n.*)
{
	local erc nrc
	uf e.out e.err n.out n.err
	"${as1[@]}" sh -c "cd '$tmp/x1' && exec timeout 20 '$K' exec '$A' $3 $2"
	erc=$?
	# shellcheck disable=SC2001 # the native run writes n.* where exec wrote e.*
	"${as1[@]}" sh -c "cd '$tmp/x1' && exec $3 $(echo "$2" | sed 's/e\./n./g')"  2>/dev/null
	nrc=$?
	[ "$erc" = "$nrc" ] && cmp -s "$tmp/x1/e.out" "$tmp/x1/n.out" && cmp -s "$tmp/x1/e.err" "$tmp/x1/n.err"
	result $? "$1: as natively" "exit $erc (natively $nrc); out: $(head -c 300 "$tmp/x1/e.out" | tr '\n\0' '|.') (natively $(head -c 300 "$tmp/x1/n.out" | tr '\n\0' '|.')); err: $(tr '\n' '|' <"$tmp/x1/e.err") (natively $(tr '\n' '|' <"$tmp/x1/n.err"))"
}
rdr "cat FILE >out" ">e.out 2>e.err </dev/null" "cat $tmp/x1/in"
rdr "cat <in >out" "<in >e.out 2>e.err" "cat"
rdr "sh >out 2>&1, exit 3" ">e.out 2>&1 </dev/null" "sh -c 'echo one; echo two >&2; echo three; exit 3'"
rdr "sh >out 2>err, killed by TERM" ">e.out 2>e.err </dev/null" "sh -c 'echo out; echo err >&2; kill -TERM \$\$'"
rdr "a large output (1 MiB) >>out" ">>e.out 2>e.err </dev/null" "head -c 1048576 /etc/services /dev/zero"
rdr "wc <in (its offset: nothing left unread)" "<in >e.out 2>e.err" "sh -c 'wc -l; cat'"
# What the process left unread goes back to the file's offset, as natively (a shell's read).
uf e.out n.out
"${as1[@]}" sh -c "cd '$tmp/x1' && { timeout 20 '$K' exec '$A' sh -c 'read l; echo got \$l'; cat; } <in >e.out"
"${as1[@]}" sh -c "cd '$tmp/x1' && { sh -c 'read l; echo got \$l'; cat; } <in >n.out"
cmp -s "$tmp/x1/e.out" "$tmp/x1/n.out"
result $? "unread input goes back to the file's offset (read l; then cat)" \
	"exec: $(tr '\n' '|' <"$tmp/x1/e.out"); natively: $(tr '\n' '|' <"$tmp/x1/n.out")"
# -d and --preserve-fds cannot relay such a file: one line naming the fix, 255, nothing started.
uf d.out
expect "-d with 1 on such a file: one line naming the fix, 255" 255 "-d: standard output" \
	"${as1[@]}" sh -c "timeout 20 '$K' exec -d '$A' sh -c 'echo ran' >>'$tmp/x1/d.out'"
[ "$(printf '%s\n' "$T_OUT" | wc -l)" = 1 ] && [ ! -s "$tmp/x1/d.out" ]
result $? "-d with such a file: one line, nothing ran" "$T_OUT / $(cat "$tmp/x1/d.out")"
expect "-d with 1 a pipe: runs" 0 "" "${as1[@]}" sh -c "timeout 20 '$K' exec -d '$A' true | cat"
expect "--preserve-fds with 3 on such a file: one line naming the fix, 255" 255 "--preserve-fds: descriptor 3" \
	"${as1[@]}" sh -c "timeout 20 '$K' exec --preserve-fds 1 '$A' true 3>>'$tmp/x1/d.out'"
expect "--preserve-fds with 3 a pipe: passes" 0 "via3" \
	"${as1[@]}" sh -c "echo via3 | timeout 20 '$K' exec --preserve-fds 1 '$A' sh -c 'cat <&3' 3<&0 </dev/null"
expect "root does not find an ordinary user's run" 255 "does not exist" X "$A" true
expect "another user does not find it" 255 "does not exist" "${as2[@]}" timeout 20 "$K" exec "$A" true
expect_not "another user pointed at its folder is refused" 255 "user1" \
	"${as2in1[@]}" timeout 20 "$K" exec "$A" sh -c 'echo $RUNVAR'
# The init serves its owner only: a request on the socket itself, by the user and by root.
cat >"$tmp/req.py" <<'PY'
import os, socket, struct, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.settimeout(10)
s.connect(sys.argv[1])
strs = b"/\0true\0PATH=/bin:/usr/bin\0"
hdr = struct.pack("<8I2H", 0x6b783031, len(strs), 1, 1, 0, 0, 3, 1, 0, 0)
try:
    s.sendmsg([hdr + strs], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, struct.pack("3i", 0, 1, 2))])
except OSError:
    pass  # answered and closed before the request was read: the answer is there
kind, value = struct.unpack("<2i", s.recv(248)[:8])
print({1: "started", 3: "refused"}.get(kind, kind), value)
PY
chmod 644 "$tmp/req.py"
expect "a request on the socket by the run's user: started" 0 "started" \
	"${as1[@]}" /usr/bin/python3 "$tmp/req.py" "$tmp/x1/kiste-run/$A.exec.sock"
expect "the same request by host root: refused by the init" 0 "refused -1" \
	/usr/bin/python3 "$tmp/req.py" "$tmp/x1/kiste-run/$A.exec.sock"
# A run folder others may enter: the run and exec refuse it.
chmod 755 "$tmp/x1/kiste-run"
expect "exec refuses a run folder others may enter" 255 "only you can" \
	"${as1[@]}" timeout 20 "$K" exec "$A" true
expect "a named run refuses a run folder others may enter" 125 "only you can" \
	"${as1[@]}" timeout 20 "$K" run --mode=shim --name "$B" -- true
chmod 700 "$tmp/x1/kiste-run"
kill -TERM "$pu"
wait "$pu"
t_done
