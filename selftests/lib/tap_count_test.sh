#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# tap_count_test.sh - tap-count against fake suite outputs (plans, directives, exit codes), and tap.sh's calls.
# kiste-suite: host tap_count_test.sh
#
# Every count `make check` prints rests on tap-count; each case here is a TAP
# output a broken suite could produce, with the count it must give.
# TAP_COUNT names the tap-count to test (default: the build's copy beside this).

here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=selftests/lib/tap.sh
. "$here/tap.sh"
tc="${TAP_COUNT:-$here/lib/tap-count}"
[ -x "$tc" ] || skip_all "no tap-count at $tc"

# case NAME "P F S" [--rc N] <<EOF ... EOF: the TAP on stdin must count as P F S.
case_()
{
	c_name="$1"
	c_want="$2"
	shift 2
	c_got=$("$tc" "$@" 2>/dev/null)
	if [ "$c_got" = "$c_want" ]; then
		ok "$c_name ($c_want)"
	else
		fail "$c_name" "counted '$c_got', wanted '$c_want'"
	fi
}

case_ "plan first, all pass" "3 0 0" <<'EOF'
TAP version 13
1..3
ok 1 a
ok 2 b
ok 3 c
EOF
case_ "plan last, all pass" "2 0 0" <<'EOF'
ok 1 - a
ok 2 - b
1..2
EOF
case_ "1..5 with one ok: four missing results fail" "1 4 0" <<'EOF'
1..5
ok 1 a
EOF
case_ "results past the plan fail" "2 2 0" <<'EOF'
1..2
ok 1 a
ok 2 b
ok 3 c
ok 4 d
EOF
case_ "no plan is a failure" "2 1 0" <<'EOF'
ok 1 a
ok 2 b
EOF
case_ "a plan between results is a failure" "2 1 0" <<'EOF'
ok 1 a
1..2
ok 2 b
EOF
case_ "a second plan is a failure" "1 1 0" <<'EOF'
1..1
ok 1 a
1..1
EOF
case_ "'#skip' inside a description is no directive" "0 1 0" <<'EOF'
1..1
not ok 1 parse '#skip' option
EOF
case_ "'# TODO' text glued to a word is no directive" "0 1 0" <<'EOF'
1..1
not ok 1 issue#TODO list
EOF
case_ "an escaped \\# is description" "0 1 0" <<'EOF'
1..1
not ok 1 a \# SKIP b
EOF
case_ "ok ... # SKIP is a skip" "1 0 1" <<'EOF'
1..2
ok 1 a # SKIP no kvm
ok 2 b
EOF
case_ "kselftest's 'ok N # SKIP' is a skip" "0 0 1" <<'EOF'
1..1
ok 1 # SKIP no /dev/kvm
EOF
case_ "directives in any case, 'skipped' too" "0 0 2" <<'EOF'
1..2
ok 1 a # skip reason
ok 2 b #Skipped: reason
EOF
case_ "not ok ... # TODO is a skip" "0 0 1" <<'EOF'
1..1
not ok 1 known bug # TODO fix the frobnicator
EOF
case_ "not ok with another comment is a failure" "0 1 0" <<'EOF'
1..1
not ok 1 a # exit 3, wanted 0
EOF
case_ "a directive is read from the first ' #' only" "1 0 0" <<'EOF'
1..1
ok 1 a # note # SKIP
EOF
case_ "SKIP as part of a word is no directive" "0 1 0" <<'EOF'
1..1
not ok 1 a # SKIPJACK
EOF
case_ "indented and '# ok' lines are not results" "1 0 0" <<'EOF'
1..1
    not ok 1 nested
# not ok 2 commentary
ok 1 a
EOF
case_ "1..0 # SKIP is one skip" "0 0 1" --rc 4 <<'EOF'
1..0 # SKIP no /dev/kvm
EOF
case_ "1..0 without SKIP is a failure" "0 1 0" --rc 0 <<'EOF'
1..0
EOF
case_ "Bail out! is a failure" "1 1 0" <<'EOF'
ok 1 a
Bail out! no module
EOF
case_ "Bail out! after a plan: missing results fail too" "0 4 0" --rc 1 <<'EOF'
1..3
Bail out! no module
EOF
case_ "no output, exit 0, is a failure" "0 1 0" --rc 0 </dev/null
case_ "no output, exit 4, is a skip" "0 0 1" --rc 4 </dev/null
case_ "exit 1 with only passes adds a failure" "2 1 0" --rc 1 <<'EOF'
1..2
ok 1 a
ok 2 b
EOF
case_ "exit 1 with a failure adds nothing" "1 1 0" --rc 1 <<'EOF'
1..2
ok 1 a
not ok 2 b
EOF
case_ "carriage returns are ignored" "1 0 0" <<EOF
1..1$(printf '\r')
ok 1 a$(printf '\r')
EOF

# tap.sh's own calls, each in a fresh shell, counted the same way (with its exit status).
tap_case()	# NAME "P F S" SHELL-CODE
{
	tc_out=$(sh -c ". '$here/tap.sh'; $3; t_done" 2>&1)
	case_ "$1" "$2" --rc $? <<EOF
$tc_out
EOF
}
tap_case "expect_not: a probe that fails to run fails" "0 1 0" 'expect_not "probe" 0 "secret" false'
tap_case "expect_not: status and output as wanted" "1 0 0" 'expect_not "probe" 0 "secret" echo public'
tap_case "expect: another status fails" "0 1 0" 'expect "probe" 0 "" false'
tap_case "a name holding '# SKIP' stays a pass" "1 0 0" 'ok "a # SKIP b"'
# shellcheck disable=SC2016 # the fresh shell expands it
tap_case "a diagnostic cannot pass for a result" "0 1 0" 'fail "a" "$(printf "why\nok 9 - fake")"'
tap_case "result and skip" "1 1 1" 'result 0 "a"; result 1 "b"; skip "c" "why"'
tap_case "skip_all is one skip (exit 4)" "0 0 1" 'skip_all "nothing here"'
t_done
