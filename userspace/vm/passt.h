/* SPDX-License-Identifier: GPL-2.0 */
/* passt.h - vm mode's --network pasta: the guest's NIC on passt (lib/passt.c starts it). */
#ifndef KISTE_VM_PASST_H
#define KISTE_VM_PASST_H

#include "kiste_passt.h"

/* The agent configures eth0 with passt's addresses (spec record net=). */
#define VM_NET_SPEC                                                                    \
	KISTE_PASST_GUEST "/" KISTE_PASST_PREFIX "," KISTE_PASST_GATEWAY "," KISTE_PASST_DNS

#endif /* KISTE_VM_PASST_H */
