# SPDX-License-Identifier: GPL-2.0
# flags.mk - the one place for build flags: output folder, libraries, warnings, the sanitizer build.
#
# Included by userspace/Makefile and every selftests Makefile, after TOP is set
# (the repository root).  SANITIZE=1 builds with ASan + UBSan into build/asan.
# Freestanding code (the shim guest kernel, the unikernel SDK and bindings,
# the vm agent) takes its own flags from here too and is never sanitized.

SANITIZE ?= 0
ifeq ($(SANITIZE),1)
O ?= $(TOP)/build/asan
else
O ?= $(TOP)/build
endif
override O := $(abspath $(O))

CC ?= cc
PKG_CONFIG ?= pkg-config

# What libkiste and the CLI link; the static forms for the static-pie kiste.
KISTE_PKGS := libnl-genl-3.0 json-c
KISTE_LDLIBS := $(shell $(PKG_CONFIG) --libs $(KISTE_PKGS)) -lseccomp -lpthread \
	$(shell $(PKG_CONFIG) --libs liblzma)
KISTE_STATIC_LDLIBS := $(shell $(PKG_CONFIG) --static --libs $(KISTE_PKGS) libseccomp liblzma) \
	-lpthread

WARN_CFLAGS := -Wall -Wextra -Werror
KISTE_CFLAGS := -std=gnu11 $(WARN_CFLAGS) -O2 -g -I$(TOP)/uapi -I$(TOP)/userspace/include \
	-I$(TOP)/userspace/kvm $(shell $(PKG_CONFIG) --cflags $(KISTE_PKGS)) $(EXTRA_CFLAGS)
KISTE_LDFLAGS := $(EXTRA_LDFLAGS)
ifeq ($(SANITIZE),1)
SAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer
KISTE_CFLAGS += $(SAN_FLAGS)
KISTE_LDFLAGS += $(SAN_FLAGS)
endif

# No libc, no sanitizer, no stack protector, no CET notes: code that runs where
# libc must not (DESIGN.md).  Each image adds its own code model (-fPIE, -fno-pic).
FREESTANDING_CFLAGS := -std=gnu11 -O2 -g $(WARN_CFLAGS) -ffreestanding -fno-builtin \
	-fno-stack-protector -fcf-protection=none -fno-asynchronous-unwind-tables \
	-fno-tree-loop-distribute-patterns -I$(TOP)/uapi

# Tests: the kselftest harness (selftests/lib/kselftest.mk) leaves parameters unused.
TEST_CFLAGS = $(KISTE_CFLAGS) -Wno-unused-parameter -I$(KSFT_DIR)

# The archives userspace/Makefile leaves for tests to link: libkiste, and every
# object of kiste but main.o (so tests call the subcommands and modes in-process).
LIBKISTE := $(O)/lib/libkiste.a
LIBKISTE_CLI := $(O)/lib/libkiste-cli.a
