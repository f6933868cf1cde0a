/* SPDX-License-Identifier: GPL-2.0 */
/* tap.h - vm mode's --network ns:PATH: a tap in that namespace, tc-redirected to its interface. */
#ifndef KISTE_VM_TAP_H
#define KISTE_VM_TAP_H

#include <net/if.h>
#include <stdint.h>

#include <kiste/vm_agent.h>

#include "kiste_run.h"

struct vm_tap {
	int fd;				/* the tap (IFF_TAP | IFF_NO_PI, non-blocking), or -1 */
	uint8_t mac[6];			/* the namespace interface's: the guest's NIC takes it */
	char spec[KISTE_VM_NET_MAX];	/* net=ADDR/PREFIX,GATEWAY,DNS for the agent */
	char ifname[IFNAMSIZ];		/* the namespace's interface */
	unsigned int mtu;		/* its MTU (68..1500): the guest's interface takes it */
};

/*
 * Joins the network namespace @path only for the set-up (this thread comes
 * back to its own), finds its one interface with an IPv4 address besides lo,
 * its default gateway, MAC and MTU, creates a tap there and joins tap and
 * interface with tc (an ingress qdisc on each; mirred redirects every frame
 * of the interface to the tap, and of the tap's only IPv4 and ARP from the
 * interface's own MAC and address to the interface: the guest's other
 * frames go back to it).  The tap goes when its
 * descriptor closes; the interface's ingress qdisc is removed by a helper
 * process (own session, signals ignored) once this process is gone, however
 * it ends.  Returns 0, or -errno with one line in @err (-EPERM: no
 * CAP_NET_ADMIN over the namespace).
 */
int vm_tap_setup(const char *path, struct vm_tap *t, struct kiste_err *err);

#endif /* KISTE_VM_TAP_H */
