/* SPDX-License-Identifier: GPL-2.0 */
/* tender.h - process isolation: the child that becomes the unikernel, and the bindings blob it maps. */
#ifndef KISTE_TENDER_H
#define KISTE_TENDER_H

#include <stdint.h>

#include "../host/uk.h"
#include "bindings.h"

/*
 * Direct entry (bindings.h, UK_HO_F_DIRECT): the unikernel in kiste run's own
 * process.  @sigsys_line is what kiste run would print for a seccomp kill,
 * @sigmask the signal mask the unikernel starts with (the launcher keeps
 * forwarded signals blocked until the blob's handlers are in).
 */
struct tender_direct {
	const char *sigsys_line;
	uint64_t sigmask;
};

/*
 * tender_process.c: the unikernel's process in process isolation, a forked
 * child (@direct NULL) or kiste run itself; enters the blob, never returns.
 */
__attribute__((noreturn)) void tender_process_child(const struct kiste_uk_opts *o,
						    const struct kiste_uk_image *img,
						    struct kiste_uk_devs *devs,
						    const struct tender_direct *direct);

/* blob_load.c: maps the embedded blob at UK_BLOB_ADDR (W^X), *head at its start. */
int tender_blob_map(const struct uk_blob_head **head, struct kiste_err *err);

#endif /* KISTE_TENDER_H */
