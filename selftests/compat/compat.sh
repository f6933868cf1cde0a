#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# compat.sh - `make compat`: CPython's regression tests, one module at a time, natively and
# under `kiste run --mode=shim`, compared.
#
# Each module runs twice at the same time, side by side (so both see the same load):
#   native   env -i PATH HOME=D TMPDIR=D TERM, cwd D (a fresh folder of the host's /tmp),
#            `timeout COMPAT_TIMEOUT python3 -m test -v MODULE`
#   shim     kiste run --mode=shim --network none --memory COMPAT_MEMORY --tmpfs /tmp
#            --env HOME=/tmp --env TMPDIR=/tmp --cwd /tmp --timeout COMPAT_TIMEOUT
#            -- python3 -m test -v MODULE       (rootfs: the host's /, read-only)
# A module that passes natively and does not pass sandboxed (fails, crashes, times out,
# is skipped or leaves the environment changed) is a regression of kiste: "not ok",
# unless selftests/compat/known.txt lists it ("MODULE reason"), then "not ok ... # TODO".
# Test cases that cannot run on this machine even natively are left out on both sides
# (selftests/compat/ignore.txt: "GLOB reason", regrtest's -i).
# Prints TAP, a table, the tests that differ per module, and a summary line; exits 1 on an
# unlisted regression, 0 otherwise.  Logs: COMPAT_OUT/logs/MODULE.{native,shim}.log.
#
# Settings (environment; make passes its command-line variables through):
#   COMPAT_MODULES   "test_a test_b ..." or ALL (the whole suite); default modules.txt
#   COMPAT_TIMEOUT   seconds per module and side (default 600)
#   COMPAT_BUDGET    seconds for the whole run (default 5400): modules not started by then
#                    are reported "# SKIP budget"
#   COMPAT_RESOURCES regrtest's -u on both sides (default none: no test reaches the
#                    internet, which --network none would not reach anyway)
#   COMPAT_MEMORY    the sandbox's --memory (default 4G; it is an address-space limit,
#                    and a threaded CPython reserves much more than it uses)
#   COMPAT_ROOTFS    / (default: the host's /, as most callers run), or "bound": a rootfs
#                    of the run's own with the host's /usr and /etc bound in (root only;
#                    in a private mount namespace per run), where AF_UNIX sockets by
#                    path work (they are EACCES with the host's /: shim README, Networking)
#   COMPAT_OUT       logs and results (default build/compat)
#   COMPAT_PYTHON    the interpreter (default /usr/bin/python3: Debian's, whose tests
#                    libpython3.X-testsuite installs)
#   KISTE            the launcher (default build/bin/kiste)
set -uo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
top="$(cd "$here/../.." && pwd)"
KISTE="${KISTE:-$top/build/bin/kiste}"
PY="${COMPAT_PYTHON:-/usr/bin/python3}"
TIMEOUT="${COMPAT_TIMEOUT:-600}"
BUDGET="${COMPAT_BUDGET:-5400}"
MEMORY="${COMPAT_MEMORY:-4G}"
OUT="${COMPAT_OUT:-$top/build/compat}"
ROOTFS="${COMPAT_ROOTFS:-/}"
KNOWN="$here/known.txt"
IGNORE="$here/ignore.txt"
SANDBOX_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

die() { echo "compat: $*" >&2; exit 1; }

[ -x "$KISTE" ] || die "no launcher $KISTE: build it (make userspace)"
[ -x "$PY" ] || die "no $PY: make deps"
case "$TIMEOUT$BUDGET" in *[!0-9]*) die "COMPAT_TIMEOUT and COMPAT_BUDGET are seconds" ;; esac

# The test package: Debian's, for this interpreter's version (apt-get update first, as deps).
pyver="$("$PY" -c 'import sys; print("%d.%d" % sys.version_info[:2])')" || die "$PY does not run"
pkg="libpython$pyver-testsuite"
if ! dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null | grep -qx installed; then
	[ "$(id -u)" = 0 ] || die "missing Debian package $pkg: run 'make compat' as root once"
	echo "compat: installing $pkg"
	apt-get update || die "apt-get update failed"
	DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$pkg" ||
		die "apt-get install $pkg failed"
fi
testdir="$("$PY" -c 'import os, test; print(os.path.dirname(test.__file__))')" ||
	die "$PY has no test package"

# The module list.
mods=()
if [ "${COMPAT_MODULES:-}" = ALL ]; then
	while IFS= read -r m; do
		case "$m" in test_*) mods+=("$m") ;; esac
	done < <(cd /tmp && "$PY" -m test --list-tests 2>/dev/null)
	[ "${#mods[@]}" -gt 0 ] || die "python3 -m test --list-tests listed nothing"
elif [ -n "${COMPAT_MODULES:-}" ]; then
	read -r -a mods <<<"$COMPAT_MODULES"
else
	while read -r m _; do
		case "$m" in ''|'#'*) continue ;; esac
		mods+=("$m")
	done <"$here/modules.txt"
fi

# known.txt: "MODULE reason ..." per line; a listed module's regression is a TODO.
declare -A known=()
if [ -f "$KNOWN" ]; then
	while read -r m reason; do
		case "$m" in ''|'#'*) continue ;; esac
		[ -n "$reason" ] || die "known.txt: $m has no reason"
		known[$m]="$reason"
	done <"$KNOWN"
fi

# ignore.txt: "GLOB reason ..." per line, each GLOB one regrtest -i on both sides.
ign=()
[ -n "${COMPAT_RESOURCES:-}" ] && ign+=(-u "$COMPAT_RESOURCES")
if [ -f "$IGNORE" ]; then
	while read -r g reason; do
		case "$g" in ''|'#'*) continue ;; esac
		[ -n "$reason" ] || die "ignore.txt: $g has no reason"
		ign+=(-i "$g")
	done <"$IGNORE"
fi

# The rootfs: the host's / or, for "bound", $OUT/rootfs with /usr and /etc bound in per run.
R=""
case "$ROOTFS" in
/) ;;
bound)
	[ "$(id -u)" = 0 ] || die "COMPAT_ROOTFS=bound needs root (bind mounts)"
	command -v unshare >/dev/null || die "COMPAT_ROOTFS=bound needs unshare (util-linux)"
	R="$OUT/rootfs"
	mkdir -p "$R/usr" "$R/etc" "$R/tmp" "$R/dev" "$R/proc" "$R/sys" "$R/root" ||
		die "cannot make $R"
	for l in bin sbin lib lib64; do
		[ -e "/$l" ] && [ ! -e "$R/$l" ] && ln -s "usr/$l" "$R/$l"
	done ;;
*) die "COMPAT_ROOTFS is / or bound" ;;
esac
# The command that starts a sandbox: kiste run's arguments follow.
if [ -z "$R" ]; then
	shim_run=("$KISTE" run)
else
	# shellcheck disable=SC2016 # the inner sh expands its own arguments
	shim_run=(unshare -m sh -c 'mount --bind /usr "$1/usr" && mount --bind /etc "$1/etc" &&
		shift && exec "$@"' sh "$R" "$KISTE" run --rootfs "$R")
fi

rm -rf "$OUT/logs"
mkdir -p "$OUT/logs" || die "cannot make $OUT/logs"
results="$OUT/results.tsv"
diffs="$OUT/differences.txt"
printf 'module\tnative\tshim\tnative_s\tshim_s\tverdict\n' >"$results"
: >"$diffs"

# STATE of one side from its log, status and time: PASS, ENV (passed, environment
# changed), SKIP (the module skipped itself), FAIL, TIMEOUT, CRASH(SIGNAL|rc=N), KISTE (125).
classify()	# LOG RC SECONDS
{
	local log="$1" rc="$2" secs="$3" res
	if awk -v s="$secs" -v t="$TIMEOUT" 'BEGIN { exit !(s >= t) }'  || grep -q "timed out after .* and was killed" "$log"; then
		echo TIMEOUT; return
	fi
	res="$(grep -a '^Tests result: ' "$log" | tail -n 1)"
	res="${res#Tests result: }"
	case "$res" in
	SUCCESS)
		if grep -aq '^1 test skipped' "$log" || grep -aq '^1 test run no tests' "$log"; then
			echo SKIP
		elif grep -aq '^1 test altered the execution environment' "$log"; then
			echo ENV
		else
			echo PASS
		fi
		return ;;
	FAILURE*) echo FAIL; return ;;
	"NO TEST RUN"*) echo SKIP; return ;;
	esac
	if [ "$rc" = 125 ] && grep -aq '^kiste: ' "$log"; then
		echo KISTE
	elif [ "$rc" -gt 128 ] && [ "$rc" -lt 160 ]; then
		echo "CRASH(SIG$(kill -l $((rc - 128)) 2>/dev/null || echo $((rc - 128))))"
	else
		echo "CRASH(rc=$rc)"
	fi
}

# Test ids that ended in FAIL/ERROR, one a line: unittest's summary lines, and the verbose
# "name (id) ... ERROR" lines (the only ones when the run was killed before its summary).
bad_tests()
{
	{
		grep -aoE '^(FAIL|ERROR): [^ ]+ \([^)]+\)' "$1" | sed -E 's/^[A-Z]+: [^ ]+ \(([^)]+)\)/\1/'
		grep -aE '^[^ ]+ \([^)]+\) \.\.\. (FAIL|ERROR)$' "$1" | sed -E 's/^[^ ]+ \(([^)]+)\).*/\1/'
	} | sort -u
}
skipped_tests() { grep -aoE '^[^ ]+ \([^)]+\) \.\.\. skipped .*' "$1" | sed -E 's/^[^ ]+ \(([^)]+)\) \.\.\. skipped (.*)/\1 \2/' | sort -u; }
# The test running when a side died: the last "name (id) ... " line without a verdict.
last_test() { grep -aoE '^[^ ]+ \([^)]+\) \.\.\. ' "$1" | tail -n 1 | sed -E 's/^[^ ]+ \(([^)]+)\).*/\1/'; }

# The tests that differ for one module, into $diffs: FAIL/ERROR only sandboxed (with the
# error line unittest printed), skipped only sandboxed, and where a side died.
record_diff()	# MODULE NATIVE_STATE SHIM_STATE
{
	local m="$1" ns="$2" ss="$3" nl="$OUT/logs/$1.native.log" sl="$OUT/logs/$1.shim.log" t err
	{
		echo "== $m: native $ns, shim $ss"
		comm -13 <(bad_tests "$nl") <(bad_tests "$sl") | while IFS= read -r t; do
			# The last line of that test's traceback: the exception and its message.
			err="$(awk -v id="$t" '
				/^(FAIL|ERROR): / { on = (index($0, "(" id ")") > 0); last = ""; next }
				on && /^(----------|==========)/ { if (last != "") { print last; exit } next }
				on && NF { last = $0 }' "$sl" | cut -c 1-200)"
			echo "  shim only: $t: ${err:-?}"
		done
		comm -13 <(skipped_tests "$nl" | cut -d' ' -f1) <(skipped_tests "$sl" | cut -d' ' -f1) |
			while IFS= read -r t; do
				echo "  skipped only in shim: $(grep -F "$t " <(skipped_tests "$sl") | head -n 1 | cut -c 1-200)"
			done
		case "$ss" in
		TIMEOUT|CRASH*) echo "  shim died ($ss) in: $(last_test "$sl")" ;;
		esac
		case "$ns" in
		TIMEOUT|CRASH*) echo "  native died ($ns) in: $(last_test "$nl")" ;;
		esac
	} >>"$diffs"
}

# Passed natively (cleanly, or with the environment changed) and not as well sandboxed.
regression()	# NATIVE_STATE SHIM_STATE
{
	case "$1:$2" in
	PASS:PASS|ENV:PASS|ENV:ENV) return 1 ;;
	PASS:*|ENV:*) return 0 ;;
	esac
	return 1
}

# INT or TERM: both sides are stopped (and their sandboxes with them), then the run ends.
stopped=""
trap 'stopped=1; kill $(jobs -p) 2>/dev/null' INT TERM

echo "TAP version 13"
echo "# compat: ${#mods[@]} modules of $testdir; $PY $("$PY" -c 'import platform; print(platform.python_version())'); kiste $KISTE"
echo "# per module and side: ${TIMEOUT} s; whole run: ${BUDGET} s; shim: --network none --memory $MEMORY --tmpfs /tmp, rootfs ${R:-/}"
t0=$EPOCHSECONDS
n=0 npass=0 spass=0 regress=0 knownreg=0 both=0 better=0 notrun=0
ntime=0 stime=0 bothpass=0 bntime=0 bstime=0
declare -a rows=()
for m in "${mods[@]}"; do
	n=$((n + 1))
	if [ ! -e "$testdir/$m.py" ] && [ ! -d "$testdir/$m" ]; then
		echo "ok $n - $m # SKIP not in $pkg"
		rows+=("$m|-|-|-|-|missing")
		notrun=$((notrun + 1))
		continue
	fi
	if [ $((EPOCHSECONDS - t0)) -ge "$BUDGET" ]; then
		echo "ok $n - $m # SKIP budget of $BUDGET s spent"
		rows+=("$m|-|-|-|-|not run")
		notrun=$((notrun + 1))
		continue
	fi
	nl="$OUT/logs/$m.native.log" sl="$OUT/logs/$m.shim.log"
	d="$(mktemp -d /tmp/kiste-compat.XXXXXX)" || die "mktemp failed"
	# timeout puts itself in a process group of its own: each side forwards a TERM to it.
	(
		s=$EPOCHREALTIME
		cd "$d" || exit 1
		env -i PATH="$SANDBOX_PATH" HOME="$d" TMPDIR="$d" TERM=xterm \
			timeout -k 10 "$TIMEOUT" "$PY" -m test -v "${ign[@]}" "$m" </dev/null >"$nl" 2>&1 &
		tp=$!
		trap 'kill "$tp" 2>/dev/null; exit 143' TERM
		wait "$tp"
		rc=$?
		echo "$rc $(awk -v a="$s" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }')" >"$nl.rc"
	) &
	(
		s=$EPOCHREALTIME
		timeout -k 10 $((TIMEOUT + 30)) "${shim_run[@]}" --mode=shim --network none --memory "$MEMORY" \
			--tmpfs /tmp --env HOME=/tmp --env TMPDIR=/tmp --cwd /tmp --timeout "$TIMEOUT" \
			-- "$PY" -m test -v "${ign[@]}" "$m" </dev/null >"$sl" 2>&1 &
		tp=$!
		trap 'kill "$tp" 2>/dev/null; exit 143' TERM
		wait "$tp"
		rc=$?
		echo "$rc $(awk -v a="$s" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }')" >"$sl.rc"
	) &
	wait
	rm -rf "$d"
	[ -z "$stopped" ] || { wait; exit 130; }
	read -r nrc nsec <"$nl.rc"
	read -r src ssec <"$sl.rc"
	rm -f "$nl.rc" "$sl.rc"
	ns="$(classify "$nl" "$nrc" "$nsec")"
	ss="$(classify "$sl" "$src" "$ssec")"
	ntime="$(awk -v a="$ntime" -v b="$nsec" 'BEGIN { printf "%.2f", a + b }')"
	stime="$(awk -v a="$stime" -v b="$ssec" 'BEGIN { printf "%.2f", a + b }')"
	desc="$m: native $ns $(printf '%.1f' "$nsec") s, shim $ss $(printf '%.1f' "$ssec") s"
	if [ "$ns" = PASS ] && [ "$ss" = PASS ]; then
		bothpass=$((bothpass + 1))
		bntime="$(awk -v a="$bntime" -v b="$nsec" 'BEGIN { printf "%.2f", a + b }')"
		bstime="$(awk -v a="$bstime" -v b="$ssec" 'BEGIN { printf "%.2f", a + b }')"
	fi
	case "$ns" in PASS|ENV) npass=$((npass + 1)) ;; esac
	case "$ss" in PASS|ENV) spass=$((spass + 1)) ;; esac
	if regression "$ns" "$ss"; then
		record_diff "$m" "$ns" "$ss"
		if [ -n "${known[$m]:-}" ]; then
			echo "not ok $n - $desc # TODO known: ${known[$m]}"
			verdict="known"
			knownreg=$((knownreg + 1))
		else
			echo "not ok $n - $desc"
			verdict="REGRESSION"
			regress=$((regress + 1))
		fi
		sed -n "/^== $m:/,/^== /p" "$diffs" | grep -v '^== ' | sed -n '1,15p' | sed 's/^/# /'
	else
		echo "ok $n - $desc"
		if [ "$ns" = "$ss" ]; then
			verdict="same"
			[ "$ns" = PASS ] || both=$((both + 1))
		else
			verdict="differs"
			record_diff "$m" "$ns" "$ss"
			[ "$ss" = PASS ] && better=$((better + 1))
		fi
	fi
	rows+=("$m|$ns|$ss|$(printf '%.1f' "$nsec")|$(printf '%.1f' "$ssec")|$verdict")
	printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$m" "$ns" "$ss" "$nsec" "$ssec" "$verdict" >>"$results"
done
echo "1..$n"

echo
printf '%-28s %-14s %-14s %9s %9s  %s\n' module native shim native_s shim_s verdict
for r in "${rows[@]}"; do
	IFS='|' read -r m ns ss nsec ssec v <<<"$r"
	printf '%-28s %-14s %-14s %9s %9s  %s\n' "$m" "$ns" "$ss" "$nsec" "$ssec" "$v"
done
if [ -s "$diffs" ]; then
	echo
	echo "Tests that differ (also in $diffs):"
	cat "$diffs"
fi
ran=$((n - notrun))
ratio="$(awk -v a="$stime" -v b="$ntime" 'BEGIN { if (b > 0) printf "%.2fx", a / b; else print "no ratio" }')"
bratio="$(awk -v a="$bstime" -v b="$bntime" 'BEGIN { if (b > 0) printf "%.2fx", a / b; else print "no ratio" }')"
echo
echo "compat: $ran of $n modules run; passed natively $npass, in shim $spass;" \
	"regressions $((regress + knownreg)) ($knownreg known, $regress new);" \
	"time native $(printf '%.0f' "$ntime") s, shim $(printf '%.0f' "$stime") s (${ratio});" \
	"over the $bothpass modules both passed: $(printf '%.0f' "$bntime") s, $(printf '%.0f' "$bstime") s (${bratio});" \
	"wall $((EPOCHSECONDS - t0)) s"
[ "$regress" -eq 0 ]
