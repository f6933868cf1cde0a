# SPDX-License-Identifier: GPL-2.0
# shim.mk - shim mode: the freestanding guest kernel image, the launcher objects, tests.
#
# Included by ../Makefile.  The guest kernel never gets sanitizers or libc (DESIGN.md).

SHIM_SRC := $(TOP)/userspace/shim
SHIM_OUT := $(O)/shim
SHIM_GK := $(SHIM_OUT)/kiste-gk.elf
SHIM_GK_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror -ffreestanding -fno-builtin \
	-fno-stack-protector -fPIE -fvisibility=hidden -fno-asynchronous-unwind-tables \
	-fno-tree-loop-distribute-patterns -fcf-protection=none -I$(FREESTANDING_SRC) -I$(TOP)/uapi
SHIM_GK_OBJS := $(patsubst $(SHIM_SRC)/gk/%.c,$(SHIM_OUT)/gk/%.o,$(wildcard $(SHIM_SRC)/gk/*.c)) \
	$(patsubst $(FREESTANDING_SRC)/%.c,$(SHIM_OUT)/gk/freestanding/%.o,$(FREESTANDING_SRCS)) \
	$(SHIM_OUT)/gk/entry.o
SHIM_OBJS := $(addprefix $(OBJDIR)/shim/,allowlist.o image.o sandbox.o launch.o) \
	$(SHIM_OUT)/gk_blob.o
all: shim-tests

$(SHIM_OUT)/gk/%.o: $(SHIM_SRC)/gk/%.c $(SHIM_SRC)/gk/gk.h $(SHIM_SRC)/boot.h $(FREESTANDING_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(SHIM_GK_CFLAGS) -c $< -o $@

# The libc subset the unikernel SDK shares, built with the guest kernel's flags.
$(SHIM_OUT)/gk/freestanding/%.o: $(FREESTANDING_SRC)/%.c $(FREESTANDING_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(SHIM_GK_CFLAGS) -c $< -o $@

$(SHIM_OUT)/gk/entry.o: $(SHIM_SRC)/gk/entry.S
	@mkdir -p $(dir $@)
	$(CC) -c $< -o $@

$(SHIM_GK): $(SHIM_GK_OBJS) $(SHIM_SRC)/gk/gk.ld
	$(CC) -nostdlib -static-pie -Wl,-T,$(SHIM_SRC)/gk/gk.ld -Wl,--no-dynamic-linker \
		-Wl,-z,noexecstack -Wl,--build-id=none -o $@ $(SHIM_GK_OBJS)

$(SHIM_OUT)/gk_blob.o: $(SHIM_SRC)/gk_blob.S $(SHIM_GK)
	$(CC) -DGK_IMAGE='"$(SHIM_GK)"' -c $< -o $@

# kiste itself links the launcher too: run_shim.o and policy_shim.o refer to it weakly.
$(BIN): $(SHIM_OBJS)
$(BIN): LDLIBS += $(SHIM_OBJS) $(LIB) -lseccomp

shim-tests: $(BIN) host-tests
	$(MAKE) -C $(TOP)/selftests/shim O=$(O) SANITIZE=$(SANITIZE)

shim-clean:
	rm -rf $(SHIM_OUT) $(OBJDIR)/shim
	$(MAKE) -C $(TOP)/selftests/shim O=$(O) SANITIZE=$(SANITIZE) clean

clean: shim-clean

.PHONY: shim-tests shim-clean

-include $(wildcard $(OBJDIR)/shim/*.d)
