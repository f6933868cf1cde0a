# SPDX-License-Identifier: GPL-2.0
# unikernel.mk - unikernel mode: the launcher (host/), process isolation (tender/) and vm
# isolation (hvt/) linked into kiste, then the SDK, kiste-uk-cc and the examples (sdk.mk).
#
# Included by ../Makefile.

UK_BIND := unikernel/tender/bindings_x86_64.c
KISTE_OBJS += $(patsubst %.c,$(OBJDIR)/%.o,$(wildcard unikernel/*.c unikernel/host/*.c \
	unikernel/hvt/*.c) $(filter-out $(UK_BIND),$(wildcard unikernel/tender/*.c))) \
	$(OBJDIR)/unikernel/hvt/stubs_x86_64.o $(OBJDIR)/unikernel/tender/bindings_x86_64.o

# Runs after the seccomp filter: no libc, no sanitizer, no stack protector (DESIGN.md).
$(OBJDIR)/unikernel/tender/bindings_x86_64.o: $(UK_BIND)
	@mkdir -p $(dir $@)
	$(CC) $(FREESTANDING_CFLAGS) -MMD -MP -c $< -o $@

include unikernel/sdk.mk
all: unikernel
