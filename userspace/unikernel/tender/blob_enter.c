// SPDX-License-Identifier: GPL-2.0
// blob_enter.c - the blob's way in: unmap all of kiste, install the filter, jump to the unikernel.
/*
 * Runs on the blob's own stack (blob_start_x86_64.S) in the child that
 * becomes the unikernel, with raw syscalls only: after the first munmap there
 * is no libc, no kiste text and no kiste stack to return to.
 */
#include <asm/unistd.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#include <kiste/exit.h>

#include "blob.h"

#define PAGE 4096ULL
/* The top of user space with 4-level and with 5-level page tables (x86_64 TASK_SIZE_MAX). */
#define USER_END_4L ((1ULL << 47) - PAGE)
#define USER_END_5L ((1ULL << 56) - PAGE)
/* The kernel's size of struct robust_list_head, which set_robust_list insists on. */
#define ROBUST_LIST_HEAD_SIZE 24

static __attribute__((noreturn)) void fail(const char *msg, long len)
{
	/* Still unfiltered: the launcher's stderr is descriptor 2 until the filter is in. */
	uk_sys4(__NR_write, 2, (long)msg, len, 0);
	uk_sys1(__NR_exit_group, KISTE_EXIT_REFUSED);
	__builtin_unreachable();
}

#define FAIL(s) fail("kiste: " s "\n", sizeof("kiste: " s "\n") - 1)

static long unmap(uint64_t lo, uint64_t hi)
{
	return lo < hi ? uk_sys4(__NR_munmap, (long)lo, (long)(hi - lo), 0, 0) : 0;
}

/*
 * Everything but the blob and the unikernel's memory: kiste's image, its
 * heap, libc's data, the stack with kiste's arguments and environment, and
 * the [vdso]/[vvar] pages (nothing calls them: the bindings' clock is a real
 * clock_gettime, which the filter admits).  [vsyscall] is no mapping of the
 * process and stays (execute-only, the kernel's own page).
 */
static void unmap_kiste(uint64_t blob_start, uint64_t blob_end)
{
	if (unmap(0, blob_start) < 0 || unmap(blob_end, uk_ho.mem_start) < 0 ||
	    unmap(uk_ho.mem_end, USER_END_4L) < 0)
		FAIL("cannot unmap the launcher from the unikernel's process");
	/* Only with 5-level page tables is there anything above; EINVAL otherwise. */
	unmap(USER_END_4L, USER_END_5L);
}

/* The kernel's struct sigaction (rt_sigaction's), and struct stack_t for sigaltstack. */
struct uk_ksigaction {
	void (*handler)(int, void *, void *);
	unsigned long flags;
	void (*restorer)(void);
	unsigned long mask;
};
struct uk_stack {
	void *sp;
	int flags;
	unsigned long size;
};

#define UK_SA_SIGINFO 0x4
#define UK_SA_ONSTACK 0x08000000
#define UK_SA_RESTORER 0x04000000
#define UK_SIGKILL 9
#define UK_SIGSTOP 19
#define UK_SIGSYS 31
/* HUP, INT, TERM: kiste run forwards them, so the forked child resets them to default. */
#define UK_SIG_FORWARDED ((1UL << 1) | (1UL << 2) | (1UL << 15))
/* Signals whose default action ends a process: all of 1..31 but KILL, STOP and these. */
#define UK_SIG_NOT_FATAL ((1UL << 17) | (1UL << 18) | (1UL << 20) | (1UL << 21) | \
			  (1UL << 22) | (1UL << 23) | (1UL << 28))	/* CHLD CONT TSTP TTIN TTOU URG WINCH */

/*
 * Direct entry's end of the unikernel by a signal (bindings.h): what kiste
 * run's supervising parent would have made of it.  Only write and exit_group,
 * both through the filter; the line comes from the read-only message page,
 * so a unikernel that wrote the blob's data cannot change what is printed.
 */
static __attribute__((noreturn, used)) void fatal(int sig, void *info, void *uc)
{
	const struct uk_blob_msg *m = (const struct uk_blob_msg *)UK_BLOB_MSG_ADDR;

	(void)info, (void)uc;
	if (sig == UK_SIGSYS && m->len <= sizeof(m->text))
		uk_sys4(__NR_write, 2, (long)m->text, (long)m->len, 0);
	uk_sys1(__NR_exit_group, KISTE_EXIT_SIGNAL + sig);
	__builtin_unreachable();
}

/* Never called: fatal() does not return, but x86_64 delivers no signal without a restorer. */
static void restorer(void)
{
	__builtin_trap();
}

/* The message page read-only; a handler on the blob's (by then unused) stack for each fatal signal. */
static void direct_setup(void)
{
	struct uk_stack ss = { uk_blob_stack, 0, UK_BLOB_STACK_SIZE };
	struct uk_ksigaction sa = {
		.handler = fatal,
		.flags = UK_SA_SIGINFO | UK_SA_ONSTACK | UK_SA_RESTORER,
		.restorer = restorer,
		.mask = ~0UL,
	};
	const struct uk_blob_msg *m = (const struct uk_blob_msg *)UK_BLOB_MSG_ADDR;
	long sig;

	if (m->len > sizeof(m->text) ||
	    uk_sys4(__NR_mprotect, UK_BLOB_MSG_ADDR, UK_BLOB_MSG_SIZE, 1 /* PROT_READ */, 0))
		FAIL("cannot seal the unikernel's exit message (a kiste bug)");
	if (uk_sys4(__NR_sigaltstack, (long)&ss, 0, 0, 0))
		FAIL("cannot give the unikernel's exit handler a stack");
	for (sig = 1; sig <= 31; sig++) {
		struct uk_ksigaction old;

		if (sig == UK_SIGKILL || sig == UK_SIGSTOP || (UK_SIG_NOT_FATAL & (1UL << sig)))
			continue;
		/*
		 * As the forked child: what kiste run was started ignoring stays
		 * ignored, but for the signals it forwards (bindings.h).
		 */
		if (uk_sys4(__NR_rt_sigaction, sig, 0, (long)&old, 8))
			FAIL("cannot install the unikernel's exit handler");
		if ((UK_SIG_FORWARDED & (1UL << sig)) || (unsigned long)old.handler != 1 /* IGN */)
			if (uk_sys4(__NR_rt_sigaction, sig, (long)&sa, 0, 8))
				FAIL("cannot install the unikernel's exit handler");
	}
	/* Signals kiste run held back while it set up arrive now, to the handlers. */
	if (uk_sys4(__NR_rt_sigprocmask, 2 /* SIG_SETMASK */, (long)&uk_ho.sigmask, 0, 8))
		FAIL("cannot unblock the unikernel's signals");
}

void uk_blob_main(void)
{
	uint64_t blob_start = (uintptr_t)uk_blob_start, blob_end = (uintptr_t)uk_blob_end;
	struct sock_fprog prog = {
		.len = (unsigned short)uk_ho.bpf_len,
		.filter = (struct sock_filter *)uk_ho.bpf,
	};

	if ((uk_ho.flags & ~UK_HO_F_DIRECT) || !uk_ho.bpf_len || uk_ho.bpf_len > UK_BLOB_BPF_MAX ||
	    (uk_ho.xinit_mask & ~UK_BLOB_XINIT_MAX) || uk_ho.mem_start < blob_end ||
	    uk_ho.mem_end <= uk_ho.mem_start || (uk_ho.mem_start | uk_ho.mem_end) % PAGE ||
	    uk_ho.mem_end > USER_END_4L)
		FAIL("malformed hand-over to the unikernel's bindings (a kiste bug)");
	unmap_kiste(blob_start, blob_end);
	/* The kernel would write to these pointers into kiste's (gone) memory at exit. */
	uk_sys1(__NR_set_tid_address, 0);
	uk_sys4(__NR_set_robust_list, 0, ROBUST_LIST_HEAD_SIZE, 0, 0);
	if (uk_ho.flags & UK_HO_F_DIRECT)
		direct_setup();
	/* no_new_privs was set by the launcher; from here on only the filter's calls work */
	if (uk_sys4(__NR_seccomp, SECCOMP_SET_MODE_FILTER, 0, (long)&prog, 0) != 0)
		FAIL("cannot install the seccomp filter: check that the kernel has "
		     "CONFIG_SECCOMP_FILTER");
	uk_blob_jump(uk_ho.entry, uk_ho.start_info, uk_ho.stack_top, uk_ho.xinit_mask);
}
