/* SPDX-License-Identifier: GPL-2.0 */
/* bpf_run.h - classic BPF as seccomp runs it, for tests that hold two filters to one verdict. */
#ifndef KISTE_SELFTESTS_BPF_RUN_H
#define KISTE_SELFTESTS_BPF_RUN_H

#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/*
 * Enough of the instruction set for kiste's and libseccomp's programs; -1 on
 * an opcode it lacks, a load outside seccomp_data, a jump past the end or
 * falling off the end (seccomp refuses such programs).  @steps, if set, counts
 * the instructions run.
 */
static inline int64_t bpf_run_count(const struct sock_filter *f, size_t n,
				    const struct seccomp_data *d, size_t *steps)
{
	uint32_t a = 0, x = 0, mem[BPF_MEMWORDS] = { 0 };
	const uint8_t *data = (const uint8_t *)d;
	size_t pc = 0;

	while (pc < n) {
		const struct sock_filter *i = &f[pc++];
		uint32_t src = BPF_SRC(i->code) == BPF_X ? x : i->k;

		if (steps)
			(*steps)++;

		switch (i->code) {
		case BPF_LD | BPF_W | BPF_ABS:
			if (i->k > sizeof(*d) - 4)
				return -1;
			memcpy(&a, data + i->k, 4);
			continue;
		case BPF_LD | BPF_MEM: a = mem[i->k % BPF_MEMWORDS]; continue;
		case BPF_LDX | BPF_MEM: x = mem[i->k % BPF_MEMWORDS]; continue;
		case BPF_ST: mem[i->k % BPF_MEMWORDS] = a; continue;
		case BPF_STX: mem[i->k % BPF_MEMWORDS] = x; continue;
		case BPF_LD | BPF_IMM: a = i->k; continue;
		case BPF_MISC | BPF_TAX: x = a; continue;
		case BPF_MISC | BPF_TXA: a = x; continue;
		case BPF_ALU | BPF_AND | BPF_K: case BPF_ALU | BPF_AND | BPF_X: a &= src; continue;
		case BPF_ALU | BPF_OR | BPF_K: case BPF_ALU | BPF_OR | BPF_X: a |= src; continue;
		case BPF_JMP | BPF_JA:
			if (i->k >= n - pc)
				return -1;
			pc += i->k;
			continue;
		case BPF_JMP | BPF_JEQ | BPF_K: case BPF_JMP | BPF_JEQ | BPF_X:
			pc += a == src ? i->jt : i->jf;
			continue;
		case BPF_JMP | BPF_JGT | BPF_K: case BPF_JMP | BPF_JGT | BPF_X:
			pc += a > src ? i->jt : i->jf;
			continue;
		case BPF_JMP | BPF_JGE | BPF_K: case BPF_JMP | BPF_JGE | BPF_X:
			pc += a >= src ? i->jt : i->jf;
			continue;
		case BPF_JMP | BPF_JSET | BPF_K: case BPF_JMP | BPF_JSET | BPF_X:
			pc += (a & src) ? i->jt : i->jf;
			continue;
		case BPF_RET | BPF_K: return i->k;
		case BPF_RET | BPF_A: return a;
		}
		return -1;
	}
	return -1;
}

static inline int64_t bpf_run(const struct sock_filter *f, size_t n, const struct seccomp_data *d)
{
	return bpf_run_count(f, n, d, NULL);
}

#endif /* KISTE_SELFTESTS_BPF_RUN_H */
