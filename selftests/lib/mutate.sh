#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# mutate.sh - `make mutate`: each security check's test must fail against a build without that check.
#
# Usage: mutate.sh [NAME...]   (default: every mutation in mutations.tsv)
#
# mutations.tsv has one mutation per line, tab-separated:
#   NAME  FILE  PERL-SUBSTITUTION  SUITES  WHAT
# FILE is relative to the repository; the substitution (perl -pe) removes or
# weakens one protection and must change the file (a stale anchor is a
# failure of its own); SUITES are host suites (names in build/host-tests/,
# comma-separated) that must then fail.  The tree is copied once to a scratch
# folder and built there; each mutation is applied, built incrementally, run,
# and undone, so the repository and its build/ are never touched.
# Prints TAP (one result per mutation: caught or not) and the summary.
set -uo pipefail

top="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
table="$top/selftests/lib/mutations.tsv"
tap_count="$top/selftests/lib/tap-count"
work="${KISTE_MUTATE_DIR:-/tmp/kiste-mutate}"
tree="$work/tree"
log="$work/log"

die() { echo "mutate: $*" >&2; exit 2; }

[ -r "$table" ] || die "no $table"
rm -rf "$work"
mkdir -p "$tree" "$log" || die "cannot create $work"
# The tracked files only: a mutation run never sees (or writes) the caller's build/.
(cd "$top" && git ls-files -z | xargs -0 tar cf -) | (cd "$tree" && tar xf -) ||
	die "cannot copy the tree"
echo "# building the unmutated tree in $tree"
if ! make -C "$tree" -s userspace selftests >"$log/base.log" 2>&1; then
	tail -20 "$log/base.log"
	die "the unmutated tree does not build (log: $log/base.log)"
fi

# A suite's failures (tap-count's second number), or 1 when it could not run at all.
suite_failures()	# SUITE LOGFILE
{
	local f="$tree/build/host-tests/$1" rc

	[ -x "$f" ] || { echo "suite $1 is not in build/host-tests" >"$2"; echo 1; return; }
	(cd "$tree/build/host-tests" && timeout -k 10 600 "./$1") </dev/null >"$2" 2>&1
	rc=$?
	"$tap_count" --rc "$rc" "$2" | awk '{ print $2 }'
}

echo "TAP version 13"
n=0
caught=0
missed=0
while IFS=$'\t' read -r name file subst suites what; do
	case "$name" in '' | '#'*) continue ;; esac
	if [ $# -gt 0 ] && ! printf '%s\n' "$@" | grep -qxF -- "$name"; then
		continue
	fi
	n=$((n + 1))
	src="$tree/$file"
	cp -p "$src" "$log/$name.orig" || die "no file $file for $name"
	perl -pi -e "$subst" "$src"
	if cmp -s "$src" "$log/$name.orig"; then
		echo "not ok $n - $name: the substitution did not change $file (stale anchor)"
		missed=$((missed + 1))
		continue
	fi
	hit=""
	if make -C "$tree" -s userspace selftests >"$log/$name.build" 2>&1; then
		for s in ${suites//,/ }; do
			f=$(suite_failures "$s" "$log/$name.$s.log")
			[ "$f" -gt 0 ] && hit+="$s "
		done
	else
		hit="(the mutated tree did not build) "
	fi
	cp -p "$log/$name.orig" "$src"
	touch "$src"
	if [ -n "$hit" ] && [ "${hit#(}" = "$hit" ]; then
		echo "ok $n - $name: caught by ${hit% } ($what)"
		caught=$((caught + 1))
	else
		echo "not ok $n - $name: NOT caught by $suites ($what) ${hit}"
		missed=$((missed + 1))
	fi
done <"$table"
echo "1..$n"
# Leave the scratch tree built as it was: a later run starts clean anyway.
make -C "$tree" -s userspace selftests >/dev/null 2>&1
echo "# mutations: $n, caught: $caught, not caught: $missed (logs: $log)"
[ "$missed" -eq 0 ]
