#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Runs every host test in BUILD_DIR/host-tests (TAP passes through); fails if any test fails.
set -u

if [ $# -ne 1 ] || [ ! -d "$1/host-tests" ]; then
	echo "usage: $0 BUILD_DIR (with BUILD_DIR/host-tests built: make -C userspace)" >&2
	exit 2
fi
build=$(cd "$1" && pwd)
KISTE_BIN=${KISTE_BIN:-$build/bin/kiste}
export KISTE_BIN

failed=0
ran=0
for t in "$build"/host-tests/*; do
	{ [ -f "$t" ] && [ -x "$t" ]; } || continue
	ran=$((ran + 1))
	echo "# host test: $(basename "$t")"
	if ! "$t"; then
		echo "# FAILED: $(basename "$t")"
		failed=$((failed + 1))
	fi
done
if [ "$ran" -eq 0 ]; then
	echo "# no host tests in $build/host-tests: build them with make -C userspace" >&2
	exit 1
fi
echo "# host tests: $ran run, $failed failed"
[ "$failed" -eq 0 ]
