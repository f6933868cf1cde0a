// SPDX-License-Identifier: GPL-2.0
// ipfilter.c - shim mode's second seccomp filter: calls bound to the instruction that issues them.
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>

#include "allowlist.h"
#include "boot.h"

/*
 * libseccomp cannot test seccomp_data.instruction_pointer, so this filter is
 * written by hand; it stacks with the allowlist's and the stricter answer
 * wins.  Everything it does not name it leaves to the allowlist.
 *
 *  - clone (and clone3, fork, vfork, should the allowlist ever admit them)
 *    only from the gate's fork stub, whose child re-arms redirection before
 *    anything else runs (entry.S): a gate jump to any other syscall
 *    instruction cannot make a child without syscall user dispatch.
 *  - gettimeofday and time only from the vsyscall page: the host kernel
 *    emulates a legacy vsyscall through seccomp, never through dispatch, and
 *    the guest kernel serves the real syscalls itself.
 */
#define VSYSCALL_PAGE 0xffffffffff600000ULL
#define IP_LO offsetof(struct seccomp_data, instruction_pointer)
#define IP_HI (IP_LO + 4)

int shim_ipfilter_build(uint64_t fork_ip, struct shim_bpf *out, struct kiste_err *err)
{
	const struct sock_filter prog[] = {
		/* 0 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
		/* 3 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_clone, 6, 0),		/* -> 11 */
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_clone3, 5, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_fork, 4, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_vfork, 3, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_gettimeofday, 8, 0),	/* -> 17 */
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_time, 7, 0),
		/* 10 */ BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		/* 11: the fork stub's instruction pointer, or kill */
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, IP_HI),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)(fork_ip >> 32), 0, 3),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, IP_LO),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)fork_ip, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		/* 16 */ BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
		/* 17: inside the vsyscall page, or kill */
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, IP_HI),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)(VSYSCALL_PAGE >> 32), 0, 4),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, IP_LO),
		BPF_STMT(BPF_ALU | BPF_AND | BPF_K, 0xfffff000),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)VSYSCALL_PAGE, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		/* 23 */ BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
	};


	out->len = sizeof(prog) / sizeof(prog[0]);
	out->insns = malloc(sizeof(prog));
	if (!out->insns)
		return kiste_err_set(err, -ENOMEM, "out of memory building the shim's ip filter");
	memcpy(out->insns, prog, sizeof(prog));
	return 0;
}

void shim_ipfilter_print(FILE *f)
{
	fprintf(f, "# and a second filter binds calls to the instruction issuing them:\n"
		"#   clone, clone3, fork, vfork  only from the gate's fork stub (its child re-arms "
		"redirection first)\n"
		"#   gettimeofday, time          only from the vsyscall page (legacy vsyscalls)\n");
}
