// SPDX-License-Identifier: GPL-2.0
// ipc.c - anonymous files (memfd_create) for the workload.
#include <linux/memfd.h>

#include "gk.h"

/* Linux 6.3's exec-sealing flags (Debian 12's headers predate them). */
#define GK_MFD_NOEXEC_SEAL 0x0008U
#define GK_MFD_EXEC 0x0010U
#define GK_MFD_OK (MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_HUGETLB | GK_MFD_NOEXEC_SEAL | \
		   GK_MFD_EXEC | (MFD_HUGE_MASK << MFD_HUGE_SHIFT))
#define GK_MFD_NAME_MAX 249	/* the kernel's limit, without "memfd:" and the NUL */

/*
 * memfd_create: the host's, with the name copied here first (EFAULT and
 * EINVAL as natively) and the descriptor counted against the workload's
 * RLIMIT_NOFILE like every other.  The allowlist admits the same flags.
 */
long sys_memfd_create(struct gk_call *c)
{
	char name[GK_MFD_NAME_MAX + 2];
	long r;

	r = gk_ustr(name, (const char *)c->a[0], sizeof(name));
	if (r == -EFAULT)
		return r;
	if (r < 0 || r > GK_MFD_NAME_MAX)
		return -EINVAL;
	if (c->a[1] & ~(long)GK_MFD_OK)
		return -EINVAL;
	return gk_fd_new(hs2(__NR_memfd_create, name, c->a[1]), 0);
}
