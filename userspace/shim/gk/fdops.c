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

long sys_utimensat(struct gk_call *c);

/*
 * utime, utimes and futimesat: their times (seconds, or microseconds) as
 * utimensat's nanoseconds, then utimensat's own path.  NULL is "now" in all.
 */
long sys_utime_old(struct gk_call *c)
{
	long ts[4], in[4], r;
	struct gk_call u = *c;
	const long *t;
	int i;

	u.nr = __NR_utimensat;
	u.a[0] = c->nr == __NR_futimesat ? c->a[0] : -100 /* AT_FDCWD */;
	u.a[1] = c->nr == __NR_futimesat ? c->a[1] : c->a[0];
	t = (const long *)(c->nr == __NR_futimesat ? c->a[2] : c->a[1]);
	u.a[2] = 0;
	u.a[3] = 0;
	if (t) {
		if (gk_uread_ok(t, c->nr == __NR_utime ? 16 : 32) < 0)
			return -EFAULT;
		if (c->nr == __NR_utime) {
			in[0] = t[0], in[1] = 0, in[2] = t[1], in[3] = 0;
		} else {
			for (i = 0; i < 4; i++)
				in[i] = t[i];
		}
		for (i = 0; i < 4; i += 2) {
			if (in[i + 1] < 0 || in[i + 1] >= 1000000)
				return -EINVAL;
			ts[i] = in[i];
			ts[i + 1] = in[i + 1] * 1000;
		}
		u.a[2] = (long)ts;
	}
	/* futimesat(fd, NULL, ...) is the descriptor itself, as utimensat's */
	if (!u.a[1] && c->nr != __NR_futimesat)
		return -EFAULT;
	r = sys_utimensat(&u);
	return r;
}
