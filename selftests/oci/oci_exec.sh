#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# oci_exec.sh - kiste exec beside runc exec on one bundle: output, status, options, signals, detach, refusals, hostile requests.
# kiste-suite: host oci_exec.sh
# shellcheck disable=SC2016 # the single-quoted commands are the container's shell's to expand
#
# A running shim container and, where runc can run here, a runc one from the
# same bundle: each exec must give runc's status and, where it prints, runc's
# output.  Then what only kiste's side has: the requests its init reads, held
# to one line each and a container that runs on.
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=selftests/lib/tap.sh
. "$here/tap.sh"
K="${KISTE_BIN:-$here/../bin/kiste}"
BB=$(command -v busybox)
[ -x "$K" ] || bail "no kiste at $K: build it first"
if [ -z "$BB" ] || ldd "$BB" >/dev/null 2>&1; then
	skip_all "busybox-static is not installed (make deps)"
fi
command -v python3 >/dev/null || skip_all "python3 is not installed (make deps)"
[ "$(id -u)" = 0 ] || skip_all "needs root (the OCI suites run containers as runc does)"
# shellcheck source=selftests/oci/oci_lib.sh
. "$here/oci_lib.sh"

# /dev/pts as engines mount it: runc's terminals need it (kiste's init makes its own anyway).
bundle_cfg 'trap "exit 3" TERM; echo started; while :; do sleep 1; done' box '{"mounts": [
 {"destination": "/proc", "type": "proc", "source": "proc"},
 {"destination": "/dev", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "mode=755"]},
 {"destination": "/dev/pts", "type": "devpts", "source": "devpts",
  "options": ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"]}]}'
for r in kiste ${RUNC:+runc}; do
	rt "$r" create --bundle "$B" e1
	[ "$T_RC" -eq 0 ] || bail "$r create failed: $T_OUT"
	rt "$r" start e1
	[ "$T_RC" -eq 0 ] || bail "$r start failed: $T_OUT"
done

# exec_same NAME WANT_RC -- EXEC-ARGS: kiste's status WANT_RC, and its output runc's.
exec_same()
{
	local name="$1" want="$2" rout=""
	shift 3
	if [ -n "$RUNC" ]; then
		rt runc "$@"
		[ "$T_RC" -eq "$want" ] || t_diag "runc itself gave $T_RC for '$*' (table says $want)"
		rout=$T_OUT
	fi
	rt kiste "$@"
	if [ "$T_RC" -ne "$want" ]; then
		fail "$name" "kiste exit $T_RC, wanted $want: $T_OUT"
	elif [ -n "$RUNC" ] && [ "$rout" != "$T_OUT" ]; then
		fail "$name" "kiste printed '$T_OUT', runc '$rout'"
	elif [ -z "$T_OUT" ] && [ "$want" -ne 143 ] && [ "$want" -ne 0 ]; then
		fail "$name" "no output"
	else
		ok "$name"
	fi
}

exec_same "output, status 7, the config's cwd and environment" 7 -- \
	exec e1 sh -c 'echo in $(pwd) PATH=$PATH TERM=$TERM; exit 7'
exec_same "--cwd, --env over the config's, --user" 0 -- \
	exec --cwd / -e TERM=dumb -e NEW=1 -u 1000:1000 e1 sh -c 'echo $(pwd) $TERM $NEW $(id -u):$(id -g)'
exec_same "killed by its own TERM: 143" 143 -- exec e1 sh -c 'kill -TERM $$'
exec_same "true: 0" 0 -- exec e1 true
python3 - "$tmp/proc.json" <<'PY'
import json, sys
json.dump({"terminal": False, "user": {"uid": 7, "gid": 8}, "cwd": "/bin",
           "args": ["sh", "-c", "echo from the file in $(pwd) as $(id -u):$(id -g) X=$X; exit 4"],
           "env": ["PATH=/bin", "X=y"]}, open(sys.argv[1], "w"))
PY
exec_same "--process FILE: args, env, cwd and user from it" 4 -- exec --process "$tmp/proc.json" e1
step "a missing program: 255" 255 "executable file not found" -- exec e1 nosuchcmd
step "a missing cwd: 255" 255 "" -- exec --cwd /nonexist e1 true
step "a container that does not exist: 255" 255 "does not exist" -- exec nosuch true
step "--tty without a console socket: 255" 255 "" -- exec -t e1 true
# runc answers 255 here too; kiste's usage errors are 2, as every kiste command's.
rt kiste exec e1
result "$([ "$T_RC" -eq 2 ] && [[ "$T_OUT" == *"missing the command"* ]]; echo $?)" \
	"no command: a usage error (2) naming what is missing" "exit $T_RC: $T_OUT"

# Descriptors: 0-2 are the caller's, --preserve-fds N adds 3..3+N-1.
pres()	# kiste|runc: what the process wrote to its descriptor 3
{
	local bin="$K" root="$KROOT"
	[ "$1" = runc ] && bin="$RUNC" root="$RROOT"
	"$bin" --root "$root" exec --preserve-fds 1 e1 sh -c 'echo via3 >&3; echo via1' \
		3>"$tmp/fd3.$1" >"$tmp/fd1.$1" 2>&1 </dev/null
	echo "rc=$? fd3=$(cat "$tmp/fd3.$1") fd1=$(cat "$tmp/fd1.$1")"
}
got=$(pres kiste)
result "$([ "$got" = "rc=0 fd3=via3 fd1=via1" ]; echo $?)" "--preserve-fds 1: descriptor 3 reaches the process" "$got"
if [ -n "$RUNC" ]; then
	rgot=$(pres runc)
	result "$([ "$rgot" = "$got" ]; echo $?)" "... the same as runc" "kiste: $got
runc: $rgot"
fi
printf 'one\ntwo\nthree\n' >"$tmp/in"
"$K" --root "$KROOT" exec e1 sh -c 'while read -r l; do echo "<$l>"; done' <"$tmp/in" >"$tmp/stdin.out" 2>&1
result "$([ "$(cat "$tmp/stdin.out")" = $'<one>\n<two>\n<three>' ]; echo $?)" \
	"stdin is the caller's" "$(cat "$tmp/stdin.out")"
# A file the container's root owns (the host id its uid_map gives 0) at 1 and 0 reaches the
# process as a pipe kiste exec relays (README.md, "Descriptors 0-2": a gate jump could change
# it otherwise); the bytes as natively, its mode and owner as they were.
ipid=$("$K" --root "$KROOT" state e1 | python3 -c 'import json, sys; print(json.load(sys.stdin)["pid"])')
croot=$(awk '$1 == 0 { print $2 }' "/proc/$ipid/uid_map" 2>/dev/null)
cgrp=$(awk '$1 == 0 { print $2 }' "/proc/$ipid/gid_map" 2>/dev/null)
if [ -n "$croot" ] && [ -n "$cgrp" ]; then
	printf 'one\ntwo\n' >"$tmp/cin"
	echo keep >"$tmp/cout"
	chown "$croot:$cgrp" "$tmp/cin" "$tmp/cout"
	chmod 640 "$tmp/cin" "$tmp/cout"
	b=$(stat -c '%a %u %g' "$tmp/cin" "$tmp/cout")
	"$K" --root "$KROOT" exec e1 sh -c '[ -p /proc/self/fd/0 ] && [ -p /proc/self/fd/1 ] && echo piped; cat' \
		<"$tmp/cin" >>"$tmp/cout" 2>&1
	rc=$?
	a=$(stat -c '%a %u %g' "$tmp/cin" "$tmp/cout")
	result "$([ "$rc" = 0 ] && [ "$(cat "$tmp/cout")" = $'keep\npiped\none\ntwo' ] && [ "$a" = "$b" ]; echo $?)" \
		"0 and 1 on files the container's root owns: relayed pipes, the bytes as natively" \
		"exit $rc: $(tr '\n' '|' <"$tmp/cout"); before: $b; after: $a"
	# runc would hand the file over: kiste refuses what nothing would relay after it returns.
	out=$("$K" --root "$KROOT" exec -d e1 sh -c 'echo ran' 2>&1 >>"$tmp/cout" </dev/null)
	rc=$?
	result "$([ "$rc" = 255 ] && [[ "$out" == *"-d: standard output"* ]] &&
		! grep -q ran "$tmp/cout"; echo $?)" \
		"-d with 1 on such a file: one line naming the fix, 255, nothing ran" "exit $rc: $out"
else
	skip "0 and 1 on files the container's root owns" "no uid_map for the container's init ($ipid)"
fi

# A terminal as conmon asks for one: --console-socket gets the master (SCM_RIGHTS).
python3 - "$tmp/tty.json" <<'PY'
import json, sys
json.dump({"terminal": True, "consoleSize": {"height": 30, "width": 100},
           "user": {"uid": 0, "gid": 0}, "cwd": "/",
           "args": ["sh", "-c", "tty; stty size; [ -t 0 ] && echo stdin too; exit 3"],
           "env": ["PATH=/bin"]}, open(sys.argv[1], "w"))
PY
console()	# kiste|runc: what the process wrote on its terminal, and exec's status
{
	local bin="$K" root="$KROOT"
	[ "$1" = runc ] && bin="$RUNC" root="$RROOT"
	python3 - "$bin" "$root" "$tmp/console.$1" "$tmp/tty.json" <<'PY'
import array, ctypes, os, socket, subprocess, sys
ctypes.CDLL(None).prctl(36, 1, 0, 0, 0)	# PR_SET_CHILD_SUBREAPER, as conmon
binary, root, path, proc = sys.argv[1:5]
srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
srv.bind(path)
srv.listen(1)
# As conmon runs it: detached, the terminal's master to its socket, the pid to wait for.
p = subprocess.Popen([binary, "--root", root, "exec", "--detach", "--pid-file", path + ".pid",
                      "--console-socket", path, "--process", proc, "e1"],
                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                     stderr=subprocess.DEVNULL)
srv.settimeout(20)
conn, _ = srv.accept()
fds = array.array("i")
msg, anc, _, _ = conn.recvmsg(1024, socket.CMSG_SPACE(4))
for level, kind, data in anc:
    fds.frombytes(data[:4])
out = b""
while True:
    try:
        b = os.read(fds[0], 4096)
    except OSError:
        break
    if not b:
        break
    out += b
rc = p.wait(timeout=20)
_, st = os.waitpid(int(open(path + ".pid").read()), 0)
print("exec=%d reaped=%d %s" % (rc, os.waitstatus_to_exitcode(st),
                                out.decode().replace("\r", "").replace("\n", "|")))
PY
}
got=$(console kiste)
result "$([ "$got" = "exec=0 reaped=3 /dev/pts/0|30 100|stdin too|" ]; echo $?)" \
	"exec -d --console-socket: the process's own terminal (consoleSize), the master to the socket" "$got"
if [ -n "$RUNC" ]; then
	rgot=$(console runc)
	result "$([ "$rgot" = "$got" ]; echo $?)" "... the same as runc" "kiste: $got
runc: $rgot"
fi
step "--console-socket to nothing: 255" 255 "" -- exec -t --console-socket "$tmp/nosock" e1 true

# Signals kiste exec gets go on to the process; its status is what it made of them.
signalled()	# kiste|runc: TERM to exec while the process waits in a loop
{
	local bin="$K" root="$KROOT" pid i=0 rc
	[ "$1" = runc ] && bin="$RUNC" root="$RROOT"
	: >"$tmp/sig.$1"
	"$bin" --root "$root" exec e1 sh -c \
		'trap "echo got TERM; exit 4" TERM; echo ready; while :; do sleep 0.1; done' \
		>"$tmp/sig.$1" 2>&1 </dev/null &
	pid=$!
	while ! grep -q ready "$tmp/sig.$1" && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	kill -TERM "$pid"
	wait "$pid"
	rc=$?
	echo "rc=$rc out=$(tr '\n' ' ' <"$tmp/sig.$1")"
}
got=$(signalled kiste)
result "$([ "$got" = "rc=4 out=ready got TERM " ]; echo $?)" "TERM to kiste exec reaches the process (it exits 4)" "$got"
if [ -n "$RUNC" ]; then
	rgot=$(signalled runc)
	result "$([ "$rgot" = "$got" ]; echo $?)" "... the same as runc" "kiste: $got
runc: $rgot"
fi

# --detach: the engine (conmon: a subreaper) waits for the --pid-file's pid.
detached()	# kiste|runc: exec -d's status, then what the subreaper reaped from the pid file
{
	local bin="$K" root="$KROOT"
	[ "$1" = runc ] && bin="$RUNC" root="$RROOT"
	python3 - "$bin" "$root" "$tmp/det.pid.$1" <<'PY'
import ctypes, os, subprocess, sys
ctypes.CDLL(None).prctl(36, 1, 0, 0, 0)	# PR_SET_CHILD_SUBREAPER, as conmon
binary, root, pidfile = sys.argv[1:4]
r = subprocess.run([binary, "--root", root, "exec", "-d", "--pid-file", pidfile, "e1",
                    "sh", "-c", "sleep 0.3; exit 6"], stdin=subprocess.DEVNULL,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=30)
pid = int(open(pidfile).read())
_, st = os.waitpid(pid, 0)
print("exec=%d reaped=%d" % (r.returncode, os.waitstatus_to_exitcode(st)))
PY
}
got=$(detached kiste)
result "$([ "$got" = "exec=0 reaped=6" ]; echo $?)" "exec --detach --pid-file: the pid ends with the process's status" "$got"
if [ -n "$RUNC" ]; then
	rgot=$(detached runc)
	result "$([ "$rgot" = "$got" ]; echo $?)" "... the same as runc" "kiste: $got
runc: $rgot"
fi

# The process is one of the container's: kiste ps lists it while it runs.
"$K" --root "$KROOT" exec e1 sleep 3 >/dev/null 2>&1 </dev/null &
xpid=$!
before=$("$K" --root "$KROOT" ps e1 | grep -c 'sleep')
i=0
while [ "$before" -lt 2 ] && [ $i -lt 50 ]; do
	sleep 0.1
	before=$("$K" --root "$KROOT" ps e1 | grep -c 'sleep')
	i=$((i + 1))
done
result "$([ "$before" -ge 2 ]; echo $?)" "kiste ps lists the exec'd process beside the container's" \
	"$("$K" --root "$KROOT" ps e1)"
wait "$xpid"

# ---- hostile requests on the socket: one line back, the container runs on ----
hostile()	# the socket's path: what the init answered to each malformed request
{
	python3 - "$1" <<'PY'
import array, os, socket, struct, sys
path = sys.argv[1]
def ask(payload, fds=(0, 1, 2), hold=False):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.connect(path)	# blocking: a full backlog waits for the init to accept
    s.settimeout(10)
    if payload is not None:
        anc = [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", fds))] if fds else []
        try:
            s.sendmsg([payload], anc)
        except (BrokenPipeError, ConnectionResetError):
            pass	# refused before the request went: the answer waits all the same
    if hold:
        return s
    try:
        try:
            m = s.recv(256)
        except ConnectionResetError:	# answered before the request was read: next
            m = s.recv(256)
    except socket.timeout:
        return "no answer"
    s.close()
    if len(m) < 8:
        return "closed"
    kind, value = struct.unpack("ii", m[:8])
    return "%d %d %s" % (kind, value, " ".join(m[8:].split(b"\0")[0].decode().split()[:5]))
MAGIC = 0x6b783031
def req(strings, argc, envc, nfds=3, magic=MAGIC, flags=0, lie=0):
    return struct.pack("8I2H", magic, len(strings) + lie, argc, envc, 0, 0, nfds, flags, 0, 0) \
        + strings
out = []
out.append(ask(b"garbage"))
out.append(ask(req(b"/\0true\0", 1, 0, magic=1)))
out.append(ask(req(b"/\0true\0", 1, 0), fds=()))
out.append(ask(req(b"/\0true", 1, 0)))
out.append(ask(req(b"tmp\0true\0", 1, 0)))
out.append(ask(req(b"/\0true\0", 1, 0, lie=5)))
out.append(ask(req(b"/\0true\0", 5000, 0)))
out.append(ask(req(b"/\0true\0", 1, 0, flags=4)))
out.append(ask(req(b"/\0true\0", 1, 0, flags=2)))
def req_id(uid, gid):
    b = b"/\0true\0"
    return struct.pack("8I2H", MAGIC, len(b), 1, 0, uid, gid, 3, 1, 0, 0) + b
out.append(ask(req_id(0xffffffff, 0)))
# A terminal whose "console socket" is a pipe: refused before the process starts.
r, w = os.pipe()
out.append(ask(req(b"/\0true\0", 1, 0, nfds=4, flags=2), fds=(0, 1, 2, w)))
# Sessions that never send: each holds one of the init's 32, the 33rd is told so.
held = [ask(None, hold=True) for _ in range(32)]
out.append(ask(req(b"/\0true\0", 1, 0)))
for s in held:
    s.close()
for o in out:
    print(o)
PY
}
got=$(hostile "$KROOT/e1/exec.sock")
want="3 -22 a malformed exec request (Invalid
3 -22 a malformed exec request (Invalid
3 -22 a malformed exec request (Invalid
3 -22 a malformed exec request (Invalid
3 -22 a malformed exec request (Invalid
3 -22 a malformed exec request (Invalid
3 -7 a malformed exec request (Argument
3 -22 a malformed exec request (Invalid
3 -22 a malformed exec request (Invalid
3 -22 uid or gid 4294967295: give
3 -88 --console-socket: not a socket: give
3 -11 the container has 32 exec"
result "$([ "$got" = "$want" ]; echo $?)" \
	"malformed requests (garbage, bad magic, no descriptors, unended strings, a relative cwd, a lying length, 5000 arguments, an unknown flag, a terminal without its socket, uid -1, a pipe as the console socket) and a 33rd open session: one answer each" \
	"$got"
exec_same "... and the container runs on: exec works after them" 0 -- exec e1 true
check_status "e1 still runs" e1 running

# A signal for a process that has not reached its own handlers yet (its terminal's master
# still on its way: the console socket's buffer is full) is that process's, never the
# container's first process's (the init's handlers forwarded it there).
early=$(python3 - "$KROOT/e1/exec.sock" "$tmp/full.console" <<'PY'
import array, socket, struct, sys, time
path, cpath = sys.argv[1:3]
srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
srv.bind(cpath)
srv.listen(1)
con = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
con.connect(cpath)
peer, _ = srv.accept()
con.setblocking(False)
try:
    while True:
        con.send(b"x" * 4096)
except BlockingIOError:
    pass
con.setblocking(True)
b = b"/\0sleep\0" + b"5\0" + b"PATH=/bin\0"
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.connect(path)
s.sendmsg([struct.pack("8I2H", 0x6b783031, len(b), 2, 1, 0, 0, 4, 3, 0, 0) + b],
           [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", (0, 1, 2, con.fileno())))])
m = s.recv(256)
kind, value = struct.unpack("ii", m[:8])
s.send(struct.pack("ii", 4, 15) + bytes(240))
time.sleep(0.5)
peer.setblocking(False)
try:			# let the master through: the process goes on, to its signal
    while peer.recv(65536):
        pass
except BlockingIOError:
    pass
s.settimeout(20)
m = s.recv(256)
print("started=%d exited=%d status=%d" % (kind, struct.unpack("ii", m[:8])[0],
                                         struct.unpack("ii", m[:8])[1]))
PY
)
check_status "TERM for a process still setting up: the container's first process lives on" e1 running
result "$([ "$early" = "started=1 exited=2 status=15" ]; echo $?)" \
	"... and the process itself ends by it (status 15: TERM)" "$early"

# -d's stand-in keeps its connection only (the caller's descriptors stay the process's).
"$K" --root "$KROOT" exec -d --pid-file "$tmp/sd.pid" e1 sleep 2 4>"$tmp/fd4" </dev/null >/dev/null 2>&1
fds=$(find "/proc/$(cat "$tmp/sd.pid")/fd" -mindepth 1 -printf '%f\n' 2>&1 | sort -n | tr '\n' ' ')
result "$([ "$fds" = "0 1 2 3 " ]; echo $?)" "exec -d: the stand-in holds 0-2 (/dev/null) and its connection only" "$fds"

# A container with a terminal, created from a shell's session (a terminal of its own):
# a process exec'd without -t must not reach that terminal, and the container outlives
# the session.
ttyc()	# kiste|runc: what an exec'd process got opening /dev/tty; the state after the session ended
{
	local bin="$K" root="$KROOT"
	[ "$1" = runc ] && bin="$RUNC" root="$RROOT"
	python3 - "$bin" "$root" "$B" "$tmp/t.$1" <<'PY'
import json, os, pty, shutil, socket, subprocess, sys, time
binary, root, bundle, work = sys.argv[1:5]
os.makedirs(work)
shutil.copytree(bundle + "/rootfs", work + "/rootfs", symlinks=True)
c = json.load(open(bundle + "/config.json"))
c["process"]["terminal"] = True
c["process"]["args"] = ["sh", "-c", "while :; do sleep 1; done"]
json.dump(c, open(work + "/config.json", "w"))
srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
srv.bind(work + "/console")
srv.listen(1)
pid, fd = pty.fork()
if pid == 0:	# a session leader on its own terminal, as a shell: create from there
    r = subprocess.run([binary, "--root", root, "create", "--bundle", work, "--console-socket",
                        work + "/console", "t1"], stdin=subprocess.DEVNULL,
                       stdout=subprocess.DEVNULL, stderr=open(work + "/create.err", "w"))
    os.write(1, b"created %d\n" % r.returncode)
    time.sleep(30)
    os._exit(0)
srv.settimeout(20)
conn, _ = srv.accept()
conn.recvmsg(1024, socket.CMSG_SPACE(4))
out = b""
while b"created" not in out:
    out += os.read(fd, 100)
subprocess.run([binary, "--root", root, "start", "t1"], stdout=subprocess.DEVNULL,
               stderr=subprocess.DEVNULL)
e = subprocess.run([binary, "--root", root, "exec", "t1", "sh", "-c",
                    "if true 3</dev/tty; then echo opened; else echo refused; fi"],
                   stdin=subprocess.DEVNULL,
                   stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, timeout=20)
os.kill(pid, 9)		# the session's leader goes: its terminal hangs up
os.waitpid(pid, 0)
time.sleep(1)
st = subprocess.run([binary, "--root", root, "state", "t1"], stdout=subprocess.PIPE,
                    stderr=subprocess.DEVNULL).stdout
status = json.loads(st)["status"] if st else "none"
subprocess.run([binary, "--root", root, "delete", "--force", "t1"], stdout=subprocess.DEVNULL,
               stderr=subprocess.DEVNULL)
print("exec:%s after:%s" % (e.stdout.decode().strip(), status))
PY
}
got=$(ttyc kiste)
result "$([ "$got" = "exec:refused after:running" ]; echo $?)" \
	"a container created from a terminal's session: exec'd processes cannot open it, the container outlives the session" "$got"
if [ -n "$RUNC" ]; then
	rgot=$(ttyc runc)
	result "$([ "$rgot" = "$got" ]; echo $?)" "... the same as runc" "kiste: $got
runc: $rgot"
fi

# ---- refusals by the container's state ----
step "pause e1" 0 "" -- pause e1
step "exec in a paused container: 255" 255 "paused" -- exec e1 true
step "resume e1" 0 "" -- resume e1
# A process that runs when the container stops goes with it (its pid namespace).
stopped()	# kiste|runc: the exec's status when the container is killed under it
{
	local bin="$K" root="$KROOT" pid i=0
	[ "$1" = runc ] && bin="$RUNC" root="$RROOT"
	: >"$tmp/stop.$1"
	"$bin" --root "$root" exec e1 sh -c 'echo ready; sleep 100' >"$tmp/stop.$1" 2>&1 </dev/null &
	pid=$!
	while ! grep -q ready "$tmp/stop.$1" && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	"$bin" --root "$root" kill e1 KILL
	wait "$pid"
	echo "rc=$?"
}
got=$(stopped kiste)
result "$([ "$got" = "rc=137" ]; echo $?)" "a container killed under a running exec: 137" "$got"
if [ -n "$RUNC" ]; then
	rgot=$(stopped runc)
	result "$([ "$rgot" = "$got" ]; echo $?)" "... the same as runc" "kiste: $got
runc: $rgot"
fi
wait_status kiste e1 stopped
[ -n "$RUNC" ] && wait_status runc e1 stopped
step "exec in a stopped container: 255" 255 "stopped" -- exec e1 true
step "delete e1" 0 "" -- delete e1
result "$([ ! -e "$KROOT/e1" ]; echo $?)" "delete leaves no folder (exec.sock removed)" "$(ls -la "$KROOT/e1" 2>&1)"

# Not runc's: kiste's init takes requests once started (runc's exec runs in a created one too).
rt kiste create --bundle "$B" e2
step_out=$("$K" --root "$KROOT" exec e2 true 2>&1)
step_rc=$?
result "$([ $step_rc -eq 255 ] && [[ "$step_out" == *"has not started"* ]]; echo $?)" \
	"exec in a created container is refused with one line (kiste: start it first)" "$step_out"
rt kiste delete --force e2

t_done
