#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# run-vm.sh - builds the test-VM initramfs, boots it under qemu (TCG), parses the console's TAP.
#
# Usage: run-vm.sh --build DIR --module PATH {--kernel-version VER | --kernel-image BZIMAGE}
#                  [--init-script FILE] [--timeout SECS] [--result FILE]
#                  [--extra-modules "NAME ..."] [--extra-file SRC:DST]... [--work DIR]
#                  [--debug-checks] [--no-suites] [--skip-suite "GLOB=REASON"]...
#
# The initramfs holds busybox (static, with applet links), /init (init.sh by
# default), vm-lib.sh, the module, DIR/bin/kiste, every file of DIR/vm-tests/
# (-> /vm-tests), DIR/vm-tools/ (-> /bin), and the shared libraries of those
# ELF binaries.  The guest prints "KISTE-VM: ..." marker lines around each
# suite; this script attributes the TAP between them, prints it as it arrives,
# and fails the run on any "not ok", a missing sentinel (timeout, crash,
# panic), kernel warnings/oopses on the console, or taint other than O and E.
# --result FILE receives one line "passed failed skipped".
#
# --kernel-image boots that bzImage (the debug kernel: DIR/bzImage at the top of
# its build tree) instead of /boot/vmlinuz-VER; --extra-modules then come from
# that tree, or are skipped when built in.  --debug-checks (for a KASAN +
# lockdep + kmemleak kernel, see DEBUG-KERNEL.md) adds the guest's kmemleak
# baseline and final scan and one host result per checker.  --work DIR holds
# the initramfs, console and per-suite logs (default DIR/vm); the file
# WORK/checks lists each run-level result as "ok NAME" / "not ok NAME".
# --no-suites leaves DIR/vm-tests out (the rmmod suite still runs);
# --skip-suite drops the matching suites and reports each as one SKIP.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
top="$(cd "$here/../.." && pwd)"
tap_count="$top/selftests/lib/tap-count"

build=""
module=""
kver=""
init_script="$here/init.sh"
timeout=900
result=""
extra_modules=""
extra_files=()
# -cpu max gives the guest SVM, so KVM (nested) works inside it.
cpu=max
kernel_image=""
debug_checks=0
no_suites=0
work=""
skip_specs=()

usage()
{
	echo "usage: $0 --build DIR --module PATH {--kernel-version VER | --kernel-image BZIMAGE}" \
	     "[--init-script FILE] [--timeout SECS] [--result FILE] [--extra-modules \"NAME ...\"]" \
	     "[--extra-file SRC:DST]... [--work DIR] [--debug-checks] [--no-suites]" \
	     "[--skip-suite \"GLOB=REASON\"]..." >&2
	exit 2
}

while [ $# -gt 0 ]; do
	case "$1" in
	--build) build="$2"; shift 2 ;;
	--module) module="$2"; shift 2 ;;
	--kernel-version) kver="$2"; shift 2 ;;
	--init-script) init_script="$2"; shift 2 ;;
	--timeout) timeout="$2"; shift 2 ;;
	--result) result="$2"; shift 2 ;;
	--extra-modules) extra_modules="$2"; shift 2 ;;
	--extra-file) extra_files+=("$2"); shift 2 ;;
	--no-nested-kvm) cpu="max,-svm,-vmx"; shift ;;
	--kernel-image) kernel_image="$2"; shift 2 ;;
	--debug-checks) debug_checks=1; shift ;;
	--no-suites) no_suites=1; shift ;;
	--work) work="$2"; shift 2 ;;
	--skip-suite) skip_specs+=("$2"); shift 2 ;;
	-h | --help) usage ;;
	*) echo "run-vm.sh: unknown argument '$1'" >&2; usage ;;
	esac
done
if [ -z "$build" ] || [ -z "$module" ] || { [ -z "$kver" ] && [ -z "$kernel_image" ]; }; then
	usage
fi
for spec in "${skip_specs[@]}"; do
	case "$spec" in
	?*=?*) ;;
	*) echo "run-vm.sh: --skip-suite wants GLOB=REASON, got '$spec'" >&2; usage ;;
	esac
done

die()
{
	echo "run-vm.sh: $*" >&2
	[ -n "$result" ] && echo "0 1 0" >"$result"
	exit 1
}

# With --kernel-image, modules come from the image's build tree (its directory).
ktree=""
if [ -n "$kernel_image" ]; then
	kernel="$kernel_image"
	[ -r "$kernel" ] || die "no kernel image $kernel: build it (selftests/vm/debug-kernel.sh)"
	ktree="$(cd "$(dirname "$kernel")" && pwd)"
	if [ -z "$kver" ] && [ -r "$ktree/include/config/kernel.release" ]; then
		kver="$(cat "$ktree/include/config/kernel.release")"
	fi
else
	kernel="/boot/vmlinuz-$kver"
	[ -r "$kernel" ] || die "no kernel $kernel: install linux-image-$kver (make deps)"
fi
[ -r "$module" ] || die "no module $module: run 'make module' first"
[ -r "$init_script" ] || die "no init script $init_script"
command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86_64 missing: make deps"
busybox=$(command -v busybox || true)
if [ -z "$busybox" ] || ldd "$busybox" >/dev/null 2>&1; then
	die "a static busybox is needed: apt-get install busybox-static"
fi
build="$(cd "$build" && pwd)"

[ -n "$work" ] || work="$build/vm"
mkdir -p "$work"
work="$(cd "$work" && pwd)"
root="$work/root"
rm -rf "$work"
mkdir -p "$root" "$work/suites"

# ---- initramfs ----------------------------------------------------------

mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,etc,lib/modules/kiste,vm-tests,vm-run,root,tmp}
cp "$busybox" "$root/bin/busybox"
for applet in $("$busybox" --list-full); do
	[ -e "$root/$applet" ] || ln -s /bin/busybox "$root/$applet"
done
cp "$init_script" "$root/init"
chmod 755 "$root/init"
cp "$here/vm-lib.sh" "$root/vm-lib.sh"
cp "$here/rmmod.sh" "$root/vm-run/rmmod.sh"
cp "$module" "$root/lib/modules/kiste/kiste.ko"

[ -x "$build/bin/kiste" ] && cp "$build/bin/kiste" "$root/bin/kiste"
if [ -d "$build/vm-tests" ] && [ "$no_suites" -eq 0 ]; then
	cp -a "$build/vm-tests/." "$root/vm-tests/"
fi
# Suites left out of this run: each becomes one SKIP result with the reason.
skipped_suites=()
for spec in "${skip_specs[@]}"; do
	glob="${spec%%=*}"
	for f in "$root"/vm-tests/$glob; do
		[ -e "$f" ] || continue
		rm -rf "$f"
		skipped_suites+=("${f##*/}=${spec#*=}")
		echo "run-vm.sh: SKIP suite ${f##*/}: ${spec#*=}"
	done
done
[ "$debug_checks" -eq 1 ] && touch "$root/etc/kiste-debug-checks"
# Files a suite needs at a fixed path in the guest (a guest kernel for vm mode).
for spec in "${extra_files[@]}"; do
	src="${spec%%:*}"
	dst="${spec#*:}"
	[ -r "$src" ] || die "--extra-file: cannot read $src"
	mkdir -p "$root$(dirname "$dst")"
	# The image has busybox's absolute applet links: replace, never write through them.
	rm -f "$root$dst"
	cp -L "$src" "$root$dst"
done
if [ -d "$build/vm-tools" ]; then
	cp -a --remove-destination "$build/vm-tools/." "$root/bin/"
fi

# A module of the --kernel-image tree: prints its .ko; fails printing nothing
# when it is built in, "missing" when the tree has it neither way.
tree_kmod()
{
	local name="${1//-/_}" f

	if [ -r "$ktree/modules.builtin" ] &&
	   tr '-' '_' <"$ktree/modules.builtin" | grep -q "/$name\.ko\$"; then
		echo "run-vm.sh: $1 is built into $kernel" >&2
		return 1
	fi
	if [ -r "$ktree/modules.order" ]; then
		while read -r f; do
			f="${f%.o}.ko"
			f="${f#kernel/}"
			case "$(basename "$f" .ko | tr '-' '_')" in
			"$name") [ -r "$ktree/$f" ] && { echo "$ktree/$f"; return 0; } ;;
			esac
		done <"$ktree/modules.order"
	fi
	echo "missing"
	return 1
}

# Kernel modules kiste.ko (or --extra-modules) need, dependencies first.
declare -A mod_done=()
add_kmod()
{
	local name="$1" path dep

	[ -n "${mod_done[$name]:-}" ] && return 0
	mod_done[$name]=1
	if [ -n "$ktree" ]; then
		if ! path=$(tree_kmod "$name"); then
			[ -z "$path" ] && return 0	# built in
			die "module $name is neither built into $kernel nor built in $ktree"
		fi
	else
		path=$(modinfo -k "$kver" -n "$name" 2>/dev/null) || die "module $name not found for $kver"
	fi
	for dep in $(modinfo -F depends "$path" | tr ',' ' '); do
		add_kmod "$dep"
	done
	case "$path" in
	*.xz) xz -dc "$path" >"$root/lib/modules/kiste/$name.ko" ;;
	*.zst) zstd -qdc "$path" >"$root/lib/modules/kiste/$name.ko" ;;
	*.gz) gzip -dc "$path" >"$root/lib/modules/kiste/$name.ko" ;;
	*) cp "$path" "$root/lib/modules/kiste/$name.ko" ;;
	esac
	echo "$name" >>"$root/lib/modules/kiste/deps"
}
for dep in $(modinfo -F depends "$module" | tr ',' ' ') $extra_modules; do
	add_kmod "$dep"
done

# Shared libraries of every dynamic ELF in the image, at the paths ldd resolves.
while IFS= read -r -d '' f; do
	[ "$(head -c 4 "$f" | tail -c 3)" = "ELF" ] || continue
	ldd "$f" 2>/dev/null | awk '
		/=> \// { print $3; next }
		/^[ \t]*\// { print $1 }' || true
done < <(find "$root/bin" "$root/vm-tests" "$root/usr" "$root/opt" -type f -print0 2>/dev/null) |
	sort -u |
while read -r lib; do
	mkdir -p "$root$(dirname "$lib")"
	cp -L --remove-destination "$lib" "$root$lib"
done

initramfs="$work/initramfs.cpio.gz"
(cd "$root" && find . -print0 | cpio --null -o -H newc -R 0:0 --quiet | gzip -1 >"$initramfs")

# ---- boot -----------------------------------------------------------------

console="$work/console.log"
state="$work/state"
bad="$work/kernel-errors.log"

# stdin from /dev/null and the console in a file: with no stdin (CI),
# -nographic prints nothing.
# Debug kernel: warnings (lockdep prints its reports at that level) reach the
# console, and the log buffer keeps this run's messages for the closing dmesg.
# Its boot under TCG on a loaded host can stall a vCPU past RCU's 21 s (seen
# in tracefs setup, before /init); a CPU stuck for 2 minutes is still reported.
cmdline="console=ttyS0 quiet panic=-1"
if [ "$debug_checks" -eq 1 ]; then
	cmdline="console=ttyS0 loglevel=5 log_buf_len=4M rcupdate.rcu_cpu_stall_timeout=120 panic=-1"
fi

# A boot that never reaches /init has not run any kiste code (the module is
# loaded by /init).  Under TCG the debug kernel's own IO-APIC setup has taken
# a stray level interrupt before its chip data existed (KASAN null-ptr-deref
# in mask_ioapic_irq at 0.9 s): such a boot is retried, and recorded as a SKIP
# with the kernel's first error line so that it stays visible.
boot_attempts=${KISTE_VM_BOOT_ATTEMPTS:-3}
init_deadline=${KISTE_VM_INIT_DEADLINE:-300}
boot_notes=()
# mawk (Debian's awk) reads its input in large blocks unless told otherwise:
# the console would reach the parser only in chunks, or at qemu's exit.
awk_live=()
if awk -W version 2>&1 | grep -q mawk; then
	awk_live=(-W interactive)
fi

boot_once()
{
	local wpid

	: >"$console"
	: >"$state"
	: >"$bad"
	rm -rf "$work/suites"
	mkdir -p "$work/suites"
	qemu-system-x86_64 -M q35 -accel tcg -cpu "$cpu" -m 2048 -smp 2 -display none -no-reboot \
		-serial "file:$console" -kernel "$kernel" -initrd "$initramfs" \
		-append "$cmdline" </dev/null >"$work/qemu.log" 2>&1 &
	qpid=$!
	trap 'kill "$qpid" 2>/dev/null || true' EXIT

	# A soft lockup already fails the run (a BUG line); a VM whose CPUs both
	# spin would otherwise only end at the timeout, so the run ends 30 s after
	# the first report (time for the backtraces to reach the console).
	(
		s=0
		lockup=-1
		while kill -0 "$qpid" 2>/dev/null; do
			if [ "$lockup" -lt 0 ] && grep -q '^lockup$' "$state"; then
				lockup=$s
			fi
			if [ "$s" -ge "$timeout" ]; then
				echo "timeout" >>"$state"
			elif [ "$s" -ge "$init_deadline" ] && ! grep -q "KISTE-VM: " "$console"; then
				echo "no-init" >>"$state"
			elif [ "$lockup" -ge 0 ] && [ "$s" -ge $((lockup + 30)) ]; then
				echo "lockup-end" >>"$state"
			else
				sleep 1
				s=$((s + 1))
				continue
			fi
			kill "$qpid" 2>/dev/null
			sleep 2
			kill -9 "$qpid" 2>/dev/null
			break
		done
	) </dev/null &
	wpid=$!

	# Streams the console: suite output goes to suites/NAME.log (and to stdout
	# prefixed "[NAME] "), run-level markers to $state, kernel errors to $bad,
	# the guest's section-begin/-end blocks (kmemleak report) to WORK/NAME.txt.
	tail -n +1 -f --pid="$qpid" "$console" 2>/dev/null | awk "${awk_live[@]}" \
		-v dir="$work/suites" -v state="$state" -v bad="$bad" -v dbg="$debug_checks" \
		-v wdir="$work" '
	function suite_line(l) {
		print l >> (dir "/" suite ".log")
		if (l != "")
			print "[" suite "] " l
	}
	{
		# Not tr -d: it would hold the console in its output buffer.
		gsub(/\r/, "")
		line = $0
		if (section != "" && index(line, "KISTE-VM: section-end ") == 0) {
			print line >> (wdir "/" section ".txt")
			print section "| " line
			fflush()
			next
		}
		if (line ~ /WARNING:|BUG:|Oops|general protection|Call Trace|KASAN|kernel BUG/)
			print line >> bad
		else if (dbg == 1 && line ~ /cut here|possible circular locking|possible recursive locking|inconsistent lock state|suspicious RCU usage|lock held when returning|sleeping function called/)
			print line >> bad
		if (!lockup && line ~ /BUG: soft lockup/) {
			lockup = 1
			print "lockup" >> state
			close(state)
		}
		i = index(line, "KISTE-VM: ")
		if (i == 0) {
			if (suite != "")
				suite_line(line)
			else
				print "vm| " line
			fflush()
			next
		}
		if (i > 1 && suite != "")
			suite_line(substr(line, 1, i - 1))
		msg = substr(line, i + 10)
		if (msg ~ /^suite-begin /) {
			suite = substr(msg, 13)
			printf "" > (dir "/" suite ".log")
			print "==== suite " suite
		} else if (msg ~ /^suite-end /) {
			rc = msg
			sub(/.* rc=/, "", rc)
			print rc > (dir "/" suite ".rc")
			close(dir "/" suite ".rc")
			close(dir "/" suite ".log")
			print "==== end of " suite " (exit " rc ")"
			suite = ""
		} else if (msg ~ /^section-begin /) {
			section = substr(msg, 15)
			printf "" > (wdir "/" section ".txt")
		} else if (msg ~ /^section-end /) {
			close(wdir "/" section ".txt")
			section = ""
		} else {
			if (msg ~ /^(insmod |tainted |done$|debug )/)
				print msg >> state
			if (msg !~ /^dmesg-/)
				print "vm: " msg
		}
		fflush()
	}'
	

	set +e
	wait "$qpid"
	qrc=$?
	set -e
	trap - EXIT
	kill "$wpid" 2>/dev/null || true
	wait "$wpid" 2>/dev/null || true
}

echo "run-vm.sh: booting $kernel ($(du -h "$initramfs" | cut -f1) initramfs), timeout ${timeout}s"
start=$(date +%s)
attempt=1
while :; do
	boot_once
	if grep -q "KISTE-VM: " "$console" || [ "$attempt" -ge "$boot_attempts" ]; then
		break
	fi
	why=$(tr -d '\r' <"$console" | grep -m 1 -E 'BUG:|Kernel panic|general protection|WARNING:' || true)
	[ -n "$why" ] || why="qemu exited $qrc with no kernel error line"
	grep -q '^no-init$' "$state" && why="no /init output within ${init_deadline}s"
	cp "$console" "$work/console.attempt$attempt.log"
	boot_notes+=("attempt $attempt died before /init: $why")
	echo "run-vm.sh: boot attempt $attempt died before /init ($why); console kept in" \
	     "$work/console.attempt$attempt.log; booting again"
	attempt=$((attempt + 1))
done
elapsed=$(($(date +%s) - start))
if [ -s "$work/qemu.log" ]; then
	sed 's/^/qemu: /' "$work/qemu.log"
fi

# ---- verdict ---------------------------------------------------------------

passed=0
failed=0
skipped=0
summary=""

add_result()	# NAME "P F S" DETAIL
{
	local p f s
	read -r p f s <<<"$2"
	passed=$((passed + p))
	failed=$((failed + f))
	skipped=$((skipped + s))
	summary+=$(printf '  %-44s %3d passed, %3d failed, %3d skipped  %s' "$1" "$p" "$f" "$s" "$3")
	summary+=$'\n'
}

: >"$work/checks"
check()	# NAME CONDITION-RESULT(0/1) DETAIL
{
	if [ "$2" -eq 0 ]; then
		echo "ok - vm: $1"
		echo "ok $1" >>"$work/checks"
		add_result "run: $1" "1 0 0" ""
	else
		echo "not ok - vm: $1 # $3"
		echo "not ok $1" >>"$work/checks"
		add_result "run: $1" "0 1 0" "$3"
	fi
}

for note in "${boot_notes[@]}"; do
	echo "ok - vm: boot retried # SKIP $note"
	add_result "run: boot retried" "0 0 1" "SKIP: $note"
done

for spec in "${skipped_suites[@]}"; do
	echo "ok - vm: suite ${spec%%=*} # SKIP ${spec#*=}"
	add_result "${spec%%=*}" "0 0 1" "SKIP: ${spec#*=}"
done

for log in "$work"/suites/*.log; do
	[ -e "$log" ] || continue
	name="$(basename "$log" .log)"
	if [ -r "$work/suites/$name.rc" ]; then
		rc=$(cat "$work/suites/$name.rc")
		add_result "$name" "$("$tap_count" --rc "$rc" "$log")" "(exit $rc)"
	else
		# Started but never finished: the VM died or timed out inside it.
		add_result "$name" "$("$tap_count" --rc 1 "$log" | awk '{ print $1, $2 + ($2 == 0), $3 }')" \
			"(did not finish)"
	fi
done

if grep -q '^done$' "$state"; then
	check "reached the end of the run (sentinel)" 0 ""
elif grep -q '^timeout$' "$state"; then
	check "reached the end of the run (sentinel)" 1 "no sentinel: timed out after ${timeout}s"
elif grep -q '^lockup-end$' "$state"; then
	check "reached the end of the run (sentinel)" 1 "no sentinel: a CPU locked up; the run was ended 30 s after"
elif grep -q '^no-init$' "$state"; then
	check "reached the end of the run (sentinel)" 1 "no sentinel: no /init output within ${init_deadline}s"
else
	check "reached the end of the run (sentinel)" 1 "no sentinel: qemu exited $qrc (crash or panic?)"
fi

if grep -q '^insmod failed' "$state"; then
	check "insmod kiste.ko" 1 "insmod failed: see the console above"
elif grep -q '^insmod ok' "$state"; then
	check "insmod kiste.ko" 0 ""
fi

if [ -s "$bad" ]; then
	check "kernel log has no warning/BUG/oops" 1 "$(head -n1 "$bad")"
	sed 's/^/  kernel: /' "$bad"
else
	check "kernel log has no warning/BUG/oops" 0 ""
fi

taint=$(sed -n 's/^tainted //p' "$state" | tail -n1)
if [ -n "$taint" ]; then
	# O (out-of-tree, 4096) and E (unsigned, 8192) are expected for kiste.ko.
	if (((taint & ~(4096 | 8192)) == 0)); then
		check "kernel not tainted beyond O/E (tainted=$taint)" 0 ""
	else
		check "kernel not tainted beyond O/E" 1 "tainted=$taint"
	fi
fi

if [ "$debug_checks" -eq 1 ]; then
	# shellcheck source=selftests/vm/debug-checks.sh
	. "$here/debug-checks.sh"
	debug_verdict
fi

echo "== VM run summary (${elapsed}s wall) =="
printf '%s' "$summary"
echo "VM: $passed passed, $failed failed, $skipped skipped"
[ -n "$result" ] && echo "$passed $failed $skipped" >"$result"
[ "$failed" -eq 0 ]
