// SPDX-License-Identifier: GPL-2.0
// patch_hostile.c - patched syscall sites against what a workload may do: a jump to the syscall
// instruction with another number, the red zone, registers, threads, a timer's handler and a
// siglongjmp out of one (from a trapped and from a patched blocking call), fork, self-modifying
// code, a shared file mapping, a JIT's anonymous code.  Output compared natively (shim_patch.sh).
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* A site of our own: mov $NR,%eax; syscall, with a label on the syscall. */
extern long site_getpid(void);
extern char site_getpid_sys[];
extern long site_nanosleep(const struct timespec *req, struct timespec *rem);
__asm__(".text\n.globl site_nanosleep\n.type site_nanosleep,@function\nsite_nanosleep:\n"
	"\tmovl $35, %eax\n\tsyscall\n\tret\n");
__asm__(".text\n.globl site_getpid\n.type site_getpid,@function\nsite_getpid:\n"
	"\tmovl $39, %eax\n.globl site_getpid_sys\nsite_getpid_sys:\n\tsyscall\n\tret\n");
/* jump straight to the syscall instruction with eax = getppid */
static long via_label(void)
{
	long r;
	__asm__ volatile("movl $110, %%eax\n\tcall 1f\n\tjmp 2f\n1:\tjmp *%1\n2:"
			 : "=a"(r) : "r"(site_getpid_sys) : "rcx", "r11", "memory");
	return r;
}

/* Red zone: a value stored below rsp survives the call. */
static long redzone(void)
{
	long out;
	__asm__ volatile("movq $0x5a5a1234, -8(%%rsp)\n\tmovq $0x77, -128(%%rsp)\n\t"
			 "movl $39, %%eax\n\tsyscall\n\t"
			 "movq -8(%%rsp), %%rdx\n\taddq -128(%%rsp), %%rdx\n\tmovq %%rdx, %0"
			 : "=r"(out) : : "rax", "rcx", "r11", "rdx", "memory");
	return out;
}

/* Registers kept across the call (callee-saved and caller-saved alike, and xmm). */
static int regs_kept(void)
{
	unsigned long rdiv = 0xd1, rsiv = 0x51, rdxv = 0xdd, x7;

	__asm__ volatile("movq %%rax, %%xmm7\n\t" : : "a"(0x4012000000000000UL) : "xmm7");
	__asm__ volatile("movl $39, %%eax\n\tsyscall"
			 : "+D"(rdiv), "+S"(rsiv), "+d"(rdxv)
			 : : "rax", "rcx", "r11", "memory");
	__asm__ volatile("movq %%xmm7, %%rax" : "=a"(x7));
	return rdiv == 0xd1 && rsiv == 0x51 && rdxv == 0xdd && x7 == 0x4012000000000000UL;
}

static volatile long tcount[4];
static void *hammer(void *a)
{
	long i = (long)a, k;
	for (k = 0; k < 50000; k++)
		if (site_getpid() == getpid())
			tcount[i]++;
	return NULL;
}

static volatile sig_atomic_t alrm;
static void on_alrm(int s) { (void)s; alrm++; getppid(); }

static sigjmp_buf jb;
static void on_jump(int s) { (void)s; siglongjmp(jb, 1); }

int main(void)
{
	pthread_t t[4];
	long i, ok;
	int p[2];
	char c;
	struct sigaction sa = { 0 };
	struct itimerval it = { { 0, 200 }, { 0, 200 } };

	setvbuf(stdout, NULL, _IONBF, 0);
	for (i = 0; i < 10; i++)
		site_getpid();
	printf("label jump gives getppid: %d\n", via_label() == getppid());
	printf("red zone kept: %d\n", redzone() == 0x5a5a1234 + 0x77);
	for (i = 0, ok = 0; i < 1000; i++)
		ok += regs_kept();
	printf("registers kept: %ld\n", ok);
	for (i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, hammer, (void *)i);
	for (i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	printf("threads: %ld %ld %ld %ld\n", tcount[0], tcount[1], tcount[2], tcount[3]);
	/* A timer firing during calls, its handler calling too. */
	sa.sa_handler = on_alrm;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGALRM, &sa, NULL);
	setitimer(ITIMER_REAL, &it, NULL);
	for (i = 0, ok = 0; i < 300000; i++)
		ok += site_getpid() == getpid();
	memset(&it, 0, sizeof(it));
	setitimer(ITIMER_REAL, &it, NULL);
	printf("calls under a 200us timer: %ld, handler ran: %d\n", ok, alrm > 0);
	/* EINTR: a blocking read, a handler without SA_RESTART. */
	pipe(p);
	sa.sa_flags = 0;
	sigaction(SIGALRM, &sa, NULL);
	alarm(1);
	{
		ssize_t n = read(p[0], &c, 1);
		int e = errno;
		printf("read without SA_RESTART: %zd %s\n", n, strerror(e));
	}
	/* siglongjmp out of a handler that interrupted a blocking read, then more calls. */
	sa.sa_handler = on_jump;
	sigaction(SIGALRM, &sa, NULL);
	if (!sigsetjmp(jb, 1)) {
		alarm(1);
		read(p[0], &c, 1);
	}
	for (i = 0, ok = 0; i < 10000; i++)
		ok += site_getpid() == getpid();
	printf("after siglongjmp out of a blocked read: %ld\n", ok);
	/* A fast timer whose handler leaves by siglongjmp, wherever the call was. */
	{
		static volatile long jumps, done;
		struct itimerval fast = { { 0, 50 }, { 0, 50 } };
		sa.sa_handler = on_jump;
		sa.sa_flags = 0;
		sigaction(SIGALRM, &sa, NULL);
		done = 0;
		jumps = 0;
		setitimer(ITIMER_REAL, &fast, NULL);
		if (sigsetjmp(jb, 1))
			jumps++;
		while (done < 200000 && jumps < 2000) {
			if (site_getpid() == getpid())
				done++;
		}
		memset(&fast, 0, sizeof(fast));
		setitimer(ITIMER_REAL, &fast, NULL);
		signal(SIGALRM, SIG_IGN);
		for (i = 0, ok = 0; i < 10000; i++)
			ok += site_getpid() == getpid();
		printf("siglongjmp storm: jumped %d, calls after it %ld\n", jumps > 10, ok);
	}
	/* siglongjmp out of a handler that interrupted a patched blocking call, 20 times. */
	{
		struct timespec ms = { 0, 1000000 }, five = { 5, 0 };
		struct itimerval once = { { 0, 0 }, { 0, 20000 } };
		static volatile int round;
		for (i = 0; i < 5; i++)
			site_nanosleep(&ms, NULL);
		sa.sa_handler = on_jump;
		sa.sa_flags = 0;
		sigaction(SIGALRM, &sa, NULL);
		for (round = 0; round < 20; round++)
			if (!sigsetjmp(jb, 1)) {
				setitimer(ITIMER_REAL, &once, NULL);
				site_nanosleep(&five, NULL);
			}
		signal(SIGALRM, SIG_IGN);
		for (i = 0, ok = 0; i < 10000; i++)
			ok += site_getpid() == getpid();
		printf("after leaving a patched blocking call by siglongjmp 20 times: %ld\n", ok);
	}
	/* fork: the child keeps calling through the sites. */
	if (fork() == 0) {
		for (i = 0, ok = 0; i < 10000; i++)
			ok += site_getpid() == getpid();
		_exit(ok == 10000 ? 7 : 1);
	}
	wait((int *)&i);
	printf("fork child: %d\n", WEXITSTATUS((int)i));
	/* The code as the workload reads it, after it made the page writable. */
	{
		unsigned long pg = (unsigned long)site_getpid & ~4095UL;
		unsigned char *b = (unsigned char *)site_getpid;
		mprotect((void *)pg, 8192, PROT_READ | PROT_WRITE | PROT_EXEC);
		printf("bytes after mprotect: %02x %02x %02x %02x %02x %02x %02x\n", b[0], b[1], b[2],
		       b[3], b[4], b[5], b[6]);
		b[1] = 110;	/* self-modifying: make it getppid */
		__builtin___clear_cache((char *)b, (char *)b + 8);
		printf("modified site calls getppid: %d\n", site_getpid() == getppid());
		b[1] = 39;
		mprotect((void *)pg, 8192, PROT_READ | PROT_EXEC);
	}
	/* A file mapped shared and executable: its bytes stay the file's. */
	{
		char path[4096];
		unsigned char code[] = { 0xb8, 39, 0, 0, 0, 0x0f, 0x05, 0xc3 }, back[8];
		int fd;

		snprintf(path, sizeof(path), "%s/hpcodeXXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
		fd = mkstemp(path);
		long (*fn)(void);
		if (fd < 0) {
			printf("shared code: no tmp\n");
		} else {
			write(fd, code, sizeof(code));
			ftruncate(fd, 4096);
			fn = (long (*)(void))mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_SHARED, fd, 0);
			for (i = 0, ok = 0; i < 1000; i++)
				ok += fn() == getpid();
			pread(fd, back, 8, 0);
			printf("shared code: calls %ld, file unchanged %d\n", ok, !memcmp(back, code, 8));
			unlink(path);
		}
	}
	/* Anonymous code rewritten in place (a JIT). */
	{
		unsigned char *m = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
					MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		unsigned char code[] = { 0xb8, 39, 0, 0, 0, 0x0f, 0x05, 0xc3 };
		long (*fn)(void) = (long (*)(void))m;
		memcpy(m, code, 8);
		for (i = 0, ok = 0; i < 1000; i++)
			ok += fn() == getpid();
		m[1] = 110;
		printf("jit: %ld, rewritten imm gives getppid %d\n", ok, fn() == getppid());
	}
	return 0;
}
