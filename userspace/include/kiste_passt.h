/* SPDX-License-Identifier: GPL-2.0 */
/* kiste_passt.h - passt as a NIC's backend on a socketpair (qemu's stream framing): vm and unikernel. */
#ifndef KISTE_PASST_H
#define KISTE_PASST_H

#include <sys/types.h>

#include "kiste_run.h"

/*
 * The guest's side of passt's NAT, the same in every mode that uses passt:
 * its address, the gateway, and the address passt answers DNS queries at
 * (forwarded to the host's resolver).
 */
#define KISTE_PASST_GUEST	"10.0.2.15"
#define KISTE_PASST_PREFIX	"24"
#define KISTE_PASST_GATEWAY	"10.0.2.2"
#define KISTE_PASST_DNS		"10.0.2.3"

/* What differs between the modes that start passt. */
struct kiste_passt_cfg {
	const char *mode;	/* "vm", "unikernel": named in the error lines */
	unsigned int mtu;	/* passt's --mtu; 0: passt's own default */
};

/*
 * Starts passt in the foreground as our child on one end of a stream
 * socketpair: it quits with its one client (--one-off), the other end, which
 * is closed when kiste ends however it ends (as root, passt's change to
 * nobody clears its parent-death signal).  Exactly @o's -p forwards, IPv4
 * only, the addresses above, and without mapping the gateway to the host's
 * loopback (as shim mode's pasta).  With @cg (not NULL, a version), passt
 * runs in that cgroup from before its exec; else in the caller's.  *@fd is
 * our end; *@err_fd the read end of passt's stderr (non-blocking: why it
 * stopped).  Returns passt's pid, or negative errno with @err set (-ENOENT:
 * no passt on PATH, exit 125).
 */
pid_t kiste_passt_start(const struct kiste_run_opts *o, const struct kiste_passt_cfg *cfg,
			const struct kiste_cgroup *cg, int *fd, int *err_fd, struct kiste_err *err);

#endif /* KISTE_PASST_H */
