# SPDX-License-Identifier: GPL-2.0
# freestanding.mk - names the libc subset that shim/shim.mk and unikernel/sdk.mk each build.
#
# Included by ../Makefile before those two: each compiles these sources with its own
# image's flags (a static-pie guest kernel; a -fno-pic library for unikernels).

FREESTANDING_SRC := $(TOP)/userspace/freestanding
FREESTANDING_SRCS := $(wildcard $(FREESTANDING_SRC)/*.c)
FREESTANDING_HDRS := $(FREESTANDING_SRC)/kiste_libc.h
