# SPDX-License-Identifier: GPL-2.0
# oci.mk - the OCI runtime front end's library side: config.json, state under --root, the spec
# mapped onto a mode.  Included by ../Makefile; the verbs themselves are cli/oci_*.c.
KISTE_OBJS += $(patsubst %.c,$(OBJDIR)/%.o,$(wildcard oci/*.c))
