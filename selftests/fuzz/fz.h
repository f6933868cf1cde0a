/* SPDX-License-Identifier: GPL-2.0 */
/* fz.h - the kiste.ko interface fuzzer: shared state, random source, the generators' entry points. */
#ifndef FZ_H
#define FZ_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <linux/kiste.h>

/* Recently seen sandbox ids, shared by every worker (a ring). */
#define FZ_IDS 64
/* Live member children one worker keeps at most. */
#define FZ_CHILDREN 4

/* Counters of what was sent; in memory every process of the run shares. */
enum fz_counter {
	FZ_C_GENL,	/* generic-netlink messages */
	FZ_C_DEV,	/* ioctls on /dev/kiste */
	FZ_C_VM,	/* ioctls on broker VM descriptors */
	FZ_C_VCPU,	/* ioctls and mappings on broker vCPU descriptors */
	FZ_C_MEMBERS,	/* member children started */
	FZ_C_VMS,	/* VMs the broker made */
	FZ_C_KILLS,	/* workers the coordinator killed */
	FZ_C_NR
};

/* Where the time goes (wall ns summed over processes), for tuning the mix. */
enum fz_timer {
	FZ_T_GENL,	/* a worker's genl message and its reply */
	FZ_T_DEV,	/* a worker's /dev/kiste ioctl */
	FZ_T_SPAWN,	/* a worker forking a member child */
	FZ_T_THREADS,	/* a worker's thread bursts */
	FZ_T_MEMBER,	/* a member child's life, VM sessions included */
	FZ_T_VM,	/* VM sessions */
	FZ_T_NR
};

struct fz_shared {
	_Atomic uint64_t msgs;		/* every counted message, all kinds */
	_Atomic uint64_t count[FZ_C_NR];
	_Atomic uint64_t ns[FZ_T_NR];
	_Atomic int stop;		/* set when a bound is reached */
	uint64_t limit;			/* the message bound */
	_Atomic uint32_t ids[FZ_IDS];
	_Atomic uint32_t ids_head;
	int family;			/* the kiste genl family id */
	uint32_t mcgrp;			/* its events group */
	bool kvm;			/* /dev/kvm exists: VM sessions run */
	char node[64];			/* a /dev/kiste node uid nobody may open */
	uintptr_t gate;			/* some text of this program (a plausible gate) */
};

struct fz_rng {
	uint64_t s[4];
};

/* One process of the run: a worker, or a member child of one. */
struct fz_ctx {
	struct fz_rng rng;
	struct fz_shared *sh;
	int idx;		/* worker index */
	bool unpriv;		/* runs as uid nobody */
	bool member;		/* a member child: attaching is its purpose */
	int nl;			/* its generic-netlink socket, -1 if none */
	int dev[3];		/* /dev/kiste descriptors, -1 when closed */
	uint32_t seq;
	uint32_t names;		/* names made so far */
	pid_t children[FZ_CHILDREN];
};

/* rng.c */
void fz_seed(struct fz_rng *r, uint64_t seed, uint64_t stream);
uint64_t fz_next(struct fz_rng *r);
uint32_t fz_below(struct fz_rng *r, uint32_t n);
bool fz_chance(struct fz_rng *r, unsigned int percent);
uint64_t fz_pick64(struct fz_rng *r, const uint64_t *pool, size_t n);
#define FZ_PICK(r, pool) fz_pick64((r), (pool), sizeof(pool) / sizeof((pool)[0]))
/* An interesting u32 / u64: boundaries, small values, random bits. */
uint32_t fz_u32(struct fz_rng *r);
uint64_t fz_u64(struct fz_rng *r);
/* A sandbox id: one seen lately, a neighbour, or anything. */
uint32_t fz_id(struct fz_ctx *c);
void fz_id_seen(struct fz_shared *sh, uint32_t id);
/* A NAME attribute or ioctl name: valid, reserved, long, with NULs, unterminated... */
size_t fz_name(struct fz_ctx *c, char *buf, size_t size);
/* Pids and CPU limits around their bounds and the member cap (uapi/linux/kiste.h). */
uint32_t fz_pids_limit(struct fz_ctx *c);
uint32_t fz_cpu_limit(struct fz_ctx *c);
/* Counts one message; false once the run's bound is reached. */
bool fz_count(struct fz_ctx *c, enum fz_counter what);
bool fz_stopped(const struct fz_ctx *c);
uint64_t fz_now_ns(void);
/* Adds the time since @t0 to @timer. */
void fz_time(struct fz_ctx *c, enum fz_timer timer, uint64_t t0);

/* genl.c */
int fz_nl_open(void);
int fz_nl_resolve(int fd, int *family, uint32_t *mcgrp);
void fz_genl_one(struct fz_ctx *c);

/* dev.c */
void *fz_arg_area(void);
void *fz_arg(struct fz_ctx *c, size_t size);
void fz_dev_one(struct fz_ctx *c);
int fz_dev_open(struct fz_ctx *c);

/* member.c */
void fz_member_spawn(struct fz_ctx *c);
void fz_threads(struct fz_ctx *c, int n);
void fz_children_reap(struct fz_ctx *c, bool all);

/* vm.c */
void fz_vm_session(struct fz_ctx *c, int kfd);

#endif /* FZ_H */
