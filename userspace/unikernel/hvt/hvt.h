/* SPDX-License-Identifier: GPL-2.0 */
/* hvt.h - vm isolation: the child that runs the unikernel in a tiny KVM guest. */
#ifndef KISTE_UK_HVT_H
#define KISTE_UK_HVT_H

#include <stdbool.h>

#include "../host/uk.h"

/*
 * Becomes the VMM of @img and runs it to the end; exits with the unikernel's
 * status.  @fd is /dev/kvm, or with @brokered the VM descriptor of kiste.ko's
 * KVM broker (which answers the system ioctls too).
 */
__attribute__((noreturn)) void uk_vm_child(int fd, bool brokered, const struct kiste_uk_opts *o,
					   const struct kiste_uk_image *img,
					   struct kiste_uk_devs *devs);

#endif /* KISTE_UK_HVT_H */
