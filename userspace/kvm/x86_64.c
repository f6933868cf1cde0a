// SPDX-License-Identifier: GPL-2.0
// x86_64.c - a tiny long-mode KVM guest on /dev/kvm or a broker VM fd: paging, vCPU, runs.
#include <errno.h>
#include <linux/kvm.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "kiste_kvm.h"

#define CR0_PE	       (1ULL << 0)
#define CR0_MP	       (1ULL << 1)
#define CR0_ET	       (1ULL << 4)
#define CR0_NE	       (1ULL << 5)
#define CR0_WP	       (1ULL << 16)
#define CR0_PG	       (1ULL << 31)
#define CR4_PAE	       (1ULL << 5)
#define CR4_OSFXSR     (1ULL << 9)
#define CR4_OSXMMEXCPT (1ULL << 10)
#define EFER_LME       (1ULL << 8)
#define EFER_LMA       (1ULL << 10)
#define PTE_P	       0x1ULL
#define PTE_W	       0x2ULL
#define PTE_PS	       0x80ULL
/* One page directory of 2 MiB pages maps the first 1 GiB: the most a guest here gets. */
#define VMM_MEM_MAX (1ULL << 30)
/* KVM's supported CPUID list is well under this on every x86 host. */
#define VMM_CPUID_MAX 256

static int vmm_err(struct kiste_err *err, const char *what)
{
	return kiste_err_set(err, -errno,
			     "KVM %s failed: %s: use --isolation process if this "
			     "machine's KVM cannot run the guest",
			     what, strerror(errno));
}

void *vmm_kvm_gpa(const struct vmm_kvm *vm, uint64_t gpa, uint64_t len)
{
	if (gpa > vm->mem_size || len > vm->mem_size - gpa)
		return NULL;
	return vm->mem + gpa;
}

static void vmm_paging(struct vmm_kvm *vm)
{
	uint64_t *pml4 = vmm_kvm_gpa(vm, VMM_PML4, 4096);
	uint64_t *pdpt = vmm_kvm_gpa(vm, VMM_PDPT, 4096);
	uint64_t *pd = vmm_kvm_gpa(vm, VMM_PD, 4096);
	uint64_t *gdt = vmm_kvm_gpa(vm, VMM_GDT, 24);
	uint64_t a;

	pml4[0] = VMM_PDPT | PTE_P | PTE_W;
	pdpt[0] = VMM_PD | PTE_P | PTE_W;
	for (a = 0; a < vm->mem_size; a += 2ULL << 20)
		pd[a >> 21] = a | PTE_P | PTE_W | PTE_PS;
	gdt[0] = 0;
	gdt[1] = 0x00af9b000000ffffULL; /* 0x08: 64-bit code */
	gdt[2] = 0x00cf93000000ffffULL; /* 0x10: data */
}

/* Guest memory checks and allocation, shared by both ways of getting a VM. */
static int vmm_kvm_mem(int sys_fd, uint64_t mem_size, struct vmm_kvm *vm, struct kiste_err *err)
{
	*vm = (struct vmm_kvm){ .vm_fd = -1, .vcpu_fd = -1 };
	if (mem_size > VMM_MEM_MAX || mem_size < (2ULL << 20) || mem_size % (2ULL << 20))
		return kiste_err_set(err, -EINVAL,
				     "guest memory must be 2 MiB..1 GiB in 2 MiB "
				     "steps: adjust --memory");
	if (ioctl(sys_fd, KVM_GET_API_VERSION, 0) != KVM_API_VERSION)
		return kiste_err_set(err, -ENOTSUP,
				     "/dev/kvm speaks an unknown KVM API: use "
				     "--isolation process");
	vm->mem = mmap(NULL, mem_size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (vm->mem == MAP_FAILED)
		return kiste_err_set(err, -ENOMEM,
				     "cannot allocate %llu MiB of guest memory: "
				     "lower --memory",
				     (unsigned long long)(mem_size >> 20));
	vm->mem_size = mem_size;
	return 0;
}

/* Memory slot, vCPU and its run area on vm->vm_fd; system ioctls go to @sys_fd. */
static int vmm_kvm_setup(int sys_fd, struct vmm_kvm *vm, struct kiste_err *err)
{
	struct kvm_userspace_memory_region region = { 0 };
	int n;

	region.memory_size = vm->mem_size;
	region.userspace_addr = (uintptr_t)vm->mem;
	if (ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &region) < 0)
		return vmm_err(err, "KVM_SET_USER_MEMORY_REGION");
	vm->vcpu_fd = ioctl(vm->vm_fd, KVM_CREATE_VCPU, 0);
	if (vm->vcpu_fd < 0)
		return vmm_err(err, "KVM_CREATE_VCPU");
	n = ioctl(sys_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (n <= 0)
		return vmm_err(err, "KVM_GET_VCPU_MMAP_SIZE");
	vm->run_size = n;
	vm->run = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_SHARED, vm->vcpu_fd, 0);
	if (vm->run == MAP_FAILED)
		return vmm_err(err, "vCPU mmap");
	vmm_paging(vm);
	return 0;
}

int vmm_kvm_create(int kvm_fd, uint64_t mem_size, struct vmm_kvm *vm, struct kiste_err *err)
{
	int ret = vmm_kvm_mem(kvm_fd, mem_size, vm, err);

	if (ret < 0)
		return ret;
	vm->vm_fd = ioctl(kvm_fd, KVM_CREATE_VM, 0);
	if (vm->vm_fd < 0)
		return vmm_err(err, "KVM_CREATE_VM");
	return vmm_kvm_setup(kvm_fd, vm, err);
}

int vmm_kvm_create_on(int vm_fd, uint64_t mem_size, struct vmm_kvm *vm, struct kiste_err *err)
{
	int ret = vmm_kvm_mem(vm_fd, mem_size, vm, err);

	if (ret < 0)
		return ret;
	vm->vm_fd = vm_fd;
	return vmm_kvm_setup(vm_fd, vm, err);
}

/* EFER.LME is only accepted when the guest's CPUID says long mode: give it the host's. */
static int vmm_cpuid(struct vmm_kvm *vm, int kvm_fd, struct kiste_err *err)
{
	struct kvm_cpuid2 *cpuid;
	int ret;

	cpuid = calloc(1, sizeof(*cpuid) + VMM_CPUID_MAX * sizeof(cpuid->entries[0]));
	if (!cpuid)
		return kiste_err_set(err, -ENOMEM, "out of memory for CPUID");
	cpuid->nent = VMM_CPUID_MAX;
	ret = ioctl(kvm_fd, KVM_GET_SUPPORTED_CPUID, cpuid);
	if (ret == 0)
		ret = ioctl(vm->vcpu_fd, KVM_SET_CPUID2, cpuid);
	free(cpuid);
	return ret < 0 ? vmm_err(err, "CPUID setup") : 0;
}

static void vmm_seg(struct kvm_segment *s, uint16_t sel, uint8_t type, int code)
{
	*s = (struct kvm_segment){ .base = 0,
				   .limit = 0xffffffff,
				   .selector = sel,
				   .type = type,
				   .present = 1,
				   .s = 1,
				   .g = 1,
				   .l = code,
				   .db = !code };
}

int vmm_kvm_enter_long_mode(struct vmm_kvm *vm, int kvm_fd, uint64_t rip, uint64_t rsp,
			    uint64_t rdi, struct kiste_err *err)
{
	struct kvm_sregs sregs;
	struct kvm_regs regs = { 0 };

	if (vmm_cpuid(vm, kvm_fd, err) < 0)
		return err->code;
	if (ioctl(vm->vcpu_fd, KVM_GET_SREGS, &sregs) < 0)
		return vmm_err(err, "KVM_GET_SREGS");
	sregs.cr3 = VMM_PML4;
	sregs.cr4 = CR4_PAE | CR4_OSFXSR | CR4_OSXMMEXCPT;
	sregs.cr0 = CR0_PE | CR0_MP | CR0_ET | CR0_NE | CR0_WP | CR0_PG;
	sregs.efer = EFER_LME | EFER_LMA;
	vmm_seg(&sregs.cs, 0x08, 11, 1);
	vmm_seg(&sregs.ds, 0x10, 3, 0);
	sregs.es = sregs.fs = sregs.gs = sregs.ss = sregs.ds;
	sregs.gdt.base = VMM_GDT;
	sregs.gdt.limit = 3 * 8 - 1;
	if (ioctl(vm->vcpu_fd, KVM_SET_SREGS, &sregs) < 0)
		return vmm_err(err, "KVM_SET_SREGS (long mode)");
	regs.rflags = 0x2; /* IF clear: the guest never takes interrupts */
	regs.rip = rip;
	regs.rsp = rsp;
	regs.rdi = rdi;
	if (ioctl(vm->vcpu_fd, KVM_SET_REGS, &regs) < 0)
		return vmm_err(err, "KVM_SET_REGS");
	return 0;
}

int vmm_kvm_run(struct vmm_kvm *vm, vmm_kvm_out_fn out, void *ctx, struct kiste_err *err)
{
	struct kvm_run *run = vm->run;
	uint32_t value;
	int ret;

	for (;;) {
		if (ioctl(vm->vcpu_fd, KVM_RUN, 0) < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return vmm_err(err, "KVM_RUN");
		}
		switch (run->exit_reason) {
		case KVM_EXIT_IO:
			if (run->io.direction != KVM_EXIT_IO_OUT || run->io.size != 4 ||
			    run->io.count != 1)
				return kiste_err_set(err, -EFAULT,
						     "guest made an unexpected port "
						     "access at 0x%x: rebuild it with kiste-uk-cc",
						     run->io.port);
			memcpy(&value, (uint8_t *)run + run->io.data_offset, 4);
			ret = out(ctx, run->io.port, value, err);
			if (ret < 0)
				return ret;
			break;
		case KVM_EXIT_HLT:
			return kiste_err_set(err, -EFAULT,
					     "guest halted without exiting: end it "
					     "with uk_exit()");
		case KVM_EXIT_SHUTDOWN:
			return kiste_err_set(err, -EFAULT,
					     "guest crashed (triple fault): debug "
					     "it with --isolation process");
		default:
			return kiste_err_set(err, -EIO,
					     "guest stopped with KVM exit reason %u: use "
					     "--isolation process",
					     run->exit_reason);
		}
	}
}
