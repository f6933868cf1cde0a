#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# oci_module.sh - test-VM suite: with kiste.ko an OCI container is a registry sandbox named by its id.
# kiste-suite: vm oci_module.sh
#
# Runs as root in the test VM with kiste.ko loaded (issue 13: "A container
# created is a sandbox in the module's registry when the module is loaded";
# engines' 64-hex ids are names; stopped containers hold none, so podman's
# kept ones never exhaust max_sandboxes_per_uid).  Shim and unikernel
# containers here; vm mode's are vmmode_run.sh's (it has the guest kernel).
# Bundles of the VM's own static busybox and unikernels ($UK).

# shellcheck source=selftests/lib/tap.sh
. "$(dirname "$0")/tap.sh"
# shellcheck source=selftests/lib/registry_lib.sh
. "$(dirname "$0")/registry-lib.helper"
UK="${UK:-/vm-tests/unikernel}"
[ -c /dev/kiste ] || skip_all "no /dev/kiste: kiste.ko is not loaded"
command -v kiste >/dev/null || bail "no kiste: build with make (bin)"
[ -e "$UK/sleeper" ] || bail "no $UK/sleeper: build with make (vm-tests)"

tmp=$(mktemp -d /tmp/oci-module.XXXXXX)
KR="$tmp/kroot"
P=/sys/module/kiste/parameters/max_sandboxes_per_uid
cap_was=$(cat "$P")
cleanup()
{
	for c in $(kiste --root "$KR" list -q 2>/dev/null); do
		kiste --root "$KR" delete --force "$c" >/dev/null 2>&1
	done
	kiste sandbox delete kt-oci-clash >/dev/null 2>&1
	echo "$cap_was" >"$P"
	rm -rf "$tmp"
}
trap cleanup EXIT

# The rootfs: the VM's static busybox and a unikernel, nothing else.
B="$tmp/bundle"
mkdir -p "$B/rootfs/bin" "$B/rootfs/proc" "$B/rootfs/dev" "$B/rootfs/tmp"
cp /bin/busybox "$B/rootfs/bin/busybox"
for a in sh sleep true echo; do ln -s busybox "$B/rootfs/bin/$a"; done
cp "$UK/sleeper" "$UK/hello" "$B/rootfs/"

# config.json: MODE and process.args (a JSON array), ANNOTATIONS (more JSON pairs) optional.
cfg()	# MODE ARGS-JSON [ANNOTATIONS]
{
	cat >"$B/config.json" <<EOF
{"ociVersion": "1.0.2",
 "process": {"terminal": false, "user": {"uid": 0, "gid": 0}, "args": $2,
  "env": ["PATH=/bin"], "cwd": "/"},
 "root": {"path": "rootfs", "readonly": true},
 "mounts": [{"destination": "/proc", "type": "proc", "source": "proc"}],
 "annotations": {"org.kiste.mode": "$1"${3:+, $3}},
 "linux": {"namespaces": [{"type": "pid"}, {"type": "mount"}, {"type": "network"}]}}
EOF
}

# Until KEY of sandbox NAME reads VALUE (10 s at most).
wait_field()	# NAME KEY VALUE
{
	i=0
	while [ $i -lt 100 ]; do
		[ "$(field "$1" "$2")" = "$3" ] && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

# Until container ID's state says stopped (20 s at most).
wait_stopped()	# ID
{
	i=0
	while [ $i -lt 200 ]; do
		kiste --root "$KR" state "$1" 2>/dev/null | grep -q '"status": "stopped"' && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

create()	# ID
{
	kiste --root "$KR" create --bundle "$B" "$1" >"$tmp/$1.out" 2>"$tmp/$1.err" </dev/null
}

# ---- shim: an engine's id is the sandbox's name, from create until the container ends ----
H=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
cfg shim '["sh", "-c", "echo ready; exec sleep 600"]'
create "$H"
rc=$?
result $rc "create of a shim container with a 64-hex id (exit $rc)" "$(cat "$tmp/$H.err")"
[ "$(field "$H" mode)" = shim ] && [ "$(field "$H" flags | cut -d' ' -f1)" = temporary ]
result $? "created, it is a temporary shim sandbox named by its id" "$(kiste inspect "$H" 2>&1)"
kiste --root "$KR" start "$H" 2>>"$tmp/$H.err"
i=0
while [ $i -lt 100 ] && ! grep -qx ready "$tmp/$H.out"; do sleep 0.1; i=$((i + 1)); done
[ "$(field "$H" state)" = running ] && [ "$(field "$H" members)" -ge 2 ]
result $? "started, its init and workload are the sandbox's members" \
	"$(kiste inspect "$H" 2>&1 | head -12)"
kiste --root "$KR" kill "$H" KILL
wait_stopped "$H"
result $? "kill KILL stops it" "$(kiste --root "$KR" state "$H" 2>&1)"
wait_gone "$H"
result $? "a stopped container holds no registry sandbox" "$(kiste sandbox list 2>&1)"
kiste --root "$KR" state "$H" 2>/dev/null | grep -q '"status": "stopped"'
result $? "the stopped container is still the engine's (state stopped) until delete"
kiste --root "$KR" delete "$H"
result $? "delete of the stopped container"

# ---- max_sandboxes_per_uid counts running containers, not stopped ones ----
owned=$(kiste sandbox list 2>/dev/null | awk 'NR > 1 && $5 == 0' | wc -l)
echo $((owned + 2)) >"$P"
cfg shim '["true"]'
bad=""
for n in 1 2 3; do
	if ! create "kept$n" || ! kiste --root "$KR" start "kept$n" || ! wait_stopped "kept$n"; then
		bad="$bad kept$n: $(cat "$tmp/kept$n.err")"
	fi
done
result "$([ -z "$bad" ]; echo $?)" "3 stopped containers kept (not deleted) under a cap of 2 more sandboxes" "$bad"
cfg shim '["sleep", "600"]'
create held1 && create held2
result $? "2 created containers take the 2 sandboxes left" "$(cat "$tmp/held1.err" "$tmp/held2.err")"
create held3
rc=$?
[ $rc -eq 1 ] && [ "$(wc -l <"$tmp/held3.err")" -eq 1 ] && grep -q max_sandboxes_per_uid "$tmp/held3.err"
result $? "a third is refused: exit 1, one line naming max_sandboxes_per_uid (exit $rc)" \
	"$(cat "$tmp/held3.err")"
kiste --root "$KR" list -q | grep -qx held3
result $((!$?)) "the refused container left nothing behind" "$(kiste --root "$KR" list 2>&1)"
for c in held1 held2 kept1 kept2 kept3; do kiste --root "$KR" delete --force "$c"; done
echo "$cap_was" >"$P"

# ---- names: ids kiste.ko cannot name, or whose name another sandbox has, get an sb-N ----
# (another user could take a container's id as a name first: no create's failure)
unnamed()	# the live unnamed shim sandboxes
{
	kiste sandbox list 2>/dev/null | awk 'NR > 1 && $2 ~ /^sb-/ && $3 == "shim"' | wc -l
}
kiste sandbox create --mode shim --name kt-oci-clash >/dev/null
before=$(unnamed)
create kt-oci-clash
rc=$?
after=$(unnamed)
[ $rc -eq 0 ] && [ "$after" -eq $((before + 1)) ] &&
	[ "$(field kt-oci-clash flags | cut -d' ' -f1)" = - ]
result $? "an id another sandbox has as its name: created, its sandbox unnamed (exit $rc, $before -> $after)" \
	"$(cat "$tmp/kt-oci-clash.err")"
kiste --root "$KR" delete --force kt-oci-clash
kiste sandbox delete kt-oci-clash
create "c+plus"
[ "$(field "c+plus" mode)" = shim ]
result $? "an id with '+' (runc's characters) is a name too" "$(cat "$tmp/c+plus.err")"
L=$(printf '%0128d' 7 | tr 0 l)
before=$(unnamed)
create "$L"
rc=$?
after=$(unnamed)
[ $rc -eq 0 ] && [ "$after" -eq $((before + 1)) ]
result $? "a 128-character id: created, its sandbox unnamed (sb-N) (exit $rc, $before -> $after)" \
	"$(cat "$tmp/$L.err")"
# kiste inspect of such an id: the container under --root (no sandbox has its name).
out=$(kiste --root "$KR" inspect "$L" 2>&1)
case "$out" in
*"container:     $L"*"status:        created"*"sandbox:       unnamed"*) ok "inspect of an id no sandbox can be named: the container's state" ;;
*) fail "inspect of an id no sandbox can be named: the container's state" "$out" ;;
esac
for c in "c+plus" "$L"; do kiste --root "$KR" delete --force "$c"; done

# ---- a create killed half-way (SIGKILL in its createRuntime hook) leaves no sandbox ----
for m in shim unikernel; do
	cat >"$B/config.json" <<EOF
{"ociVersion": "1.0.2",
 "process": {"terminal": false, "user": {"uid": 0, "gid": 0}, "args": ["/sleeper"],
  "env": ["PATH=/bin"], "cwd": "/"},
 "root": {"path": "rootfs", "readonly": true},
 "hooks": {"createRuntime": [{"path": "/bin/sh",
  "args": ["sh", "-c", "echo \$\$ >$tmp/hook.$m; exec sleep 30"]}]},
 "annotations": {"org.kiste.mode": "$m"},
 "linux": {"namespaces": [{"type": "pid"}, {"type": "mount"}, {"type": "network"}]}}
EOF
	kiste --root "$KR" create --bundle "$B" "kc-$m" >/dev/null 2>&1 </dev/null &
	kc=$!
	i=0
	while [ ! -s "$tmp/hook.$m" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
	listed=$(field "kc-$m" mode)
	kill -9 "$kc"
	kill "$(cat "$tmp/hook.$m" 2>/dev/null)" 2>/dev/null
	result "$([ "$listed" = "$m" ] && wait_gone "kc-$m"; echo $?)" \
		"$m: a create killed half-way takes its registry sandbox with it" \
		"mode while creating '$listed'; $(kiste sandbox list 2>&1)"
	kiste --root "$KR" delete --force "kc-$m" >/dev/null 2>&1
done

# ---- unikernel: the container's process holds the sandbox, the unikernel is its member ----
U=fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210
cfg unikernel '["/sleeper"]'
create "$U"
[ "$(field "$U" mode)" = unikernel ]
result $? "create of a unikernel container: a unikernel sandbox named by its id" \
	"$(cat "$tmp/$U.err")"
kiste --root "$KR" start "$U"
i=0
while [ $i -lt 100 ] && ! grep -q "sleeper: started" "$tmp/$U.out"; do sleep 0.1; i=$((i + 1)); done
wait_field "$U" members 1 && grep -q "sleeper: started" "$tmp/$U.out"
result $? "started: the unikernel runs and is the sandbox's one member" \
	"$(kiste inspect "$U" 2>&1 | head -12; cat "$tmp/$U.out" "$tmp/$U.err")"
kiste --root "$KR" kill "$U" TERM
wait_stopped "$U" && wait_gone "$U"
result $? "kill TERM stops it; its sandbox goes with it" "$(kiste sandbox list 2>&1)"
kiste --root "$KR" delete "$U"
cfg unikernel '["/hello", "one", "two"]'
kiste --root "$KR" run --bundle "$B" uk-hello >"$tmp/hello.out" 2>"$tmp/hello.err" </dev/null
rc=$?
[ $rc -eq 0 ] && grep -q '^argv\[2\] = two$' "$tmp/hello.out"
result $? "OCI run of a unikernel with kiste.ko: its output and status (exit $rc)" \
	"$(head -c 300 "$tmp/hello.out" "$tmp/hello.err")"

# vm isolation: the VM comes from kiste.ko's broker, counted in the container's sandbox.
if [ -c /dev/kvm ]; then
	V=00000000000000000000000000000000000000000000000000000000000000aa
	cfg unikernel '["/sleeper"]' '"org.kiste.isolation": "vm"'
	create "$V" && kiste --root "$KR" start "$V"
	wait_field "$V" vm running
	result $? "a unikernel container in vm isolation: its VM is the broker's, in its sandbox" \
		"$(kiste inspect "$V" 2>&1 | tail -8; cat "$tmp/$V.err")"
	kiste --root "$KR" kill "$V" KILL
	wait_stopped "$V" && wait_gone "$V"
	result $? "kill KILL ends the VM; its sandbox goes with it" "$(kiste sandbox list 2>&1)"
	kiste --root "$KR" delete "$V"
else
	skip "a unikernel container in vm isolation with kiste.ko" "no /dev/kvm in this VM"
	skip "its kill ends the VM and the sandbox" "no /dev/kvm in this VM"
fi

t_done
