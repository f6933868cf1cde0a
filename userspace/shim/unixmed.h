/* SPDX-License-Identifier: GPL-2.0 */
/* unixmed.h - the AF_UNIX mediator's wire format: guest kernel (gk/net.c) to the sandbox's init. */
#ifndef KISTE_SHIM_UNIXMED_H
#define KISTE_SHIM_UNIXMED_H

/*
 * Shared by the freestanding guest kernel and the launcher's init
 * (unixmed.c): plain integer types, no libc.  One request is one
 * SOCK_SEQPACKET message on the channel (GK_FD_UNIXMED) carrying exactly one
 * descriptor (SCM_RIGHTS): one end of a fresh SOCK_SEQPACKET pair, on which
 * the init answers with one struct kum_reply and, on success, the socket
 * (SCM_RIGHTS).  Everything in a request is the workload's to forge (a gate
 * jump can send anything on the channel): the init checks every field.
 */
#define KUM_MAGIC 0x64656d75U	/* "umed" */
#define KUM_CONNECT 1		/* a socket of @type connected to @addr */
#define KUM_BIND 2		/* a socket of @type bound to @addr and listening */
#define KUM_F_PASSCRED 1		/* SO_PASSCRED before connect: autobound, as natively */
/*
 * KUM_CONNECT from a socket the workload bound first: bound to @bindaddr
 * again (a socket file left there is replaced), then connected.
 */
#define KUM_F_BIND 2
/*
 * KUM_BIND of a name the workload's socket holds already (its listen()): the
 * socket file is replaced (its mode kept).  A plain KUM_BIND of a pathname
 * answers a socket that listens but refuses connections (shut down for
 * reading: ECONNREFUSED, as a bound socket that does not listen yet).
 */
#define KUM_F_LISTEN 4
#define KUM_SUN_MAX 108		/* sizeof(sun_path) */
#define KUM_PATH_MAX 4096	/* PATH_MAX: the guest kernel's paths are no longer */

struct kum_req {
	unsigned int magic;
	unsigned int op;		/* KUM_CONNECT or KUM_BIND */
	unsigned int type;		/* SOCK_STREAM or SOCK_SEQPACKET, no flags */
	unsigned int umask;		/* the workload's, for the bound file's mode */
	int backlog;			/* KUM_BIND: listen()'s */
	unsigned int addrlen;		/* bytes of @addr (sun_path) used; 0: autobind */
	unsigned int cwdlen;		/* bytes of @cwd, without a NUL */
	unsigned int flags;		/* KUM_F_*; no others */
	/* The name as the workload gave it (getsockname's): a path without NULs, or abstract. */
	char addr[KUM_SUN_MAX];
	unsigned int bindlen;		/* KUM_F_BIND: bytes of @bindaddr, as @addr */
	char bindaddr[KUM_SUN_MAX];	/* KUM_F_BIND: the name the socket had */
	char cwd[KUM_PATH_MAX];		/* the guest cwd (absolute): a relative name's base */
};

struct kum_reply {
	int err;			/* 0 or a positive errno */
	unsigned int pad;
};

#endif /* KISTE_SHIM_UNIXMED_H */
