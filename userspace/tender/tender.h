/* SPDX-License-Identifier: GPL-2.0 */
/* tender.h - the process tender's pieces: supervisor, process isolation, freestanding bindings. */
#ifndef KISTE_TENDER_H
#define KISTE_TENDER_H

#include <stdint.h>

#include "kiste_uk.h"

/*
 * State the freestanding bindings read after the filter is installed; filled
 * by the launcher side before the jump.  Plain data, no pointers into libc.
 */
struct uk_bind_state {
	uint32_t ndev;
	uint32_t nnet;
	struct {
		uint32_t type;
		int32_t fd;
		uint64_t block_size;
		uint64_t capacity;
		uint32_t frame_max;
	} dev[KISTE_UK_MAX_DEVICES];
	struct {
		int32_t fd;
		int16_t events;
		int16_t revents;
	} pfd[KISTE_UK_MAX_DEVICES]; /* layout of struct pollfd */
	uint32_t pfd_handle[KISTE_UK_MAX_DEVICES];
};

/* bindings_x86_64.c (freestanding) */
extern struct uk_bind_state uk_bind;
void uk_bind_table(uint64_t *calls);
/* Installs the filter with raw syscalls and jumps; never returns (exit 125 if seccomp fails). */
__attribute__((noreturn)) void uk_bind_enter(const void *bpf, uint64_t bpf_len, uint64_t entry,
					     uint64_t si, uint64_t stack_top);

/* tender_process.c: the child in process isolation. */
__attribute__((noreturn)) void tender_process_child(const struct kiste_uk_opts *o,
						    const struct kiste_uk_image *img,
						    struct kiste_uk_devs *devs);

/* Guest memory of vm isolation: --memory rounded up to the 2 MiB pages that map it. */
#define UK_VM_MEM(m) (((m) + (2ULL << 20) - 1) & ~((2ULL << 20) - 1))

/*
 * vmm/uk_vm.c: the child in vm isolation.  @fd is /dev/kvm, or with @brokered
 * the VM descriptor of kiste.ko's KVM broker (which answers system ioctls too).
 */
__attribute__((noreturn)) void uk_vm_child(int fd, bool brokered, const struct kiste_uk_opts *o,
					   const struct kiste_uk_image *img,
					   struct kiste_uk_devs *devs);

/* tender_main.c: "run ..." or "policy unikernel ..." (argv[0] is ignored); the exit status. */
int kiste_tender_main(int argc, char **argv);

/* Prints "kiste: MSG" and _exit(125): for children, after the fork. */
__attribute__((noreturn)) void tender_child_fail(const struct kiste_err *err);

#endif /* KISTE_TENDER_H */
