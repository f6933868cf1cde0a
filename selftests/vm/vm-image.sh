# SPDX-License-Identifier: GPL-2.0
# vm-image.sh - run-vm.sh's first part: the test VM's initramfs (busybox, /init, suites, modules, libraries).
# shellcheck shell=bash disable=SC2154,SC2034 # variables run-vm.sh sets, and the parts after it read
#
# Sourced by run-vm.sh, whose options it reads; vm_image_build leaves $kernel
# (the image qemu boots), $work, $initramfs and $skipped_suites ("NAME=REASON"
# for each --skip-suite match) for the parts after it.
#
# The image tree is a folder on the host full of busybox's absolute applet
# links (/bin/sh -> /bin/busybox): a copy into it that followed one would
# write into the host.  So every file goes in through img_put, which removes
# the destination first and refuses a destination folder that resolves
# outside the tree; folders are copied only into fresh ones.

# Resolves the kernel (and, with --kernel-image, its build tree) and checks the inputs.
vm_image_inputs()
{
	ktree=""
	if [ -n "$kernel_image" ]; then
		kernel="$kernel_image"
		[ -r "$kernel" ] || die "no kernel image $kernel: build it (selftests/vm/debug-kernel.sh)"
		ktree="$(cd "$(dirname "$kernel")" && pwd)"
		if [ -z "$kver" ] && [ -r "$ktree/include/config/kernel.release" ]; then
			kver="$(cat "$ktree/include/config/kernel.release")"
		fi
	else
		kernel="/boot/vmlinuz-$kver"
		[ -r "$kernel" ] || die "no kernel $kernel: install linux-image-$kver (make deps)"
	fi
	[ -r "$module" ] || die "no module $module: run 'make module' first"
	[ -r "$init_script" ] || die "no init script $init_script"
	command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86_64 missing: make deps"
	busybox=$(command -v busybox || true)
	if [ -z "$busybox" ] || ldd "$busybox" >/dev/null 2>&1; then
		die "a static busybox is needed: apt-get install busybox-static"
	fi
	build="$(cd "$build" && pwd)"
	[ -n "$work" ] || work="$build/vm"
	mkdir -p "$work"
	work="$(cd "$work" && pwd -P)"
	root="$work/root"
}

# Copies host file SRC to DST inside the image (MODE, default SRC's), never through a link.
img_put()	# SRC DST [MODE]
{
	local src="$1" dst="$root$2" dir have

	dir="$(dirname "$dst")"
	# The nearest folder that exists must be the image's before mkdir -p goes on from it.
	have="$dir"
	while [ ! -e "$have" ] && [ ! -L "$have" ]; do
		have="$(dirname "$have")"
	done
	case "$(cd "$have" 2>/dev/null && pwd -P)" in
	"$root" | "$root"/*) ;;
	*) die "image path $2 would leave the image (through $have)" ;;
	esac
	mkdir -p "$dir"
	rm -rf "$dst"
	cp -L "$src" "$dst"
	[ -z "${3:-}" ] || chmod "$3" "$dst"
}

# busybox with its applet links, /init, the runner's own scripts, kiste.ko, kiste.
vm_image_base()
{
	local applet f

	rm -rf "$work"
	mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,etc,lib/modules/kiste,vm-tests,vm-run,root,tmp} \
		"$work/suites"
	cp "$busybox" "$root/bin/busybox"
	for applet in $("$busybox" --list-full); do
		[ -e "$root/$applet" ] || ln -s /bin/busybox "$root/$applet"
	done
	img_put "$init_script" /init 755
	img_put "$here/vm-lib.sh" /vm-lib.sh 644
	img_put "$here/rmmod.sh" /vm-run/rmmod.sh 755
	img_put "$module" /lib/modules/kiste/kiste.ko 644
	if [ -x "$build/bin/kiste" ]; then
		img_put "$build/bin/kiste" /bin/kiste 755
	fi
	# vm mode's --rootfs DIR becomes an erofs image (its libraries: vm_image_libs).
	if [ -x /usr/bin/mkfs.erofs ]; then
		img_put /usr/bin/mkfs.erofs /usr/bin/mkfs.erofs 755
	fi
	# vm mode's --network pasta runs passt, which re-executes itself as
	# passt.avx2 on a CPU with AVX2; regular files only, never a link's target.
	for f in /usr/bin/passt /usr/bin/passt.avx2; do
		if [ -f "$f" ] && [ ! -L "$f" ]; then
			img_put "$f" "$f" 755
		fi
	done
	# iproute2's ip and tc beside busybox's (which cannot move a link to another
	# namespace): vm mode's --network ns:PATH case builds a veth pair with them.
	# Debian has ip in /usr/bin (/usr/sbin/ip is a link) and tc in /usr/sbin: the
	# first regular file of the two, never a link's target.
	for f in ip tc; do
		for d in /usr/bin /usr/sbin; do
			if [ -f "$d/$f" ] && [ ! -L "$d/$f" ]; then
				img_put "$d/$f" "/usr/libexec/iproute2/$f" 755
				break
			fi
		done
	done
	[ "$debug_checks" -eq 1 ] && touch "$root/etc/kiste-debug-checks"
	return 0
}

# DIR/vm-tests and the list init.sh runs; --skip-suite drops a listed suite.
vm_image_suites()
{
	local name spec glob listed=() kept=()

	skipped_suites=()
	if [ "$no_suites" -eq 0 ]; then
		[ -d "$build/vm-tests" ] && cp -a "$build/vm-tests/." "$root/vm-tests/"
		mapfile -t listed < <("$top/selftests/lib/suites.sh" vm)
		[ ${#listed[@]} -gt 0 ] || die "no suite is marked 'kiste-suite: vm' in $top/selftests"
	fi
	for name in "${listed[@]}"; do
		for spec in "${skip_specs[@]}"; do
			glob="${spec%%=*}"
			# shellcheck disable=SC2254 # GLOB is a pattern by design
			case "$name" in
			$glob)
				rm -rf "${root:?}/vm-tests/$name"
				skipped_suites+=("$name=${spec#*=}")
				echo "run-vm.sh: SKIP suite $name: ${spec#*=}"
				continue 2
				;;
			esac
		done
		kept+=("$name")
	done
	rm -f "$root/etc/kiste-suites"
	printf '%s\n' "${kept[@]}" >"$root/etc/kiste-suites"
	# Every script of the image finds tap.sh beside it.
	img_put "$top/selftests/lib/tap.sh" /tap.sh 644
	img_put "$top/selftests/lib/tap.sh" /vm-run/tap.sh 644
	img_put "$top/selftests/lib/tap.sh" /vm-tests/tap.sh 644
}

# --extra-file SRC:DST (a guest kernel for vm mode, demo tools) and DIR/vm-tools.
vm_image_extra()
{
	local spec src dst

	for spec in "${extra_files[@]}"; do
		src="${spec%%:*}"
		dst="${spec#*:}"
		[ -r "$src" ] || die "--extra-file: cannot read $src"
		img_put "$src" "$dst"
	done
	if [ -d "$build/vm-tools" ]; then
		cp -a --remove-destination "$build/vm-tools/." "$root/bin/"
	fi
}

# A module of the --kernel-image tree: prints its .ko; fails printing nothing
# when it is built in, "missing" when the tree has it neither way.
tree_kmod()
{
	local name="${1//-/_}" f

	if [ -r "$ktree/modules.builtin" ] &&
	   tr '-' '_' <"$ktree/modules.builtin" | grep -q "/$name\.ko\$"; then
		echo "run-vm.sh: $1 is built into $kernel" >&2
		return 1
	fi
	if [ -r "$ktree/modules.order" ]; then
		while read -r f; do
			f="${f%.o}.ko"
			f="${f#kernel/}"
			case "$(basename "$f" .ko | tr '-' '_')" in
			"$name") [ -r "$ktree/$f" ] && { echo "$ktree/$f"; return 0; } ;;
			esac
		done <"$ktree/modules.order"
	fi
	echo "missing"
	return 1
}

# Kernel modules kiste.ko (or --extra-modules) need, dependencies first.
declare -A mod_done=()
add_kmod()
{
	local name="$1" path dep out

	[ -n "${mod_done[$name]:-}" ] && return 0
	mod_done[$name]=1
	if [ -n "$ktree" ]; then
		if ! path=$(tree_kmod "$name"); then
			[ -z "$path" ] && return 0	# built in
			die "module $name is neither built into $kernel nor built in $ktree"
		fi
	else
		path=$(modinfo -k "$kver" -n "$name" 2>/dev/null) || die "module $name not found for $kver"
	fi
	for dep in $(modinfo -F depends "$path" | tr ',' ' '); do
		add_kmod "$dep"
	done
	out="$root/lib/modules/kiste/$name.ko"
	rm -f "$out"
	case "$path" in
	*.xz) xz -dc "$path" >"$out" ;;
	*.zst) zstd -qdc "$path" >"$out" ;;
	*.gz) gzip -dc "$path" >"$out" ;;
	*) cp "$path" "$out" ;;
	esac
	echo "$name" >>"$root/lib/modules/kiste/deps"
}

vm_image_kmods()
{
	local dep

	# shellcheck disable=SC2086 # --extra-modules is a space-separated list
	for dep in $(modinfo -F depends "$module" | tr ',' ' ') $extra_modules; do
		add_kmod "$dep"
	done
}

# A guest kernel's module NAME and what it depends on, at their /lib/modules/VER paths.
declare -A guest_mod_done=()
add_guest_kmod()	# VER NAME
{
	local ver="$1" name="$2" path dep

	[ -n "${guest_mod_done[$ver/$name]:-}" ] && return 0
	guest_mod_done[$ver/$name]=1
	path=$(modinfo -k "$ver" -n "$name" 2>/dev/null) || die "module $name not found for $ver"
	[ "$path" = "(builtin)" ] && return 0
	case "$path" in
	/lib/modules/"$ver"/*) ;;
	*) die "module $name of $ver is at $path, outside /lib/modules/$ver" ;;
	esac
	# The image gets regular files only, never a link's target on the host.
	if [ ! -f "$path" ] || [ -L "$path" ]; then
		die "module $path is not a regular file"
	fi
	for dep in $(modinfo -F depends "$path" | tr ',' ' '); do
		add_guest_kmod "$ver" "$dep"
	done
	img_put "$path" "$path" 644
}

# For each guest kernel an --extra-file puts at /boot/vmlinuz-VER whose modules the host
# has: the modules `kiste run --mode=vm --block`, `--rootfs` and `--network` pack (virtio_pci,
# virtio_blk, crc32c_generic, erofs, overlay, virtio_net), with
# modules.dep and modules.builtin, at /lib/modules/VER where kiste looks for them.
vm_image_guest_kmods()
{
	local spec ver f

	for spec in "${extra_files[@]}"; do
		case "${spec#*:}" in
		/boot/vmlinuz-*) ver="${spec#*:/boot/vmlinuz-}" ;;
		*) continue ;;
		esac
		[ -r "/lib/modules/$ver/modules.dep" ] || continue
		for f in modules.dep modules.builtin; do
			f="/lib/modules/$ver/$f"
			if [ ! -f "$f" ] || [ -L "$f" ]; then
				die "$f is not a regular file"
			fi
			img_put "$f" "$f" 644
		done
		for f in virtio_pci virtio_blk crc32c_generic erofs overlay virtio_net; do
			add_guest_kmod "$ver" "$f"
		done
	done
}

# Shared libraries of every dynamic ELF in the image, at the paths ldd resolves.
vm_image_libs()
{
	local f lib

	while IFS= read -r -d '' f; do
		[ "$(head -c 4 "$f" | tail -c 3)" = "ELF" ] || continue
		ldd "$f" 2>/dev/null | awk '
			/=> \// { print $3; next }
			/^[ \t]*\// { print $1 }' || true
	done < <(find "$root/bin" "$root/vm-tests" "$root/usr" "$root/opt" -type f -print0 2>/dev/null) |
		sort -u |
	while read -r lib; do
		img_put "$lib" "$lib"
	done
}

vm_image_build()
{
	vm_image_inputs
	vm_image_base
	vm_image_suites
	vm_image_extra
	vm_image_kmods
	vm_image_guest_kmods
	vm_image_libs
	initramfs="$work/initramfs.cpio.gz"
	(cd "$root" && find . -print0 | cpio --null -o -H newc -R 0:0 --quiet | gzip -1 >"$initramfs")
}
