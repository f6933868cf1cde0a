#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# mkman.sh - kiste.1 from the built kiste's own --help texts: `mkman.sh KISTE > kiste.1`.
#
# The help texts are the one source: the synopsis and description are the
# first lines of `kiste --help`, each command's section is `kiste CMD --help`
# (for sandbox and policy, each subcommand or mode too), set as it is printed.
set -eu
k="$1"
version=$("$k" version | sed -n '1s/^kiste //p')

# Text as roff shows it verbatim: backslashes doubled, a leading . or ' escaped.
roff()
{
	sed -e 's/\\/\\e/g' -e "s/^\\([.']\\)/\\\\\\&\\1/"
}

# One help text as a preformatted block.
block()
{
	echo ".nf"
	roff
	echo ".fi"
}

help=$("$k" --help)
cmds=$(printf '%s\n' "$help" | awk '/^Commands:/ { f = 1; next } f && /^  [a-z]/ { print $1 } f && /^$/ { exit }')
[ -n "$cmds" ] || { echo "mkman.sh: no commands in '$k --help'" >&2; exit 1; }

cat <<HEAD
.TH KISTE 1 "" "kiste $version" "User Commands"
.SH NAME
kiste \\- run untrusted workloads in shim, vm or unikernel sandboxes; an OCI runtime
.SH SYNOPSIS
HEAD
printf '%s\n' "$help" | sed -n '1s/^Usage: //p' | roff
echo ".SH DESCRIPTION"
printf '%s\n' "$help" | sed -n '3p' | roff
cat <<'MID'
.PP
Each command below is shown as its own \fB\-\-help\fR prints it.
.SH COMMANDS
MID
for c in $cmds; do
	summary=$(printf '%s\n' "$help" | awk -v c="$c" '$1 == c { $1 = ""; sub(/^ +/, ""); print; exit }')
	printf '.SS "kiste %s"\n' "$c"
	printf '%s\n' "$summary" | roff
	echo ".PP"
	"$k" "$c" --help | block
	case "$c" in
	sandbox)
		for s in create list kill delete; do
			echo ".PP"
			"$k" sandbox "$s" --help | block
		done
		;;
	policy)
		for m in shim vm; do
			echo ".PP"
			"$k" policy "$m" --help | block
		done
		;;
	esac
done
echo ".SH GLOBAL OPTIONS"
printf '%s\n' "$help" | sed -n '/^Global options/,/^$/p' | sed '1d' | block
echo ".SH EXIT STATUS"
"$k" run --help | sed -n '/^Exit status:/,/^$/p' | roff
cat <<'TAIL'
.SH FILES
.TP
.B /dev/kiste
the kiste.ko device; the generic-netlink family \fBkiste\fR is its other interface
.TP
.B /run/kiste
the containers' state (the OCI verbs' default \fB\-\-root\fR)
.TP
.B /etc/subuid, /etc/subgid
an ordinary user's subordinate ids: each shim-mode sandbox of the user maps its ids
1 to 65535 onto a slice of 65536 of them of its own, through \fBnewuidmap\fR(1) and
\fBnewgidmap\fR(1) (Debian's uidmap package); without a range, only the user's own id is
mapped.  As root, \fBkiste\-subids\fR [\fB\-\-count\fR \fIN\fR] \fIUSER\fR gives a user a free
range once (524288 ids: eight sandboxes at once); \fBkiste check\fR says which applies
.TP
.B ~/.local/state/kiste/ids
the locks that hold an ordinary user's slices while its sandboxes run
.TP
.B /run/kiste\-ids
the locks that hold the ranges of the sandboxes root runs
.SH SEE ALSO
.BR runc (8),
.BR podman (1),
.BR newuidmap (1),
.BR subuid (5),
.BR seccomp (2),
.BR landlock (7)
TAIL
