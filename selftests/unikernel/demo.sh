#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# demo.sh - the unikernel part of `make demo`: hello and the key-value store, both isolations.
#
# Usage: demo.sh BUILD_DIR   (vm isolation is shown only where /dev/kvm opens)
set -u
build=${1:?usage: demo.sh BUILD_DIR}
kiste=$build/bin/kiste
uk=$build/unikernel
img=$(mktemp /tmp/kiste-demo-kv.XXXXXX)
trap 'rm -f "$img"' EXIT
truncate -s 64K "$img"
isos=process
if [ -c /dev/kvm ] && : 2>/dev/null <>/dev/kvm; then
	isos="process vm"
fi
for iso in $isos; do
	echo "\$ kiste run --mode=unikernel --isolation=$iso hello demo args"
	"$kiste" run --mode=unikernel --isolation="$iso" "$uk/hello" demo args || exit 1
	echo "\$ kiste run --mode=unikernel --isolation=$iso --block storage=$img kv put city-$iso Basel"
	"$kiste" run --mode=unikernel --isolation="$iso" --block storage="$img" "$uk/kv" \
		put "city-$iso" Basel || exit 1
done
echo "\$ kiste run --mode=unikernel --block storage=$img kv list"
"$kiste" run --mode=unikernel --block storage="$img" "$uk/kv" list || exit 1
echo "\$ kiste policy unikernel kv --block storage=$img | head -n 2"
"$kiste" policy unikernel "$uk/kv" --block storage="$img" | head -n 2
