#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# oci_verbs.sh - features, spec, ps, pause/resume, update and events, kiste beside runc.
# kiste-suite: host oci_verbs.sh
#
# The same busybox bundle under both runtimes (oci_lib.sh): exit statuses,
# status fields and JSON compared with runc's, and each verb's effect checked
# where it shows (a paused container's CPU time stands still and its freezer
# says FROZEN; update's limits are in the cgroup files and in events --stats).
# The cgroup verbs need a cgroup kiste can make (root, or delegation): without
# one they are skipped, saying so.
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

py()	# PYTHON-CODE [ARGS]: JSON on stdin
{
	python3 -c "$@"
}

# ---- features ----
rt kiste features
kfeat=$T_OUT
result "$([ "$T_RC" -eq 0 ] && printf '%s' "$kfeat" | py 'import json,sys; json.load(sys.stdin)'; echo $?)" \
	"features: exit 0, one JSON object" "exit $T_RC: $kfeat"
if [ -n "$RUNC" ]; then
	rt runc features
	rfeat=$T_OUT
	# Every key kiste prints is one runc prints, with a value of the same type.
	printf '%s' "$rfeat" >"$tmp/rfeat.json"
	why=$(printf '%s' "$kfeat" | py '
import json, sys
k, r = json.load(sys.stdin), json.load(open(sys.argv[1]))
def walk(a, b, at):
    for key, v in a.items():
        if key == "annotations":
            continue
        assert key in b, "%s%s: not in runc features" % (at, key)
        assert type(v) == type(b[key]), "%s%s: %s, runc %s" % (at, key, type(v), type(b[key]))
        if isinstance(v, dict):
            walk(v, b[key], at + key + ".")
walk(k, r, "")
assert k["ociVersionMax"] == r["ociVersionMax"], "ociVersionMax differs"
assert set(k["linux"]["namespaces"]) <= set(r["linux"]["namespaces"]), "namespaces"
' "$tmp/rfeat.json" 2>&1)
	result $? "features: runc's keys and types, its ociVersionMax" "$why"
	klines=$(printf '%s\n' "$kfeat" | sed -n '1,3p')
	rlines=$(printf '%s\n' "$rfeat" | sed -n '1,3p')
	result "$([ "$klines" = "$rlines" ]; echo $?)" "features: runc's layout (four-space indent)" \
		"kiste: $klines / runc: $rlines"
fi
# What features says about hooks holds: a listed hook is run, an unlisted one refused.
hooks=$(printf '%s' "$kfeat" | py 'import json,sys; print(" ".join(json.load(sys.stdin)["hooks"]))')
bundle_cfg true "" '{"hooks": {"prestart": [{"path": "/bin/true"}]}}'
rt kiste run --bundle "$B" h1
if [[ " $hooks " == *" prestart "* ]]; then
	result "$([ "$T_RC" -eq 0 ]; echo $?)" "features lists prestart: a prestart hook runs" "exit $T_RC: $T_OUT"
else
	result "$([ "$T_RC" -eq 1 ] && [[ "$T_OUT" == *hooks* ]]; echo $?)" \
		"features lists no prestart: a config with one is refused, naming hooks" "exit $T_RC: $T_OUT"
fi
# runc exits 1 for every failure; kiste's usage errors are 2, as all its commands' (README).
rt kiste features extra
result "$([ "$T_RC" -eq 2 ] && [[ "$T_OUT" == *"takes none"* ]]; echo $?)" \
	"features with an argument: a usage error" "exit $T_RC: $T_OUT"

# ---- spec ----
mkdir -p "$tmp/spec-k" "$tmp/spec-r" "$tmp/spec-kr" "$tmp/spec-rr"
rt kiste spec --bundle "$tmp/spec-k"
result "$([ "$T_RC" -eq 0 ] && [ -f "$tmp/spec-k/config.json" ]; echo $?)" "spec writes config.json" \
	"exit $T_RC: $T_OUT"
rt kiste spec --rootless --bundle "$tmp/spec-kr"
result "$([ "$T_RC" -eq 0 ]; echo $?)" "spec --rootless writes config.json" "exit $T_RC: $T_OUT"
# kiste's two deliberate differences put back, the files must be runc's byte for byte.
unkiste()	# FILE
{
	sed 's/"hostname": "kiste"/"hostname": "runc"/; s/"terminal": false/"terminal": true/' "$1"
}
if [ -n "$RUNC" ]; then
	(cd "$tmp/spec-r" && "$RUNC" spec) && (cd "$tmp/spec-rr" && "$RUNC" spec --rootless)
	d=$(diff <(unkiste "$tmp/spec-k/config.json") "$tmp/spec-r/config.json")
	result $? "spec: runc's config.json but terminal and hostname" "$d"
	d=$(diff <(unkiste "$tmp/spec-kr/config.json") "$tmp/spec-rr/config.json")
	result $? "spec --rootless: runc's but terminal and hostname" "$d"
fi
result "$(py 'import json,sys,os
c = json.load(open(sys.argv[1]))
m = c["linux"]["uidMappings"][0]
assert m["hostID"] == os.geteuid() and m["size"] == 1
assert {"type": "user"} in c["linux"]["namespaces"] and {"type": "network"} not in c["linux"]["namespaces"]
' "$tmp/spec-kr/config.json" 2>&1; echo $?)" "spec --rootless maps the caller's uid, user ns, no network ns"
step "spec refuses an existing config.json" 1 "exists" -- spec --bundle "$tmp/spec-k"
step "spec with a missing --bundle" 1 "" -- spec --bundle "$tmp/no-such-folder"
# A link planted as config.json is neither followed nor replaced.
mkdir -p "$tmp/spec-link"
echo precious >"$tmp/victim"
ln -s "$tmp/victim" "$tmp/spec-link/config.json"
rt kiste spec --bundle "$tmp/spec-link"
result "$([ "$T_RC" -eq 1 ] && [ "$(cat "$tmp/victim")" = precious ] && [ -L "$tmp/spec-link/config.json" ]
	 echo $?)" "spec does not write through a config.json link" "exit $T_RC: $T_OUT"
# kiste runs the config it writes (args set to a command the rootfs has).
cp -r "$B/rootfs" "$tmp/spec-k/rootfs"
rm -f "$tmp/spec-k/config.json"
"$K" spec --bundle "$tmp/spec-k"
py 'import json,sys
c = json.load(open(sys.argv[1])); c["process"]["args"] = ["sh", "-c", "echo spec-ok; hostname"]
json.dump(c, open(sys.argv[1], "w"))' "$tmp/spec-k/config.json"
T_OUT=$(timeout 20 "$K" --root "$KROOT" run --bundle "$tmp/spec-k" sp1 2>&1 </dev/null)
T_RC=$?
result "$([ "$T_RC" -eq 0 ] && [ "$T_OUT" = "spec-ok"$'\n'"kiste" ]; echo $?)" \
	"kiste runs the config kiste spec writes" "exit $T_RC: $T_OUT"

# ---- exec (oci_exec.sh has the rest): a container that is not there, one line, runc's 255 ----
rt kiste exec c1 sh
result "$([ "$T_RC" -eq 255 ] && [ "$(printf '%s\n' "$T_OUT" | wc -l)" -eq 1 ] &&
	 [[ "$T_OUT" == *"does not exist"* ]]; echo $?)" "exec of no container: one line, exit 255" \
	"exit $T_RC: $T_OUT"

# ---- --root in a folder another user could change: refused, every verb ----
# Whoever may write a folder on the way to --root (or owns a link there) could swap --root
# for a folder of theirs after the check, with a state naming a pid of their choosing for
# kill and delete (hostile review of 2026-12-06).  A sticky folder (/tmp) is fine.
if [ "$(id -u)" = 0 ]; then
	mkdir -p "$tmp/other/st" "$tmp/good-st/sub"
	chown 4246 "$tmp/other"
	chmod 755 "$tmp/other"
	chmod 700 "$tmp/other/st" "$tmp/good-st" "$tmp/good-st/sub"
	ln -s "$tmp/good-st" "$tmp/other-link"
	chown -h 4246 "$tmp/other-link"
	for v in list "state x" "kill x KILL" "delete --force x"; do
		for r in "$tmp/other/st" "$tmp/other-link/sub"; do
			# shellcheck disable=SC2086 # the verb and its arguments
			T_OUT=$("$K" --root "$r" $v 2>&1 </dev/null)
			T_RC=$?
			result "$([ "$T_RC" -eq 1 ] && [[ "$T_OUT" == *"which another user owns"* ]] &&
				 [ "$(printf '%s\n' "$T_OUT" | wc -l)" -eq 1 ]; echo $?)" \
				"--root ${r#"$tmp/"}: ${v%% *} is refused with one line" "exit $T_RC: $T_OUT"
		done
	done
	T_OUT=$("$K" --root "$tmp/good-st" list 2>&1 </dev/null)
	result $? "--root in a sticky /tmp, root's folders on the way: list works" "$T_OUT"
fi

# ---- without a cgroup (an ordinary user, no delegation): ps walks the pid namespace, ----
# ---- pause, update and events refuse with one line each ----
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
	NR="$tmp/nobody-root"
	mkdir -p "$NR"
	chown 65534:65534 "$NR"
	chmod 700 "$NR"
	nobody()	# VERB ARGS: kiste as uid 65534 with its own --root (output in a file: see rt)
	{
		local out
		out=$(mktemp "$tmp/out.XXXXXX")
		(cd "$B" && setpriv --reuid=65534 --regid=65534 --clear-groups \
			"$K" --root "$NR" "$@" >"$out" 2>&1 </dev/null)
		T_RC=$?
		T_OUT=$(cat "$out")
	}
	bundle_cfg 'sleep 100'
	nobody --log "$NR/n1.log" create --bundle . n1
	result "$(grep -q 'linux.resources: no cgroup.* memory limit pids limit not enforced' \
		"$NR/n1.log"; echo $?)" "no cgroup: --log says the resources' limits are not enforced" \
		"exit $T_RC: $T_OUT; log: $(cat "$NR/n1.log" 2>&1)"
	nobody start n1
	nobody state n1
	npid=$(printf '%s' "$T_OUT" | python3 -c 'import json,sys; print(json.load(sys.stdin)["pid"])' 2>/dev/null)
	if [ -n "$npid" ] && [ "$npid" != 0 ]; then
		nobody ps --format json n1
		why=$(printf '%s' "$T_OUT" | python3 -c '
import json, os, sys
pids, init = json.load(sys.stdin), int(sys.argv[1])
ns = os.readlink("/proc/%d/ns/pid" % init)
assert init in pids and len(pids) >= 2, pids
assert all(os.readlink("/proc/%d/ns/pid" % p) == ns for p in pids), pids' "$npid" 2>&1)
		result $? "no cgroup: ps lists the container's pid namespace" "$why: $T_OUT"
		for v in "pause n1" "update --memory 100M n1" "events --stats n1"; do
			# shellcheck disable=SC2086 # the verb and its arguments
			nobody $v
			result "$([ "$T_RC" -eq 1 ] && [[ "$T_OUT" == *"no cgroup"* ]] &&
				 [ "$(printf '%s\n' "$T_OUT" | wc -l)" -eq 1 ]; echo $?)" \
				"no cgroup: ${v%% *} is refused with one line" "exit $T_RC: $T_OUT"
		done
		nobody state n1
		result "$([[ "$T_OUT" == *'"status": "running"'* ]]; echo $?)" \
			"no cgroup: the refused pause left the container running" "$T_OUT"
	else
		# (The ASan build's workload cannot map its shadow under the RLIMIT_AS that shim
		# mode falls back to without a memory cgroup: it stops at once.)
		skip "no cgroup: the verbs" "no running container as uid 65534 here (state pid '${npid:-none}')"
	fi
	nobody delete --force n1
fi

# ---- the cgroup verbs need a cgroup ----
# A counting loop held to a fifth of a CPU (the machine is shared) and a sleep beside it.
# shellcheck disable=SC2016 # the container's shell expands it
bundle_cfg 'sleep 100 & while :; do j=$((j+1)); done' "" '{"linux": {
  "namespaces": [{"type": "pid"}, {"type": "network"}, {"type": "ipc"}, {"type": "uts"}, {"type": "mount"}],
  "resources": {"memory": {"limit": 268435456}, "pids": {"limit": 64},
                "cpu": {"quota": 20000, "period": 100000}}}}'
rt kiste create --bundle "$B" probe-cg
cgv=$(py 'import json,sys; print(json.load(open(sys.argv[1]))["cgroup"]["version"])' \
	"$KROOT/probe-cg/state.json" 2>/dev/null)
"$K" --root "$KROOT" delete --force probe-cg >/dev/null 2>&1
if [ "${cgv:-0}" = 0 ]; then
	skip_all "kiste gets no cgroup here (not root, no delegation): ps/pause/update/events need one"
fi

pid_of()	# kiste|runc ID
{
	rt "$1" state "$2"
	printf '%s' "$T_OUT" | py 'import json,sys; print(json.load(sys.stdin)["pid"])'
}

# CPU ticks (utime + stime) of every process of the container, from ps --format json.
ticks()	# kiste|runc ID
{
	rt "$1" ps --format json "$2"
	printf '%s' "$T_OUT" | py '
import json, sys
t = 0
for p in json.load(sys.stdin):
    try:
        f = open("/proc/%d/stat" % p).read().rsplit(")", 1)[1].split()
        t += int(f[11]) + int(f[12])
    except OSError:
        pass
print(t)'
}

# ---- ps ----
step "create p1 (a counting loop and a sleep)" 0 "" -- create --bundle "$B" p1
for w in kiste runc; do
	[ "$w" = runc ] && [ -z "$RUNC" ] && continue
	rt "$w" ps --format json p1
	want=$(pid_of "$w" p1)
	result "$([ "$T_OUT" = "[$want]" ]; echo $?)" "ps of created p1 ($w): [the init's pid]" \
		"ps '$T_OUT', state pid $want"
done
step "start p1" 0 "" -- start p1
sleep 0.5
for w in kiste runc; do
	[ "$w" = runc ] && [ -z "$RUNC" ] && continue
	init=$(pid_of "$w" p1)
	rt "$w" ps --format json p1
	json=$T_OUT
	# Every pid listed shares the init's pid namespace; the init is listed; the sleep too.
	why=$(printf '%s' "$json" | py '
import json, os, sys
pids, init = json.load(sys.stdin), int(sys.argv[1])
assert init in pids, "init %d not in %s" % (init, pids)
ns = os.readlink("/proc/%d/ns/pid" % init)
for p in pids:
    assert os.readlink("/proc/%d/ns/pid" % p) == ns, "%d is outside the container" % p
names = [open("/proc/%d/comm" % p).read().strip() for p in pids]
assert len(pids) >= 2 and "sleep" in " ".join(names), names
' "$init" 2>&1)
	result $? "ps --format json of running p1 ($w): its processes, nothing else" "$why: $json"
	rt "$w" ps p1
	tpids=$(printf '%s\n' "$T_OUT" | awk 'NR > 1 { print $2 }' | sort -n | tr '\n' ' ')
	jpids=$(printf '%s' "$json" | py 'import json,sys; print(" ".join(map(str, sorted(json.load(sys.stdin)))))')
	result "$([ "$tpids" = "$jpids " ]; echo $?)" "ps table of p1 ($w): the same pids as its json" \
		"table '$tpids', json '$jpids'"
done
# ps options follow the id; kiste's processes are nobody's, so -e selects them (runc's are root's).
rt kiste ps p1 -e -o pid,stat
result "$([ "$T_RC" -eq 0 ] && [ "$(printf '%s\n' "$T_OUT" | sed -n 1p | awk '{print $1 $2}')" = PIDSTAT ] &&
	 [ "$(printf '%s\n' "$T_OUT" | wc -l)" -ge 3 ]; echo $?)" "ps ID -e -o pid,stat passes ps options" \
	"exit $T_RC: $T_OUT"
step "ps -o without PID is refused" 1 "PID" -- ps p1 -e -o stat
step "ps of a missing container" 1 "does not exist" -- ps nope

# ---- pause / resume ----
step "pause p1" 0 "" -- pause p1
check_status "p1 is paused" p1 paused
fr=$(py 'import json,sys; print(json.load(open(sys.argv[1]))["cgroupExtra"]["freezer"])' \
	"$KROOT/p1/state.json" 2>/dev/null)
[ -n "$fr" ] && fstate=$(cat "$fr/freezer.state" 2>&1)
[ -z "$fr" ] && fstate=$(cat "$(py 'import json,sys; print(json.load(open(sys.argv[1]))["cgroup"]["dirs"][0])' \
	"$KROOT/p1/state.json")/cgroup.freeze" 2>&1)
result "$([ "$fstate" = FROZEN ] || [ "$fstate" = 1 ]; echo $?)" "paused p1's cgroup is frozen" "$fstate"
t0=$(ticks kiste p1)
sleep 0.6
t1=$(ticks kiste p1)
result "$([ "$t0" = "$t1" ]; echo $?)" "paused p1's loop gets no CPU time" "ticks $t0 -> $t1"
step "pause of paused p1 is refused" 1 "not running" -- pause p1
step "delete of paused p1 is refused" 1 "not stopped: paused" -- delete p1
step "update of paused p1" 0 "" -- update --pids-limit 60 p1
step "resume p1" 0 "" -- resume p1
check_status "p1 runs again" p1 running
t0=$(ticks kiste p1)
sleep 0.6
t1=$(ticks kiste p1)
result "$([ "$t1" -gt "$t0" ]; echo $?)" "resumed p1's loop gets CPU time again" "ticks $t0 -> $t1"
step "resume of running p1 is refused" 1 "not paused" -- resume p1

# ---- update and events --stats ----
stat_of()	# kiste|runc ID PYTHON-EXPR-ON-d: a figure of events --stats
{
	rt "$1" events --stats "$2"
	printf '%s' "$T_OUT" | py "import json,sys; d=json.load(sys.stdin)['data']; print($3)" 2>&1
}
for w in kiste runc; do
	[ "$w" = runc ] && [ -z "$RUNC" ] && continue
	rt "$w" events --stats p1
	why=$(printf '%s' "$T_OUT" | py '
import json, sys
lines = sys.stdin.read().strip().split("\n")
assert len(lines) == 1, "%d lines" % len(lines)
e = json.loads(lines[0])
assert e["type"] == "stats" and e["id"] == "p1", e
d = e["data"]
assert d["cpu"]["usage"]["total"] > 0, "cpu total"
assert d["memory"]["usage"]["usage"] > 0, "memory usage"
assert d["pids"]["current"] >= 2, "pids current"
print(" ".join(sorted(d)))' 2>&1)
	result $? "events --stats p1 ($w): one stats object, CPU, memory and pids counted" "$why"
	[ "$w" = kiste ] && kkeys=$why
	[ "$w" = runc ] && rkeys=$why
done
[ -n "$RUNC" ] && result "$([ "$kkeys" = "$rkeys" ]; echo $?)" "events --stats: runc's data keys" \
	"kiste '$kkeys', runc '$rkeys'"
for w in kiste runc; do
	[ "$w" = runc ] && [ -z "$RUNC" ] && continue
	got="$(stat_of "$w" p1 'd["memory"]["usage"]["limit"], d["pids"]["limit"]')"
	result "$([ "$got" = "268435456 60" ]; echo $?)" "events --stats ($w): the config's memory, the updated pids limit" "$got"
done
step "update memory, pids, CPU" 0 "" -- update --memory 100M --pids-limit 50 --cpu-quota 50000 --cpu-period 100000 p1
dirs=$(py 'import json,sys; print(" ".join(json.load(open(sys.argv[1]))["cgroup"]["dirs"]))' "$KROOT/p1/state.json")
read -r dpids dmem dcpu <<<"$dirs"
if [ "$cgv" = 1 ]; then
	got="$(cat "$dmem/memory.limit_in_bytes") $(cat "$dpids/pids.max") $(cat "$dcpu/cpu.cfs_quota_us") $(cat "$dcpu/cpu.cfs_period_us")"
	want="104857600 51 50000 100000"
else
	got="$(cat "$dpids/memory.max") $(cat "$dpids/pids.max") $(cat "$dpids/cpu.max")"
	want="104857600 51 50000 100000"
fi
result "$([ "$got" = "$want" ]; echo $?)" "update wrote the cgroup (pids +1 for kiste's init)" "got '$got', want '$want'"
for w in kiste runc; do
	[ "$w" = runc ] && [ -z "$RUNC" ] && continue
	got="$(stat_of "$w" p1 'd["memory"]["usage"]["limit"], d["pids"]["limit"]')"
	result "$([ "$got" = "104857600 50" ]; echo $?)" "events --stats after update ($w)" "$got"
done
printf '{"memory": {"limit": 209715200}, "pids": {"limit": 40}}' >"$tmp/res.json"
step "update -r FILE" 0 "" -- update -r "$tmp/res.json" p1
got="$(stat_of kiste p1 'd["memory"]["usage"]["limit"], d["pids"]["limit"]')"
result "$([ "$got" = "209715200 40" ]; echo $?)" "update -r set memory and pids" "$got"
# Members kiste does not set are ignored with a line in --log, the others still set.
printf '{"pids": {"limit": 30}, "blockIO": {"weight": 10}}' >"$tmp/res2.json"
"$K" --root "$KROOT" --log "$tmp/upd.log" update -r "$tmp/res2.json" p1 >/dev/null 2>&1 </dev/null
rc=$?
got="$(stat_of kiste p1 'd["pids"]["limit"]')"
result "$([ "$rc" -eq 0 ] && [ "$got" = 30 ] && grep -q 'blockIO not set by kiste' "$tmp/upd.log"; echo $?)" \
	"update -r: an unknown member is logged, the rest set" "exit $rc, pids $got: $(cat "$tmp/upd.log" 2>&1)"
printf '{"memory": {"limit": "lots"}}' >"$tmp/bad.json"
step "update -r with a string limit is refused" 1 "memory.limit: must be an integer" -- update -r "$tmp/bad.json" p1
printf '{"cpu": {"quota": 9223372036854775807, "period": 100000}}' >"$tmp/huge.json"
rt kiste update -r "$tmp/huge.json" p1
result "$([ "$T_RC" -eq 1 ] && [[ "$T_OUT" == *"cpu.quota"* ]]; echo $?)" \
	"update -r with an absurd CPU quota is refused, naming it" "exit $T_RC: $T_OUT"
head -c 2000000 /dev/zero | tr '\0' ' ' >"$tmp/big.json"
rt kiste update -r "$tmp/big.json" p1
result "$([ "$T_RC" -eq 1 ] && [[ "$T_OUT" == *"1 MiB"* ]]; echo $?)" "update -r of 2 MB is refused" "exit $T_RC: $T_OUT"
rt kiste update --cpu-share 512 p1
result "$([ "$T_RC" -eq 2 ] && [[ "$T_OUT" == *"--cpu-share"* ]]; echo $?)" \
	"update --cpu-share is refused by name (kiste does not set it)" "exit $T_RC: $T_OUT"
rt kiste update --memory 1M p1
result "$([ "$T_RC" -eq 1 ] && [[ "$T_OUT" == *"out of range"* ]]; echo $?)" \
	"update below the mode's memory minimum is refused" "exit $T_RC: $T_OUT"
rt kiste update --memory abc p1
result "$([ "$T_RC" -ne 0 ] && [ "$(printf '%s\n' "$T_OUT" | wc -l)" -eq 1 ]; echo $?)" \
	"update --memory abc: one line, non-zero" "exit $T_RC: $T_OUT"

# events without --stats: a stream that ends with the container.
timeout 10 "$K" --root "$KROOT" events --interval 200ms p1 >"$tmp/ev.out" 2>&1 </dev/null &
evpid=$!
sleep 1
"$K" --root "$KROOT" kill p1 KILL
wait "$evpid"
evrc=$?
nstats=$(grep -c '"type":"stats"' "$tmp/ev.out")
result "$([ "$evrc" -eq 0 ] && [ "$nstats" -ge 2 ]; echo $?)" \
	"events --interval streams stats and ends when the container stops" "exit $evrc, $nstats stats"
[ -n "$RUNC" ] && "$RUNC" --root "$RROOT" kill p1 KILL
wait_status kiste p1 stopped
[ -n "$RUNC" ] && wait_status runc p1 stopped
check_status "p1 stopped" p1 stopped
step "ps of stopped p1: the header only" 0 "PID" -- ps p1
step "pause of stopped p1 is refused" 1 "not running" -- pause p1
step "resume of stopped p1 is refused" 1 "not paused" -- resume p1
step "events --stats of stopped p1 is refused" 1 "not running" -- events --stats p1
step "update of stopped p1 is refused" 1 "not running" -- update --memory 100M p1
step "delete p1" 0 "" -- delete p1

# A paused container: KILL ends it (the cgroup is thawed); delete --force clears it.
step "create p2" 0 "" -- create --bundle "$B" p2
step "start p2" 0 "" -- start p2
step "pause p2" 0 "" -- pause p2
step "kill KILL of paused p2" 0 "" -- kill p2 KILL
wait_status kiste p2 stopped
[ -n "$RUNC" ] && wait_status runc p2 stopped
check_status "paused p2 stopped after KILL" p2 stopped
step "delete p2" 0 "" -- delete p2
step "create p3" 0 "" -- create --bundle "$B" p3
step "start p3" 0 "" -- start p3
step "pause p3" 0 "" -- pause p3
p3dirs=$(py 'import json,sys; s=json.load(open(sys.argv[1])); print(" ".join(s["cgroup"]["dirs"] + [v for v in s.get("cgroupExtra", {}).values() if v]))' "$KROOT/p3/state.json")
step "delete --force of paused p3" 0 "" -- delete --force p3
left=""
for d in $p3dirs; do [ -d "$d" ] && left="$left $d"; done
result "$([ -z "$left" ]; echo $?)" "delete --force of a paused container leaves no cgroup" "left:$left"

# kill --all: every process of the container (its cgroup's), the init's shell included.
# shellcheck disable=SC2016 # the container's shell expands it
bundle_cfg 'trap "" TERM; sleep 100 & sleep 100 & wait; wait; exit 7'
step "create k1 (a shell ignoring TERM, two sleeps)" 0 "" -- create --bundle "$B" k1
step "start k1" 0 "" -- start k1
sleep 0.5
step "kill k1 TERM: the shell ignores it" 0 "" -- kill k1 TERM
sleep 0.5
check_status "k1 runs on after a TERM to its shell" k1 running
step "kill --all k1 KILL" 0 "" -- kill --all k1 KILL
wait_status kiste k1 stopped
[ -n "$RUNC" ] && wait_status runc k1 stopped
check_status "k1 stopped after kill --all" k1 stopped
step "delete k1" 0 "" -- delete k1
bundle_cfg 'sleep 100'

# An OOM kill in the container is an "oom" event in the stream, as runc reports it.
ln -sf busybox "$B/rootfs/bin/dd"
# shellcheck disable=SC2016 # the container's shell expands it
bundle_cfg 'sleep 1; dd if=/dev/zero of=/dev/null bs=80M count=1; echo dd=$?; sleep 2' "" '{"linux": {
  "namespaces": [{"type": "pid"}, {"type": "network"}, {"type": "ipc"}, {"type": "uts"}, {"type": "mount"}],
  "resources": {"memory": {"limit": 33554432}, "pids": {"limit": 64}}}}'
for w in kiste runc; do
	[ "$w" = runc ] && [ -z "$RUNC" ] && continue
	if [ "$w" = kiste ]; then cmd=("$K" --root "$KROOT"); else cmd=("$RUNC" --root "$RROOT"); fi
	"${cmd[@]}" create --bundle "$B" o1 >"$tmp/o1-$w.out" 2>&1 </dev/null
	timeout 10 "${cmd[@]}" events --interval 1s o1 >"$tmp/o1-$w.ev" 2>&1 </dev/null &
	evpid=$!
	"${cmd[@]}" start o1
	wait "$evpid"
	"${cmd[@]}" delete --force o1 >/dev/null 2>&1
	result "$(grep -qx '{"type":"oom","id":"o1"}' "$tmp/o1-$w.ev" && grep -q 'dd=137' "$tmp/o1-$w.out"; echo $?)" \
		"events ($w): an OOM kill in the container is reported" \
		"$(grep -v '"stats"' "$tmp/o1-$w.ev"; cat "$tmp/o1-$w.out")"
done
bundle_cfg 'sleep 100'

# A created container can be paused; start refuses it until resumed, as runc.
step "create p5" 0 "" -- create --bundle "$B" p5
step "pause created p5" 0 "" -- pause p5
step "start of paused p5 is refused" 1 "paused state" -- start p5
step "resume p5" 0 "" -- resume p5
check_status "resumed p5 is created again" p5 created
step "delete p5" 0 "" -- delete p5

# linux.sysctl: set in the container's own namespaces (IPC, network), as runc sets them;
# a host-wide one is refused by both, and so is a value the kernel refuses.
# (Every namespace in each config: without a mount namespace runc would mount the
# container's /proc in the host's, and leave it there when the sysctl fails.)
nss='"namespaces": [{"type": "pid"}, {"type": "network"}, {"type": "ipc"}, {"type": "uts"}, {"type": "mount"}]'
bundle_cfg 'cat /proc/sys/kernel/msgmax /proc/sys/net/ipv4/ping_group_range /proc/sys/net/ipv4/ip_unprivileged_port_start /proc/sys/kernel/domainname' "" \
	"{\"linux\": {$nss, \"sysctl\": {\"kernel.msgmax\": \"12345\", \"net.ipv4.ping_group_range\": \"0 0\", \"net/ipv4/ip_unprivileged_port_start\": \"80\", \"kernel.domainname\": \"dom\"}}}"
rt kiste run --bundle "$B" sy1
kout=$T_OUT krc=$T_RC
want=$(printf '12345\n0\t0\n80\ndom')
if [ -n "$RUNC" ]; then
	rt runc run --bundle "$B" sy1
	want=$T_OUT
fi
result "$([ "$krc" = 0 ] && [ "$kout" = "$want" ]; echo $?)" \
	"linux.sysctl: IPC, network and UTS settings inside the container, as runc's" \
	"kiste exit $krc: '$kout'; want '$want'"
# Docker's default, every group may ping: the sandbox's groups are all of its groups.
bundle_cfg 'cat /proc/sys/net/ipv4/ping_group_range' "" \
	"{\"linux\": {$nss, \"sysctl\": {\"net.ipv4.ping_group_range\": \"0 2147483647\"}}}"
rt kiste run --bundle "$B" sy4
result "$([ "$T_RC" = 0 ] && [ "$(printf '%s' "$T_OUT" | cut -f1)" = 0 ]; echo $?)" \
	"linux.sysctl: Docker's ping_group_range (every group) is the sandbox's every group" \
	"exit $T_RC: $T_OUT"
bundle_cfg 'true' "" "{\"linux\": {$nss, \"sysctl\": {\"kernel.panic\": \"1\"}}}"
step "linux.sysctl: a host-wide setting is refused" 1 "host-wide" -- run --bundle "$B" sy2
# (its value has a terminal escape: kiste's line shows it harmless)
bundle_cfg 'true' "" "{\"linux\": {$nss, \"sysctl\": {\"net.ipv4.ip_unprivileged_port_start\": \"x\\u001b[2J\"}}}"
step "linux.sysctl: a value the kernel refuses fails the run" 1 "linux.sysctl.net.ipv4.ip_unprivileged_port_start" \
	-- run --bundle "$B" sy3
result "$(printf '%s' "$T_OUT" | grep -q "$(printf '\033')"; [ $? = 1 ]; echo $?)" \
	"linux.sysctl: a refused value's terminal escape does not reach stderr" "$T_OUT"
bundle_cfg 'sleep 100'

# linux.uidMappings/gidMappings, run as root: the container's ids are the engine's, so
# an image whose files it gave those ids (podman --uidmap, --userns=auto) is its root's
# to write, as under runc; a map weaker than kiste's own ids is refused, naming the fix.
cp -a "$B/rootfs" "$tmp/idroot"
chown -R 300000:300000 "$tmp/idroot"
idmaps()	# UID-MAPS GID-MAPS: the JSON of linux with both (either may be empty)
{
	printf '{"root": {"path": "%s", "readonly": false}, "linux": {%s, "namespaces": [%s]%s%s}}' \
		"$tmp/idroot" "\"resources\": {\"pids\": {\"limit\": 64}}" \
		'{"type": "pid"}, {"type": "network"}, {"type": "ipc"}, {"type": "uts"}, {"type": "mount"}, {"type": "user"}' \
		"${1:+, \"uidMappings\": [$1]}" "${2:+, \"gidMappings\": [$2]}"
}
m300='{"containerID": 0, "hostID": 300000, "size": 65536}'
# shellcheck disable=SC2016 # the container's shell expands them
bundle_cfg 'echo x >/w; echo $?; id -u; id -g; cat /w; while read a b c; do echo $a $b $c; done </proc/self/uid_map' \
	"" "$(idmaps "$m300" "$m300")"
rt kiste run --bundle "$B" id1
kout=$T_OUT krc=$T_RC
kown=$(stat -c %u:%g "$tmp/idroot/w" 2>&1)
want=$(printf '0\n0\n0\nx\n0 300000 65536')
if [ -n "$RUNC" ]; then
	rt runc run --bundle "$B" id1
	want=$T_OUT
fi
result "$([ "$krc" = 0 ] && [ "$kout" = "$want" ] && [ "$kown" = 300000:300000 ]; echo $?)" \
	"linux.uidMappings: the container's root writes a rootfs of the mapped ids (host owner 300000), as runc's" \
	"kiste exit $krc: '$kout', file $kown; want '$want'"
pool=$(sed -n 's/^kiste:\([0-9]*\):.*/\1/p' /etc/subuid 2>/dev/null)
pool=${pool:-1610612736}
idref()	# NAME WANT-SUBSTRING UID-MAPS GID-MAPS: refused, one line, nothing left behind
{
	bundle_cfg 'echo ran' "" "$(idmaps "$3" "$4")"
	rt kiste run --bundle "$B" idr
	result "$([ "$T_RC" = 1 ] && [[ "$T_OUT" == *"$2"* ]] && [ "$(wc -l <<<"$T_OUT")" = 1 ] &&
		[ -z "$("$K" --root "$KROOT" list -q 2>&1)" ]; echo $?)" "linux.uidMappings: $1" \
		"exit $T_RC: $T_OUT"
}
idref "host root's and system ids are refused" "below 65536" \
	'{"containerID": 0, "hostID": 0, "size": 65536}' "$m300"
idref "a gid map reaching a login user's id is refused" "gidMappings[1]: host ids below 65536" \
	"$m300" "$m300"', {"containerID": 70000, "hostID": 1000, "size": 1}'
idref "kiste's own pool (other sandboxes' ids) is refused" "overlap kiste's own pool" \
	"{\"containerID\": 0, \"hostID\": $((pool + 65536)), \"size\": 65536}" "$m300"
idref "a map without the container's 0 is refused" "id 0 is not mapped" \
	'{"containerID": 1, "hostID": 300001, "size": 65535}' "$m300"
idref "overlapping ranges are refused" "uidMappings[1] overlaps linux.uidMappings[0]" \
	"$m300"', {"containerID": 65536, "hostID": 300005, "size": 1}' "$m300"
idref "one map without the other is refused" "give uidMappings and gidMappings, or neither" \
	"$m300" ""
bundle_cfg 'sleep 100'

# kill's signal goes through a pidfd opened before the init's start time is
# checked, and kill --all's to members listed again after their pidfds are
# open: a pid that changed hands since kiste looked gets nothing.  In a pid
# namespace of the test's own, a pid is handed over on purpose (ns_last_pid)
# while kiste stands still at a test hook between looking and signalling.
cat >"$tmp/reuse.sh" <<'EOS'
K=$1 KROOT=$2 B=$3 out=$4
r() { "$K" --root "$KROOT" "$@" </dev/null; }
say() { echo "$*" >>"$out"; }
st() { awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null; }
stopped_wait() { local i; for i in $(seq 100); do [ "$(st "$1")" = T ] && return 0; sleep 0.05; done; return 1; }
gone_or_zombie() { local i; for i in $(seq "$2"); do { [ ! -e "/proc/$1" ] || [ "$(st "$1")" = Z ]; } && return 0; sleep 0.05; done; return 1; }
execd_wait() { local i; for i in $(seq 100); do [ "$(cat "/proc/$1/comm" 2>/dev/null)" = sleep ] && return 0; sleep 0.05; done; return 1; }
gone_wait() { local i; for i in $(seq 100); do [ -e "/proc/$1" ] || return 0; sleep 0.05; done; return 1; }
members() { r ps --format json "$1" | tr '[],' '   '; }
init_of() { r state "$1" | sed -n 's/^ *"pid": \([0-9]*\),$/\1/p'; }
# NAME INIT PID HOOK KILL-ARGS...: kiste kill KILL-ARGS stopped at HOOK, PID ended and handed
# to a sleep outside the container, kill resumed; says whether the sleep lived, and kill's
# status.  A PID other than the INIT must leave the container running.
hand_over()
{
	local c=$1 init=$2 x=$3 hook=$4 kp v rc
	shift 4
	KISTE_TESTONLY_STOP_AT=$hook "$K" --root "$KROOT" kill "$@" >"$out.$c" 2>&1 </dev/null &
	kp=$!
	stopped_wait $kp || say "setup $c: kill did not stop at $hook"
	kill -KILL "$x"
	gone_wait "$x" || say "setup $c: pid $x not reaped"
	echo $((x - 1)) >/proc/sys/kernel/ns_last_pid
	sleep 1000 &
	v=$!
	# sleep itself, not bash's child before its exec (a signal there can be lost)
	execd_wait "$v" || say "setup $c: the sleep $v did not start"
	[ "$v" = "$x" ] || say "setup $c: pid $x not handed over (got $v)"
	[ "$x" = "$init" ] || kill -0 "$init" 2>/dev/null || say "setup $c: the container ended with $x"
	kill -CONT $kp
	wait $kp
	rc=$?
	# alive: not gone, and no zombie this shell has yet to reap, 2 s after kill ended
	# (a signal sent is not yet a death: on a busy machine the sleep took a while)
	if ! gone_or_zombie "$v" 40; then
		say "$c alive $rc $(cat "$out.$c")"
	else
		say "$c dead $rc"
	fi
	kill -KILL $v 2>/dev/null
	r delete --force "$c" >/dev/null 2>&1
}
started()	# NAME: created and started
{
	r create --bundle "$B" "$1" >/dev/null 2>&1 && r start "$1" >/dev/null 2>&1 ||
		say "setup $1: create"
}
# 1: kill of the init, whose pid a sleep outside the container has taken.
started one
x=$(init_of one)
hand_over one "$x" "$x" oci-signal one TERM
# 2, 3: kill --all, a member's pid taken by a sleep outside the container
# before kiste opens the members' pidfds (2) or after it listed them again (3).
all_case()	# NAME HOOK
{
	local c=$1 x y="" m p pp q leaf i
	started "$c"
	x=$(init_of "$c")
	for i in $(seq 100); do
		# one of the workload's two sleeps: no member's parent, its own parent a
		# member other than the init (the shell; the init's own helpers end it)
		m=$(members "$c")
		for p in $m; do
			pp=$(awk '{ print $4 }' "/proc/$p/stat" 2>/dev/null)
			[ "$p" = "$x" ] || [ "$pp" = "$x" ] || [[ " $m " != *" $pp "* ]] && continue
			leaf=1
			for q in $m; do [ "$(awk '{ print $4 }' "/proc/$q/stat" 2>/dev/null)" = "$p" ] && leaf=0; done
			[ $leaf = 1 ] && y=$p
		done
		[ "$(echo $m | wc -w)" -ge 4 ] && [ -n "$y" ] && break
		y=""
		sleep 0.05
	done
	[ -n "$y" ] || say "setup $c: no member to take over (members: $m)"
	hand_over "$c" "$x" "$y" "$2" --all "$c" TERM
}
all_case two oci-signal-listed
all_case three oci-signal-relisted
EOS
if [ "$(id -u)" = 0 ] && unshare --pid --fork --mount-proc true 2>/dev/null; then
	bundle_cfg 'sleep 1000 & sleep 1000 & wait'
	: >"$tmp/reuse.out"
	timeout 60 unshare --pid --fork --mount-proc bash "$tmp/reuse.sh" "$K" "$KROOT" "$B" \
		"$tmp/reuse.out"
	result "$(! grep -q '^setup one' "$tmp/reuse.out" &&
		 grep -q '^one alive 1 .*not running' "$tmp/reuse.out"; echo $?)" \
		"kill: a pid its init held, taken by another process since, gets no signal (1, not running)" \
		"$(cat "$tmp/reuse.out")"
	result "$(! grep -q '^setup two' "$tmp/reuse.out" && grep -q '^two alive 0' "$tmp/reuse.out"
		 echo $?)" \
		"kill --all: a member's pid, taken by a process outside before its pidfd, gets no signal" \
		"$(cat "$tmp/reuse.out")"
	result "$(! grep -q '^setup three' "$tmp/reuse.out" &&
		 grep -q '^three alive 0' "$tmp/reuse.out"; echo $?)" \
		"kill --all: a member's pid, taken by a process outside after the listing, gets no signal" \
		"$(cat "$tmp/reuse.out")"
	bundle_cfg 'sleep 100'
else
	skip "kill: a pid handed over" "needs root and unshare --pid"
	skip "kill --all: a pid handed over before its pidfd" "needs root and unshare --pid"
	skip "kill --all: a pid handed over after the listing" "needs root and unshare --pid"
fi

# kill --all of a container of more processes than kiste may hold descriptors: its
# pidfds go in rounds, so all 200 sleeps end with a limit of 150 descriptors.
# shellcheck disable=SC2016 # the container's shell expands them
bundle_cfg 'i=0; while [ $i -lt 200 ]; do sleep 1000 & i=$((i + 1)); done; wait' "" \
	'{"linux": {"namespaces": [{"type": "pid"}, {"type": "network"}, {"type": "ipc"}, {"type": "uts"}, {"type": "mount"}], "resources": {"memory": {"limit": 1073741824}, "pids": {"limit": 400}}}}'
rt kiste create --bundle "$B" many
[ "$T_RC" = 0 ] && rt kiste start many
before=0
for _ in $(seq 100); do
	before=$("$K" --root "$KROOT" ps --format json many 2>/dev/null | tr ',' '\n' | wc -l)
	[ "$before" -ge 200 ] && break
	sleep 0.1
done
T_OUT=$( (ulimit -n 150; "$K" --root "$KROOT" kill --all many KILL) 2>&1)
T_RC=$?
wait_status kiste many stopped
result "$([ "$T_RC" = 0 ] && [ "$before" -ge 200 ] && [ "$(status_of kiste many)" = stopped ]; echo $?)" \
	"kill --all KILL of 200 processes with 150 descriptors: every one ends" \
	"exit $T_RC: $T_OUT; $before processes before"
rt kiste delete many
bundle_cfg 'sleep 100'

# A tampered state's freezer folder outside kiste/oci/ID is never written.
step "create p4" 0 "" -- create --bundle "$B" p4
mkdir -p "$tmp/victim-freezer"
echo THAWED >"$tmp/victim-freezer/freezer.state"
cp "$KROOT/p4/state.json" "$tmp/p4.state"
py 'import json,sys
s = json.load(open(sys.argv[1])); s["cgroupExtra"] = {"freezer": sys.argv[2], "cpuacct": ""}
json.dump(s, open(sys.argv[1], "w"))' "$KROOT/p4/state.json" "$tmp/victim-freezer"
rt kiste pause p4
result "$([ "$(cat "$tmp/victim-freezer/freezer.state")" = THAWED ]; echo $?)" \
	"pause never writes a freezer folder a tampered state names" "exit $T_RC: $T_OUT"
# Its own state back, so that delete removes its real freezer and cpuacct folders.
cp "$tmp/p4.state" "$KROOT/p4/state.json"
step "delete --force p4" 0 "" -- delete --force p4
t_done
