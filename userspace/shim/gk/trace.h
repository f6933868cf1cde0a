/* SPDX-License-Identifier: GPL-2.0 */
/* trace.h - --trace's line writer and decoders, shared by trace.c, trace_fmt.c, trace_net.c. */
#ifndef KISTE_GK_TRACE_H
#define KISTE_GK_TRACE_H

#include "gk.h"

#include <asm/ioctls.h>
#include <asm/mman.h>
#include <asm/poll.h>
#include <asm/prctl.h>
#include <asm/resource.h>
#include <asm/signal.h>
#include <asm/socket.h>
#include <asm/statfs.h>
#include <linux/eventpoll.h>
#include <linux/fcntl.h>
#include <linux/futex.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/mman.h>
#include <linux/prctl.h>
#include <linux/random.h>
#include <linux/magic.h>
#include <linux/sched.h>
#include <linux/signal.h>
#include <linux/sysinfo.h>
#include <linux/utsname.h>
#include <linux/stat.h>
#include <linux/tcp.h>
#include <linux/time.h>
#include <linux/wait.h>

#define TR_N(t) (sizeof(t) / sizeof((t)[0]))

/*
 * A table of names: the values in an array, the names in one string, each
 * ended by its NUL (no pointer per row, so none to relocate in the image).
 * Its rows come from a list macro LIST(C, N): C(F_GETFD) is the uapi macro
 * with its own name, so a name never carries a wrong value; N(value, NAME) a
 * constant the uapi headers lack.
 */
struct tr_table {
	const unsigned long *v;
	const char *names;
	unsigned int n;
};
#define TR_CV(x) (unsigned long)(x),
#define TR_CS(x) #x "\0"
#define TR_NV(v, x) (unsigned long)(v),
#define TR_NS(v, x) #x "\0"
#define TR_TABLE(name, list) \
	static const unsigned long name##_v[] = { list(TR_CV, TR_NV) }; \
	static const char name##_s[] = list(TR_CS, TR_NS); \
	static const struct tr_table name = { name##_v, name##_s, TR_N(name##_v) }

#define TR_STRLEN 32	/* bytes of data and of an argv string shown: strace's -s default */
#define TR_PATHLEN 4096	/* a path is shown whole, as strace does (PATH_MAX) */
#define TR_ELEMS 32	/* elements of an array shown (argv, iovecs, pollfds...): strace's -s */
#define TR_OK(r) ((r) >= 0 || (r) <= -4096)	/* a result that is not an error */

/* A line being written: it never overflows, it is cut (put() stops at cap - 1). */
struct tr_out {
	char *buf;
	size_t len, cap;
};

void put(struct tr_out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void putch(struct tr_out *o, char ch);
int uget(void *dst, unsigned long src, size_t n);
void put_ptr(struct tr_out *o, unsigned long v);
void put_hex(struct tr_out *o, unsigned long v);
void put_oct(struct tr_out *o, unsigned long v);
const char *tr_lookup(unsigned long v, const struct tr_table *t);
void put_enum(struct tr_out *o, unsigned long v, const struct tr_table *t, int hex);
void put_flags(struct tr_out *o, unsigned long v, const struct tr_table *t, const char *zero);

void put_quoted(struct tr_out *o, const unsigned char *s, size_t n, int hex, int more);

/* data and strings of the workload, read safely: an address where they cannot be read */
void put_data(struct tr_out *o, unsigned long p, unsigned long len, int hex);
void put_str(struct tr_out *o, unsigned long p, size_t max);
void put_argv(struct tr_out *o, unsigned long p);
void put_envp(struct tr_out *o, unsigned long p);
void put_iov(struct tr_out *o, unsigned long p, unsigned long cnt, long left);
void put_dirents(struct tr_out *o, unsigned long p, unsigned long len);

/* constants the structures share with arguments */
void put_open(struct tr_out *o, unsigned long v);
void put_open_flags(struct tr_out *o, unsigned long v);
void put_sig(struct tr_out *o, unsigned long sig, int prefix);
void put_statx_mask(struct tr_out *o, unsigned long v);
void put_family(struct tr_out *o, unsigned long v);
void put_clone_flags(struct tr_out *o, unsigned long v);

/* structures */
void put_sigset(struct tr_out *o, unsigned long p);
void put_sigaction(struct tr_out *o, unsigned long p);
void put_timespec(struct tr_out *o, unsigned long p);
void put_rlimit(struct tr_out *o, unsigned long p);
void put_stat(struct tr_out *o, unsigned long p);
void put_statx(struct tr_out *o, unsigned long p);
void put_intp(struct tr_out *o, unsigned long p);
void put_wstatus(struct tr_out *o, unsigned long p);
void put_pollfds(struct tr_out *o, unsigned long p, unsigned long cnt, int rev);
void put_clone(struct tr_out *o, const struct gk_call *c);
void put_clone3(struct tr_out *o, unsigned long p, long ret);
void put_stack(struct tr_out *o, unsigned long p);
void put_sysinfo(struct tr_out *o, unsigned long p);
void put_uname(struct tr_out *o, unsigned long p);
void put_winsize(struct tr_out *o, unsigned long p);
void put_statfs(struct tr_out *o, unsigned long p);
void put_siginfo(struct tr_out *o, unsigned long p);
void put_ints(struct tr_out *o, unsigned long p, long n, int cpumask);

/* sockets (trace_net.c) */
void put_msg_flags(struct tr_out *o, unsigned long v);
void put_sockaddr(struct tr_out *o, unsigned long p, unsigned long len);
void put_msghdr(struct tr_out *o, unsigned long p, long left);
void put_epoll_events(struct tr_out *o, unsigned long p, long n, int array);

#endif /* KISTE_GK_TRACE_H */
