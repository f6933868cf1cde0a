# SPDX-License-Identifier: GPL-2.0
# shim.mk - shim mode: the freestanding guest kernel image and the launcher linked into kiste.
#
# Included by ../Makefile.  The guest kernel never gets sanitizers or libc (DESIGN.md).

SHIM_SRC := $(TOP)/userspace/shim
SHIM_OUT := $(O)/shim
SHIM_GK := $(SHIM_OUT)/kiste-gk.elf
SHIM_GK_CFLAGS := $(FREESTANDING_CFLAGS) -fPIE -fvisibility=hidden -I$(FREESTANDING_SRC)
SHIM_GK_OBJS := $(patsubst $(SHIM_SRC)/gk/%.c,$(SHIM_OUT)/gk/%.o,$(wildcard $(SHIM_SRC)/gk/*.c)) \
	$(patsubst $(FREESTANDING_SRC)/%.c,$(SHIM_OUT)/gk/freestanding/%.o,$(FREESTANDING_SRCS)) \
	$(SHIM_OUT)/gk/entry.o
KISTE_OBJS += $(patsubst %.c,$(OBJDIR)/%.o,$(wildcard shim/*.c)) $(OBJDIR)/shim/gk_blob.o

$(SHIM_OUT)/gk/%.o: $(SHIM_SRC)/gk/%.c $(SHIM_SRC)/gk/gk.h $(SHIM_SRC)/boot.h $(FREESTANDING_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(SHIM_GK_CFLAGS) -c $< -o $@

# The libc subset the unikernel SDK shares, built with the guest kernel's flags.
$(SHIM_OUT)/gk/freestanding/%.o: $(FREESTANDING_SRC)/%.c $(FREESTANDING_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(SHIM_GK_CFLAGS) -c $< -o $@

$(SHIM_OUT)/gk/entry.o: $(SHIM_SRC)/gk/entry.S $(SHIM_SRC)/boot.h
	@mkdir -p $(dir $@)
	$(CC) -c $< -o $@

$(SHIM_GK): $(SHIM_GK_OBJS) $(SHIM_SRC)/gk/gk.ld
	$(CC) -nostdlib -static-pie -Wl,-T,$(SHIM_SRC)/gk/gk.ld -Wl,--no-dynamic-linker \
		-Wl,-z,noexecstack -Wl,--build-id=none -o $@ $(SHIM_GK_OBJS)

$(OBJDIR)/shim/gk_blob.o: $(SHIM_SRC)/gk_blob.S $(SHIM_GK)
	@mkdir -p $(dir $@)
	$(CC) -DGK_IMAGE='"$(SHIM_GK)"' -c $< -o $@

CLEAN_FILES += $(SHIM_OUT)
