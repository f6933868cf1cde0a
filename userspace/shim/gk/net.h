/* SPDX-License-Identifier: GPL-2.0 */
/* net.h - what net.c and unixmed.c (the guest kernel's sockets) share: layouts and helpers. */
#ifndef KISTE_GK_NET_H
#define KISTE_GK_NET_H

#include "gk.h"
#include "../net_policy.h"
#include "../unixmed.h"

#define NET_ADDR_MAX 128	/* sizeof(struct sockaddr_storage): the kernel's own cap */
#define NET_UN_MAX 110		/* sizeof(struct sockaddr_un) */
#define NET_CMSG_MAX 4096	/* control data per call; more is ENOBUFS (optmem_max is 20 KiB) */
#define NET_ST_RDONLY 1
#define NET_RETRY_NS 2000000L	/* a blocking pathname send or connect retries every 2 ms */

/* The x86_64 layouts (the kernel's user_msghdr, cmsghdr, mmsghdr). */
struct net_msghdr {
	void *name;
	int namelen;
	void *iov;
	unsigned long iovlen;
	void *control;
	unsigned long controllen;
	unsigned int flags;
};

struct net_cmsg {
	unsigned long len;
	int level;
	int type;
};

struct net_ucred {
	int pid;
	unsigned int uid, gid;
};

struct net_addr {
	char b[NET_ADDR_MAX];
	long len;
};

/* net.c */
int gk_net_ok(void);
long gk_net_fd_new(long fd);
long gk_net_addr_in(struct net_addr *na, const void *u, long len);
int gk_net_listed(const long *l, unsigned long n, long opt);
#define LISTED(l, o) gk_net_listed(l, sizeof(l) / sizeof(l[0]), o)

/* unixmed.c: AF_UNIX through the init's mediator, with the host's "/" as the rootfs */
int gk_unixmed_on(void);
int gk_unix_is_ph(long fd);
int gk_unix_is_bound(long fd);
long gk_unix_placeholder(long typeflags);
long gk_unix_ph_type(long fd);
long gk_unix_ph_unconnected(long fd, int addressed);
long gk_unixmed_do(struct gk_call *c, unsigned int op);
long gk_unixmed_listen(struct gk_call *c);

#endif /* KISTE_GK_NET_H */
