# SPDX-License-Identifier: GPL-2.0
# podman_lib.sh - rootful podman of a suite's own: its configuration below one folder, a busybox image.
# shellcheck shell=bash disable=SC2034 # T_RC and T_OUT are for the sourcing suite
#
# Sourced after tap.sh (bail) by oci_podman.sh and selftests/bench/oci-bench.sh, with $K
# (kiste) and $BB (busybox-static) set, $RUNC (runc, or empty) before pm is called.
# podman gets a containers.conf and a storage.conf of its own (CONTAINERS_CONF,
# CONTAINERS_STORAGE_CONF): storage, run and temporary folders below $tmp, nothing of
# the host's /etc, /var or /run but kiste's state (/run/kiste, podman passes no --root)
# and the cgroups.  Sets tmp and IMG (busybox-static imported with `podman import`, no
# registry); removes containers, images and the folder on exit.

tmp=$(mktemp -d)
chmod 755 "$tmp"
cleanup()
{
	pm_all rm -af >/dev/null 2>&1 || true
	pm_all rmi -af >/dev/null 2>&1 || true
	# podman's overlay mounts below the suite's folder go before the folder does.
	{ grep -o " $tmp/[^ ]*" /proc/self/mounts || true; } | sort -r |
		while read -r m; do umount -l "$m"; done
	rm -rf "$tmp"
}
trap cleanup EXIT

# podman's own configuration: what these machines need (DESIGN.md, Test rig),
# everything it writes below $tmp, no network beyond loopback by default.
mkdir -p "$tmp/graph" "$tmp/run" "$tmp/libpod" "$tmp/volumes" "$tmp/cni" "$tmp/imgtmp"
cat >"$tmp/containers.conf" <<EOF
[containers]
default_ulimits = []
netns = "none"
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$tmp/events.log"
tmp_dir = "$tmp/libpod"
volume_path = "$tmp/volumes"
static_dir = "$tmp/graph/libpod"
image_copy_tmp_dir = "$tmp/imgtmp"
[network]
network_config_dir = "$tmp/cni"
EOF
cat >"$tmp/storage.conf" <<EOF
[storage]
driver = "overlay"
graphroot = "$tmp/graph"
runroot = "$tmp/run"
EOF
export CONTAINERS_CONF="$tmp/containers.conf" CONTAINERS_STORAGE_CONF="$tmp/storage.conf"
export TMPDIR="$tmp/imgtmp"
unset CONTAINERS_REGISTRIES_CONF

pm_all()	# ARGS: podman with the suite's configuration, no runtime chosen
{
	podman "$@"
}

# Runs podman with runtime kiste|runc; output (stdout and stderr) in T_OUT, status in T_RC;
# its stdin is $PM_IN (empty when unset).
pm()	# kiste|runc ARGS...
{
	local rt="$1" out
	shift
	[ "$rt" = kiste ] && rt="$K" || rt="$RUNC"
	out=$(mktemp "$tmp/out.XXXXXX")
	# A hang is a failure, not the end of the suite (podman passes TERM on to the container).
	printf '%s' "${PM_IN:-}" | timeout -s KILL 60 podman --runtime "$rt" "$@" >"$out" 2>&1
	T_RC=$?
	T_OUT=$(cat "$out")
}

# The image: busybox-static, its applets, root in /etc/passwd, PATH set.
IMG=localhost/kiste-busybox:test
mkdir -p "$tmp/img/bin" "$tmp/img/etc" "$tmp/img/tmp" "$tmp/img/proc" "$tmp/img/dev" \
	"$tmp/img/sys"
cp "$BB" "$tmp/img/bin/busybox"
for a in $("$BB" --list); do
	[ "$a" = busybox ] || ln -s busybox "$tmp/img/bin/$a"
done
echo 'root:x:0:0:root:/root:/bin/sh' >"$tmp/img/etc/passwd"
echo 'root:x:0:' >"$tmp/img/etc/group"
chmod 1777 "$tmp/img/tmp"
if ! tar -C "$tmp/img" -c . | podman import --change 'ENV PATH=/bin' - "$IMG" >"$tmp/import.out" 2>&1
then
	bail "podman import failed: $(tail -3 "$tmp/import.out")"
fi
