#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# oci_podman.sh - rootful podman runs kiste (shim mode) as its OCI runtime, side by side with runc.
# kiste-suite: host oci_podman.sh
#
# `podman --runtime KISTE run ...` as a user types it, every case also run
# with `--runtime runc` on the same image: kiste must give runc's output and
# exit status, or the difference this suite names (the container's root is
# an unprivileged host id under shim mode, so it cannot write a root-owned rootfs
# unless the engine maps the container's ids: --uidmap, --userns=auto).
# podman's configuration and image: podman_lib.sh.
# Knobs: KISTE_PODMAN_RUNS (100, as issue 13 asks) for the run --rm loop.  Installs nothing.
# Outside the temporary folder podman 4.3 still writes its blob-info cache
# (/var/lib/containers/cache, at import; no setting moves it).
# shellcheck disable=SC2016 # the containers' shells expand their own $VARs
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=selftests/lib/tap.sh
. "$here/tap.sh"
K="${KISTE_BIN:-$here/../bin/kiste}"
K=$(cd "$(dirname "$K")" 2>/dev/null && pwd)/$(basename "$K")
BB=$(command -v busybox)
RUNS="${KISTE_PODMAN_RUNS:-100}"
[ -x "$K" ] || bail "no kiste at $K: build it first"
[ "$(id -u)" -eq 0 ] || skip_all "rootful podman needs root (run the suite as root)"
command -v podman >/dev/null || skip_all "podman is not installed (make deps installs podman, conmon)"
command -v conmon >/dev/null || [ -x /usr/libexec/podman/conmon ] || [ -x /usr/bin/conmon ] ||
	skip_all "conmon is not installed (make deps)"
if [ -z "$BB" ] || ldd "$BB" >/dev/null 2>&1; then
	skip_all "busybox-static is not installed (make deps)"
fi

# shellcheck source=selftests/oci/podman_lib.sh
. "$here/podman_lib.sh"

RUNC=$(command -v runc)
if [ -n "$RUNC" ]; then
	pm runc run --rm "$IMG" true
	[ "$T_RC" -eq 0 ] || { t_diag "runc cannot run here ($T_OUT): kiste alone"; RUNC=""; }
else
	t_diag "runc is not installed: kiste's results are held to the expected values alone"
fi

# same NAME WANT_RC WANT_OUT PODMAN-ARGS...: kiste must exit WANT_RC with output
# WANT_OUT (exactly; "*" skips the output check), and so must runc.
same()
{
	local name="$1" want="$2" wout="$3" rrc="" rout=""
	shift 3
	if [ -n "$RUNC" ]; then
		pm runc "$@"
		rrc=$T_RC
		rout=$T_OUT
	fi
	pm kiste "$@"
	if [ "$T_RC" -ne "$want" ]; then
		fail "$name" "kiste exit $T_RC, wanted $want: $T_OUT"
	elif [ "$wout" != "*" ] && [ "$T_OUT" != "$wout" ]; then
		fail "$name" "kiste printed '$T_OUT', wanted '$wout'"
	elif [ -n "$RUNC" ] && [ "$rrc" -ne "$T_RC" ]; then
		fail "$name" "kiste exit $T_RC, runc exit $rrc: $rout"
	elif [ -n "$RUNC" ] && [ "$wout" != "*" ] && [ "$rout" != "$T_OUT" ]; then
		fail "$name" "kiste printed '$T_OUT', runc '$rout'"
	else
		ok "$name"
	fi
}

# ---- one-shot runs ----
same "run --rm echo hi" 0 "hi" run --rm "$IMG" echo hi
same "exit status 7 passes through" 7 "" run --rm "$IMG" sh -c 'exit 7'
same "a command not found is 127" 127 "*" run --rm "$IMG" nosuchcommand
same "-e sets the environment" 0 "bar baz" run --rm -e FOO=bar -e BAR=baz "$IMG" \
	sh -c 'echo $FOO $BAR'
same "podman's environment (PATH, container, HOME)" 0 "/bin podman /root" run --rm "$IMG" \
	sh -c 'echo $PATH $container $HOME'
same "--workdir" 0 "/tmp" run --rm --workdir /tmp "$IMG" pwd
same "--umask 0077 (process.user.umask)" 0 "0077 600" run --rm --umask 0077 --tmpfs /tmp "$IMG" \
	sh -c 'touch /tmp/f; echo $(umask) $(stat -c %a /tmp/f)'
same "--user 1000:1000" 0 "1000 1000" run --rm --user 1000:1000 "$IMG" \
	sh -c 'echo $(id -u) $(id -g)'
PM_IN="from stdin" same "stdin with -i" 0 "from stdin" run -i --rm "$IMG" cat
# A terminal: conmon passes --console-socket and gets the pty's master (oci_console.c).
same "-t: the container's stdio is a pty (its CR LF included)" 5 "/dev/pts/0"$'\r' \
	run --rm -t "$IMG" sh -c 'tty; exit 5'
PM_IN=$'typed\n' same "-i -t: typed input read through the pty" 0 "*" \
	run --rm -i -t "$IMG" sh -c 'read x; echo "got $x"'
result "$([[ "$T_OUT" == *"got typed"* ]]; echo $?)" "... and echoed back" "$T_OUT"
cid="$tmp/host.cid"
pm kiste run --rm --cidfile "$cid" "$IMG" sh -c 'hostname; cat /etc/hostname'
want=$(cut -c1-12 "$cid" 2>/dev/null)
result "$([ "$T_RC" -eq 0 ] && [ "$T_OUT" = "$want"$'\n'"$want" ]; echo $?)" \
	"hostname and /etc/hostname are the short id (podman's hostname and bind)" \
	"exit $T_RC, '$T_OUT', id $want"

# ---- files: a host folder read-only, tmpfs, the rootfs ----
mkdir -p "$tmp/vol"
# Writable to anyone: only the :ro refuses the container's write.
chmod 1777 "$tmp/vol"
echo "from the host" >"$tmp/vol/f"
same "-v DIR:/x:ro is readable" 0 "from the host" run --rm -v "$tmp/vol:/x:ro" "$IMG" cat /x/f
same "-v DIR:/x:ro is read-only" 1 "*" run --rm -v "$tmp/vol:/x:ro" "$IMG" touch /x/new
result "$([ ! -e "$tmp/vol/new" ]; echo $?)" "nothing was written through the :ro volume"
same "--tmpfs /tmp is writable" 0 "x" run --rm --tmpfs /tmp "$IMG" sh -c 'echo x >/tmp/a && cat /tmp/a'
# --read-only: podman adds tmpfs at /tmp, /var/tmp, /run (folders the image lacks: made).
same "--read-only: the rootfs refuses writes, podman's tmpfs folders take them" 0 \
	"0
touch: /etc/x: Read-only file system
1
/run
/var/tmp" run --rm --read-only "$IMG" \
	sh -c 'exec 2>&1; touch /tmp/x; echo $?; touch /etc/x; echo $?; ls -d /run /var/tmp'
# Known difference: the container's root is no host root under shim mode,
# so the root-owned overlay podman hands over is read-only to it (runc's root writes).
pm kiste run --rm "$IMG" sh -c 'exec 2>&1; echo x >/written; echo $?'
result "$([[ "$T_OUT" == *"Permission denied"* ]] && grep -qx 1 <<<"$T_OUT"; echo $?)" \
	"kiste: the root-owned rootfs is not writable to the container's root (no host root outside)" \
	"$T_OUT"
if [ -n "$RUNC" ]; then
	pm runc run --rm "$IMG" sh -c 'exec 2>&1; echo x >/written; echo $?'
	result "$([ "$T_OUT" = 0 ]; echo $?)" "runc: its container's root writes the rootfs" "$T_OUT"
fi
# With ids the engine gives the container (--uidmap/--gidmap here; --userns=auto picks
# them from /etc/subuid's "containers"), podman hands over the image's files as those
# ids, kiste maps them as runc does, and the container's root writes its rootfs.
same "--uidmap/--gidmap: the container's root writes its rootfs, as runc's" 0 "0
0 0
x
0 200000 65536" run --rm --uidmap 0:200000:65536 --gidmap 0:200000:65536 "$IMG" \
	sh -c 'exec 2>&1; echo x >/written; echo $?; echo $(id -u) $(id -g); cat /written
		read a b c </proc/self/uid_map; echo $a $b $c'
pm kiste run --rm --uidmap 0:200000:65536 --gidmap 0:200000:65536 -v "$tmp/vol:/x" "$IMG" \
	touch /x/mapped
owner=$(stat -c %u:%g "$tmp/vol/mapped" 2>&1)
result "$([ "$T_RC" = 0 ] && [ "$owner" = 200000:200000 ]; echo $?)" \
	"--uidmap: a file the container's root makes in a volume is host 200000:200000's" \
	"exit $T_RC: $T_OUT; owner $owner"
# runc takes host ids a sandbox of kiste's never is: kiste refuses them, saying why.
pm kiste run --rm --uidmap 0:1000:1 --gidmap 0:1000:1 "$IMG" echo ran
result "$([ "$T_RC" != 0 ] && [[ "$T_OUT" == *"host ids below 65536"* ]] && [[ "$T_OUT" != *ran* ]]; echo $?)" \
	"--uidmap onto a login user's id is refused (host ids below 65536), nothing runs" \
	"exit $T_RC: $T_OUT"

# ---- network ----
same "--network none: only loopback (outside unreachable, lo refuses)" 0 \
	"nc: can't connect to remote host (192.0.2.2): Network is unreachable
1
nc: can't connect to remote host (127.0.0.1): Connection refused
1" run --rm --network none "$IMG" \
	sh -c 'exec 2>&1; nc -w 1 192.0.2.2 22 </dev/null; echo $?; nc -w 1 127.0.0.1 22 </dev/null; echo $?'

# --sysctl (linux.sysctl): the container's IPC and network settings, as runc sets them.
same "--sysctl: an IPC and a network setting inside the container" 0 "12345
80" run --rm --sysctl kernel.msgmax=12345 --sysctl net.ipv4.ip_unprivileged_port_start=80 \
	"$IMG" cat /proc/sys/kernel/msgmax /proc/sys/net/ipv4/ip_unprivileged_port_start

# A namespace podman hands over (here one of the suite's own: podman's bridge
# would change the host's firewall) is joined: its lo holds 203.0.113.1.
touch "$tmp/netns"
if unshare --net="$tmp/netns" true 2>/dev/null &&
	nsenter --net="$tmp/netns" ip link set lo up &&
	nsenter --net="$tmp/netns" ip addr add 203.0.113.1/24 dev lo; then
	same "--network ns:PATH is joined" 0 \
		"nc: can't connect to remote host (203.0.113.1): Connection refused
1" run --rm --network "ns:$tmp/netns" "$IMG" \
		sh -c 'exec 2>&1; nc -w 1 203.0.113.1 9 </dev/null; echo $?'
else
	skip "--network ns:PATH is joined" "cannot make a network namespace here (unshare, ip)"
fi
umount "$tmp/netns" 2>/dev/null

# ---- detached: ps, pause, stats, stop, kill, rm ----
LOOP='trap "exit 3" TERM; while :; do sleep 0.1; done'
detached()	# kiste|runc: run -d, ps, pause/unpause, stats, stop, rm; one line of what happened
{
	local rt="$1" id st
	pm "$rt" run -d "$IMG" sh -c "$LOOP"
	id=$T_OUT
	[ "$T_RC" -eq 0 ] || { echo "run -d failed: $T_OUT"; return; }
	pm "$rt" ps --filter id="$id" --format '{{.ID}}'
	st="ps=$([ "$T_OUT" = "${id:0:12}" ] && echo listed || echo "$T_OUT")"
	pm "$rt" pause "$id"
	pm "$rt" inspect --format '{{.State.Status}}' "$id"
	st="$st paused=$T_OUT"
	pm "$rt" unpause "$id"
	pm "$rt" inspect --format '{{.State.Status}}' "$id"
	st="$st unpaused=$T_OUT"
	pm "$rt" stats --no-stream --format '{{.ID}}' "$id"
	st="$st stats=$([ "$T_RC" -eq 0 ] && [ "$T_OUT" = "${id:0:12}" ] && echo ok || echo "$T_OUT")"
	pm "$rt" stop -t 5 "$id"
	pm "$rt" inspect --format '{{.State.Status}} {{.State.ExitCode}}' "$id"
	st="$st stop=$T_RC/$T_OUT"
	pm "$rt" rm "$id"
	st="$st rm=$T_RC"
	pm "$rt" ps -a --filter id="$id" --format '{{.ID}}'
	echo "$st left=${T_OUT:-none}"
}
want="ps=listed paused=paused unpaused=running stats=ok stop=0/exited 3 rm=0 left=none"
got=$(detached kiste)
result "$([ "$got" = "$want" ]; echo $?)" "run -d, ps, pause, unpause, stats, stop (TERM, exit 3), rm" \
	"kiste: $got"
if [ -n "$RUNC" ]; then
	rgot=$(detached runc)
	result "$([ "$rgot" = "$got" ]; echo $?)" "... the same as runc" "kiste: $got
runc: $rgot"
fi

killed()	# kiste|runc: run -d, kill (KILL), the exit code podman records
{
	local rt="$1" id
	pm "$rt" run -d "$IMG" sh -c "$LOOP"
	id=$T_OUT
	pm "$rt" kill "$id"
	pm "$rt" wait "$id"
	echo "wait=$T_OUT"
	pm "$rt" rm "$id" >/dev/null
}
got=$(killed kiste)
result "$([ "$got" = "wait=137" ]; echo $?)" "podman kill: KILL, exit 137" "kiste: $got"
if [ -n "$RUNC" ]; then
	rgot=$(killed runc)
	result "$([ "$rgot" = "$got" ]; echo $?)" "... the same as runc" "runc: $rgot"
fi

# ---- podman exec: a process in a running container (the container's init starts it) ----
execs()	# kiste|runc: run -d, podman exec's cases, stop; one line per case
{
	local rt="$1" id
	pm "$rt" run -d "$IMG" sh -c "$LOOP"
	id=$T_OUT
	[ "$T_RC" -eq 0 ] || { echo "run -d failed: $T_OUT"; return; }
	pm "$rt" exec "$id" sh -c 'echo in $(pwd) as $(id -u) PATH=$PATH; exit 5'
	echo "exec=$T_RC/$T_OUT"
	pm "$rt" exec -e A=1 -w /tmp -u 1000:1000 "$id" sh -c 'echo $A $(pwd) $(id -u):$(id -g)'
	echo "options=$T_RC/$T_OUT"
	PM_IN=$'line one\nline two\n' pm "$rt" exec -i "$id" wc -l
	echo "stdin=$T_RC/$T_OUT"
	pm "$rt" exec -t "$id" sh -c 'tty; [ -t 0 ] && [ -t 1 ] && echo terminal; exit 2'
	echo "tty=$T_RC/$(printf '%s' "$T_OUT" | tr -d '\r' | tr '\n' ' ')"
	pm "$rt" exec "$id" /nosuch
	echo "missing=$T_RC"
	pm "$rt" exec "$id" sh -c 'kill -TERM $$'
	echo "signal=$T_RC"
	pm "$rt" exec -d "$id" sh -c 'echo detached >/tmp/mark'
	echo "detach=$T_RC"
	sleep 1
	pm "$rt" exec "$id" cat /tmp/mark
	echo "mark=$T_RC/$T_OUT"
	pm "$rt" stop -t 5 "$id"
	pm "$rt" rm "$id" >/dev/null
}
want="exec=5/in / as 0 PATH=/bin
options=0/1 /tmp 1000:1000
stdin=0/2
tty=2//dev/pts/0 terminal
missing=127
signal=143
detach=0
mark=0/detached"
got=$(execs kiste)
result "$([ "$got" = "$want" ]; echo $?)" "podman exec: output, status, -e -w -u, -i, -t, a missing program, a signal, -d" \
	"kiste: $got"
if [ -n "$RUNC" ]; then
	rgot=$(execs runc)
	result "$([ "$rgot" = "$got" ]; echo $?)" "... the same as runc" "kiste: $got
runc: $rgot"
fi

limits()	# kiste|runc: run -d --memory 64m --pids-limit 32; the limit podman stats reads
{
	local rt="$1" id
	pm "$rt" run -d --memory 64m --pids-limit 32 "$IMG" sleep 30
	id=$T_OUT
	pm "$rt" stats --no-stream --format '{{.MemUsage}}' "$id"
	echo "limit=${T_OUT#*/ }"
	pm "$rt" rm -f -t 0 "$id"
}
got=$(limits kiste)
result "$([ "$got" = "limit=67.11MB" ]; echo $?)" "--memory 64m is the cgroup's limit podman stats reads" \
	"kiste: $got"
if [ -n "$RUNC" ]; then
	rgot=$(limits runc)
	result "$([ "$rgot" = "$got" ]; echo $?)" "... the same as runc" "runc: $rgot"
fi

# ---- kiste's --log: podman passes --log and --log-format json to the runtimes it knows ----
sed -i 's/^\[engine\]$/[engine]\nruntime_supports_json = ["kiste"]/' "$tmp/containers.conf"
pm kiste run --rm -v "$tmp/vol:/x:ro" "$IMG" cat /x/f
result "$([ "$T_RC" -eq 0 ] && [ "$T_OUT" = "from the host" ]; echo $?)" \
	"with --log/--log-format json from podman (runtime_supports_json)" "exit $T_RC: $T_OUT"
sed -i '/^runtime_supports_json/d' "$tmp/containers.conf"

# no_pivot_root: podman passes create --no-pivot (kiste always pivots, as it must).
sed -i 's/^\[engine\]$/[engine]\nno_pivot_root = true/' "$tmp/containers.conf"
same "create --no-pivot from podman (no_pivot_root) is taken" 0 "hi" run --rm "$IMG" echo hi
sed -i '/^no_pivot_root/d' "$tmp/containers.conf"
# runc's global flags an engine may pass, taken as runc takes them.
T_OUT=$("$K" --root "$tmp/kroot" --debug --systemd-cgroup --log "$tmp/klog" --log-format text \
	list -q 2>&1)
result $? "--debug --systemd-cgroup --log --log-format text are taken" "$T_OUT"

# ---- a Debian image with python3 (issue 13): the host's own python3 and what it loads ----
# Made from host files, no registry: Debian's python3.11, its standard library (tests
# and tools left out) and every shared library it and its extension modules need.
PYIMG=localhost/kiste-python:test
py=$(readlink -f /usr/bin/python3 2>/dev/null)
pylib=/usr/lib/$(basename "$py" 2>/dev/null)
if [ -x "$py" ] && [ -d "$pylib/lib-dynload" ]; then
	pr="$tmp/pyimg"
	mkdir -p "$pr/usr/bin" "$pr/tmp" "$pr/proc" "$pr/dev" "$pr/sys" "$pr/etc" "$pr/root"
	chmod 1777 "$pr/tmp"
	cp "$py" "$pr/usr/bin/python3"
	tar -C / --exclude="${pylib#/}/test" --exclude="${pylib#/}/idlelib" \
		--exclude="${pylib#/}/tkinter" --exclude="${pylib#/}/ensurepip" \
		--exclude='__pycache__' -cf - "${pylib#/}" | tar -C "$pr" -xf -
	# shellcheck disable=SC2046 # one path per word
	for lib in $( { ldd "$py"; for so in "$pylib"/lib-dynload/*.so; do ldd "$so"; done; } 2>/dev/null |
		awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }' | sort -u); do
		mkdir -p "$pr$(dirname "$lib")"
		cp -L "$lib" "$pr$lib"
	done
	[ -e "$pr/lib64" ] || ln -s usr/lib64 "$pr/lib64" 2>/dev/null
	echo 'root:x:0:0:root:/root:/bin/sh' >"$pr/etc/passwd"
	echo 'root:x:0:' >"$pr/etc/group"
	if tar -C "$pr" -c . | podman import --change 'ENV PATH=/usr/bin' - "$PYIMG" \
		>"$tmp/pyimport.out" 2>&1; then
		rm -rf "$pr"
		# Eight threads hashing files, then a multiprocessing.Pool of two (its
		# semaphores in /dev/shm): the same output and status as runc's.
		cat >"$tmp/vol/work.py" <<'EOP'
import concurrent.futures, hashlib, multiprocessing, os, threading
os.makedirs("/tmp/d", exist_ok=True)
files = []
for i in range(16):
    files.append("/tmp/d/f%d" % i)
    with open(files[-1], "wb") as f:
        f.write(bytes([i]) * (200000 + i))
def digest(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()[:12]
with concurrent.futures.ThreadPoolExecutor(8) as ex:
    out = list(ex.map(digest, files))
print(threading.active_count(), len(set(out)), out[0], out[15])
with multiprocessing.Pool(2) as pool:
    print(sum(pool.map(abs, range(-50, 50))))
EOP
		want=$(python3 - <<'EOP'
import hashlib
print(1, 16, hashlib.sha256(bytes([0]) * 200000).hexdigest()[:12],
      hashlib.sha256(bytes([15]) * 200015).hexdigest()[:12])
print(2500)
EOP
)
		same "python3 image: a ThreadPoolExecutor of 8 hashing files and a Pool(2)" 0 "$want" \
			run --rm --tmpfs /tmp -v "$tmp/vol:/x:ro" "$PYIMG" python3 /x/work.py
		same "python3 image: an exception's traceback and exit status 1" 1 "*" \
			run --rm "$PYIMG" python3 -c 'import sys; sys.stdout.write("out\n"); 1/0'
		result "$([[ "$T_OUT" == *"ZeroDivisionError: division by zero"* ]]; echo $?)" \
			"... and the traceback names ZeroDivisionError" "$T_OUT"
	else
		fail "python3 image: podman import" "$(tail -3 "$tmp/pyimport.out")"
	fi
else
	skip "python3 image: a ThreadPoolExecutor of 8 hashing files and a Pool(2)" \
		"Debian's python3 is not installed (make deps)"
	skip "python3 image: an exception's traceback and exit status 1" "no python3"
	skip "... and the traceback names ZeroDivisionError" "no python3"
fi

# ---- unikernel mode (issue 13): an image whose programs are kiste-uk-cc unikernels ----
# The annotation org.kiste.mode=unikernel picks the mode; each case is held to what
# `kiste run --mode=unikernel` prints and returns for the same binary (its argv[0] aside).
UKB="$here/../unikernel"
if [ -x "$UKB/hello" ] && [ -x "$UKB/tests/endings" ] && [ -x "$UKB/tests/sleeper" ]; then
	UKIMG=localhost/kiste-uk:test
	mkdir -p "$tmp/ukimg"
	cp "$UKB/hello" "$UKB/tests/endings" "$UKB/tests/sleeper" "$tmp/ukimg/"
	tar -C "$tmp/ukimg" -c . | podman import - "$UKIMG" >"$tmp/ukimport.out" 2>&1 ||
		bail "podman import of the unikernel image failed: $(tail -3 "$tmp/ukimport.out")"
	# NAME APP ARGS...: podman run --rm of /APP as kiste run runs it; with UK_ISO=vm
	# both in vm isolation (the annotation org.kiste.isolation, kiste run's --isolation);
	# with UK_TTY=1 podman's -t: the console is a host pty podman reads (the terminal's
	# CR before each LF aside), which the unikernel writes bytes to and reads nothing from.
	uk_same()
	{
		local name="$1" app="$2" want wrc iso=() ann=()
		shift 2
		if [ -n "${UK_TTY:-}" ]; then
			ann=(-t)
			name="-t: $name"
		fi
		if [ -n "${UK_ISO:-}" ]; then
			iso=(--isolation "$UK_ISO")
			ann+=(--annotation "org.kiste.isolation=$UK_ISO")
			name="$name, $UK_ISO isolation"
		fi
		want=$("$K" run --mode=unikernel "${iso[@]}" -- "$tmp/ukimg/$app" "$@" 2>&1)
		wrc=$?
		want=${want//"$tmp/ukimg/$app"/"/$app"}
		pm kiste run --rm --annotation org.kiste.mode=unikernel "${ann[@]}" "$UKIMG" "/$app" "$@"
		[ -n "${UK_TTY:-}" ] && T_OUT=${T_OUT//$'\r'/}
		[ "$T_RC" = "$wrc" ] && [ "$T_OUT" = "$want" ]
		result $? "unikernel: $name (exit $wrc, as kiste run)" "podman: exit $T_RC: '$T_OUT'
kiste run: exit $wrc: '$want'"
	}
	uk_same "hello with its arguments" hello one "two words"
	uk_same "a return status (2)" endings nothing
	uk_same "a syscall outside its filter (159 and kiste's line)" endings sys
	uk_same "a fault (139)" endings segv
	UK_TTY=1 uk_same "hello with its arguments" hello one "two words"
	UK_TTY=1 uk_same "a return status (2)" endings nothing
	pm kiste run --rm --annotation org.kiste.mode=unikernel "$UKIMG" /nosuch
	[ "$T_RC" = 127 ]
	result $? "unikernel: a missing program is 127, as podman says it for runc" "exit $T_RC: $T_OUT"
	pm kiste run -d --annotation org.kiste.mode=unikernel --name kiste-uk-stop "$UKIMG" /sleeper
	T_OUT=$(pm_all ps --format '{{.Names}} {{.Status}}' --filter name=kiste-uk-stop 2>&1)
	[[ "$T_OUT" == "kiste-uk-stop Up"* ]]
	result $? "unikernel: podman ps lists a running one" "$T_OUT"
	pm kiste exec kiste-uk-stop /hello
	[ "$T_RC" -ne 0 ] && [[ "$T_OUT" == *"not supported in unikernel-mode containers"* ]]
	result $? "unikernel: podman exec is refused, saying why" "exit $T_RC: $T_OUT"
	# update: its memory is fixed when it starts (one line, 1); its CPU limit goes to cpu.max.
	ukid=$(pm_all inspect --format '{{.Id}}' kiste-uk-stop 2>&1)
	T_OUT=$("$K" update --memory 64M "$ukid" 2>&1 </dev/null)
	T_RC=$?
	[ "$T_RC" = 1 ] && [ "$(printf '%s\n' "$T_OUT" | wc -l)" = 1 ] &&
		[[ "$T_OUT" == *"(unikernel mode): its memory cannot change after create"* ]]
	result $? "unikernel: update --memory is refused, one line saying why" "exit $T_RC: $T_OUT"
	T_OUT=$("$K" update --cpu-quota 30000 --cpu-period 100000 "$ukid" 2>&1 </dev/null)
	T_RC=$?
	ukcg=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["cgroup"]["dirs"][-1])' \
		"/run/kiste/$ukid/state.json" 2>&1)
	ukq=$(cat "$ukcg/cpu.max" "$ukcg/cpu.cfs_quota_us" 2>/dev/null | head -n 1)
	[ "$T_RC" = 0 ] && { [ "$ukq" = "30000 100000" ] || [ "$ukq" = 30000 ]; }
	result $? "unikernel: update --cpu-quota reaches its cgroup" "exit $T_RC: $T_OUT; $ukcg: '$ukq'"
	pm_all stop -t 5 kiste-uk-stop >/dev/null 2>&1
	T_OUT=$(pm_all inspect --format '{{.State.ExitCode}}' kiste-uk-stop 2>&1)
	[ "$T_OUT" = 143 ]
	result $? "unikernel: podman stop ends it with TERM (143)" "$T_OUT"
	T_OUT=$(pm_all logs kiste-uk-stop 2>&1)
	[ "$T_OUT" = "sleeper: started" ]
	result $? "unikernel: podman logs has its console" "$T_OUT"
	pm_all rm -f kiste-uk-stop >/dev/null
	# pause and unpause (its cgroup frozen and thawed), then kill (KILL: 137), as runc's.
	pm kiste run -d --annotation org.kiste.mode=unikernel --name kiste-uk-kp "$UKIMG" /sleeper
	pm_all pause kiste-uk-kp >/dev/null 2>&1
	st=$(pm_all inspect --format '{{.State.Status}}' kiste-uk-kp 2>&1)
	pm_all unpause kiste-uk-kp >/dev/null 2>&1
	st="$st $(pm_all inspect --format '{{.State.Status}}' kiste-uk-kp 2>&1)"
	pm_all kill kiste-uk-kp >/dev/null 2>&1
	st="$st $(pm_all wait kiste-uk-kp 2>&1)"
	[ "$st" = "paused running 137" ]
	result $? "unikernel: podman pause, unpause, kill (137)" "$st"
	pm_all rm -f kiste-uk-kp >/dev/null
	# vm isolation: the container's process runs the VMM (which drops to nobody) as its child.
	if [ -r /dev/kvm ] && "$K" run --mode=unikernel --isolation vm -- "$tmp/ukimg/hello" \
		>/dev/null 2>&1; then
		UK_ISO=vm uk_same "hello with its arguments" hello one "two words"
		UK_ISO=vm uk_same "a return status (2)" endings nothing
		UK_ISO=vm uk_same "a fault (139)" endings segv
		pm kiste run -d --annotation org.kiste.mode=unikernel \
			--annotation org.kiste.isolation=vm --name kiste-ukvm-stop "$UKIMG" /sleeper
		T_OUT=""
		for _ in $(seq 1 100); do
			T_OUT=$(pm_all logs kiste-ukvm-stop 2>&1)
			[ -n "$T_OUT" ] && break
			sleep 0.1
		done
		[ "$T_OUT" = "sleeper: started" ]
		result $? "unikernel, vm isolation: podman logs has its console" "$T_OUT"
		# The container's process (podman's pid) supervises; its one child is the VMM.
		cpid=$(pm_all inspect --format '{{.State.Pid}}' kiste-ukvm-stop 2>&1)
		vmm=$(cat "/proc/$cpid/task/$cpid/children" 2>/dev/null)
		T_OUT=$(grep -E '^(Uid|Gid|CapEff):' "/proc/${vmm% }/status" 2>&1 | tr -s '\t' ' ')
		[[ "$T_OUT" == *"Uid: 65534 65534 65534 65534"*"Gid: 65534 65534 65534 65534"* ]] &&
			[[ "$T_OUT" == *"CapEff: 0000000000000000"* ]]
		result $? "unikernel, vm isolation: the VMM runs as nobody, no capability" \
			"container pid $cpid, VMM '$vmm': $T_OUT"
		pm_all stop -t 5 kiste-ukvm-stop >/dev/null 2>&1
		T_OUT=$(pm_all inspect --format '{{.State.ExitCode}}' kiste-ukvm-stop 2>&1)
		[ "$T_OUT" = 143 ]
		result $? "unikernel, vm isolation: podman stop ends it with TERM (143)" "$T_OUT"
		pm_all rm -f kiste-ukvm-stop >/dev/null
	else
		skip "unikernel containers in vm isolation" "KVM cannot run the unikernel guest here"
	fi
	pm kiste run --rm --annotation org.kiste.isolation=vm "$IMG" echo hi
	[ "$T_RC" -ne 0 ] && [[ "$T_OUT" == *"org.kiste.isolation: shim mode has no isolation choice"* ]]
	result $? "org.kiste.isolation on a shim container is refused, saying why" \
		"exit $T_RC: $T_OUT"
else
	skip "unikernel containers" "no built unikernels in $UKB (make userspace selftests)"
fi

# ---- rootless podman (issue 13): an ordinary user with a subordinate range ----
# podman runs the runtime as root of the user's own namespace: kiste must take that for an
# ordinary caller (its state in $XDG_RUNTIME_DIR/kiste, the sandbox's root the user, no id
# range of host root's) and give runc's results beside it.  A user made for the suite.
RL="kisterl$$"
if command -v useradd >/dev/null && command -v newuidmap >/dev/null &&
   useradd -M -d "$tmp/rlhome" -s /bin/sh "$RL" 2>/dev/null; then
	mkdir -p "$tmp/rlhome" "$tmp/rlrun"
	chown "$RL:" "$tmp/rlhome" "$tmp/rlrun"
	chmod 700 "$tmp/rlrun"
	usermod --add-subuids 3100000-3165535 --add-subgids 3100000-3165535 "$RL"
	cp "$K" "$tmp/kiste-rl"
	chmod 755 "$tmp/kiste-rl"
	rl()	# ARGS...: podman as the user; T_OUT, T_RC
	{
		T_OUT=$(cd / && timeout -s KILL 120 setpriv --reuid "$RL" --regid "$RL" --init-groups \
			env -i HOME="$tmp/rlhome" USER="$RL" XDG_RUNTIME_DIR="$tmp/rlrun" \
			PATH=/usr/sbin:/usr/bin:/sbin:/bin podman --cgroup-manager=cgroupfs \
			--events-backend=file "$@" 2>&1)
		T_RC=$?
	}
	tar -C "$tmp/img" -cf "$tmp/img.tar" .
	chmod 644 "$tmp/img.tar"
	rl import "$tmp/img.tar" localhost/rl:1
	if [ "$T_RC" != 0 ]; then
		skip "rootless podman" "podman import as $RL failed: $(echo "$T_OUT" | tail -1)"
	else
		rl_same()	# NAME PODMAN-RUN-ARGS...: kiste as runc, exit status and output
		{
			local name="$1" rout rrc
			shift
			rl --runtime runc run --rm --network none "$@"
			rout=$T_OUT
			rrc=$T_RC
			rl --runtime "$tmp/kiste-rl" run --rm --network none "$@"
			[ "$T_RC" = "$rrc" ] && [ "$T_OUT" = "$rout" ]
			result $? "rootless: $name (exit $rrc, as runc)" "kiste: exit $T_RC: '$T_OUT'
runc: exit $rrc: '$rout'"
		}
		rl_same "echo and id" localhost/rl:1 sh -c 'echo hi; id -u; id -g'
		rl_same "exit status 7" localhost/rl:1 sh -c 'exit 7'
		rl_same "-e and a write to the user's own rootfs" -e A=b localhost/rl:1 \
			sh -c 'echo $A; touch /written && echo wrote'
		rl_same "-v DIR:/x:ro" -v "$tmp/vol:/x:ro" localhost/rl:1 cat /x/f
		rl_exec()	# runc|kiste: run -d, podman exec (-e), its status and output, rm
		{
			local rt="$1" id out
			[ "$rt" = kiste ] && rt="$tmp/kiste-rl"
			rl --runtime "$rt" run -d --network none localhost/rl:1 sh -c \
				'while :; do sleep 0.1; done'
			id=$T_OUT
			rl --runtime "$rt" exec -e A=x "$id" sh -c 'echo $A $(id -u); exit 4'
			out="$T_RC/$T_OUT"
			rl --runtime "$rt" rm -f -t 0 "$id"
			echo "$out"
		}
		got=$(rl_exec kiste)
		rgot=$(rl_exec runc)
		[ "$got" = "4/x 0" ] && [ "$got" = "$rgot" ]
		result $? "rootless: podman exec -e, its output and status (as runc)" "kiste: $got
runc: $rgot"
		rl --runtime "$tmp/kiste-rl" run --rm --network none localhost/rl:1 nosuchcommand
		[ "$T_RC" = 127 ]
		result $? "rootless: a command not found is 127" "exit $T_RC: $T_OUT"
		rl_same "-t: the container's stdio is a pty" -t localhost/rl:1 sh -c 'tty; exit 5'
		# Detached, as the user runs it: ps lists it, stop sends TERM (its trap: 3), kill
		# KILL (137), rm removes it.  stats and pause need a cgroup the user may write,
		# which cgroupfs without delegation is not: both runtimes' answers are held equal.
		rl_detached()	# runc|kiste: one line of what ps, pause, stop, kill, rm gave
		{
			local rt="$1" id st
			[ "$rt" = kiste ] && rt="$tmp/kiste-rl"
			rl --runtime "$rt" run -d --network none localhost/rl:1 sh -c "$LOOP"
			id=$T_OUT
			[ "$T_RC" -eq 0 ] || { echo "run -d failed: $T_OUT"; return; }
			rl --runtime "$rt" ps --filter id="$id" --format '{{.ID}}'
			st="ps=$([ "$T_OUT" = "${id:0:12}" ] && echo listed || echo "$T_OUT")"
			rl --runtime "$rt" stats --no-stream --format '{{.ID}}' "$id"
			st="$st stats=$T_RC"
			rl --runtime "$rt" pause "$id"
			st="$st pause=$T_RC"
			[ "$T_RC" = 0 ] && rl --runtime "$rt" unpause "$id"
			rl --runtime "$rt" stop -t 5 "$id"
			rl --runtime "$rt" inspect --format '{{.State.Status}} {{.State.ExitCode}}' "$id"
			st="$st stop=$T_OUT"
			rl --runtime "$rt" rm "$id"
			st="$st rm=$T_RC"
			rl --runtime "$rt" run -d --network none localhost/rl:1 sh -c "$LOOP"
			id=$T_OUT
			rl --runtime "$rt" kill "$id"
			rl --runtime "$rt" wait "$id"
			st="$st kill=$T_OUT"
			rl --runtime "$rt" rm "$id"
			rl --runtime "$rt" ps -a --format '{{.ID}}'
			echo "$st left=${T_OUT:-none}"
		}
		got=$(rl_detached kiste)
		rgot=$(rl_detached runc)
		[[ "$got" == "ps=listed stats="[0-9]*" pause="[0-9]*" stop=exited 3 rm=0 kill=137 left=none" ]] &&
			[ "$got" = "$rgot" ]
		result $? "rootless: run -d, ps, stats, pause, stop (TERM, 3), kill (137), rm (as runc)" \
			"kiste: $got
runc: $rgot"
		[ -d "$tmp/rlrun/kiste" ] && [ ! -e /run/kiste/rlprobe ]
		result $? "rootless: kiste's state is the user's (\$XDG_RUNTIME_DIR/kiste)" \
			"$(ls -la "$tmp/rlrun" 2>&1)"
	fi
	rl system reset --force >/dev/null 2>&1
	pkill -KILL -u "$RL" 2>/dev/null
	sleep 0.5
	userdel "$RL" 2>/dev/null
else
	skip "rootless podman" "no useradd or newuidmap (make deps installs uidmap)"
fi

# ---- N runs in a row leave nothing behind ----
before_cg=$(find /sys/fs/cgroup -path '*kiste/oci/*' -maxdepth 6 -type d 2>/dev/null | sort)
start=$(date +%s%N)
bad=0
for i in $(seq 1 "$RUNS"); do
	pm kiste run --rm --cidfile "$tmp/cid.$i" "$IMG" true
	[ "$T_RC" -eq 0 ] || { bad=$((bad + 1)); t_diag "run $i: exit $T_RC: $T_OUT"; }
done
end=$(date +%s%N)
result "$([ "$bad" -eq 0 ]; echo $?)" "$RUNS podman run --rm in a row" "$bad failed"
leftovers()	# what the runs left: state folders, processes, cgroups (empty: nothing)
{
	local i id left=""
	for i in $(seq 1 "$RUNS"); do
		id=$(cat "$tmp/cid.$i" 2>/dev/null) || continue
		[ -e "/run/kiste/$id" ] && left="$left state:$id"
		pgrep -f "$id" >/dev/null && left="$left process:$id"
		find /sys/fs/cgroup -maxdepth 6 -type d -name "*${id:0:40}*" 2>/dev/null |
			grep -q . && left="$left cgroup:$id"
	done
	after_cg=$(find /sys/fs/cgroup -path '*kiste/oci/*' -maxdepth 6 -type d 2>/dev/null | sort)
	[ "$before_cg" = "$after_cg" ] ||
		left="$left cgroups:$(comm -13 <(echo "$before_cg") <(echo "$after_cg"))"
	printf '%s' "$left"
}
# Left means still there after a while: podman's cleanup of the last run (conmon's
# `podman container cleanup`) may still be at work when its `run --rm` has returned.
n=0
while left=$(leftovers) && [ -n "$left" ] && [ $n -lt 20 ]; do
	sleep 0.5
	n=$((n + 1))
done
result "$([ -z "$left" ]; echo $?)" "no state folder, process or cgroup left by the $RUNS runs" "$left"
t_diag "kiste: $RUNS podman run --rm in $(((end - start) / 1000000)) ms"
if [ -n "$RUNC" ]; then
	start=$(date +%s%N)
	for i in $(seq 1 5); do pm runc run --rm "$IMG" true; done
	end=$(date +%s%N)
	t_diag "runc: 5 podman run --rm in $(((end - start) / 1000000)) ms"
fi
t_done
