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
 * clone (and clone3, fork, vfork, should the allowlist ever admit them) only
 * from the gate's fork stub or its thread stub, whose children re-arm
 * redirection before anything else runs (entry.S): a gate jump to any other
 * syscall instruction cannot make a child or a thread without syscall user
 * dispatch.  Which flags each may pass is the allowlist's business.
 */
#define IP_LO offsetof(struct seccomp_data, instruction_pointer)
#define IP_HI (IP_LO + 4)

int shim_ipfilter_build(uint64_t fork_ip, uint64_t thread_ip, struct shim_bpf *out,
			struct kiste_err *err)
{
	const struct sock_filter prog[] = {
		/* 0 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
		/* 3 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_clone, 4, 0),		/* -> 9 */
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_clone3, 3, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_fork, 2, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_vfork, 1, 0),
		/* 8 */ BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		/* 9: the fork stub's instruction pointer, */
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, IP_HI),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)(fork_ip >> 32), 0, 3),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, IP_LO),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)fork_ip, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		/* 14: or the thread stub's, or kill */
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, IP_HI),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)(thread_ip >> 32), 0, 3),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, IP_LO),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)thread_ip, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		/* 19 */ BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
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
	fprintf(f, "# a second filter binds calls to the instruction issuing them:\n"
		"#   clone, clone3, fork, vfork  only from the gate's fork stub or its thread stub "
		"(the child re-arms redirection first)\n");
}
