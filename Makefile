# SPDX-License-Identifier: GPL-2.0
# Makefile - builds kiste.ko, the kiste CLI and the selftests; runs checks, the VM demo, install.
#
# Targets: all (default) module userspace selftests deps check demo install
#          checkpatch sparse w1 shellcheck fuzz-long clean.  See README.md.

VERSION := 0.1.0

# Headers to build kiste.ko against: the running kernel's when it has them,
# else the newest Debian amd64 headers (the build machines run a kernel
# without module support; the module is loaded in the test VM instead).
KDIR ?= $(shell if [ -d /lib/modules/$$(uname -r)/build ]; then \
		echo /lib/modules/$$(uname -r)/build; \
	else \
		ls -d /usr/src/linux-headers-*-amd64 2>/dev/null | sort -V | tail -n 1; \
	fi)
# The kernel release those headers belong to: the test VM boots /boot/vmlinuz-$(KVER).
KVER ?= $(shell basename "$$(readlink -f $(KDIR))" | sed 's/^linux-headers-//')

ifeq ($(SANITIZE),1)
BUILD := $(CURDIR)/build/asan
else
BUILD := $(CURDIR)/build
endif

PREFIX ?= /usr/local
DESTDIR ?=

KSRC_TAR ?= $(firstword $(wildcard /usr/src/linux-source-*.tar.xz))
KSRC_TOP = $(patsubst %.tar.xz,%,$(notdir $(KSRC_TAR)))
CHECKPATCH_DIR := $(CURDIR)/build/linux-scripts
CHECKPATCH := $(CHECKPATCH_DIR)/scripts/checkpatch.pl
KMOD_SRCS = $(filter-out %.mod.c,$(wildcard kmod/*.c kmod/*.h))
VM_TIMEOUT ?= 2400

DEPS := build-essential gcc make pkg-config linux-headers-amd64 linux-image-amd64 \
	linux-source-6.1 qemu-system-x86 busybox-static libnl-genl-3-dev libnl-3-dev \
	libseccomp-dev libjson-c-dev liblzma-dev sparse cpio xz-utils kmod bc flex bison libelf-dev \
	libssl-dev iproute2 python3 shellcheck zstd runc passt podman conmon containerd docker.io \
	uidmap libcap2-bin erofs-utils iputils-ping

# A fresh machine: deps installs what is missing (as root) or names itself in one line.
all: deps
	@$(MAKE) --no-print-directory module userspace selftests

# Fails loudly rather than skipping: the module is the product.
module-prereq:
	@test -f kmod/Kbuild || { echo "kmod/Kbuild is missing: the module sources are not in this tree"; exit 1; }
	@test -n "$(KDIR)" -a -d "$(KDIR)" || { echo "no kernel headers (KDIR='$(KDIR)'): run 'make deps'"; exit 1; }

module: module-prereq
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

userspace:
	$(MAKE) -C userspace O=$(BUILD)

selftests: userspace
	$(MAKE) -C selftests O=$(BUILD)

# Idempotent: dpkg-query first, so a second run does not touch the network.
deps:
	@missing=""; \
	for p in $(DEPS); do \
		dpkg-query -W -f='$${db:Status-Status}' $$p 2>/dev/null | grep -qx installed || \
			missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ] && [ "$$(id -u)" != 0 ]; then \
		echo "missing Debian packages:$$missing: run 'make deps' as root"; exit 1; \
	fi; \
	if [ -n "$$missing" ]; then \
		echo "deps: installing$$missing"; \
		apt-get update && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $$missing; \
	fi

# A second make reads KDIR and KVER again, after deps may have installed the headers.
check: deps
	@$(MAKE) --no-print-directory check-run

check-run:
	@bash selftests/lib/run-check.sh "$(MAKE)" "$(KVER)"

demo: deps
	@$(MAKE) --no-print-directory demo-run

# The host part runs without kiste.ko; the VM part shows the same modes with it.
# Both VM demos source /demo-lib.sh (run-vm.sh itself copies only vm-lib.sh and tap.sh).
demo-run: all
	selftests/demo/host.sh $(CURDIR)/build
	selftests/vm/run-vm.sh --build $(CURDIR)/build --module $(CURDIR)/kmod/kiste.ko \
		--kernel-version $(KVER) --init-script selftests/vm/demo.sh --timeout 600 \
		--extra-modules kvm_amd --extra-file selftests/vm/demo-lib.sh:/demo-lib.sh \
		--extra-file /usr/bin/sha256sum:/usr/bin/sha256sum \
		--extra-file /usr/bin/ls:/usr/bin/ls --extra-file /etc/os-release:/etc/os-release \
		--extra-file /boot/vmlinuz-$(KVER):/boot/vmlinuz-$(KVER)
	selftests/vm/run-vm.sh --build $(CURDIR)/build --module $(CURDIR)/kmod/kiste.ko \
		--kernel-version $(KVER) --init-script selftests/vm/uk-demo.sh --timeout 600 \
		--extra-modules kvm_amd --extra-file selftests/vm/demo-lib.sh:/demo-lib.sh

# Each security check's test must fail against a build without that check
# (selftests/lib/mutations.tsv); not part of check: it rebuilds once per mutation.
mutate:
	@bash selftests/lib/mutate.sh $(MUTATIONS)

# kiste_fuzz alone for 10^6 messages on the debug kernel (README, "Fuzzing kiste.ko");
# FUZZ_SEED=S replays a seed a run printed, FUZZ_COUNT/FUZZ_TIME/FUZZ_WORKERS bound it.
FUZZ_COUNT ?= 1000000
FUZZ_TIME ?= 10800
FUZZ_WORKERS ?= 4
FUZZ_SEED ?=

fuzz-long: deps
	@$(MAKE) --no-print-directory module userspace selftests
	FUZZ_COUNT=$(FUZZ_COUNT) FUZZ_TIME=$(FUZZ_TIME) FUZZ_WORKERS=$(FUZZ_WORKERS) \
		FUZZ_SEED=$(FUZZ_SEED) bash selftests/fuzz/fuzz-long.sh

# CPython's regression tests per module, natively and in shim mode, compared (README,
# "make compat"); not part of check: it takes about 20 minutes.  COMPAT_MODULES="test_x ..."
# or ALL, COMPAT_TIMEOUT, COMPAT_BUDGET, COMPAT_MEMORY: see selftests/compat/compat.sh.
compat: deps
	@$(MAKE) --no-print-directory userspace
	@KISTE=$(BUILD)/bin/kiste bash selftests/compat/compat.sh

# Issue 14's shim-mode benchmark (userspace/shim/README.md, "Benchmark"): trap cost, dd
# bs=1, workloads, fio, memory, start-up against runc and bwrap, 100 starts at once;
# not a test.  It installs runc, bubblewrap and fio when missing.
SHIM_BENCH_REPEATS ?= 7
bench: deps
	@$(MAKE) --no-print-directory userspace
	@KISTE=$(BUILD)/bin/kiste bash selftests/bench/shim-bench.sh $(SHIM_BENCH_REPEATS)

# Issue 13's benchmark (README, "Figures"): kiste's OCI verbs and podman run --rm
# beside runc, medians; not a test.  It installs runc, podman and conmon when missing.
OCI_BENCH_REPEATS ?= 7
bench-oci: deps
	@$(MAKE) --no-print-directory userspace
	@KISTE=$(BUILD)/bin/kiste bash selftests/bench/oci-bench.sh $(OCI_BENCH_REPEATS)

# Issue 12's network benchmark (README, "Figures"): iperf3 and HTTP against a server in
# shim mode with --network pasta, natively and in rootless podman; not a test.  It
# installs what it measures with (iperf3, apache2-utils, slirp4netns) when missing.
BENCH_REPEATS ?= 3
bench-net: deps
	@$(MAKE) --no-print-directory userspace
	@KISTE=$(BUILD)/bin/kiste bash selftests/bench/net-bench.sh $(BENCH_REPEATS)

# vm mode's boot benchmark (README, "Figures") in a test VM with kiste.ko: kiste vs qemu
# microvm (the bzImage, and the decompressed vmlinux through PVH), and a 1 GiB rootfs as
# an erofs image vs copied into the initramfs; not a test (selftests/vm-mode/bench-vm.sh).
bench-vm: deps
	@$(MAKE) --no-print-directory all
	@bash selftests/vm-mode/bench-vm.sh $(BUILD) $(KVER)

# Static checks on the module; each fails on any finding.
$(CHECKPATCH):
	@test -n "$(KSRC_TAR)" || { echo "linux-source tarball missing: make deps"; exit 1; }
	mkdir -p $(CHECKPATCH_DIR)
	tmp=$$(mktemp -d $(CHECKPATCH_DIR)/.x.XXXXXX) && \
	tar xf $(KSRC_TAR) --strip-components=1 -C $$tmp $(KSRC_TOP)/scripts/checkpatch.pl \
		$(KSRC_TOP)/scripts/spelling.txt $(KSRC_TOP)/scripts/const_structs.checkpatch && \
	mkdir -p $(CHECKPATCH_DIR)/scripts && \
	mv -f $$tmp/scripts/spelling.txt $$tmp/scripts/const_structs.checkpatch \
		$$tmp/scripts/checkpatch.pl $(CHECKPATCH_DIR)/scripts/ && rm -rf $$tmp

checkpatch: module-prereq $(CHECKPATCH)
	@out=$$(perl $(CHECKPATCH) --strict --no-tree --no-summary --color=never -f \
		$(KMOD_SRCS) uapi/linux/kiste.h 2>&1); \
	if printf '%s\n' "$$out" | grep -qE '^(ERROR|WARNING|CHECK):'; then \
		printf '%s\n' "$$out"; echo "checkpatch: findings above"; exit 1; \
	fi; echo "checkpatch: clean ($(words $(KMOD_SRCS)) kmod files, uapi/linux/kiste.h)"

sparse: module-prereq
	@mkdir -p build
	@$(MAKE) -C $(KDIR) M=$(CURDIR) C=2 modules >build/sparse.log 2>&1; rc=$$?; \
	cat build/sparse.log; \
	if [ $$rc -ne 0 ]; then echo "sparse: build failed"; exit 1; fi; \
	if grep -E 'kmod/[^ :]*:[0-9]+:[0-9]+: (warning|error):' build/sparse.log; then \
		echo "sparse: warnings in kmod/ (above)"; exit 1; \
	fi; echo "sparse: clean"

w1: module-prereq
	@mkdir -p build
	@$(MAKE) -C $(KDIR) M=$(CURDIR) W=1 modules >build/w1.log 2>&1; rc=$$?; \
	cat build/w1.log; \
	if [ $$rc -ne 0 ]; then echo "W=1: build failed"; exit 1; fi; \
	if grep -E '(warning|error):' build/w1.log; then \
		echo "W=1: warnings (above)"; exit 1; \
	fi; echo "W=1: clean"

# Every shell script of the tree (selftests/lib/check-shell.sh says which).
shellcheck:
	@selftests/lib/check-shell.sh

install: userspace
	install -D -m 0755 $(BUILD)/bin/kiste $(DESTDIR)$(PREFIX)/bin/kiste
	install -D -m 0644 $(BUILD)/doc/kiste.1 $(DESTDIR)$(PREFIX)/share/man/man1/kiste.1
	install -D -m 0644 $(BUILD)/doc/kiste.bash \
		$(DESTDIR)$(PREFIX)/share/bash-completion/completions/kiste
	install -m 0755 configs/runtime/kiste-runtime-shim configs/runtime/kiste-runtime-vm \
		configs/runtime/kiste-runtime-unikernel $(DESTDIR)$(PREFIX)/bin/
	install -D -m 0755 configs/subids/kiste-subids $(DESTDIR)$(PREFIX)/sbin/kiste-subids
	install -d $(DESTDIR)$(PREFIX)/share/kiste/containerd
	sed 's|/usr/local/bin/|$(PREFIX)/bin/|g' configs/containerd/kiste.toml \
		>$(DESTDIR)$(PREFIX)/share/kiste/containerd/kiste.toml
	install -D -m 0644 -t $(DESTDIR)$(PREFIX)/share/kiste/kubernetes configs/kubernetes/*.yaml
	install -d $(DESTDIR)/usr/src/kiste-$(VERSION)/kmod $(DESTDIR)/usr/src/kiste-$(VERSION)/uapi/linux
	install -m 0644 Kbuild $(DESTDIR)/usr/src/kiste-$(VERSION)/Kbuild
	install -m 0644 kmod/Kbuild $(KMOD_SRCS) $(DESTDIR)/usr/src/kiste-$(VERSION)/kmod/
	install -m 0644 uapi/linux/kiste.h $(DESTDIR)/usr/src/kiste-$(VERSION)/uapi/linux/
	sed 's/@VERSION@/$(VERSION)/g' configs/dkms.conf >$(DESTDIR)/usr/src/kiste-$(VERSION)/dkms.conf
	install -D -m 0644 configs/udev/70-kiste.rules $(DESTDIR)/lib/udev/rules.d/70-kiste.rules
	install -D -m 0644 configs/modprobe.d/kiste.conf $(DESTDIR)/etc/modprobe.d/kiste.conf
	[ -e $(DESTDIR)/etc/kiste/runtime.conf ] || \
		install -D -m 0644 configs/runtime/runtime.conf $(DESTDIR)/etc/kiste/runtime.conf

clean:
	if [ -n "$(KDIR)" ] && [ -d "$(KDIR)" ]; then $(MAKE) -C $(KDIR) M=$(CURDIR) clean; fi
	rm -rf build


.PHONY: all module module-prereq userspace selftests deps check check-run demo demo-run checkpatch sparse w1 \
	shellcheck mutate fuzz-long compat bench bench-oci bench-net bench-vm install clean
