# SPDX-License-Identifier: GPL-2.0
# unikernel.mk - unikernel mode: the launcher (host/), process isolation (tender/) and vm
# isolation (hvt/) linked into kiste, the bindings blob embedded in it, then the SDK,
# kiste-uk-cc and the examples (sdk.mk).
#
# Included by ../Makefile.

UK_TENDER := $(TOP)/userspace/unikernel/tender
# The bindings blob: its own -nostdlib image at a fixed address (tender/bindings.h), never
# linked into kiste's text.  These run in the unikernel's process after kiste is unmapped.
UK_BLOB_PARTS := bindings_x86_64.c blob_enter.c
UK_BLOB_OUT := $(OBJDIR)/unikernel/blob
UK_BLOB := $(UK_BLOB_OUT)/kiste-uk-bindings.elf
# What kiste embeds: the same without symbols and debug information (gdb reads UK_BLOB).
UK_BLOB_EMBED := $(UK_BLOB_OUT)/kiste-uk-bindings.stripped
UK_BLOB_OBJS := $(patsubst %.c,$(UK_BLOB_OUT)/%.o,$(UK_BLOB_PARTS)) \
	$(UK_BLOB_OUT)/blob_start_x86_64.o
# No libc, no sanitizer, no stack protector (DESIGN.md); no vector registers, so that the
# entry's reset of them (blob_start_x86_64.S) is the last word on their contents.
UK_BLOB_CFLAGS := $(FREESTANDING_CFLAGS) -fno-pic -fno-pie -mgeneral-regs-only
OBJCOPY ?= objcopy

KISTE_OBJS += $(patsubst %.c,$(OBJDIR)/%.o,$(wildcard unikernel/*.c unikernel/host/*.c \
	unikernel/hvt/*.c) $(filter-out $(addprefix unikernel/tender/,$(UK_BLOB_PARTS)), \
	$(wildcard unikernel/tender/*.c))) \
	$(OBJDIR)/unikernel/hvt/stubs_x86_64.o $(OBJDIR)/unikernel/tender/blob_image.o

$(UK_BLOB_OUT)/%.o: $(UK_TENDER)/%.c
	@mkdir -p $(dir $@)
	$(CC) $(UK_BLOB_CFLAGS) -MMD -MP -c $< -o $@

$(UK_BLOB_OUT)/%.o: $(UK_TENDER)/%.S
	@mkdir -p $(dir $@)
	$(CC) -c $< -o $@

$(UK_BLOB): $(UK_BLOB_OBJS) $(UK_TENDER)/blob.ld
	$(CC) -nostdlib -static -no-pie -Wl,-T,$(UK_TENDER)/blob.ld -Wl,-z,noexecstack \
		-Wl,-z,max-page-size=4096 -Wl,--build-id=none -o $@ $(UK_BLOB_OBJS)

$(UK_BLOB_EMBED): $(UK_BLOB)
	$(OBJCOPY) --strip-all $< $@

$(OBJDIR)/unikernel/tender/blob_image.o: $(UK_TENDER)/blob_image.S $(UK_BLOB_EMBED)
	@mkdir -p $(dir $@)
	$(CC) -DUK_BLOB='"$(UK_BLOB_EMBED)"' -c $< -o $@

include unikernel/sdk.mk
all: unikernel
