#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# vmmode_run.sh - TAP tests of `kiste run --mode=vm` in the test VM (nested KVM): stdio, status, errors.
# kiste-suite: vm vmmode_run.sh
#
# Needs /dev/kvm and a guest kernel ($KISTE_KERNEL, else /boot/vmlinuz-*, else
# /bin/vmlinuz*); SKIPs with the reason otherwise.

# shellcheck source=selftests/lib/tap.sh
. "$(dirname "$0")/tap.sh"
# shellcheck source=selftests/vm-mode/guest_lib.sh
. "$(dirname "$0")/vmmode-lib.helper"
T=${KISTE_VM_TEST_TIMEOUT:-$((240 * ${KISTE_TEST_TIME_SCALE:-1}))}
tmp=$(mktemp -d /tmp/vmmode.XXXXXX)

vm_guest_require
# A kiste without vm mode is a broken build, not a machine that lacks something.
kiste run --mode=vm --help 2>/dev/null | grep -q -- --rootfs ||
	bail "kiste run --mode=vm --help does not offer --rootfs: is /bin/kiste built with vm mode?"

# vrun EXPECTED-STATUS DESCRIPTION ARGS... : stdout to $tmp/out, stderr to $tmp/err
vrun()
{
	want=$1 what=$2
	shift 2
	kiste run --mode=vm --timeout "$T" "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
	rc=$?
	[ "$rc" -eq "$want" ]
	result $? "$what (exit $rc, want $want)" "$(head -c 200 "$tmp/err")"
}

# Whether sandbox NAME is gone from kiste sandbox list: 1 while listed, and 2 when the
# list fails, since a list that fails to run lists nothing either.
gone()	# NAME
{
	lst=$(kiste sandbox list 2>&1) || return 2
	! printf '%s\n' "$lst" | awk 'NR > 1 { print $2 }' | grep -qx "$1"
}

vrun 0 "echo runs" -- /bin/echo hello vm
grep -qx "hello vm" "$tmp/out"
result $? "echo's output arrives" "$(head -c 100 "$tmp/out")"

# On the debug kernel (KASAN + lockdep, 5-9x slower) each nested boot is costly: the
# broker and VMM paths get a short subset there; everything runs on Debian's kernel.
if [ -n "${KISTE_TEST_TIME_SCALE:-}" ]; then
	vrun 42 "exit status 42 propagates (debug-kernel subset)" -- /bin/sh -c "exit 42"
	echo "# debug kernel: the remaining cases run on Debian's kernel only"
	rm -rf "$tmp"
	t_done
	exit
fi

# 0 is every other case's; each case boots a nested guest (about 12 s under TCG), so
# checks that need no boot of their own share one.  No --network: the guest still has
# loopback, up (IFF_UP, bit 0 of its flags).
vrun 42 "exit status 42 propagates" -- /bin/sh -c "cat /sys/class/net/lo/flags; exit 42"
f=$(cat "$tmp/out")
[ $((${f:-0} & 1)) -eq 1 ]
result $? "the agent brings lo up" "flags '$f'"
vrun 137 "death by SIGKILL is 128+9" -- /bin/sh -c 'kill -9 $$'
vrun 127 "a missing program is 127" -- /no/such/program

# 1 MiB in through stdin and back out, then 10 MB more out, in one guest.
head -c 1048576 /dev/urandom >"$tmp/in"
seq 1 1400000 >"$tmp/want"
kiste run --mode=vm --timeout "$T" -- /bin/sh -c 'cat; seq 1 1400000' \
	<"$tmp/in" >"$tmp/out" 2>"$tmp/err"
rc=$?
result $((rc != 0)) "cat of 1 MiB stdin, then seq, exits 0 (exit $rc)" "$(head -c 200 "$tmp/err")"
a=$(md5sum <"$tmp/in" | cut -d' ' -f1)
b=$(head -c 1048576 "$tmp/out" | md5sum | cut -d' ' -f1)
[ "$a" = "$b" ]
result $? "1 MiB through stdin and back is intact" "in $a out $b, $(wc -c <"$tmp/out") bytes in all"
a=$(md5sum <"$tmp/want" | cut -d' ' -f1)
b=$(tail -c +1048577 "$tmp/out" | md5sum | cut -d' ' -f1)
[ "$a" = "$b" ]
result $? "$(wc -c <"$tmp/want") bytes of stdout after it arrive intact" "$(wc -c <"$tmp/out") bytes in all"

# A busybox tree as --rootfs: the guest's own /bin, identity, env and cwd.
mkdir -p "$tmp/root/work"
vm_busybox_tree "$tmp/root" sh echo cat id pwd ls sleep nproc dd head readlink wget httpd ip hostname \
	grep || echo "# no busybox: the --rootfs cases fail"
echo "from the rootfs" >"$tmp/root/work/file"
# shellcheck disable=SC2016 # the guest's shell expands it
vrun 0 "--rootfs with a busybox tree" --rootfs "$tmp/root" --env GREETING=hi --cwd /work \
	--user 1000:1000 -- /bin/sh -c 'echo "$GREETING $(id -u):$(id -g) $(pwd)"; cat file'
printf 'hi 1000:1000 /work\nfrom the rootfs\n' | cmp -s - "$tmp/out"
result $? "--rootfs sees env, --user, --cwd and its files" "$(head -c 200 "$tmp/out")"

# Found nowhere but in the guest: the agent's exec failure is reported, not a panic.
vrun 127 "--rootfs: a program missing in the guest is 127" --rootfs "$tmp/root" -- /no/such
grep -q "/no/such" "$tmp/err"
result $? "the guest's exec failure is reported on stderr" "$(head -c 200 "$tmp/err")"

# wait_ready FILE: until the workload printed "ready" (boot is slow under TCG).
wait_ready()
{
	i=0
	while [ "$i" -lt "$T" ] && ! grep -q ready "$1" 2>/dev/null; do
		sleep 1
		i=$((i + 1))
	done
}

# SIGINT/SIGTERM to kiste run reach the workload, which may handle them.  kiste is
# started in the foreground by `sh -c` (a background job of a non-interactive shell
# has SIGINT ignored, and ignored signals are not forwarded).
for sig in INT TERM; do
	: >"$tmp/out"
	rm -f "$tmp/pid"
	(wait_ready "$tmp/out"; kill -"$sig" "$(cat "$tmp/pid")") &
	killer=$!
	sh -c 'echo $$ >"$0"; shift; exec "$@"' "$tmp/pid" x kiste run --mode=vm --timeout "$T" \
		--rootfs "$tmp/root" -- /bin/sh -c "trap 'echo got-$sig; exit 7' $sig; echo ready;
		while :; do sleep 1; done" >"$tmp/out" 2>"$tmp/err" </dev/null
	rc=$?
	wait "$killer"
	[ "$rc" -eq 7 ] && grep -qx "got-$sig" "$tmp/out"
	result $? "SIG$sig is forwarded to the workload (exit $rc)" "$(head -c 200 "$tmp/out" "$tmp/err")"
done

# kiste sandbox kill on the run's temporary sandbox ends the VM; the sandbox is gone after.
: >"$tmp/out"
kiste run --mode=vm --timeout "$T" --name vmmode-kill --rootfs "$tmp/root" -- /bin/sh -c \
	'echo ready; while :; do sleep 1; done' >"$tmp/out" 2>"$tmp/err" </dev/null &
pid=$!
wait_ready "$tmp/out"
kiste sandbox kill vmmode-kill >/dev/null 2>"$tmp/kerr"
krc=$?
wait "$pid"
rc=$?
sleep 1
[ "$krc" -eq 0 ] && [ "$rc" -eq 137 ]
result $? "kiste sandbox kill ends a running VM with 137 (kill $krc, run $rc)" "$(cat "$tmp/kerr" "$tmp/err")"
gone vmmode-kill
result $? "kiste sandbox list no longer shows the killed VM" "$(kiste sandbox list 2>&1 | head -5)"

# kiste exec into a running named run (issue 13): the process runs in the guest, beside
# the workload (its hostname, its root), with the run's environment; its output, stdin
# and status come back through the VMM; once the run ends the name is gone.
# The agent's channel ports are PID 1's alone: a program that reads one faults.
cp "$(dirname "$0")/vmmode-ioport.helper" "$tmp/root/ioport" && chmod 755 "$tmp/root/ioport"
: >"$tmp/out"
kiste run --mode=vm --timeout "$T" --name vmx1 --rootfs "$tmp/root" --env GREETING=hi -- \
	/bin/sh -c 'echo ready; while :; do sleep 1; done' >"$tmp/out" 2>"$tmp/err" </dev/null &
pid=$!
wait_ready "$tmp/out"
# shellcheck disable=SC2016 # the guest's shell expands it
kiste exec vmx1 /bin/sh -c 'echo "$GREETING $(hostname) $(cat /work/file)"; echo to-err >&2; exit 6' \
	>"$tmp/xo" 2>"$tmp/xe" </dev/null
rc=$?
[ "$rc" -eq 6 ] && [ "$(cat "$tmp/xo")" = "hi vmx1 from the rootfs" ] && [ "$(cat "$tmp/xe")" = to-err ]
result $? "kiste exec in a vm run: the guest's hostname and root, the run's env, stderr, status 6 (exit $rc)" \
	"$(head -c 300 "$tmp/xo" "$tmp/xe")"
kiste exec vmx1 /ioport >"$tmp/xo" 2>"$tmp/xe" </dev/null
rc=$?
[ "$rc" -eq 0 ] && [ "$(cat "$tmp/xo")" = "ports refused" ]
result $? "a kiste exec process cannot reach the agent's ports (it could end the VM) (exit $rc)" \
	"$(head -c 200 "$tmp/xo" "$tmp/xe")"
head -c 300000 /dev/urandom >"$tmp/xin"
kiste exec vmx1 /bin/cat <"$tmp/xin" >"$tmp/xo" 2>"$tmp/xe"
rc=$?
[ "$rc" -eq 0 ] && cmp -s "$tmp/xin" "$tmp/xo"
result $? "kiste exec: 300 kB through the guest's cat and back, intact (exit $rc)" \
	"$(wc -c <"$tmp/xo") bytes back; $(head -c 200 "$tmp/xe")"
kiste exec vmx1 /no/such/prog >"$tmp/xo" 2>"$tmp/xe" </dev/null
rc=$?
[ "$rc" -eq 255 ] && grep -q /no/such/prog "$tmp/xe"
result $? "kiste exec of a program missing in the guest: one line, 255 (exit $rc)" "$(head -c 200 "$tmp/xe")"
kill -TERM "$pid"
wait "$pid"
# The confined VMM cannot remove the name's files: its watcher does (a moment after).
i=0
while [ $i -lt 50 ] && ls /run/kiste-run/vmx1.* >/dev/null 2>&1; do sleep 0.1; i=$((i + 1)); done
ls /run/kiste-run/vmx1.* >/dev/null 2>&1
result $((!$?)) "the ended run's files are gone (trace lock, exec defaults, socket)" \
	"$(ls /run/kiste-run/ 2>&1)"
kiste exec vmx1 /bin/true >"$tmp/xo" 2>"$tmp/xe" </dev/null
rc=$?
[ "$rc" -eq 255 ] && grep -q "does not exist" "$tmp/xe"
result $? "kiste exec after the run ended: does not exist, 255 (exit $rc)" "$(head -c 200 "$tmp/xe")"

# Errors: one line, 125, no hang.
kiste run --mode=vm --timeout 60 --kernel /etc/hostname -- /bin/true >"$tmp/out" 2>"$tmp/err"
rc=$?
[ "$rc" -eq 125 ] && [ "$(wc -l <"$tmp/err")" -eq 1 ] && grep -q "bzImage" "$tmp/err"
result $? "a non-bzImage kernel is one line and 125 (exit $rc)" "$(cat "$tmp/err")"

head -c 300000 /dev/urandom >"$tmp/bad.cpio"
KISTE_VM_INITRD="$tmp/bad.cpio" kiste run --mode=vm --timeout "$T" -- /bin/true >"$tmp/out" 2>"$tmp/err"
rc=$?
[ "$rc" -eq 125 ] && [ "$(wc -l <"$tmp/err")" -eq 1 ]
result $? "a corrupt initramfs is one line and 125, no hang (exit $rc)" "$(cat "$tmp/err")"

start=$(date +%s)
kiste run --mode=vm --timeout 5 -- /bin/sleep 1000 >"$tmp/out" 2>"$tmp/err" </dev/null
rc=$?
took=$(($(date +%s) - start))
[ "$rc" -eq 137 ] && [ "$took" -lt 60 ]
result $? "--timeout 5 stops a hung guest (exit $rc after ${took}s)" "$(cat "$tmp/err")"

# SIGKILL of kiste run: no VMM (its vCPUs are threads of kiste), task or sandbox left.
kiste run --mode=vm --timeout "$T" --name vmmode-sigkill -- /bin/sleep 1000 >/dev/null 2>&1 </dev/null &
pid=$!
sleep 3
kill -9 "$pid"
wait "$pid" 2>/dev/null
sleep 1
# A ps that fails to run lists no VMM either: its status counts.
pl=$(ps -o pid,comm 2>&1) && ! printf '%s\n' "$pl" | grep -q -E 'kiste|qemu'
result $? "SIGKILL of kiste run leaves no VMM process" \
	"$(printf '%s\n' "$pl" | grep -E 'kiste|qemu' || printf 'ps: %s\n' "$pl")"
# Other suites' sandboxes may exist in a full run: no vm-mode one may.
lst=$(kiste sandbox list 2>&1) &&
	[ -z "$(printf '%s\n' "$lst" | awk 'NR > 1 && ($2 == "vmmode-sigkill" || $3 == "vm")')" ]
result $? "SIGKILL of kiste run leaves no sandbox (none in kiste sandbox list)" "$(kiste sandbox list 2>&1 | head -5)"

# --block: two disks (virtio-blk on the VMM's PCI bus, the guest kernel's own modules),
# found by name, read and written in place; the read-only one refuses writes in the guest.
head -c 4194304 /dev/zero >"$tmp/data.img"
printf 'from-the-host\n' | dd of="$tmp/data.img" conv=notrunc 2>/dev/null
head -c 1048576 /dev/zero >"$tmp/ro.img"
printf 'read-only-disk\n' | dd of="$tmp/ro.img" conv=notrunc 2>/dev/null
cp "$tmp/ro.img" "$tmp/ro.orig"
# shellcheck disable=SC2016 # the guest's shell expands it
vrun 0 "--block: a read-write and a read-only disk" --rootfs "$tmp/root" \
	--block data="$tmp/data.img" --block ro-disk="$tmp/ro.img:ro" -- /bin/sh -c '
	readlink /dev/disk/by-id/virtio-data
	readlink /dev/disk/by-id/virtio-ro-disk
	head -c 14 /dev/disk/by-id/virtio-data
	cat /sys/block/vda/size /sys/block/vdb/ro
	echo written-by-the-guest | dd of=/dev/vda bs=512 seek=8 conv=notrunc 2>/dev/null
	head -c 15 /dev/vdb
	if echo x | dd of=/dev/vdb conv=notrunc 2>/dev/null; then echo ro-written; else echo ro-refused; fi'
printf '../../vda\n../../vdb\nfrom-the-host\n8192\n1\nread-only-disk\nro-refused\n' |
	cmp -s - "$tmp/out"
result $? "--block: the guest finds each disk by name and reads the host's data" \
	"$(head -c 300 "$tmp/out")"
[ "$(dd if="$tmp/data.img" bs=512 skip=8 count=1 2>/dev/null | head -c 20)" = \
	"written-by-the-guest" ]
result $? "--block: the guest's write is in the host file after the run" \
	"$(dd if="$tmp/data.img" bs=512 skip=8 count=1 2>/dev/null | head -c 40 | od -c | head -3)"
cmp -s "$tmp/ro.img" "$tmp/ro.orig"
result $? "--block :ro: the host file is unchanged"

# --rootfs DIR is an erofs image on a read-only disk under a writable tmpfs: built once
# per state of the tree (KISTE_VM_CACHE), rebuilt when a file changes; the guest's
# writes stay in the guest.
export KISTE_VM_CACHE="$tmp/cache"
echo one >"$tmp/root/work/state"
vrun 0 "--rootfs image: first run builds it" --rootfs "$tmp/root" -- /bin/sh -c \
	'cat /work/state; echo guest >/work/state; cat /work/state'
printf 'one\nguest\n' | cmp -s - "$tmp/out"
result $? "--rootfs image: the guest reads the tree and writes over it" "$(head -c 200 "$tmp/out")"
[ "$(cat "$tmp/root/work/state")" = one ]
result $? "--rootfs image: the guest's writes stay in the guest"
vrun 0 "--rootfs image: a second run" --rootfs "$tmp/root" -- /bin/cat /work/state
n=$(find "$tmp/cache" -name 'rootfs-*' | wc -l)
[ "$(cat "$tmp/out")" = one ] && [ "$n" -eq 1 ]
result $? "--rootfs image: an unchanged tree reuses the cached image ($n images)"
echo two >"$tmp/root/work/state"
vrun 0 "--rootfs image: after a change" --rootfs "$tmp/root" -- /bin/cat /work/state
n=$(find "$tmp/cache" -name 'rootfs-*' | wc -l)
[ "$(cat "$tmp/out")" = two ] && [ "$n" -eq 2 ]
result $? "--rootfs image: a changed file gets a new image ($n images)" "$(cat "$tmp/out")"
unset KISTE_VM_CACHE

# -v SRC:DST:ro: SRC as an erofs image on a disk, mounted read-only at DST, with the
# command packed from the host and with a --rootfs.
mkdir -p "$tmp/vol/sub"
echo shared >"$tmp/vol/sub/file"
# shellcheck disable=SC2016 # the guest's shell expands it
vrun 0 "--volume :ro with a packed command" -v "$tmp/vol:/data:ro" -- /bin/sh -c \
	'cat /data/sub/file; if echo x >/data/new 2>/dev/null; then echo written; else echo refused; fi'
printf 'shared\nrefused\n' | cmp -s - "$tmp/out"
result $? "--volume :ro: the guest reads SRC and cannot write it" "$(head -c 200 "$tmp/out")"
vrun 0 "--volume :ro with a --rootfs" --rootfs "$tmp/root" -v "$tmp/vol:/work/data:ro" -- \
	/bin/cat /work/data/sub/file /work/state
printf 'shared\ntwo\n' | cmp -s - "$tmp/out"
result $? "--volume :ro inside a --rootfs image" "$(head -c 200 "$tmp/out")"
[ ! -e "$tmp/vol/new" ]
result $? "--volume :ro: nothing was written to SRC"

# --network pasta: a virtio-net card on passt.  passt needs an uplink with a default route,
# which the test VM has not, and a root it can pivot from: each case runs in namespaces of
# its own (vm_net_run) with a dummy uplink (vm_net_uplink: 203.0.113.1/24; nothing leaves
# it), the servers and clients there.
if command -v passt >/dev/null && [ -r /vm-lib.sh ] && command -v unshare >/dev/null; then
	# shellcheck source=selftests/vm/vm-lib.sh
	. /vm-lib.sh
	mkdir -p "$tmp/www"
	echo from-the-host >"$tmp/www/index.html"
	cat >"$tmp/net.sh" <<'NET'
. /vm-lib.sh
vm_net_uplink >/dev/null 2>&1 || { echo "no uplink"; exit 90; }
tmp=$1 T=$2 case=$3
case $case in
out)	# a server on the uplink's address; the guest reaches it through passt
	httpd -f -p 203.0.113.1:18081 -h "$tmp/www" & srv=$!
	kiste run --mode=vm --timeout "$T" --network pasta --rootfs "$tmp/root" -- /bin/sh -c \
		'ip -4 addr show eth0 | grep -o "inet [0-9./]*"; cat /etc/resolv.conf
		wget -q -O - http://203.0.113.1:18081/index.html'
	rc=$?; kill "$srv"; exit "$rc" ;;
in)	# a server in the guest, published with -p, fetched from this namespace's loopback
	kiste run --mode=vm --timeout "$T" --network pasta -p 18080:8080 --rootfs "$tmp/root" -- \
		/bin/sh -c 'echo inside >/tmp/index.html; echo ready >&2; exec httpd -f -p 8080 -h /tmp' \
		2>"$tmp/in.err" & vm=$!
	i=0
	while [ "$i" -lt "$T" ] && ! grep -q ready "$tmp/in.err" && kill -0 "$vm" 2>/dev/null; do
		sleep 1; i=$((i + 1))
	done
	i=0
	until wget -q -O - http://127.0.0.1:18080/index.html 2>/dev/null; do
		i=$((i + 1)); [ "$i" -lt 10 ] || break; sleep 1
	done
	kill "$vm" 2>/dev/null; wait "$vm"; cat "$tmp/in.err" >&2 ;;
none)	# no card: the server is not reachable
	httpd -f -p 203.0.113.1:18081 -h "$tmp/www" & srv=$!
	kiste run --mode=vm --timeout "$T" --rootfs "$tmp/root" -- /bin/sh -c \
		'if wget -q -T 5 -O - http://203.0.113.1:18081/index.html; then echo reached; else echo unreachable; fi'
	rc=$?; kill "$srv"; exit "$rc" ;;
esac
NET
	vm_net_run "$tmp/net.sh" "$tmp" "$T" out >"$tmp/out" 2>"$tmp/err"
	rc=$?
	printf 'inet 10.0.2.15/24\nnameserver 10.0.2.3\nfrom-the-host\n' | cmp -s - "$tmp/out"
	result $? "--network pasta: eth0 and DNS set, a server on the host reached (exit $rc)" \
		"$(head -c 300 "$tmp/out" "$tmp/err")"
	vm_net_run "$tmp/net.sh" "$tmp" "$T" in >"$tmp/out" 2>"$tmp/err"
	grep -qx inside "$tmp/out"
	result $? "--network pasta -p 18080:8080: the host reaches a server in the guest" \
		"$(head -c 300 "$tmp/out" "$tmp/err")"
	vm_net_run "$tmp/net.sh" "$tmp" "$T" none >"$tmp/out" 2>"$tmp/err"
	grep -qx unreachable "$tmp/out"
	result $? "--network none: the guest has no way out" "$(head -c 300 "$tmp/out" "$tmp/err")"
else
	for t in "--network pasta: a server on the host reached" "--network pasta -p" \
		"--network none: no way out"; do
		skip "$t" "no passt, /vm-lib.sh or unshare in the test VM"
	done
fi

# --network ns:PATH: the namespace an OCI caller hands over.  Two namespaces held by
# sleepers: A (the container's: eth0 198.51.100.2/24, default route via .1) and B (the
# peer: eth1 198.51.100.1/24), joined by a veth pair made with iproute2's ip (busybox's
# cannot move a link), MTU 1400 as on an overlay network.  kiste puts a tap in A,
# tc-redirects it to eth0, and the guest's eth0 takes eth0's MAC, address, gateway and
# MTU: the guest fetches from a server in B; given another address it cannot (kiste's
# filters pass only eth0's own); B fetches from a server in the guest.  Afterwards A has
# no tap and no ingress qdisc.
IP2=/usr/libexec/iproute2/ip TC2=/usr/libexec/iproute2/tc
ns_skip()	# REASON
{
	skip "--network ns:PATH: eth0 as the namespace's (MTU 1400), a server in the peer reached; from another address not" "$1"
	skip "--network ns:PATH: the peer reaches a server in the guest" "$1"
	skip "--network ns:PATH: no tap and no ingress qdisc left" "$1"
}
# same_ns PID: whether PID is still in our network namespace (unshare has not run yet).
same_ns()
{
	[ "$(readlink "/proc/$1/ns/net")" = "$(readlink /proc/$$/ns/net)" ]
}
if [ -x "$IP2" ] && [ -x "$TC2" ] && command -v unshare >/dev/null &&
	command -v nsenter >/dev/null; then
	unshare -n sleep 100000 & nsa=$!
	unshare -n sleep 100000 & nsb=$!
	i=0
	while { same_ns "$nsa" || same_ns "$nsb"; } && [ "$i" -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	mkdir -p "$tmp/peer"
	echo from-the-peer >"$tmp/peer/index.html"
	if nsenter -t "$nsa" -n "$IP2" link add eth0 type veth peer name eth1 netns "$nsb" &&
		nsenter -t "$nsa" -n "$IP2" link set eth0 mtu 1400 up &&
		nsenter -t "$nsa" -n "$IP2" addr add 198.51.100.2/24 dev eth0 &&
		nsenter -t "$nsa" -n "$IP2" route add default via 198.51.100.1 &&
		nsenter -t "$nsb" -n "$IP2" link set lo up &&
		nsenter -t "$nsb" -n "$IP2" link set eth1 mtu 1400 up &&
		nsenter -t "$nsb" -n "$IP2" addr add 198.51.100.1/24 dev eth1; then
		mac=$(nsenter -t "$nsa" -n "$IP2" -o link show eth0 |
			sed -n 's|.*link/ether \([0-9a-f:]*\).*|\1|p')
		nsenter -t "$nsb" -n httpd -f -p 198.51.100.1:18082 -h "$tmp/peer" & srv=$!
		kiste run --mode=vm --timeout "$T" --network "ns:/proc/$nsa/ns/net" \
			--rootfs "$tmp/root" -- /bin/sh -c \
			'ip -4 addr show eth0 | grep -o "inet [0-9./]*"
			ip link show eth0 | grep -o "link/ether [0-9a-f:]*"
			ip link show eth0 | grep -o "mtu [0-9]*"
			ip route | grep -o "^default via [0-9.]*"
			wget -q -O - http://198.51.100.1:18082/index.html
			ip addr flush dev eth0
			ip addr add 198.51.100.9/24 dev eth0
			if wget -q -T 5 -O - http://198.51.100.1:18082/index.html; then
				echo posed-as-another
			else
				echo unreachable-as-another
			fi' \
			>"$tmp/out" 2>"$tmp/err" </dev/null
		rc=$?
		kill "$srv"
		printf 'inet 198.51.100.2/24\nlink/ether %s\nmtu 1400\ndefault via 198.51.100.1\nfrom-the-peer\nunreachable-as-another\n' \
			"$mac" | cmp -s - "$tmp/out"
		result $? "--network ns:PATH: eth0 as the namespace's (MTU 1400), a server in the peer reached; from another address not (exit $rc)" \
			"$(head -c 300 "$tmp/out" "$tmp/err")"
		kiste run --mode=vm --timeout "$T" --network "ns:/proc/$nsa/ns/net" \
			--rootfs "$tmp/root" -- /bin/sh -c \
			'echo inside >/tmp/index.html; echo ready >&2; exec httpd -f -p 8080 -h /tmp' \
			>/dev/null 2>"$tmp/in.err" </dev/null & vm=$!
		i=0
		while [ "$i" -lt "$T" ] && ! grep -q ready "$tmp/in.err" && kill -0 "$vm" 2>/dev/null; do
			sleep 1
			i=$((i + 1))
		done
		i=0
		until nsenter -t "$nsb" -n wget -q -O - http://198.51.100.2:8080/index.html \
			>"$tmp/out" 2>/dev/null; do
			i=$((i + 1))
			[ "$i" -lt 10 ] || break
			sleep 1
		done
		kill "$vm" 2>/dev/null
		wait "$vm"
		grep -qx inside "$tmp/out"
		result $? "--network ns:PATH: the peer reaches a server in the guest" \
			"$(head -c 300 "$tmp/out" "$tmp/in.err")"
		# The tap went with kiste; its helper removes eth0's qdisc once kiste is gone.
		i=0
		while [ "$i" -lt 20 ]; do
			left=$(nsenter -t "$nsa" -n "$TC2" qdisc show | grep ingress
				nsenter -t "$nsa" -n "$IP2" -o link show | grep kiste-tap)
			[ -z "$left" ] && break
			sleep 0.5
			i=$((i + 1))
		done
		[ -z "$left" ]
		result $? "--network ns:PATH: no tap and no ingress qdisc left" "$left"
	else
		ns_skip "cannot make the veth pair (veth module?)"
	fi
	kill "$nsa" "$nsb"
else
	ns_skip "no iproute2 ip/tc in /usr/libexec/iproute2, unshare or nsenter in the test VM"
fi

# --rootfs IMAGE: an erofs image as it is, sparse-padded past the guest's RAM (and the
# test VM's): it is read from the disk, never copied into memory.
if command -v mkfs.erofs >/dev/null; then
	mkfs.erofs --quiet --all-root "$tmp/big.erofs" "$tmp/root" >/dev/null 2>&1
	truncate -s 3G "$tmp/big.erofs"
	vrun 0 "--rootfs IMAGE of 3 GiB in a 128 MiB guest" --memory 128M \
		--rootfs "$tmp/big.erofs" -- /bin/cat /work/state
	[ "$(cat "$tmp/out")" = two ]
	result $? "--rootfs IMAGE: the guest reads the image's files" "$(head -c 200 "$tmp/out")"
	rm -f "$tmp/big.erofs"
else
	skip "--rootfs IMAGE of 3 GiB" "no mkfs.erofs in the test VM"
	skip "--rootfs IMAGE: the guest reads the image's files" "no mkfs.erofs in the test VM"
fi
head -c 65536 /dev/urandom >"$tmp/not.img"
kiste run --mode=vm --timeout 60 --rootfs "$tmp/not.img" -- /bin/true >"$tmp/out" 2>"$tmp/err"
rc=$?
[ "$rc" -eq 125 ] && [ "$(wc -l <"$tmp/err")" -eq 1 ] && grep -q "not an erofs image" "$tmp/err"
result $? "--rootfs of a file that is no erofs image: one line and 125 (exit $rc)" "$(cat "$tmp/err")"

# ---- vm mode as an OCI runtime (issue 13): kiste's runc verbs on a bundle ----
# The annotation org.kiste.mode=vm: root.path is --rootfs, process as kiste run takes it;
# held to what `kiste run --mode=vm` gives for the same tree and command.
oci="$tmp/bundle"
mkdir -p "$oci"
ln -s "$tmp/root" "$oci/rootfs"
oci_cfg()	# SHELL-COMMAND [true [LINUX-MEMBERS]]: config.json of a busybox container running it
{		# [on a terminal] [with more of linux: ', "sysctl": {...}']
	cat >"$oci/config.json" <<EOF
{"ociVersion": "1.0.2",
 "process": {"terminal": ${2:-false}, "user": {"uid": 1000, "gid": 1000},
  "args": ["/bin/sh", "-c", "$1"], "env": ["PATH=/bin", "GREETING=hi", "TERM=xterm"], "cwd": "/work"},
 "root": {"path": "rootfs", "readonly": true}, "hostname": "oci-vm",
 "mounts": [{"destination": "/proc", "type": "proc", "source": "proc"},
  {"destination": "/etc/hosts", "type": "bind", "source": "$tmp/hosts",
   "options": ["rbind", "ro"]}],
 "annotations": {"org.kiste.mode": "vm"},
 "linux": {"namespaces": [{"type": "pid"}, {"type": "mount"}, {"type": "network"}]${3:-}}}
EOF
}
KR="$tmp/kroot"
# An engine's /etc/hosts: a single file, bound read-only (copied into the guest).
printf '203.0.113.7 oci-vm\n' >"$tmp/hosts"
# shellcheck disable=SC2016 # the guest's shell expands it
oci_cfg 'echo \"$GREETING $PATH $(id -u):$(id -g) $(pwd) $(hostname)\"; cat file /etc/hosts; exit 3'
kiste --root "$KR" run --bundle "$oci" oci1 >"$tmp/out" 2>"$tmp/err" </dev/null
rc=$?
[ "$rc" -eq 3 ] &&
	printf 'hi /bin 1000:1000 /work oci-vm\nfrom the rootfs\n203.0.113.7 oci-vm\n' | cmp -s - "$tmp/out"
result $? "OCI run of a vm container: output, env (its PATH), user, cwd, hostname, a bound file, status 3 (exit $rc)" \
	"$(head -c 300 "$tmp/out" "$tmp/err")"
# The container's process is pid 1 of a pid namespace of its own in the guest, as under
# runc: a signal it leaves at SIG_DFL does not end it; a child it forks is an ordinary one.
# shellcheck disable=SC2016 # the guest's shell expands it
oci_cfg 'for s in TERM HUP USR1; do kill -$s $$; done; echo survived $$; sleep 30 & kill -TERM $!; wait $!; echo child $?; exit 4'
kiste --root "$KR" run --bundle "$oci" oci6 >"$tmp/out" 2>"$tmp/err" </dev/null
rc=$?
[ "$rc" -eq 4 ] && printf 'survived 1\nchild 143\n' | cmp -s - "$tmp/out"
result $? "OCI run of a vm container: pid 1 survives signals it leaves at SIG_DFL, its child does not (exit $rc)" \
	"$(head -c 300 "$tmp/out" "$tmp/err")"
# linux.sysctl: set by the agent in the guest's kernel (its network too), or no run.
oci_cfg 'cat /proc/sys/kernel/msgmax /proc/sys/net/ipv4/ip_unprivileged_port_start' false \
	', "sysctl": {"kernel.msgmax": "12345", "net.ipv4.ip_unprivileged_port_start": "80"}'
kiste --root "$KR" run --bundle "$oci" oci7 >"$tmp/out" 2>"$tmp/err" </dev/null
rc=$?
[ "$rc" -eq 0 ] && printf '12345\n80\n' | cmp -s - "$tmp/out"
result $? "OCI run of a vm container: linux.sysctl set in the guest (exit $rc)" \
	"$(head -c 300 "$tmp/out" "$tmp/err")"
oci_cfg 'echo ran' false ', "sysctl": {"net.ipv4.ip_unprivileged_port_start": "x"}'
kiste --root "$KR" run --bundle "$oci" oci8 >"$tmp/out" 2>"$tmp/err" </dev/null
rc=$?
[ "$rc" -eq 125 ] && [ ! -s "$tmp/out" ] && grep -q 'linux.sysctl net/ipv4/ip_unprivileged_port_start' "$tmp/err"
result $? "OCI run of a vm container: a sysctl value the guest refuses is no run, saying which (exit $rc)" \
	"$(head -c 300 "$tmp/out" "$tmp/err")"
# The same file as kiste run's -v FILE:DST:ro: in the guest, read-only even to its root.
vrun 0 "-v FILE:DST:ro copies a file into the guest" --rootfs "$tmp/root" \
	-v "$tmp/hosts:/etc/hosts:ro" -- /bin/sh -c 'cat /etc/hosts; echo x >/etc/hosts || echo refused'
printf '203.0.113.7 oci-vm\nrefused\n' | cmp -s - "$tmp/out"
result $? "-v FILE:DST:ro: the guest reads it and cannot write it" "$(head -c 200 "$tmp/out" "$tmp/err")"
kiste --root "$KR" state oci1 >/dev/null 2>&1
result $((!$?)) "OCI run leaves no container behind" ""
oci_cfg "trap 'echo got-TERM; exit 7' TERM; trap 'echo got-USR1' USR1; trap 'echo got-QUIT' QUIT
echo ready; while :; do sleep 1; done"
kiste --root "$KR" create --bundle "$oci" oci2 >"$tmp/out" 2>"$tmp/err" </dev/null
rc=$?
st=$(kiste --root "$KR" state oci2 2>&1)
[ "$rc" -eq 0 ] && printf '%s' "$st" | grep -q '"status": "created"'
result $? "OCI create of a vm container: created (exit $rc)" "$st $(head -c 200 "$tmp/err")"
lst=$(kiste sandbox list 2>&1)
printf '%s\n' "$lst" | awk 'NR > 1 && $2 == "oci2" && $3 == "vm"' | grep -q .
result $? "with kiste.ko the created vm container is a sandbox named by its id" "$lst"
kiste --root "$KR" start oci2 >>"$tmp/err" 2>&1
wait_ready "$tmp/out"
st=$(kiste --root "$KR" state oci2 2>&1)
printf '%s' "$st" | grep -q '"status": "running"' && grep -qx ready "$tmp/out"
result $? "OCI start: the guest's workload runs" "$st $(head -c 200 "$tmp/out" "$tmp/err")"
kiste inspect oci2 2>&1 | grep -q '^vm: *running$'
result $? "its VM is kiste.ko's broker's, in the container's sandbox" "$(kiste inspect oci2 2>&1)"
# wait_stopped ID: until the container's state says stopped ($T seconds at most).
wait_stopped()
{
	i=0
	while [ "$i" -lt "$T" ] &&
		! kiste --root "$KR" state "$1" 2>&1 | grep -q '"status": "stopped"'; do
		sleep 1
		i=$((i + 1))
	done
}
# wait_line FILE LINE: until FILE has LINE ($T seconds at most).
wait_line()
{
	i=0
	while [ "$i" -lt "$T" ] && ! grep -qx "$2" "$1" 2>/dev/null; do
		sleep 1
		i=$((i + 1))
	done
}
# Every signal a handler can take reaches the container's init, as runc's kill: USR1 (the
# VMM's vCPU kick once) and QUIT (it ended kiste once) too.
for sig in USR1 QUIT; do
	kiste --root "$KR" kill oci2 "$sig" >>"$tmp/err" 2>&1
	wait_line "$tmp/out" "got-$sig"
	st=$(kiste --root "$KR" state oci2 2>&1)
	grep -qx "got-$sig" "$tmp/out" && printf '%s' "$st" | grep -q '"status": "running"'
	result $? "OCI kill $sig reaches the guest's workload, which handles it and runs on" \
		"$st $(head -c 300 "$tmp/out" "$tmp/err")"
done
kiste --root "$KR" kill oci2 TERM >>"$tmp/err" 2>&1
wait_stopped oci2
grep -qx got-TERM "$tmp/out"
result $? "OCI kill TERM reaches the guest's workload, which handles it" \
	"$(head -c 200 "$tmp/out" "$tmp/err")"
i=0
until gone oci2 || [ $i -ge 50 ]; do sleep 0.2; i=$((i + 1)); done
gone oci2
result $? "the stopped vm container holds no registry sandbox" "$(kiste sandbox list 2>&1)"
kiste --root "$KR" delete oci2 >>"$tmp/err" 2>&1
rc=$?
kiste --root "$KR" state oci2 >/dev/null 2>&1
gone_rc=$?
[ "$rc" -eq 0 ] && [ "$gone_rc" -ne 0 ]
result $? "OCI delete of the stopped vm container (exit $rc)" "$(tail -c 200 "$tmp/err")"

verb()	# WANT-STATUS NEEDLE DESCRIPTION VERB-ARGS...: kiste --root $KR VERB-ARGS
{
	want=$1 needle=$2 what=$3
	shift 3
	got=$(kiste --root "$KR" "$@" 2>&1 </dev/null)
	rc=$?
	[ "$rc" -eq "$want" ] && case "$got" in *"$needle"*) true ;; *) false ;; esac
	result $? "vm container: $what (exit $rc)" "$(printf '%s' "$got" | head -c 300)"
}

# kiste exec into a running vm container: config.json's env, user and cwd, as runc's exec.
oci_cfg "echo ready; while :; do sleep 1; done"
: >"$tmp/out"
kiste --root "$KR" create --bundle "$oci" oci3 >"$tmp/out" 2>"$tmp/err" </dev/null &&
	kiste --root "$KR" start oci3 >>"$tmp/err" 2>&1
wait_ready "$tmp/out"
# shellcheck disable=SC2016 # the guest's shell expands it
kiste --root "$KR" exec oci3 /bin/sh -c 'echo "$GREETING $(id -u) $(pwd) $(hostname)"' \
	>"$tmp/xo" 2>"$tmp/xe" </dev/null
rc=$?
[ "$rc" -eq 0 ] && [ "$(cat "$tmp/xo")" = "hi 1000 /work oci-vm" ]
result $? "OCI exec in a vm container: its env, user, cwd and hostname (exit $rc)" \
	"$(head -c 300 "$tmp/xo" "$tmp/xe" "$tmp/err")"
verb 0 "" "kill --all KILL" kill --all oci3 KILL
wait_stopped oci3
verb 0 '"status": "stopped"' "... stops it" state oci3
kiste --root "$KR" delete oci3 >/dev/null 2>&1
kiste --root "$KR" state oci3 >/dev/null 2>&1
result $((!$?)) "OCI delete of the exec'd vm container" ""

# The other verbs on a running vm container (one guest for them all), as runc's answers:
# start twice and delete without --force refused, list, ps, events --stats, delete
# --force; and kill before start.
oci_cfg "echo ready; while :; do sleep 1; done"
: >"$tmp/out"
kiste --root "$KR" create --bundle "$oci" oci4 >"$tmp/out" 2>"$tmp/err" </dev/null &&
	kiste --root "$KR" start oci4 >>"$tmp/err" 2>&1
wait_ready "$tmp/out"
verb 1 "already running" "start twice is refused, one line" start oci4
verb 1 "not stopped" "delete of a running one without --force is refused" delete oci4
verb 0 "running" "list shows it running" list
verb 0 "" "ps lists its processes" ps oci4
verb 0 "" "kill TERM (its sh, pid 1, has no handler)" kill oci4 TERM
for sig in USR2 QUIT USR1 WINCH RTMIN+3; do
	verb 0 "" "kill $sig (no handler either)" kill oci4 "$sig"
done
sleep 2
verb 0 '"status": "running"' "... it still runs, as runc's pid 1 would" state oci4
got=$(kiste --root "$KR" exec oci4 cat /proc/1/comm 2>&1 </dev/null)
[ "$got" = sh ]
result $? "vm container: exec runs in its pid namespace (/proc/1 is its sh)" "$got"
# Pause: on this kernel (6.1) KVM's kvm-nx-lpage-recovery thread sits in the VMM's cgroup
# and never freezes; pause moves it to the root cgroup, then the cgroup freezes.
verb 0 "" "pause" pause oci4
verb 0 '"status": "paused"' "... state says paused" state oci4
cgd=$(find /sys/fs/cgroup -type d -path '*/kiste/oci/oci4' 2>/dev/null | head -n 1)
grep -qx "frozen 1" "$cgd/cgroup.events" 2>/dev/null
result $? "vm container: ... its cgroup is frozen" "$cgd: $(tr '\n' ' ' <"$cgd/cgroup.events" 2>&1)
$(while read -r p; do head -c 80 "/proc/$p/stat" 2>&1; echo; done <"$cgd/cgroup.procs")"
verb 255 "paused" "exec in the paused vm container is refused" exec oci4 true
verb 0 "" "resume" resume oci4
verb 0 '"status": "running"' "... state says running" state oci4
verb 0 "back" "... and the guest answers an exec" exec oci4 echo back
# update: the guest's RAM and pids limit are set at boot (one line each, 1); CPU is cpu.max's.
verb 1 "its memory cannot change after create" "update --memory is refused" \
	update --memory 512M oci4
verb 1 "its pids limit cannot change after create" "update --pids-limit is refused" \
	update --pids-limit 50 oci4
verb 0 "" "update --cpu-quota" update --cpu-quota 50000 --cpu-period 100000 oci4
[ "$(cat "$cgd/cpu.max" 2>&1)" = "50000 100000" ]
result $? "vm container: ... its cgroup's cpu.max" "$(cat "$cgd/cpu.max" 2>&1)"
verb 0 '"type":"stats"' "events --stats: one stats event" events --stats oci4
verb 0 "" "delete --force of the running container" delete --force oci4
verb 1 "does not exist" "... and it is gone" state oci4
kiste --root "$KR" create --bundle "$oci" oci5 >/dev/null 2>&1 </dev/null
verb 0 "" "kill KILL before start" kill oci5 KILL
wait_stopped oci5
verb 0 '"status": "stopped"' "... stops it" state oci5
verb 0 "" "... and delete removes it" delete oci5

# Driven as conmon drives a runtime (oci-drive: the child subreaper; create with
# --pid-file and its own pipes or --console-socket; start; it reaps the container's
# process, the VMM, itself; delete): the bytes and status runc gives on the host
# (oci_lifecycle.sh holds kiste's shim mode and runc to the same).
DRIVE="$(dirname "$0")/oci-tools/oci-drive"
drive()	# ID WANT DESCRIPTION DRIVER-OPTIONS...
{
	id=$1 want=$2 what=$3
	shift 3
	got=$("$DRIVE" "$@" kiste "$KR" "$oci" "$id" 2>"$tmp/de" </dev/null)
	rc=$?
	[ "$rc" -eq 0 ] && [ "$got" = "$want" ]
	result $? "$what (exit $rc)" "$(printf '%s' "$got" | od -c | head -6) $(head -c 300 "$tmp/de")"
}
# shellcheck disable=SC2016 # the guest's shell expands it
oci_cfg 'trap \"echo TERM; exit 3\" TERM; read x; echo \"got $x\"; while :; do sleep 1; done'
drive dr1 "$(printf 'got late\nTERM\nstatus: exit 3')" \
	"OCI vm container as conmon drives it, pipes: input, kill TERM, status 3" \
	-i "$(printf 'late\nrest')" -k TERM
# Typed between create and start: echoed once, by the guest's terminal (the host's pty
# only carries it: raw from create on; it echoed a second time when cooked).
# shellcheck disable=SC2016 # the guest's shell expands it
oci_cfg 'read x; echo \"got $x\"; exit 5' true
drive dr2 "$(printf 'early\r\ngot early\r\nstatus: exit 5')" \
	"OCI vm container with a terminal: input typed before start is echoed once, then read" \
	-t -b "early
"

# Last: an SMP guest under nested KVM in the TCG test VM is the slowest and least
# certain part; a shorter --timeout keeps it from holding up the suites after it.
T=90
vrun 0 "--cpus 2 boots" --cpus 2 --rootfs "$tmp/root" -- /bin/nproc
[ "$(cat "$tmp/out")" = 2 ]
result $? "--cpus 2: nproc in the guest says 2" "$(head -c 100 "$tmp/out")"

rm -rf "$tmp"
t_done
