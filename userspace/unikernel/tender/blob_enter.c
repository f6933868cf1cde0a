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

void uk_blob_main(void)
{
	uint64_t blob_start = (uintptr_t)uk_blob_start, blob_end = (uintptr_t)uk_blob_end;
	struct sock_fprog prog = {
		.len = (unsigned short)uk_ho.bpf_len,
		.filter = (struct sock_filter *)uk_ho.bpf,
	};

	if (uk_ho.flags || !uk_ho.bpf_len || uk_ho.bpf_len > UK_BLOB_BPF_MAX ||
	    (uk_ho.xinit_mask & ~UK_BLOB_XINIT_MAX) || uk_ho.mem_start < blob_end ||
	    uk_ho.mem_end <= uk_ho.mem_start || (uk_ho.mem_start | uk_ho.mem_end) % PAGE ||
	    uk_ho.mem_end > USER_END_4L)
		FAIL("malformed hand-over to the unikernel's bindings (a kiste bug)");
	unmap_kiste(blob_start, blob_end);
	/* The kernel would write to these pointers into kiste's (gone) memory at exit. */
	uk_sys1(__NR_set_tid_address, 0);
	uk_sys4(__NR_set_robust_list, 0, ROBUST_LIST_HEAD_SIZE, 0, 0);
	/* no_new_privs was set by the launcher; from here on only the filter's calls work */
	if (uk_sys4(__NR_seccomp, SECCOMP_SET_MODE_FILTER, 0, (long)&prog, 0) != 0)
		FAIL("cannot install the seccomp filter: check that the kernel has "
		     "CONFIG_SECCOMP_FILTER");
	uk_blob_jump(uk_ho.entry, uk_ho.start_info, uk_ho.stack_top, uk_ho.xinit_mask);
}
