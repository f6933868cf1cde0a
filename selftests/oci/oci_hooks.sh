#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# oci_hooks.sh - config.json's hooks under kiste beside runc: what they read, when they run, failures.
# kiste-suite: host oci_hooks.sh
#
# A hook script records its stdin (the state), its directory and environment
# per hook kind; the same bundle runs under both runtimes and the records, exit
# statuses and leftovers are compared.  One known difference is checked for
# kiste alone: runc 1.1 runs poststart at create, kiste at start (as the
# runtime-spec says and runc 1.2 does).
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
# shellcheck source=selftests/oci/oci_lib.sh
. "$here/oci_lib.sh"

# The hook: ARGS are KIND EXIT-STATUS; it leaves KIND.state/.cwd/.env in $HOOKOUT.
H="$tmp/hook.sh"
cat >"$H" <<'EOF'
#!/bin/sh
cat >"$HOOKOUT/$1.state"
pwd >"$HOOKOUT/$1.cwd"
env | grep -v -e '^PWD=' -e '^HOOKOUT=' | sort >"$HOOKOUT/$1.env"
echo "out-of-$1"
echo "err-of-$1" >&2
exit "$2"
EOF
chmod 755 "$H"

# hooks_cfg KIND:STATUS...: the sleeping container with these hooks, recording into $OUT
# (STATUS "sleep": a hook that outlives its 1 s timeout).
hooks_cfg()
{
	local spec
	spec=$(python3 - "$H" "$OUT" "$@" <<'PY'
import json, sys
path, out, hooks = sys.argv[1], sys.argv[2], {}
for s in sys.argv[3:]:
    kind, rc = s.split(":")
    if rc == "sleep":
        h = {"path": "/bin/sh", "args": ["sh", "-c", "exec sleep 17.5"], "timeout": 1}
    else:
        h = {"path": path, "args": ["hook", kind, rc], "env": ["HOOKOUT=" + out]}
    hooks.setdefault(kind, []).append(h)
print(json.dumps({"hooks": hooks}))
PY
)
	bundle_cfg 'sleep 30' "" "$spec"
}

# Each runtime's records in a folder of its own.
for w in kiste runc; do mkdir -p "$tmp/hooks-$w"; done
hstep()	# NAME WANT_RC SUBSTR -- VERB ARGS: step, with each runtime's hooks writing to its folder
{
	local name="$1" want="$2" sub="$3"
	shift 4
	if [ -n "$RUNC" ]; then
		OUT="$tmp/hooks-runc" hooks_cfg_again
		rt runc "$@"
		runc_rc=$T_RC
		runc_out=$T_OUT
	fi
	OUT="$tmp/hooks-kiste" hooks_cfg_again
	rt kiste "$@"
	if [ "$T_RC" -ne "$want" ]; then
		fail "$name" "kiste exit $T_RC, want $want: $T_OUT"
	elif [ -n "$sub" ] && [[ "$T_OUT" != *"$sub"* ]]; then
		fail "$name" "kiste's output lacks '$sub': $T_OUT"
	elif [ -n "$RUNC" ] && [ "$runc_rc" -ne "$T_RC" ]; then
		fail "$name" "kiste exit $T_RC, runc exit $runc_rc: $runc_out"
	else
		ok "$name"
	fi
}
HOOKS=""
hooks_cfg_again()
{
	# shellcheck disable=SC2086 # one word per hook
	hooks_cfg $HOOKS
}
clear_records()
{
	rm -f "$tmp"/hooks-kiste/* "$tmp"/hooks-runc/*
}
same_record()	# NAME FILE: kiste's and runc's FILE equal (or kiste's only, without runc)
{
	local k="$tmp/hooks-kiste/$2" r="$tmp/hooks-runc/$2"
	if [ ! -f "$k" ]; then
		fail "$1" "kiste's hook left no $2"
	elif [ -n "$RUNC" ] && ! diff -q "$k" "$r" >/dev/null 2>&1; then
		fail "$1" "kiste: $(cat "$k" 2>&1) / runc: $(cat "$r" 2>&1)"
	else
		ok "$1"
	fi
}

# ---- every hook succeeds ----
HOOKS="prestart:0 createRuntime:0 poststart:0 poststop:0"
clear_records
hstep "create h1 with four hooks" 0 "" -- create --bundle "$B" h1
kpid=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["pid"])' "$KROOT/h1/state.json")
why=$(python3 -c 'import json,sys
s = json.load(open(sys.argv[1]))
want = {"ociVersion": "1.0.2-dev", "id": "h1", "status": "creating", "pid": int(sys.argv[2]), "bundle": sys.argv[3]}
assert s == want, "%s != %s" % (s, want)' "$tmp/hooks-kiste/prestart.state" "$kpid" "$B" 2>&1)
result $? "prestart reads the state: creating, the init's pid, the bundle" "$why"
for k in prestart createRuntime; do
	if [ -n "$RUNC" ]; then
		# The same but the pid: the keys, their order, the values.
		d=$(diff <(sed -E 's/"pid":[0-9]+/"pid":P/' "$tmp/hooks-kiste/$k.state") \
			<(sed -E 's/"pid":[0-9]+/"pid":P/' "$tmp/hooks-runc/$k.state"))
		result $? "$k's state is runc's (but the pid)" "$d"
	fi
	same_record "$k runs in the bundle" "$k.cwd"
	same_record "$k gets its env and nothing else" "$k.env"
done
result "$([ ! -f "$tmp/hooks-kiste/poststart.state" ]; echo $?)" \
	"poststart has not run at create (runtime-spec; runc 1.1 runs it here)"
rt kiste start h1
result "$([ "$T_RC" -eq 0 ] && grep -q '"status":"running"' "$tmp/hooks-kiste/poststart.state"; echo $?)" \
	"start runs poststart, which reads status running" "exit $T_RC: $T_OUT $(cat "$tmp/hooks-kiste/poststart.state" 2>&1)"
[ -n "$RUNC" ] && "$RUNC" --root "$RROOT" start h1
result "$([ ! -f "$tmp/hooks-kiste/poststop.state" ]; echo $?)" "poststop has not run before delete"
hstep "delete --force h1" 0 "" -- delete --force h1
same_record "poststop reads runc's stopped state (no pid)" poststop.state
# runc chdirs into the bundle for create (the hooks there inherit it), not for delete.
same_record "poststop runs where delete was called" poststop.cwd

# ---- failures ----
for k in prestart createRuntime; do
	HOOKS="$k:3 poststop:0"
	clear_records
	hstep "a failing $k hook fails create" 1 "exit status 3, stdout: out-of-$k" -- create --bundle "$B" "f-$k"
	rt kiste list -q
	left=$(find /sys/fs/cgroup -path "*/kiste/oci/f-$k" 2>/dev/null)
	result "$([ -z "$T_OUT" ] && [ -z "$left" ] && [ ! -e "$KROOT/f-$k" ]; echo $?)" \
		"... and leaves no container, state or cgroup" "list '$T_OUT', cgroups '$left'"
	same_record "... and runs poststop, as runc" poststop.state
done
HOOKS="prestart:sleep"
t0=$(date +%s)
hstep "a prestart hook past its timeout fails create" 1 "timeout of 1 s" -- create --bundle "$B" f-time
t1=$(date +%s)
sleep 0.2
result "$([ $((t1 - t0)) -lt 8 ] && ! pgrep -f 'sleep 17.5' >/dev/null; echo $?)" \
	"... killed at its timeout" "took $((t1 - t0)) s; left: $(pgrep -af 'sleep 17.5')"
HOOKS="poststop:5"
hstep "create h2 (a failing poststop)" 0 "" -- create --bundle "$B" h2
hstep "delete of h2 succeeds though poststop fails" 0 "" -- delete --force h2
step "h2 is gone" 1 "does not exist" -- state h2
HOOKS="poststart:4 poststop:0"
OUT="$tmp/hooks-kiste" hooks_cfg_again
rt kiste create --bundle "$B" h3
rt kiste start h3
result "$([ "$T_RC" -eq 1 ] && [[ "$T_OUT" == *"exit status 4"* ]]; echo $?)" \
	"a failing poststart fails start" "exit $T_RC: $T_OUT"
wait_status kiste h3 stopped
result $? "... and the container stops (runc: its create fails and removes it)"
rt kiste delete h3
OUT="$tmp/hooks-kiste" hooks_cfg_again
rt kiste run --bundle "$B" h3r
result "$([ "$T_RC" -eq 1 ] && [[ "$T_OUT" == *"exit status 4"* ]] && [ ! -e "$KROOT/h3r" ]; echo $?)" \
	"a failing poststart fails run, which leaves no container" "exit $T_RC: $T_OUT"

# ---- bad hooks ----
bundle_cfg true "" '{"hooks": {"prestart": [{"path": "bin/true"}]}}'
step "a relative hook path is refused" 1 "hooks.prestart[0].path" -- create --bundle "$B" b1
bundle_cfg true "" '{"hooks": {"prestart": [{"path": "/no/such/hook"}]}}'
step "a missing hook binary fails create" 1 "" -- create --bundle "$B" b2
rt kiste create --bundle "$B" b2
result "$([[ "$T_OUT" == *"cannot execute /no/such/hook"* ]]; echo $?)" \
	"... saying it cannot execute it" "$T_OUT"
bundle_cfg true "" '{"hooks": {"createContainer": [{"path": "/bin/true"}]}}'
rt kiste create --bundle "$B" b3
result "$([ "$T_RC" -eq 1 ] && [[ "$T_OUT" == *"hooks.createContainer"* ]] && [ ! -e "$KROOT/b3" ]; echo $?)" \
	"createContainer (inside the container) is refused by name" "exit $T_RC: $T_OUT"
# A hook that never reads its stdin, and a state larger than a pipe holds: no hang.
bundle_cfg true
python3 -c 'import json,sys
c = json.load(open(sys.argv[1]))
c["annotations"] = {"big": "x" * 200000}
c["hooks"] = {"prestart": [{"path": "/bin/true"}]}
json.dump(c, open(sys.argv[1], "w"))' "$B/config.json"
T_OUT=$(timeout 20 "$K" --root "$KROOT" run --bundle "$B" b4 2>&1 </dev/null)
T_RC=$?
result "$([ "$T_RC" -eq 0 ]; echo $?)" "a hook that does not read a 200 kB state does not hang create" \
	"exit $T_RC: $T_OUT"
# A hooks.json swapped for a link is not followed: its hooks do not run.
HOOKS="poststop:0"
OUT="$tmp/hooks-kiste" hooks_cfg_again
rt kiste create --bundle "$B" b5
clear_records
cp "$KROOT/b5/hooks.json" "$tmp/planted.json"
rm -f "$KROOT/b5/hooks.json"
ln -s "$tmp/planted.json" "$KROOT/b5/hooks.json"
rt kiste delete --force b5
result "$([ "$T_RC" -eq 0 ] && [ ! -e "$tmp/hooks-kiste/poststop.state" ] && [ ! -e "$KROOT/b5" ]; echo $?)" \
	"a hooks.json link is not followed; delete still removes the container" "exit $T_RC: $T_OUT"
t_done
