# SPDX-License-Identifier: GPL-2.0
# tender.mk - links the unikernel tender into kiste (included by ../Makefile after TENDER_OBJS).
#
# `kiste run --mode=unikernel` runs the tender's code in its own process
# instead of exec'ing kiste-tender, and kiste is static-pie outside ASan
# builds: the second exec and the loader's work on libnl, json-c and
# libseccomp each cost about half of /bin/true (selftests/unikernel/README.md).
# kiste-tender (tender_exe.c) stays for KISTE_TENDER and for tests.

TENDER_IN_KISTE := $(filter-out $(OBJDIR)/tender/tender_exe.o,$(TENDER_OBJS))
KISTE_STATIC_LIBS := $(shell pkg-config --static --libs libnl-genl-3.0 json-c libseccomp)

$(BIN): $(TENDER_IN_KISTE)
# libkiste and the libraries again: static archives resolve left to right.
$(BIN): LDLIBS += $(TENDER_IN_KISTE) $(LIB) $(KISTE_STATIC_LIBS)
ifneq ($(SANITIZE),1)
$(BIN): LDFLAGS += -static-pie
endif
