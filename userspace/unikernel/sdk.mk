# SPDX-License-Identifier: GPL-2.0
# sdk.mk - builds the unikernel SDK, kiste-uk-cc and the example unikernels (from unikernel.mk).
#
# Freestanding: no libc, no sanitizers, whatever SANITIZE says.

UK_SRC := $(TOP)/userspace/unikernel
UK_OUT := $(O)/unikernel
UK_SDK := $(UK_OUT)/sdk
UK_CC := $(O)/bin/kiste-uk-cc
UK_INCLUDES := -I$(UK_SRC)/include -I$(FREESTANDING_SRC) -I$(TOP)/uapi
UK_CFLAGS := $(filter-out -I%,$(FREESTANDING_CFLAGS)) -fno-pic -fno-pie -mno-red-zone \
	-mgeneral-regs-only $(UK_INCLUDES)

UK_SDK_OBJS := $(patsubst $(UK_SRC)/sdk/%.c,$(UK_SDK)/%.o,$(wildcard $(UK_SRC)/sdk/*.c)) \
	$(patsubst $(FREESTANDING_SRC)/%.c,$(UK_SDK)/freestanding/%.o,$(FREESTANDING_SRCS))
UK_EXAMPLES := $(patsubst $(UK_SRC)/examples/%.c,$(UK_OUT)/%,$(wildcard $(UK_SRC)/examples/*.c))
UK_DEPS := $(UK_SDK)/libkisteuk.a $(UK_SDK)/start.o $(UK_SDK)/kiste-uk.ld $(UK_CC)

$(UK_SDK)/%.o: $(UK_SRC)/sdk/%.c $(UK_SRC)/include/kiste_uk_sdk.h $(FREESTANDING_HDRS) \
		$(TOP)/uapi/kiste/unikernel.h
	@mkdir -p $(dir $@)
	$(CC) $(UK_CFLAGS) -c $< -o $@

# The libc subset the shim's guest kernel shares, built with the SDK's flags.
$(UK_SDK)/freestanding/%.o: $(FREESTANDING_SRC)/%.c $(FREESTANDING_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(UK_CFLAGS) -c $< -o $@

$(UK_SDK)/start.o: $(UK_SRC)/sdk/start_x86_64.S
	@mkdir -p $(dir $@)
	$(CC) $(UK_CFLAGS) -c $< -o $@

$(UK_SDK)/libkisteuk.a: $(UK_SDK_OBJS)
	rm -f $@
	$(AR) rcs $@ $^

$(UK_SDK)/kiste-uk.ld: $(UK_SRC)/kiste-uk.ld
	@mkdir -p $(dir $@)
	cp $< $@

# The wrapper knows where this build's SDK is; UK_CFLAGS are baked in.
$(UK_CC): $(UK_SRC)/kiste-uk-cc.in $(UK_SRC)/sdk.mk $(TOP)/userspace/flags.mk
	@mkdir -p $(dir $@)
	sed -e 's|@SDK@|$(UK_SDK)|g' -e 's|@INCLUDES@|$(UK_INCLUDES)|g' \
	    -e 's|@CFLAGS@|$(filter-out -Werror -I%,$(UK_CFLAGS))|g' $< > $@.tmp
	chmod +x $@.tmp
	mv -f $@.tmp $@

$(UK_EXAMPLES): $(UK_OUT)/%: $(UK_SRC)/examples/%.c $(UK_DEPS) $(UK_SRC)/include/kiste_uk_sdk.h \
		$(FREESTANDING_HDRS)
	$(UK_CC) -Werror -o $@ $<

unikernel: $(UK_DEPS) $(UK_EXAMPLES)

.PHONY: unikernel

CLEAN_FILES += $(UK_OUT) $(UK_CC)
