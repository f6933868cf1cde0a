/* SPDX-License-Identifier: GPL-2.0 */
/* tender.h - process isolation: the child that becomes the unikernel, and the bindings blob it maps. */
#ifndef KISTE_TENDER_H
#define KISTE_TENDER_H

#include <stdint.h>

#include "../host/uk.h"
#include "bindings.h"

/* tender_process.c: the child in process isolation; enters the blob, never returns. */
__attribute__((noreturn)) void tender_process_child(const struct kiste_uk_opts *o,
						    const struct kiste_uk_image *img,
						    struct kiste_uk_devs *devs);

/* blob_load.c: maps the embedded blob at UK_BLOB_ADDR (W^X), *head at its start. */
int tender_blob_map(const struct uk_blob_head **head, struct kiste_err *err);

#endif /* KISTE_TENDER_H */
