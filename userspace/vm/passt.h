/* SPDX-License-Identifier: GPL-2.0 */
/* passt.h - vm mode's --network pasta: passt as the NIC's backend, on a socketpair. */
#ifndef KISTE_VM_PASST_H
#define KISTE_VM_PASST_H

#include <stdint.h>
#include <sys/types.h>

#include "kiste_run.h"

/*
 * The guest's side of passt's NAT, fixed: its address, the gateway, and the
 * address passt answers DNS queries at (forwarded to the host's resolver).
 * The agent configures eth0 with them (spec record net=).
 */
#define VM_NET_GUEST	"10.0.2.15"
#define VM_NET_PREFIX	"24"
#define VM_NET_GATEWAY	"10.0.2.2"
#define VM_NET_DNS	"10.0.2.3"
#define VM_NET_SPEC	VM_NET_GUEST "/" VM_NET_PREFIX "," VM_NET_GATEWAY "," VM_NET_DNS

/* The NIC's MAC: locally administered, unicast. */
extern const uint8_t vm_net_mac[6];

/*
 * Starts passt in the foreground as our child on one end of a socketpair: it
 * quits with its one client, the VMM's end (closed when kiste ends however it
 * ends; as root, passt's change to nobody clears its parent-death signal), with exactly @o's -p forwards
 * and without mapping the gateway to the host's loopback (as shim mode's
 * pasta); *@fd is the VMM's end, *@err_fd the read end of passt's stderr
 * (non-blocking: why it stopped).  Returns passt's pid, or -1 with @err set.
 */
pid_t vm_passt_start(const struct kiste_run_opts *o, int *fd, int *err_fd, struct kiste_err *err);

#endif /* KISTE_VM_PASST_H */
