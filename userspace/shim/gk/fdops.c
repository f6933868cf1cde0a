// SPDX-License-Identifier: GPL-2.0
// fdops.c - calls on one workload descriptor that the host serves as they are, their flags checked here.
#include "gk.h"

#define GK_RWF_OK 0x1fL	/* RWF_HIPRI, RWF_DSYNC, RWF_SYNC, RWF_NOWAIT, RWF_APPEND */
#define GK_SFR_OK 7L	/* SYNC_FILE_RANGE_WAIT_BEFORE, _WRITE, _WAIT_AFTER */

/* preadv2/pwritev2 (fd, iov, n, pos_l, pos_h, flags), syncfs, sync_file_range. */
long sys_fd_flags(struct gk_call *c)
{
	if (!gk_fd_ok(c->a[0]))
		return -EBADF;
	switch (c->nr) {
	case __NR_preadv2:
	case __NR_pwritev2:
		if (c->a[5] & ~GK_RWF_OK)
			return -EOPNOTSUPP;
		return gk_host_blocking(c->nr, c->a, c);
	case __NR_sync_file_range:
		if (c->a[3] & ~GK_SFR_OK)
			return -EINVAL;
		break;
	}
	return hs6(c->nr, c->a[0], c->a[1], c->a[2], c->a[3], c->a[4], c->a[5]);
}
