# SPDX-License-Identifier: GPL-2.0
# vm.mk - vm mode: the launcher, the guest image builder and the micro-VMM linked into kiste, and
# the static guest agent they embed.
#
# Included by ../Makefile.

VM_SRC := $(TOP)/userspace/vm
KISTE_OBJS += $(patsubst %.c,$(OBJDIR)/%.o,$(wildcard vm/*.c vm/image/*.c vm/vmm/*.c)) \
	$(OBJDIR)/vm/vmm/agent_blob.o
AGENT := $(O)/bin/kiste-agent

# The agent is PID 1 in the guest: static, no sanitizer (it has no runtime there).
$(AGENT): $(wildcard $(VM_SRC)/agent/*.c $(VM_SRC)/agent/*.h) $(TOP)/uapi/kiste/vm_agent.h \
	  $(TOP)/userspace/include/kiste_tty_eof.h
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 $(WARN_CFLAGS) -O2 -static -s -I$(TOP)/uapi -I$(TOP)/userspace/include \
		-o $@ $(filter %.c,$^)

$(OBJDIR)/vm/vmm/agent_blob.o: $(VM_SRC)/vmm/agent_blob.S $(AGENT)
	@mkdir -p $(dir $@)
	$(CC) -DKISTE_AGENT_BIN='"$(AGENT)"' -c $< -o $@

all: $(AGENT)
CLEAN_FILES += $(AGENT)
