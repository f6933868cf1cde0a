#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# init.sh - /init of the test VM: loads kiste.ko, runs every suite in /vm-tests, reports.

. /vm-lib.sh

vm_mount
vm_say "init start kernel $(uname -r)"
vm_debug_checks && vm_debug_begin

if vm_load_modules; then
	cd /vm-tests || exit 1
	for f in /vm-tests/*; do
		name="${f##*/}"
		[ -f "$f" ] || continue
		# Helpers that suites call, not suites themselves.
		case "$name" in
		*-helper | *.helper | *.txt | *.json | *.so) continue ;;
		esac
		case "$name" in
		*.sh) vm_run_suite "$name" sh "$f" ;;
		*) [ -x "$f" ] && vm_run_suite "$name" "$f" ;;
		esac
		cd /vm-tests || break
	done
	cd /
	vm_run_suite vm-rmmod sh /vm-run/rmmod.sh
fi
vm_debug_checks && vm_debug_end
vm_report
