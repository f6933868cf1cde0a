# SPDX-License-Identifier: GPL-2.0
# kselftest.mk - the kselftest harness headers, extracted from Debian's linux-source at build time.
#
# Include it once O is set, before KSFT_DIR is used.  It defines KSFT_DIR and
# KSFT_HDRS and the rule that makes them, without taking the including
# Makefile's default goal.  The headers are never committed.

KSFT_TAR ?= $(firstword $(wildcard /usr/src/linux-source-*.tar.xz))
KSFT_TOP = $(patsubst %.tar.xz,%,$(notdir $(KSFT_TAR)))
KSFT_DIR := $(O)/kselftest
KSFT_HDRS := $(KSFT_DIR)/kselftest_harness.h $(KSFT_DIR)/kselftest.h

ksft_goal := $(.DEFAULT_GOAL)
# Into a private folder, then renamed: a parallel or interrupted build never
# sees half a header, and whichever suite's Makefile runs first wins.
$(KSFT_HDRS) &:
	@test -n "$(KSFT_TAR)" || { echo "linux-source tarball missing: apt-get install linux-source-6.1"; exit 1; }
	@mkdir -p $(KSFT_DIR)
	tmp=$$(mktemp -d $(KSFT_DIR)/.x.XXXXXX) && \
	tar xf $(KSFT_TAR) --strip-components=4 -C $$tmp \
		$(KSFT_TOP)/tools/testing/selftests/kselftest_harness.h \
		$(KSFT_TOP)/tools/testing/selftests/kselftest.h && \
	mv -f $$tmp/kselftest_harness.h $$tmp/kselftest.h $(KSFT_DIR)/ && rmdir $$tmp
# Empty again when the includer had no goal yet: its next target becomes the default.
.DEFAULT_GOAL := $(ksft_goal)
