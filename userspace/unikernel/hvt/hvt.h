/* SPDX-License-Identifier: GPL-2.0 */
/* hvt.h - vm isolation: the child that runs the unikernel in a tiny KVM guest. */
#ifndef KISTE_UK_HVT_H
#define KISTE_UK_HVT_H

#include "../host/uk.h"
#include "kiste_kvm.h"

/*
 * Becomes the VMM of @img and runs it to the end; exits with the unikernel's
 * status.  @kvm is /dev/kvm (kiste_kvm_dev_open) or kiste.ko's broker
 * (kiste_kvm_broker_open): the VM is created here when it does not exist yet.
 */
__attribute__((noreturn)) void uk_vm_child(struct kiste_kvm *kvm, const struct kiste_uk_opts *o,
					   const struct kiste_uk_image *img,
					   struct kiste_uk_devs *devs);

#endif /* KISTE_UK_HVT_H */
