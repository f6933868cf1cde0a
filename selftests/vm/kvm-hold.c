// SPDX-License-Identifier: GPL-2.0
/* kvm-hold.c - test-VM helper: keeps two idle KVM VMs so KVM's static keys never flip during a run. */

/*
 * Why: under qemu TCG with several vCPU threads, the test VM's kernel can keep
 * executing a stale translation of an int3 that text_poke_bp() planted and
 * removed again; the int3 handler sees no breakpoint, retries the instruction,
 * and the CPU loops there forever (all of the VM stops when the site is the
 * scheduler's).  KVM flips static keys whenever the first VM / vCPU appears
 * or the last one goes: preempt_notifier_key (patched in finish_task_switch),
 * kvm_has_noapic_vcpu, apic_hw_disabled and apic_sw_disabled.  Holding one VM
 * with a vCPU without in-kernel irqchip, and one with an irqchip whose vCPU's
 * APIC stays hardware- and software-disabled, keeps every count above zero,
 * so nested guests started by the tests patch no kernel text.
 *
 * Sets the VMs up in the foreground (exit status 1 and one line on failure),
 * then forks a child that holds them until it is killed; the parent exits 0.
 */

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/kvm.h>

#define MSR_IA32_APICBASE	0x1b
#define APIC_DEFAULT_BASE	0xfee00000ULL	/* enable bit (11) clear: APIC disabled */

static int fail(const char *what)
{
	fprintf(stderr, "kvm-hold: %s: %s: %s\n", what, strerror(errno),
		errno == ENOENT || errno == ENXIO ? "load kvm_amd or kvm_intel first" :
		"nested guests may now hang this VM (see kvm-hold.c)");
	return -1;
}

/* A VM with one vCPU; with irqchip, its APIC is then disabled through MSR_IA32_APICBASE. */
static int hold_vm(int kvm, int irqchip)
{
	struct {
		struct kvm_msrs hdr;
		struct kvm_msr_entry entry;
	} msrs;
	int vm, vcpu, n;

	vm = ioctl(kvm, KVM_CREATE_VM, 0);
	if (vm < 0)
		return fail("KVM_CREATE_VM");
	if (irqchip && ioctl(vm, KVM_CREATE_IRQCHIP, 0) < 0)
		return fail("KVM_CREATE_IRQCHIP");
	vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
	if (vcpu < 0)
		return fail("KVM_CREATE_VCPU");
	if (!irqchip)
		return 0;
	memset(&msrs, 0, sizeof(msrs));
	msrs.hdr.nmsrs = 1;
	msrs.entry.index = MSR_IA32_APICBASE;
	msrs.entry.data = APIC_DEFAULT_BASE;
	n = ioctl(vcpu, KVM_SET_MSRS, &msrs);
	if (n != 1) {
		if (n >= 0)
			errno = EINVAL;	/* the MSR was refused */
		return fail("KVM_SET_MSRS(APIC base)");
	}
	return 0;
}

int main(void)
{
	pid_t pid;
	int kvm;

	kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0) {
		fail("cannot open /dev/kvm");
		return 1;
	}
	if (hold_vm(kvm, 0) < 0 || hold_vm(kvm, 1) < 0)
		return 1;
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		fail("fork");
		return 1;
	}
	if (pid > 0)
		return 0;
	/* The child keeps the descriptors (and so the VMs) until it is killed. */
	setsid();
	signal(SIGHUP, SIG_IGN);
	/* Holds no pipe of whoever started it open. */
	kvm = open("/dev/null", O_RDWR);
	if (kvm >= 0) {
		dup2(kvm, 0), dup2(kvm, 1), dup2(kvm, 2);
		if (kvm > 2)
			close(kvm);
	}
	for (;;)
		pause();
}
