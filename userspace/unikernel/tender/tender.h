/* SPDX-License-Identifier: GPL-2.0 */
/* tender.h - process isolation: the child that becomes the unikernel, and its freestanding bindings. */
#ifndef KISTE_TENDER_H
#define KISTE_TENDER_H

#include <stdint.h>

#include "../host/uk.h"
#include "bindings.h"

/* tender_process.c: the child in process isolation. */
__attribute__((noreturn)) void tender_process_child(const struct kiste_uk_opts *o,
						    const struct kiste_uk_image *img,
						    struct kiste_uk_devs *devs);

#endif /* KISTE_TENDER_H */
