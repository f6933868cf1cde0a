#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# check-shell.sh - `make shellcheck`: every shell script of the tree through shellcheck; fails on any finding.
#
# The scripts: every *.sh, and every other file whose first line is a shell's
# #! (tap-count, .ci/run, kiste-uk-cc.in), among the files git tracks (or, out
# of a git checkout, all files but build/).  Run from the top of the tree, so
# "# shellcheck source=selftests/..." directives resolve; .shellcheckrc there
# holds the options every script shares.
set -uo pipefail

top="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$top" || exit 1
command -v shellcheck >/dev/null || { echo "shellcheck: not installed: make deps"; exit 1; }

list_files()
{
	if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
		git ls-files --cached --others --exclude-standard
	else
		find . -path ./build -prune -o -path ./.git -prune -o -type f -print | sed 's|^\./||'
	fi
}

scripts=()
while IFS= read -r f; do
	[ -f "$f" ] || continue
	case "$f" in
	*.sh) scripts+=("$f"); continue ;;
	esac
	if head -n 1 "$f" 2>/dev/null | grep -qE '^#![[:space:]]*(/usr)?/bin/(env[[:space:]]+)?(ba|da|a)?sh([[:space:]]|$)'; then
		scripts+=("$f")
	fi
done < <(list_files)
[ ${#scripts[@]} -gt 0 ] || { echo "shellcheck: no shell scripts found"; exit 1; }

if shellcheck -x "${scripts[@]}"; then
	echo "shellcheck: clean (${#scripts[@]} scripts)"
else
	echo "shellcheck: findings above (${#scripts[@]} scripts checked)"
	exit 1
fi
