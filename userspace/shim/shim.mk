# SPDX-License-Identifier: GPL-2.0
# shim.mk - shim mode: the freestanding guest kernel image and the launcher linked into kiste.
#
# Included by ../Makefile.  The guest kernel never gets sanitizers or libc (DESIGN.md).

SHIM_SRC := $(TOP)/userspace/shim
SHIM_OUT := $(O)/shim
SHIM_GK := $(SHIM_OUT)/kiste-gk.elf
# General registers only: a patched site enters the guest kernel without a signal frame,
# so nothing saves the workload's SSE/AVX registers around it (README: patched sites).
SHIM_GK_CFLAGS := $(FREESTANDING_CFLAGS) -fPIE -fvisibility=hidden -mgeneral-regs-only \
	-I$(FREESTANDING_SRC)
SHIM_GK_OBJS := $(patsubst $(SHIM_SRC)/gk/%.c,$(SHIM_OUT)/gk/%.o,$(wildcard $(SHIM_SRC)/gk/*.c)) \
	$(patsubst $(FREESTANDING_SRC)/%.c,$(SHIM_OUT)/gk/freestanding/%.o,$(FREESTANDING_SRCS)) \
	$(SHIM_OUT)/gk/entry.o
KISTE_OBJS += $(patsubst %.c,$(OBJDIR)/%.o,$(wildcard shim/*.c)) $(OBJDIR)/shim/gk_blob.o

$(SHIM_OUT)/gk/%.o: $(SHIM_SRC)/gk/%.c $(SHIM_SRC)/gk/gk.h $(SHIM_SRC)/gk/patch.h $(SHIM_SRC)/gk/net.h $(SHIM_SRC)/boot.h \
		$(SHIM_SRC)/unixmed.h $(SHIM_SRC)/net_policy.h $(FREESTANDING_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(SHIM_GK_CFLAGS) -c $< -o $@

# The libc subset the unikernel SDK shares, built with the guest kernel's flags.
$(SHIM_OUT)/gk/freestanding/%.o: $(FREESTANDING_SRC)/%.c $(FREESTANDING_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(SHIM_GK_CFLAGS) -c $< -o $@

$(SHIM_OUT)/gk/entry.o: $(SHIM_SRC)/gk/entry.S $(SHIM_SRC)/boot.h $(SHIM_SRC)/gk/patch.h
	@mkdir -p $(dir $@)
	$(CC) -c $< -o $@

$(SHIM_GK): $(SHIM_GK_OBJS) $(SHIM_SRC)/gk/gk.ld
	$(CC) -nostdlib -static-pie -Wl,-T,$(SHIM_SRC)/gk/gk.ld -Wl,--no-dynamic-linker \
		-Wl,-z,noexecstack -Wl,--build-id=none -o $@ $(SHIM_GK_OBJS)

$(OBJDIR)/shim/gk_blob.o: $(SHIM_SRC)/gk_blob.S $(SHIM_GK)
	@mkdir -p $(dir $@)
	$(CC) -DGK_IMAGE='"$(SHIM_GK)"' -c $< -o $@

CLEAN_FILES += $(SHIM_OUT)

# kiste syscalls (cli/syscalls.c) reads the guest kernel's own table and the
# amd64 syscall names of <asm/unistd_64.h>, both copied out here at build time.
SHIM_GEN := $(SHIM_OUT)/gen
$(SHIM_GEN)/gk_syscalls.h: $(SHIM_SRC)/gk/table.c
	@mkdir -p $(dir $@)
	sed -n '/^#define GK_SYSCALLS(X)/,/[^\\]$$/p' $< >$@.tmp
	grep -q '^#define GK_SYSCALLS(X)' $@.tmp
	mv $@.tmp $@

$(SHIM_GEN)/amd64_syscalls.h:
	@mkdir -p $(dir $@)
	echo '#include <asm/unistd_64.h>' | $(CC) -E -dM - | \
		awk '$$2 ~ /^__NR_/ { sub(/^__NR_/, "", $$2); print $$3, $$2 }' | sort -n | \
		awk 'BEGIN { print "#define AMD64_SYSCALLS(X) \\" } \
		     { printf "\tX(%s, %s) \\\n", $$1, $$2 } END { print "" }' >$@.tmp
	mv $@.tmp $@

$(OBJDIR)/cli/syscalls.o: $(SHIM_GEN)/gk_syscalls.h $(SHIM_GEN)/amd64_syscalls.h
$(OBJDIR)/cli/syscalls.o: KISTE_CFLAGS += -I$(SHIM_GEN)

# --trace shows each call's own arguments: their counts, from the kernel headers' prototypes.
SHIM_KHDR := $(firstword $(wildcard /usr/src/linux-headers-*-common/include/linux/syscalls.h))
$(SHIM_GEN)/gk_nargs.h: $(SHIM_SRC)/gen-nargs.sh $(SHIM_KHDR)
	@mkdir -p $(dir $@)
	sh $< $(CC) $(SHIM_KHDR) >$@.tmp
	mv $@.tmp $@

$(SHIM_OUT)/gk/trace.o: $(SHIM_GEN)/gk_nargs.h $(SHIM_GEN)/amd64_syscalls.h
$(SHIM_OUT)/gk/trace.o: $(SHIM_SRC)/gk/trace.h $(SHIM_SRC)/gk/trace_tab.h
$(SHIM_OUT)/gk/trace_fmt.o $(SHIM_OUT)/gk/trace_net.o: $(SHIM_SRC)/gk/trace.h
$(SHIM_OUT)/gk/trace.o: SHIM_GK_CFLAGS += -I$(SHIM_GEN)
