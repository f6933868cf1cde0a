/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fake_guest.h - a tiny guest for the vm-mode VMM on the host's /dev/kvm, and
 * `kiste run --mode=vm --kernel FAKE` around it; shared by vmmode_boot_test
 * (boot structures, exits, signals) and vmmode_devices_test (PCI and virtio-blk,
 * through FG_SCRIPT: a list of port and memory accesses the guest performs).
 * Include it after kselftest_harness.h, once per test program.
 */
#ifndef KISTE_FAKE_GUEST_H
#define KISTE_FAKE_GUEST_H

#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <linux/kvm.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum fg_mode {
	FG_EXIT,	/* exit port with the code in fg_arg */
	FG_SERIAL,	/* "fake-guest: hello" on COM1, then exit 0 */
	FG_BOOT,	/* check the boot structures: 0, or the number of the failed check */
	FG_SIGNAL,	/* wait for the channel's pending signals: exit 100 + the lowest */
	FG_HANG,
	FG_RESET,	/* keyboard-controller reset */
	FG_TRIPLE,	/* ud2 with no IDT: triple fault, KVM_EXIT_SHUTDOWN */
	FG_CHAN,	/* "chan-out\n" to stdout and "chan-err\n" to stderr by the channel */
	FG_PANIC,	/* a panic line on COM1, then reset */
	FG_SCRIPT,	/* the accesses in fg_script (struct fg_op), then exit 0 */
};

/*
 * FG_SCRIPT's steps, performed in order: the run exits 0 after FG_END, or
 * with the step's number (1..) when a check fails.  Memory accesses are
 * guest-physical (the boot page tables identity-map 4 GiB): RAM, or a BAR.
 */
enum fg_op_kind {
	FG_END,
	FG_OUT,		/* port @addr, @size bytes of @val */
	FG_STORE,	/* memory @addr = @val, @size bytes */
	FG_CHECK,	/* memory @addr's @size bytes == @val */
	FG_IN_CHECK,	/* port @addr's @size bytes == @val */
	FG_WAIT,	/* memory @addr's @size bytes == @val, polled (bounded: ~2^28 reads) */
};

struct fg_op {
	uint32_t op, size;
	uint64_t addr, val;
};

#define FG_SCRIPT_MAX	320	/* steps that fit the script area */

/* Guest code: 64-bit, entered per the boot protocol (rsi = zero page, identity paging). */
__asm__(
	".pushsection .rodata\n"
	".globl fg_start, fg_mode, fg_arg, fg_memsize, fg_script, fg_end\n"
	".balign 16\n"
	"fg_start:\n"
	"	movl .Lmode(%rip), %ebx\n"
	"	cmpl $1, %ebx\n	je .Lserial\n"
	"	cmpl $2, %ebx\n	je .Lboot\n"
	"	cmpl $3, %ebx\n	je .Lsig\n"
	"	cmpl $4, %ebx\n	je .Lhang\n"
	"	cmpl $5, %ebx\n	je .Lreset\n"
	"	cmpl $6, %ebx\n	je .Ltriple\n"
	"	cmpl $7, %ebx\n	je .Lchan\n"
	"	cmpl $8, %ebx\n	je .Lpanic\n"
	"	cmpl $9, %ebx\n	je .Lscript\n"
	"	movl .Larg(%rip), %eax\n"
	".Lexit:\n"
	"	andl $0xff, %eax\n"
	"	orl $0x4b450000, %eax\n"
	"	movw $0x510, %dx\n"
	"	outl %eax, %dx\n"
	"1:	hlt\n	jmp 1b\n"
	".Lserial:\n"
	"	leaq .Lmsg(%rip), %rdi\n"
	"	movw $0x3f8, %dx\n"
	"2:	movb (%rdi), %al\n	testb %al, %al\n	jz 3f\n"
	"	outb %al, %dx\n	incq %rdi\n	jmp 2b\n"
	"3:	cmpl $8, %ebx\n	je .Lreset\n"
	"	xorl %eax, %eax\n	jmp .Lexit\n"
	".Lpanic:\n	leaq .Lpanic_msg(%rip), %rdi\n	movw $0x3f8, %dx\n	jmp 2b\n"
	".Lboot:\n"
	"	movl $10, %eax\n	cmpq $0x7000, %rsi\n	jne .Lexit\n"
	"	movl $11, %eax\n	cmpl $0x53726448, 0x202(%rsi)\n	jne .Lexit\n"
	"	movl $12, %eax\n	cmpb $0xff, 0x210(%rsi)\n	jne .Lexit\n"
	"	movl $13, %eax\n	movl 0x228(%rsi), %edi\n"
	"	cmpl $0x736e6f63, (%rdi)\n	jne .Lexit\n"		/* "cons" */
	"	movl $14, %eax\n	cmpb $4, 0x1e8(%rsi)\n	jne .Lexit\n"
	"	movl $15, %eax\n	cmpq $0, 0x2d0(%rsi)\n	jne .Lexit\n"
	"	cmpl $1, 0x2e0(%rsi)\n	jne .Lexit\n"
	"	movl $16, %eax\n	cmpq $0x100000, 0x2f8(%rsi)\n	jne .Lexit\n"
	"	cmpl $1, 0x308(%rsi)\n	jne .Lexit\n"
	"	movl $17, %eax\n	cmpl $2, 0x31c(%rsi)\n	jne .Lexit\n"
	"	cmpq $0x400000, 0x314(%rsi)\n	jne .Lexit\n"	/* KISTE_CHAN_SIZE */
	"	movl $18, %eax\n	movq 0x30c(%rsi), %rdi\n	addq 0x314(%rsi), %rdi\n"
	"	cmpq .Lmemsize(%rip), %rdi\n	jne .Lexit\n"
	"	movl $19, %eax\n	movq 0x30c(%rsi), %rdi\n"
	"	cmpl $0x4b435631, (%rdi)\n	jne .Lexit\n"		/* channel magic */
	"	movl $20, %eax\n	movl 0x218(%rsi), %edi\n	testl %edi, %edi\n	jz .Lexit\n"
	"	movl $21, %eax\n	movl 0x21c(%rsi), %ecx\n	movl .Larg(%rip), %edx\n"
	"	testl %edx, %edx\n	jz 4f\n	cmpl %edx, %ecx\n	jne .Lexit\n"
	"4:	movl $22, %eax\n	cmpl $0x37303730, (%rdi)\n	jne .Lexit\n"	/* "0707" */
	"	movl $23, %eax\n	addq %rcx, %rdi\n	cmpq 0x30c(%rsi), %rdi\n	ja .Lexit\n"
	"	movl $24, %eax\n	cmpl $0x5f504d5f, 0x9fc00\n	jne .Lexit\n"	/* "_MP_" */
	/* The command line names the channel: look for "kiste.ch". */
	"	movl $25, %eax\n	movl 0x228(%rsi), %edi\n	movabsq $0x68632e657473696b, %rdx\n"
	"5:	cmpb $0, (%rdi)\n	je .Lexit\n	cmpq %rdx, (%rdi)\n	je 6f\n"
	"	incq %rdi\n	jmp 5b\n"
	/* The CMOS clock: battery good (register D), no update in progress (register A), */
	"6:	movb $0x0d, %al\n	outb %al, $0x70\n	inb $0x71, %al\n	cmpb $0x80, %al\n"
	"	movl $26, %eax\n	jne .Lexit\n"
	"	movb $0x0a, %al\n	outb %al, $0x70\n	inb $0x71, %al\n	testb $0x80, %al\n"
	"	movl $27, %eax\n	jnz .Lexit\n"
	/* and a time in range: seconds < 60, month 1..12 (binary mode) */
	"	movb $0x00, %al\n	outb %al, $0x70\n	inb $0x71, %al\n	cmpb $60, %al\n"
	"	movl $28, %eax\n	jae .Lexit\n"
	"	movb $0x08, %al\n	outb %al, $0x70\n	inb $0x71, %al\n	decb %al\n	cmpb $12, %al\n"
	"	movl $29, %eax\n	jae .Lexit\n"
	"	xorl %eax, %eax\n	jmp .Lexit\n"
	".Lsig:\n"
	"	movq 0x30c(%rsi), %rdi\n"
	/* The pending signals' word (bit N - 1 for signal N): exit 100 + its lowest. */
	"7:	movl 24(%rdi), %eax\n	testl %eax, %eax\n	jnz 8f\n	pause\n	jmp 7b\n"
	"8:	bsfl %eax, %eax\n	addl $101, %eax\n	jmp .Lexit\n"
	".Lhang:\n	jmp .Lhang\n"
	".Lreset:\n	movb $0xfe, %al\n	outb %al, $0x64\n	jmp .Lhang\n"
	".Ltriple:\n	ud2\n"
	".Lchan:\n"
	"	movq 0x30c(%rsi), %r8\n	addq $0x100000, %r8\n"
	"	leaq .Lout(%rip), %rsi\n	xorl %ebx, %ebx\n	call .Lchan_put\n"
	"	leaq .Lerr(%rip), %rsi\n	movl $0x80000000, %ebx\n	call .Lchan_put\n"
	"	xorl %eax, %eax\n	jmp .Lexit\n"
	/* Copies the string at rsi to the channel buffer r8, then OUT len | rbx. */
	".Lchan_put:\n"
	"	xorl %ecx, %ecx\n"
	"9:	movb (%rsi,%rcx), %al\n	testb %al, %al\n	jz 10f\n"
	"	movb %al, (%r8,%rcx)\n	incl %ecx\n	jmp 9b\n"
	"10:	movl %ecx, %eax\n	orl %ebx, %eax\n	movw $0x514, %dx\n	outl %eax, %dx\n	ret\n"
	/* FG_SCRIPT: r8 walks the steps, r9 counts them; ecx size, rdi addr, r10 val. */
	".Lscript:\n"
	"	leaq .Lops(%rip), %r8\n	xorl %r9d, %r9d\n"
	".Ls_next:\n"
	"	incl %r9d\n	movl (%r8), %ebx\n	movl 4(%r8), %ecx\n"
	"	movq 8(%r8), %rdi\n	movq 16(%r8), %r10\n	addq $24, %r8\n"
	"	xorl %eax, %eax\n	testl %ebx, %ebx\n	jz .Lexit\n"
	"	cmpl $1, %ebx\n	je .Ls_out\n	cmpl $2, %ebx\n	je .Ls_store\n"
	"	cmpl $3, %ebx\n	je .Ls_check\n	cmpl $4, %ebx\n	je .Ls_in\n"
	"	cmpl $5, %ebx\n	je .Ls_wait\n"
	".Ls_fail:\n	movl %r9d, %eax\n	jmp .Lexit\n"
	".Ls_out:\n	movl %edi, %edx\n	movq %r10, %rax\n"
	"	cmpl $1, %ecx\n	jne 11f\n	outb %al, %dx\n	jmp .Ls_next\n"
	"11:	cmpl $2, %ecx\n	jne 12f\n	outw %ax, %dx\n	jmp .Ls_next\n"
	"12:	outl %eax, %dx\n	jmp .Ls_next\n"
	".Ls_in:\n	movl %edi, %edx\n"
	"	cmpl $1, %ecx\n	jne 13f\n	inb %dx, %al\n	jmp .Ls_cmp\n"
	"13:	cmpl $2, %ecx\n	jne 14f\n	inw %dx, %ax\n	jmp .Ls_cmp\n"
	"14:	inl %dx, %eax\n	jmp .Ls_cmp\n"
	".Ls_store:\n"
	"	cmpl $1, %ecx\n	jne 15f\n	movb %r10b, (%rdi)\n	jmp .Ls_next\n"
	"15:	cmpl $2, %ecx\n	jne 16f\n	movw %r10w, (%rdi)\n	jmp .Ls_next\n"
	"16:	cmpl $4, %ecx\n	jne 17f\n	movl %r10d, (%rdi)\n	jmp .Ls_next\n"
	"17:	movq %r10, (%rdi)\n	jmp .Ls_next\n"
	".Ls_check:\n"
	"	cmpl $1, %ecx\n	jne 18f\n	movzbl (%rdi), %eax\n	jmp .Ls_cmp\n"
	"18:	cmpl $2, %ecx\n	jne 19f\n	movzwl (%rdi), %eax\n	jmp .Ls_cmp\n"
	"19:	cmpl $4, %ecx\n	jne 20f\n	movl (%rdi), %eax\n	jmp .Ls_cmp\n"
	"20:	movq (%rdi), %rax\n"
	".Ls_cmp:\n	cmpq %r10, %rax\n	jne .Ls_fail\n	jmp .Ls_next\n"
	/* FG_WAIT: re-read until equal, at most 2^28 times. */
	".Ls_wait:\n	movl $0x10000000, %r11d\n"
	"21:	xorl %eax, %eax\n"
	"	cmpl $1, %ecx\n	jne 22f\n	movzbl (%rdi), %eax\n	jmp 25f\n"
	"22:	cmpl $2, %ecx\n	jne 23f\n	movzwl (%rdi), %eax\n	jmp 25f\n"
	"23:	cmpl $4, %ecx\n	jne 24f\n	movl (%rdi), %eax\n	jmp 25f\n"
	"24:	movq (%rdi), %rax\n"
	"25:	cmpq %r10, %rax\n	je .Ls_next\n	pause\n	decl %r11d\n	jnz 21b\n"
	"	jmp .Ls_fail\n"
	".Lmsg:	.asciz \"fake-guest: hello\\n\"\n"
	".Lpanic_msg:	.asciz \"[    1.0] Kernel panic - not syncing: fake\\r\\n\"\n"
	".Lout:	.asciz \"chan-out\\n\"\n"
	".Lerr:	.asciz \"chan-err\\n\"\n"
	".balign 8\n"
	"fg_mode:\n.Lmode:	.long 0\n"
	"fg_arg:\n.Larg:	.long 0\n"
	"fg_memsize:\n.Lmemsize:	.quad 0\n"
	"fg_script:\n.Lops:	.fill 24 * 320, 1, 0\n"
	"fg_end:\n"
	".popsection\n");

extern const uint8_t fg_start[], fg_mode[], fg_arg[], fg_memsize[], fg_script[], fg_end[];

#define SETUP_SECTS	4
#define SETUP_LEN	((SETUP_SECTS + 1) * 512)
#define GUEST_MEM	(256ULL << 20)	/* kiste run's default --memory */

static void put16(uint8_t *p, uint16_t v) { memcpy(p, &v, 2); }
static void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static void put64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }

/* A bzImage as the VMM reads it: boot sector + setup header, then the 64-bit entry at +0x200. */
/* FG_SCRIPT's steps for the next fake_write: at most FG_SCRIPT_MAX, then FG_END. */
static const struct fg_op *fg_ops;
static unsigned int fg_nops;

/* The release fake kernels report (setup header kernel_version): vm mode reads it. */
#define FG_KERNEL_VERSION	"0.0.0-kiste-fake"

static int fake_write(const char *path, enum fg_mode mode, uint32_t arg)
{
	size_t code = fg_end - fg_start, len = SETUP_LEN + 0x200 + code + 0x1000;
	uint8_t *img = calloc(1, len), *entry = img + SETUP_LEN + 0x200;
	int fd, ok;

	if (!img)
		return -1;
	img[0x1f1] = SETUP_SECTS;
	put16(img + 0x1fe, 0xaa55);
	img[0x201] = 0x6a;			/* setup header length - 0x202 */
	put32(img + 0x202, 0x53726448);		/* "HdrS" */
	put16(img + 0x206, 0x020f);		/* boot protocol 2.15 */
	img[0x211] = 1;				/* LOADED_HIGH */
	put32(img + 0x22c, 0x7fffffff);		/* initrd_addr_max */
	put16(img + 0x236, 1);			/* XLF_KERNEL_64 */
	put32(img + 0x238, 2048);		/* cmdline_size */
	put64(img + 0x258, 0x1000000);		/* pref_address */
	put32(img + 0x260, 0x100000);		/* init_size */
	put16(img + 0x20e, 0x400);		/* kernel_version, from 0x200 */
	memcpy(img + 0x600, FG_KERNEL_VERSION " (fake) #1", sizeof(FG_KERNEL_VERSION) + 10);
	memcpy(entry, fg_start, code);
	if (mode == FG_SCRIPT && fg_ops && fg_nops <= FG_SCRIPT_MAX)
		memcpy(entry + (fg_script - fg_start), fg_ops, fg_nops * sizeof(*fg_ops));
	put32(entry + (fg_mode - fg_start), mode);
	put32(entry + (fg_arg - fg_start), arg);
	put64(entry + (fg_memsize - fg_start), GUEST_MEM);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	ok = fd >= 0 && write(fd, img, len) == (ssize_t)len;
	if (fd >= 0)
		close(fd);
	free(img);
	return ok ? 0 : -1;
}

static int kvm_usable(void)
{
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC), vm;

	if (fd < 0)
		return 0;
	vm = ioctl(fd, KVM_CREATE_VM, 0);
	close(fd);
	if (vm < 0)
		return 0;
	close(vm);
	return 1;
}

static const char *kiste_bin(void)
{
	static char path[PATH_MAX];
	char self[PATH_MAX];
	ssize_t n;

	if (getenv("KISTE_BIN"))
		return getenv("KISTE_BIN");
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n < 0)
		return "kiste";
	self[n] = 0;
	snprintf(path, sizeof(path), "%s/../bin/kiste", dirname(self));
	return path;
}

struct run {
	int status;		/* exit status, or 128 + signal */
	double secs;
	char out[4096];
	char err[4096];
};

static void slurp(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, buf, len - 1) : -1;

	buf[n > 0 ? n : 0] = 0;
	if (fd >= 0)
		close(fd);
}

/*
 * kiste run --mode=vm --kernel @img [@extra...] -- /bin/true, stdout/stderr
 * captured; @sig (if nonzero) is sent to kiste @sig_after_ms into the run.
 */
/* The workload run_kiste names (the fake guest never runs it; vm mode packs or finds it). */
static const char *fg_command = "/bin/true";
/* kiste's stdout instead of the file run_kiste reads back, when set (a pipe nobody reads). */
static int fg_stdout_fd = -1;

static void run_kiste(const char *dir, const char *img, const char *const *extra, int sig,
		      int sig_after_ms, struct run *r)
{
	char out[PATH_MAX], err[PATH_MAX];
	const char *argv[32];
	struct timespec t0, t1;
	int n = 0, st, i;
	pid_t pid;

	snprintf(out, sizeof(out), "%s/out", dir);
	snprintf(err, sizeof(err), "%s/err", dir);
	argv[n++] = kiste_bin();
	argv[n++] = "run";
	argv[n++] = "--mode=vm";
	argv[n++] = "--kernel";
	argv[n++] = img;
	for (i = 0; extra && extra[i] && n < 26; i++)
		argv[n++] = extra[i];
	argv[n++] = "--";
	argv[n++] = fg_command;
	argv[n] = NULL;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pid = fork();
	if (pid == 0) {
		int o = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		int e = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		int in = open("/dev/null", O_RDONLY);

		if (o < 0 || e < 0 || in < 0 || dup2(in, 0) < 0 ||
		    dup2(fg_stdout_fd >= 0 ? fg_stdout_fd : o, 1) < 0 ||
		    dup2(e, 2) < 0)
			_exit(99);
		alarm(60);	/* no hang, whatever the VMM does */
		execv(argv[0], (char **)argv);
		_exit(98);
	}
	if (sig && pid > 0) {
		usleep(sig_after_ms * 1000);
		kill(pid, sig);
	}
	st = 0;
	waitpid(pid, &st, 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	r->status = WIFSIGNALED(st) ? 128 + WTERMSIG(st) : WEXITSTATUS(st);
	r->secs = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	slurp(out, r->out, sizeof(r->out));
	slurp(err, r->err, sizeof(r->err));
}

/* Lines in @s. */
static int lines(const char *s)
{
	int n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/*
 * The 6.1 harness runs a TEST_F body even after its FIXTURE_SETUP called
 * SKIP() (it only stops on a failed setup): without this first line in each
 * body, a machine without /dev/kvm would report every test as failed.
 */
#define SKIP_IF_SETUP_SKIPPED() do { if (_metadata->skip) return; } while (0)

#endif /* KISTE_FAKE_GUEST_H */
