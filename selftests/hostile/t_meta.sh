# SPDX-License-Identifier: GPL-2.0
# t_meta.sh - host objects' metadata through magic links and inherited descriptors; locks on host files.
# shellcheck shell=sh
#
# Sourced by hostile.sh.  Metadata: kiste runs as uid 65534, so the sandbox's
# root is 65534 outside; a copy of kiste and the stderr file are made 65534's,
# so that an unconfined chmod/chown/utime/truncate would succeed and show in
# the files' stat afterwards (the setting of issue 15's finding 2: /proc/self/exe
# of a shim workload is the launcher's binary).

meta_run()	# MODE
{
	[ "${META_MODE:-}" = "$1" ] && return
	META_MODE="$1"
	META_OK=""
	if [ "$(id -u)" != 0 ] || ! stat -c %a / >/dev/null 2>&1; then
		META_OK="needs root (the sandbox's uid owning the targets) and stat(1)"
		return
	fi
	u="$TMP/meta"
	rm -rf "$u"
	mkdir "$u"
	cp "$K" "$u/kiste"
	echo keep >"$u/err"
	chown -R 65534:65534 "$u"
	chmod 755 "$u" "$u/kiste"
	chmod 640 "$u/err"
	META_BEFORE=$(stat -c '%n %a %u %Y %s' "$u/kiste" "$u/err")
	sleep 1.1	# a changed time shows in whole seconds
	# As 65534, whom the sandbox's root then is outside (run as root, a sandbox has an
	# id range of its own, which owns nothing here and would make every check vacuous).
	# With the module (m: the test VM, where only root may open /dev/kiste) as root: the
	# guest kernel's checks are the same code, which s proves with the owner's rights.
	as=""
	[ "$1" = m ] || as="setpriv --reuid=65534 --regid=65534 --clear-groups"
	$as "$u/kiste" run --mode=shim --timeout 60 -- "$WL/harden" meta >"$u/out" 2>>"$u/err" </dev/null
	META_RC=$?
	META_AFTER=$(stat -c '%n %a %u %Y %s' "$u/kiste" "$u/err")
	META_OUT=$(cat "$u/out")
}

# meta_check MODE "CALL..." FIELD-FILE: each CALL refused, and FILE's stat unchanged.
meta_check()
{
	meta_run "$1"
	if [ -n "$META_OK" ]; then
		notrun "$META_OK"
		return
	fi
	T_OUT="$META_OUT"
	T_RC="$META_RC"
	bad=""
	for c in $2; do
		c=$(echo "$c" | tr '+' ' ')
		case "$T_OUT" in
		*"$c=ok"*) bad="$bad $c" ;;
		*"$c="*) ;;
		*) bad="$bad ($c not tried)" ;;
		esac
	done
	b=$(printf '%s\n' "$META_BEFORE" | grep "/$3 ")
	a=$(printf '%s\n' "$META_AFTER" | grep "/$3 ")
	judge "$([ "$T_RC" = 0 ] && [ -z "$bad" ] && [ "$a" = "$b" ]; echo $?)" \
		"allowed:$bad; before: $b; after: $a; $(seen)"
}

t_meta_chmod_fd() { meta_check "$1" "chmod+/proc/self/fd/2 chmod+/proc/thread-self/fd/2 chmod+/dev/stderr chmod+/dev/fd/2" err; }
t_meta_chmod_exe() { meta_check "$1" "chmod+/proc/self/exe" kiste; }
t_meta_chown_fd() { meta_check "$1" "chown+/proc/self/fd/2" err; }
t_meta_utime_fd() { meta_check "$1" "utimensat+/proc/self/fd/2 utimensat+/proc/self/exe" err; }
t_meta_truncate_fd() { meta_check "$1" "truncate+/proc/self/fd/2" err; }
t_meta_fchmod_inherited() { meta_check "$1" "fchmod+2 fchown+2 futimens+2 fchmod+dup+of+2 fchmod+F_DUPFD+of+2 fchmod+/dev/stderr+reopened" err; }
t_meta_scm_launder() { meta_check "$1" "fchmod+SCM_RIGHTS+of+2 fsetxattr+SCM_RIGHTS+of+2" err; }

# A gate jump past the guest kernel to the host's fchmod, utimensat and fsetxattr rows, on
# a file the sandbox's root owns (kiste run as 65534, the file 65534's) given as fd 0 or 1:
# kiste relays it through a pipe, so the file's mode, times, ctime and xattrs stay as they were.
gatemeta_check()	# MODE FD
{
	if [ "$(id -u)" != 0 ] || ! command -v setpriv >/dev/null 2>&1; then
		notrun "needs root and setpriv (kiste run as 65534, the file's owner)"
		return
	fi
	u="$TMP/gatemeta$2"
	rm -rf "$u"
	mkdir "$u"
	cp "$K" "$u/kiste"
	echo keep >"$u/f"
	chown -R 65534:65534 "$u"
	chmod 755 "$u" "$u/kiste"
	chmod 640 "$u/f"
	gm_stat() { stat -c '%a %u %g %s %Y %Z' "$u/f"; /usr/bin/python3 -c \
		'import os, sys; print(os.listxattr(sys.argv[1]))' "$u/f" 2>/dev/null; }
	b=$(gm_stat)
	sleep 1.1	# a changed time shows in whole seconds
	as="setpriv --reuid=65534 --regid=65534 --clear-groups"
	# >> opens the file without touching it (> would truncate: a new mtime); nothing is written.
	if [ "$2" = 0 ]; then
		$as "$u/kiste" run --mode=shim --timeout $((60 * TS)) -- "$A" gatemeta 0 \
			<"$u/f" >"$u/out" 2>&1
	else
		$as "$u/kiste" run --mode=shim --timeout $((60 * TS)) -- "$A" gatemeta 1 \
			>>"$u/f" 2>"$u/out" </dev/null
	fi
	T_RC=$?
	T_OUT=$(cat "$u/out")
	a=$(gm_stat)
	judge "$([ "$T_RC" = 0 ] && has "gatemeta fchmod=" && has "gatemeta fsetxattr=" &&
		[ "$a" = "$b" ]; echo $?)" "before: $b; after: $a; $(seen)"
}

# The gate_* cases that run kiste as 65534 (the owner of what they attack): a folder of
# 65534's with its own copy of kiste in $u, made by FILL (a function, may be empty) before
# it changes hands; 1 (after a notrun line) without root or setpriv.
owner_dir()	# NAME FILL
{
	if [ "$(id -u)" != 0 ] || ! command -v setpriv >/dev/null 2>&1; then
		notrun "needs root and setpriv (kiste run as 65534, the owner of what it attacks)"
		return 1
	fi
	u="$TMP/$1"
	rm -rf "$u"
	mkdir -p "$u"
	cp "$K" "$u/kiste"
	"$2"
	chown -R 65534:65534 "$u"
	chmod 755 "$u" "$u/kiste"
}
as65534() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }

# Without namespaces the rootfs is not pivoted: a gate jump's fchmodat/utimensat on a
# directory descriptor of the rootfs with "../x" reached a caller's file outside it
# (hostile review); the metadata rows are absent there (W_META), the file unchanged.
nons_fill()
{
	mkdir -p "$u/root/bin"
	cp "$A" "$u/root/bin/attack"
	echo keep >"$u/victim"
}

t_meta_gate_nons()
{
	owner_dir gatenons nons_fill || return
	chmod 600 "$u/victim"
	b=$(stat -c '%a %Y' "$u/victim")
	sleep 1.1	# a changed time shows in whole seconds
	T_OUT=$(as65534 "$u/kiste" run --mode=shim --unsafe-no-namespaces --rootfs "$u/root" \
		--timeout $((60 * TS)) -- /bin/attack gatemetaat / ../victim 2>&1)
	T_RC=$?
	a=$(stat -c '%a %Y' "$u/victim")
	judge "$([ "$a" = "$b" ] && { [ "$T_RC" = 159 ] || has "gatemetaat fchmodat=E"; }
		 echo $?)" "before: $b; after: $a; $(seen)"
}

# The workload process is kiste until it enters the guest kernel: a gate jump's
# openat2(procfs, "self/exe") then fchmod reached the kiste binary when its caller owns
# it (a build of one's own), setuid for every local user (hostile review).  Such a kiste
# runs from a sealed memfd copy; run as 65534 with a copy 65534 owns, it is unchanged.
t_meta_gate_exe()
{
	owner_dir gateexe true || return
	b=$(stat -c '%a %Y' "$u/kiste")
	sleep 1.1	# a changed time shows in whole seconds
	T_OUT=$(as65534 "$u/kiste" run --mode=shim --timeout $((60 * TS)) -- \
		"$A" gatechmodvia 1005 self/exe 2>&1)
	T_RC=$?
	a=$(stat -c '%a %Y' "$u/kiste")
	judge "$([ "$a" = "$b" ] && has "gatechmodvia open self/exe="; echo $?)" \
		"before: $b; after: $a; $(seen)"
}

# The --trace-output file is the caller's: a gate jump's openat2(procfs, "self/fd/1002")
# then fchmod and futimens reached it (hostile review); it is written through a pipe
# the launcher relays, so 1002 is that pipe and the file is unchanged.
t_meta_gate_trace()
{
	owner_dir gatetrace true || return
	T_OUT=$(as65534 "$u/kiste" run --mode=shim --trace-output "$u/trace" \
		--timeout $((60 * TS)) -- "$A" gatechmodvia 1005 self/fd/1002 2>&1)
	T_RC=$?
	a=$(stat -c '%a %Y' "$u/trace")
	judge "$([ "${a%% *}" = 644 ] && [ "${a#* }" -gt 100 ] &&
		has "gatechmodvia open self/fd/1002=" && grep -q 'exit_group' "$u/trace"
		 echo $?)" "trace file: $a; $(seen)"
}

t_meta_gate_stdin() { gatemeta_check "$1" 0; }
t_meta_gate_stdout() { gatemeta_check "$1" 1; }

# The same gate jump from a process `kiste exec NAME` started in a running named run
# (hostile review: exec handed the caller's 0-2 over as they were): its 1 is a pipe
# kiste exec's stand-in empties into the file, which stays as it was.
t_meta_gate_exec_stdout()
{
	owner_dir gateexec true || return
	mkdir "$u/xdg"
	echo keep >"$u/f"
	chown 65534:65534 "$u/xdg" "$u/f"
	chmod 700 "$u/xdg"
	chmod 640 "$u/f"
	gx_stat() { stat -c '%a %u %g %s %Y %Z' "$u/f"; /usr/bin/python3 -c \
		'import os, sys; print(os.listxattr(sys.argv[1]))' "$u/f" 2>/dev/null; }
	XDG_RUNTIME_DIR="$u/xdg" as65534 "$u/kiste" run --mode=shim --name gx$$ \
		--timeout $((60 * TS)) -- sleep $((60 * TS)) </dev/null >"$u/run.out" 2>&1 &
	gx_run=$!
	for i in $(seq 100); do
		XDG_RUNTIME_DIR="$u/xdg" as65534 "$u/kiste" exec gx$$ true </dev/null \
			>/dev/null 2>&1 && break
		sleep 0.1
	done
	b=$(gx_stat)
	sleep 1.1	# a changed time shows in whole seconds
	# >> opens the file without touching it; nothing is written to it.
	XDG_RUNTIME_DIR="$u/xdg" as65534 timeout $((60 * TS)) "$u/kiste" exec gx$$ \
		"$A" gatemeta 1 >>"$u/f" 2>"$u/out" </dev/null
	T_RC=$?
	T_OUT="$(cat "$u/out") (tries: $i)"
	a=$(gx_stat)
	kill -TERM "$gx_run" 2>/dev/null
	wait "$gx_run" 2>/dev/null
	judge "$([ "$T_RC" = 0 ] && has "gatemeta fchmod=" && has "gatemeta fsetxattr=" &&
		[ "$a" = "$b" ]; echo $?)" "before: $b; after: $a; $(seen)"
}

# The sandbox holds flock, POSIX and OFD locks on a read-only host file; the host probes.
lock_run()	# MODE
{
	[ "${LOCK_MODE:-}" = "$1" ] && return
	LOCK_MODE="$1"
	lf="$TMP/lockfile"
	echo lock >"$lf"
	chmod 644 "$lf"
	for who in native sandbox; do
		: >"$TMP/hold.out"
		if [ $who = native ]; then
			"$WL/harden" lockhold "$lf" 5 >"$TMP/hold.out" 2>&1 </dev/null &
		else
			"$K" run --mode=shim --timeout 60 -- "$WL/harden" lockhold "$lf" 5 \
				>"$TMP/hold.out" 2>&1 </dev/null &
		fi
		hold=$!
		i=0
		while [ $i -lt $((100 * TS)) ] && ! grep -q holding "$TMP/hold.out"; do
			sleep 0.1
			i=$((i + 1))
		done
		probe=$("$WL/harden" lockprobe "$lf" 2>&1 </dev/null)
		kill $hold 2>/dev/null
		wait $hold 2>/dev/null
		if [ $who = native ]; then
			LOCK_CTL="$probe"
		else
			LOCK_HOLD=$(cat "$TMP/hold.out")
			LOCK_PROBE="$probe"
		fi
	done
}

lock_check()	# MODE SANDBOX-LINE HOST-LINE
{
	lock_run "$1"
	case "$LOCK_CTL" in
	*"$3=ok"*) escaped "control failed: natively the host still takes the lock: $LOCK_CTL"; return ;;
	esac
	T_OUT="sandbox: $LOCK_HOLD
host: $LOCK_PROBE"
	judge "$(has "$2=ok" && has holding && has "$3=ok"; echo $?)" "$T_OUT"
}

t_lock_flock() { lock_check "$1" flock "host flock -x -n"; }
t_lock_posix() { lock_check "$1" "F_SETLK F_RDLCK" "host F_SETLK F_WRLCK"; }
t_lock_ofd() { lock_check "$1" "F_OFD_SETLK F_RDLCK" "host F_OFD_SETLK F_WRLCK"; }
