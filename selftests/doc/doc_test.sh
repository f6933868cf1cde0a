#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# doc_test.sh - the man page and bash completion the build made from kiste's --help texts.
# kiste-suite: host doc_test.sh
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=selftests/lib/tap.sh
. "$here/tap.sh"
K="$here/../bin/kiste"
page="$here/../doc/kiste.1"
comp="$here/../doc/kiste.bash"
[ -x "$K" ] || bail "no $K: build it (make)"
if [ ! -s "$page" ] || [ ! -s "$comp" ]; then
	bail "no $page or $comp: build them (make userspace)"
fi

cmds=$("$K" --help | awk '/^Commands:/ { f = 1; next } f && /^  [a-z]/ { print $1 } f && /^$/ { exit }')
missing=""
for c in $cmds; do
	grep -qx ".SS \"kiste $c\"" "$page" || missing="$missing $c"
done
[ -n "$cmds" ] && [ -z "$missing" ]
result $? "the man page has a section for every command kiste --help lists" "missing:$missing"
missing=""
for o in $("$K" run --help | grep -o -- '--[a-z][a-z-]*' | sort -u); do
	grep -q -- "\\\\-\\\\-${o#--}\|${o}" "$page" || missing="$missing $o"
done
[ -z "$missing" ]
result $? "every option of kiste run --help is in the man page" "missing:$missing"
grep -q '^\.SH EXIT STATUS' "$page" && grep -q '128+N' "$page"
result $? "the man page has the exit status section"
if command -v groff >/dev/null; then
	warn=$(groff -man -ww -z "$page" 2>&1)
	[ -z "$warn" ]
	result $? "groff reads the man page without a warning" "$warn"
else
	skip "groff reads the man page without a warning" "no groff"
fi

bash -n "$comp"
result $? "the completion script is valid bash"
# Completes as bash would, with this build's kiste first on PATH.
complete_words()	# WORD...: the candidates for the last word
{
	PATH="$(dirname "$K"):$PATH" bash -c '
		complete() { :; }
		. "$1"; shift
		COMP_WORDS=("$@")
		COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
		_kiste
		printf "%s\n" "${COMPREPLY[@]}"' sh "$comp" "$@" 2>&1 | sort | tr '\n' ' '
}
got=$(complete_words kiste sy)
[ "$got" = "syscalls " ]
result $? "kiste sy<TAB> completes to syscalls" "got '$got'"
got=$(complete_words kiste run --mode "")
[ "$got" = "shim unikernel vm " ]
result $? "kiste run --mode <TAB> offers the three modes" "got '$got'"
got=$(complete_words kiste run --mode=s)
[ "$got" = "--mode=shim " ]
result $? "kiste run --mode=s<TAB> completes to --mode=shim" "got '$got'"
got=$(complete_words kiste run --tm)
[ "$got" = "--tmpfs " ]
result $? "kiste run --tm<TAB> completes to --tmpfs" "got '$got'"
got=$(complete_words kiste policy "")
case "$got" in
*shim*unikernel*vm*) ok "kiste policy <TAB> offers the modes" ;;
*) fail "kiste policy <TAB> offers the modes" "got '$got'" ;;
esac
got=$(complete_words kiste --root /tmp sand)
[ "$got" = "sandbox " ]
result $? "a global option's value is skipped before the command" "got '$got'"

# make install into a DESTDIR with another PREFIX: the binary, the man page and the
# completion this suite checked, the mode wrappers, and containerd's snippet naming them
# under that PREFIX.  From the source tree of this build only (the plain one: the ASan
# build's tree is the same and its install would build the plain binary meanwhile).
top=$(git -C "$here" rev-parse --show-toplevel 2>/dev/null)
if [ -n "$top" ] && [ "$here" = "$top/build/host-tests" ]; then
	dest=$(mktemp -d)
	out=$(make -s -C "$top" install DESTDIR="$dest" PREFIX=/opt/kiste-t 2>&1 | grep -v 'statically linked\|in function')
	p="$dest/opt/kiste-t"
	cmp -s "$p/share/man/man1/kiste.1" "$page" && cmp -s "$p/share/bash-completion/completions/kiste" "$comp" &&
		[ -x "$p/bin/kiste" ] && [ -x "$p/bin/kiste-runtime-vm" ] &&
		[ "$(grep -c 'BinaryName = "/opt/kiste-t/bin/kiste-runtime-' "$p/share/kiste/containerd/kiste.toml")" = 3 ] &&
		[ -f "$dest/etc/kiste/runtime.conf" ] &&
		KISTE_CONFIG="$dest/etc/kiste/runtime.conf" "$p/bin/kiste" check |
		grep -qx "oci default mode: *shim (no mode line in $dest/etc/kiste/runtime.conf)"
	result $? "make install DESTDIR PREFIX: binary, man page, completion, wrappers, containerd's snippet, runtime.conf" \
		"$out $(find "$dest" -maxdepth 6 | head -20)"
	rm -rf "$dest"
else
	skip "make install DESTDIR PREFIX" "not the plain build of a git tree ($here)"
fi
t_done
