// SPDX-License-Identifier: GPL-2.0
// patch.c - workload for shim_patch.sh: calls through sites the guest kernel patches while they run.
//
// Each mode prints what it saw; shim_patch.sh compares that with the native run's output.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define NTHREADS 6
#define ROUNDS 20000

static pthread_barrier_t start;
static pid_t ppid_seen;
static int devnull, devzero;

/* Every thread calls the same sites from the start: the first trap patches them under the others. */
static void *hammer(void *arg)
{
	long bad = 0, i;
	char c = 'x';

	(void)arg;
	pthread_barrier_wait(&start);
	for (i = 0; i < ROUNDS; i++) {
		if (getppid() != ppid_seen)
			bad++;
		if (write(devnull, &c, 1) != 1)
			bad++;
		c = 'x';
		if (read(devzero, &c, 1) != 1 || c)	/* glibc's read: a near site */
			bad++;
		c = 'x';
		if (i % 1000 == 0)
			sched_yield();
	}
	return (void *)bad;
}

static int threads(void)
{
	pthread_t t[NTHREADS];
	long bad = 0;
	void *r;
	int i;

	ppid_seen = getppid();
	pthread_barrier_init(&start, NULL, NTHREADS);
	for (i = 0; i < NTHREADS; i++)
		if (pthread_create(&t[i], NULL, hammer, NULL))
			return 1;
	for (i = 0; i < NTHREADS; i++) {
		pthread_join(t[i], &r);
		bad += (long)r;
	}
	printf("threads: %d x %d rounds, %ld wrong results\n", NTHREADS, ROUNDS, bad);
	return 0;
}

static int pfd[2];
static volatile int handled, handler_ppid_ok;

/* Runs at the blocking write: calls through patched sites itself, then makes room in the pipe. */
static void on_alarm(int sig)
{
	char buf[4096];

	(void)sig;
	handled++;
	handler_ppid_ok = getppid() == ppid_seen;
	if (read(pfd[0], buf, sizeof(buf)) <= 0)
		handler_ppid_ok = 0;
}

/* A blocking write through a patched site, interrupted by a handler: EINTR, or restarted. */
static int eintr(int restart)
{
	struct sigaction sa;
	char big[65536] = { 0 };
	struct itimerval it = { { 0, 0 }, { 0, 200000 } };
	long n, i;

	ppid_seen = getppid();
	if (pipe(pfd))
		return 1;
	for (i = 0; i < 100; i++)	/* the write and getppid sites get patched */
		if (write(devnull, big, 1) != 1 || getppid() != ppid_seen)
			return 1;
	fcntl(pfd[1], F_SETFL, O_NONBLOCK);
	while (write(pfd[1], big, sizeof(big)) > 0)
		;
	fcntl(pfd[1], F_SETFL, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sa.sa_flags = restart ? SA_RESTART : 0;
	sigaction(SIGALRM, &sa, NULL);
	setitimer(ITIMER_REAL, &it, NULL);
	n = write(pfd[1], big, 1);
	printf("eintr(%s): write = %ld (%s), handler ran %d, its getppid %s\n",
	       restart ? "SA_RESTART" : "no restart", n, n < 0 ? strerror(errno) : "no error",
	       handled, handler_ppid_ok ? "right" : "wrong");
	return 0;
}

/* A fork child keeps calling through the parent's patched sites. */
static int forkchild(void)
{
	long bad = 0, i;
	pid_t p, me;
	int st;

	for (i = 0; i < 100; i++)
		getppid();
	me = getpid();
	p = fork();
	if (p < 0)
		return 1;
	if (p == 0) {
		for (i = 0; i < ROUNDS; i++)
			if (getppid() != me || write(devnull, "x", 1) != 1)
				bad++;
		_exit(bad ? 3 : 7);
	}
	for (i = 0; i < ROUNDS; i++)
		if (write(devnull, "y", 1) != 1)
			bad++;
	waitpid(p, &st, 0);
	printf("fork: child exit %d, parent %ld wrong results\n", WEXITSTATUS(st), bad);
	return 0;
}

/* The bytes of getppid's first 16 bytes, as hex. */
static void hex16(const unsigned char *p, char *out)
{
	int i;

	for (i = 0; i < 16; i++)
		sprintf(out + 2 * i, "%02x", p[i]);
}

/*
 * The workload makes its own text writable and reads it back: it sees the
 * file's bytes (the guest kernel reverted the sites in the range first), and
 * the calls through the site still work after.
 */
static int mprot(void)
{
	const unsigned char *fn = (const unsigned char *)getppid;
	uintptr_t page = (uintptr_t)fn & ~4095UL;
	char before[40], after[40];
	long i, ok = 1;

	hex16(fn, before);
	for (i = 0; i < 100; i++)
		getppid();
	if (mprotect((void *)page, 8192, PROT_READ | PROT_WRITE | PROT_EXEC))
		return 1;
	hex16(fn, after);
	if (mprotect((void *)page, 8192, PROT_READ | PROT_EXEC))
		return 1;
	for (i = 0; i < 100; i++)
		ok &= getppid() == getppid();
	printf("mprotect: before %s\nmprotect: after  %s\nmprotect: calls after %s\n", before,
	       after, ok ? "right" : "wrong");
	return 0;
}

/*
 * @n bytes of @code at byte @off of a 4096-byte file under $TMPDIR, unlinked,
 * mapped read-only-executable (@flags: MAP_SHARED or MAP_PRIVATE); its
 * descriptor in *@fdp.  NULL on failure.
 */
static unsigned char *map_code(const unsigned char *code, size_t n, int off, int flags, int *fdp)
{
	const char *dir = getenv("TMPDIR");
	unsigned char buf[4096] = { 0 };
	char path[256];
	void *m;
	int fd;

	snprintf(path, sizeof(path), "%s/kiste-patch-code.XXXXXX", dir ? dir : "/tmp");
	fd = mkstemp(path);
	if (fd < 0 || off < 0 || (size_t)off + n > sizeof(buf))
		return NULL;
	memcpy(buf + off, code, n);
	if (write(fd, buf, sizeof(buf)) != sizeof(buf))
		return NULL;
	unlink(path);
	m = mmap(NULL, 4096, PROT_READ | PROT_EXEC, flags, fd, 0);
	if (m == MAP_FAILED)
		return NULL;
	*fdp = fd;
	return m;
}

/*
 * Code in a shared mapping of a file opened for writing (the guest kernel
 * must never patch it: the patch would land in the file): `mov $110, %eax;
 * syscall; ret` called 100 times, then the file read back.
 */
static int shared(void)
{
	static const unsigned char code[8] = { 0xb8, 0x6e, 0, 0, 0, 0x0f, 0x05, 0xc3 };
	unsigned char back[8];
	long (*fn)(void);
	void *m;
	int fd, i, ok = 1;

	m = map_code(code, sizeof(code), 0, MAP_SHARED, &fd);
	if (!m)
		return 1;
	fn = (long (*)(void))m;
	for (i = 0; i < 100; i++)
		ok &= fn() == getppid();
	if (pread(fd, back, sizeof(back), 0) != sizeof(back))
		return 1;
	printf("shared: calls %s, file %s\n", ok ? "right" : "wrong",
	       memcmp(back, code, sizeof(code)) ? "changed" : "unchanged");
	return 0;
}

/*
 * `mov $110, %eax; syscall; ret` at byte @off of a private read-only-executable
 * file mapping, called 100 times: whether its bytes read back changed (the
 * workload sees a patched site's jump: 0 and 4 are patched, in one locked
 * 8- and 16-byte write; 12 crosses 16 bytes and is not).
 */
static int private(int off)
{
	static const unsigned char code[8] = { 0xb8, 0x6e, 0, 0, 0, 0x0f, 0x05, 0xc3 };
	long (*fn)(void);
	unsigned char *m;
	int fd, i, ok = 1;

	m = map_code(code, sizeof(code), off, MAP_PRIVATE, &fd);
	if (!m)
		return 1;
	fn = (long (*)(void))(m + off);
	for (i = 0; i < 100; i++)
		ok &= fn() == getppid();
	printf("private %d: calls %s, bytes %02x%02x%02x\n", off, ok ? "right" : "wrong", m[off],
	       m[off + 1], m[off + 2]);
	if (off)
		return 0;
	/* MADV_DONTNEED brings the file's bytes back; the site traps and is patched again. */
	madvise(m, 4096, MADV_DONTNEED);
	printf("dontneed: bytes %02x%02x%02x", m[0], m[1], m[2]);
	for (i = 0; i < 100; i++)
		ok &= fn() == getppid();
	printf(", calls %s, bytes %02x%02x%02x\n", ok ? "right" : "wrong", m[0], m[1], m[2]);
	return 0;
}

/*
 * glibc's read, `xor %eax, %eax; syscall; cmp $-4096, %rax; ret`, in private
 * file code (a near site: its syscall becomes `jmp *rel32(%rip)` through a
 * slot 256 MiB below), and `mov $39, %eax; jmp` to the same syscall
 * (getpid). 100 reads of /dev/zero, then: @how 0, the getpid: the site gets
 * its syscall back for good; 1, the slot's page mapped by the workload
 * (MAP_FIXED_NOREPLACE: free, as natively): the same.  The site's two bytes
 * after each step, then 100 more reads.
 */
static int near(int how)
{
	static const unsigned char code[23] = {
		0x31, 0xc0, 0x0f, 0x05, 0x48, 0x3d, 0x00, 0xf0, 0xff, 0xff, 0xc3,
		[16] = 0xb8, 0x27, 0, 0, 0, 0xeb, 0xeb,
	};
	long (*rd)(int, void *, size_t), (*gp)(void);
	unsigned long slot;
	unsigned char *m, b;
	int fd, zero = open("/dev/zero", O_RDONLY), i, ok = 1;
	void *p;

	m = map_code(code, sizeof(code), 0, MAP_PRIVATE, &fd);
	if (!m || zero < 0)
		return 1;
	rd = (long (*)(int, void *, size_t))m;
	gp = (long (*)(void))(m + 16);
	for (i = 0; i < 100; i++) {
		b = 'x';
		ok &= rd(zero, &b, 1) == 1 && b == 0;
	}
	printf("near: reads %s, bytes %02x%02x", ok ? "right" : "wrong", m[2], m[3]);
	if (how == 0) {
		printf("; getpid through its syscall %s", gp() == getpid() ? "right" : "wrong");
	} else {
		slot = (unsigned long)m + 8 - 0x0fffc2b8UL;
		p = mmap((void *)(slot & ~4095UL), 8192, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
		printf("; the slot's pages mapped %s", p == (void *)(slot & ~4095UL) ? "here" : "elsewhere");
		if (p != MAP_FAILED)
			memset(p, 0xcc, 8192);
	}
	printf(", bytes %02x%02x", m[2], m[3]);
	for (i = 0; i < 100; i++) {
		b = 'x';
		ok &= rd(zero, &b, 1) == 1 && b == 0;
	}
	printf("; reads after %s, bytes %02x%02x\n", ok ? "right" : "wrong", m[2], m[3]);
	return 0;
}

static volatile int race_go, race_ready;

/* A thread of nearrace: waits for the go, then glibc's syscall() with an unknown number. */
static void *race_probe(void *arg)
{
	long r;

	(void)arg;
	__atomic_fetch_add(&race_ready, 1, __ATOMIC_SEQ_CST);
	while (!__atomic_load_n(&race_go, __ATOMIC_SEQ_CST))
		;
	r = syscall(1000, 0, 0, 0);
	return (void *)(r == -1 && errno == ENOSYS ? 0L : 1L);
}

/*
 * glibc's syscall() is a near site (`mov %rdi, %rax ... syscall; cmp $-4095,
 * %rax`): patched for getpid in a child, then three threads enter it at once
 * with number 1000 (no such call: ENOSYS).  The first entry to see the other
 * number takes the site back; the second, racing it, must find the syscall
 * back and trap too, not end the process.  Every trial's exit is counted.
 */
static int nearrace(void)
{
	int n = 300, i, st, ok = 0, wrong = 0, died = 0, k;
	pthread_t t[3];
	void *r;
	pid_t p;

	for (i = 0; i < n; i++) {
		p = fork();
		if (p < 0)
			return 1;
		if (p == 0) {
			long bad = 0;

			syscall(SYS_getpid);	/* traps, then patched for getpid */
			syscall(SYS_getpid);
			for (k = 0; k < 3; k++)
				if (pthread_create(&t[k], NULL, race_probe, NULL))
					_exit(4);
			while (__atomic_load_n(&race_ready, __ATOMIC_SEQ_CST) < 3)
				;
			__atomic_store_n(&race_go, 1, __ATOMIC_SEQ_CST);
			for (k = 0; k < 3; k++) {
				pthread_join(t[k], &r);
				bad += (long)r;
			}
			_exit(bad ? 3 : 0);
		}
		if (waitpid(p, &st, 0) != p)
			return 1;
		if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
			ok++;
		else if (WIFEXITED(st) && WEXITSTATUS(st) == 3)
			wrong++;
		else
			died++;
	}
	printf("nearrace: %d trials, %d right, %d wrong results, %d died\n", n, ok, wrong, died);
	return 0;
}

/*
 * A near site's place taken by other code (the file rewritten, mapped again
 * over it with MAP_FIXED): the same call, other bytes after the syscall, so
 * another slot.  The new code is patched through its own slot, not the old
 * entry's.
 */
static int nearstale(void)
{
	unsigned char code[11] = { 0x89, 0xf8, 0x0f, 0x05, 0x48, 0x3d, 0x00, 0xf0, 0xff, 0xff, 0xc3 };
	long (*fn)(long), pid = getpid();
	unsigned char *m;
	int fd, i, ok = 1;

	m = map_code(code, sizeof(code), 0, MAP_PRIVATE, &fd);
	if (!m)
		return 1;
	fn = (long (*)(long))m;
	for (i = 0; i < 100; i++)
		ok &= fn(39) == pid;
	printf("nearstale: first code's getpid %s", ok ? "right" : "wrong");
	code[6] = 0x10;		/* another imm32 after the syscall: another rel32 */
	if (pwrite(fd, code, sizeof(code), 0) != sizeof(code) ||
	    mmap(m, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_FIXED, fd, 0) != m)
		return 1;
	for (i = 0, ok = 1; i < 100; i++)
		ok &= fn(39) == pid;
	printf(", the other code's %s\n", ok ? "right" : "wrong");
	return 0;
}

/* shmat at the free place a near slot's page took: granted, as natively. */
static int nearshm(void)
{
	static const unsigned char code[11] = { 0x31, 0xc0, 0x0f, 0x05, 0x48, 0x3d,
						0x00, 0xf0, 0xff, 0xff, 0xc3 };
	int fd, zero = open("/dev/zero", O_RDONLY), i, id;
	long (*rd)(int, void *, size_t);
	unsigned char *m, b;
	void *at, *p;

	m = map_code(code, sizeof(code), 0, MAP_PRIVATE, &fd);
	if (!m || zero < 0)
		return 1;
	rd = (long (*)(int, void *, size_t))m;
	for (i = 0; i < 100; i++)
		rd(zero, &b, 1);
	at = (void *)(((unsigned long)m + 8 - 0x0fffc2b8UL) & ~4095UL);
	id = shmget(IPC_PRIVATE, 8192, IPC_CREAT | 0600);
	if (id < 0)
		return 1;
	p = shmat(id, at, 0);
	printf("nearshm: shmat at the slot's pages: %s", p == at ? "attached" :
	       p == (void *)-1 ? strerror(errno) : "elsewhere");
	shmctl(id, IPC_RMID, NULL);
	for (i = 0; i < 100; i++) {
		b = 'x';
		if (rd(zero, &b, 1) != 1 || b)
			break;
	}
	printf(", reads after %s\n", i == 100 ? "right" : "wrong");
	return 0;
}

static volatile int mix_usr1, mix_alrm;

static void on_mix(int sig)
{
	if (sig == SIGUSR1)
		__atomic_fetch_add(&mix_usr1, 1, __ATOMIC_SEQ_CST);
	else
		__atomic_fetch_add(&mix_alrm, 1, __ATOMIC_SEQ_CST);
}

/*
 * CPython's test_signal stress case in C: a one-shot timer of 1-10 us, then
 * kill(getpid(), SIGUSR1), then sleeps until both handlers ran; the timer's
 * SIGALRM often lands while SIGUSR1 is being taken in kill's patched entry
 * (nested in its host handler).  After each round neither is blocked.
 */
static int sigmix(void)
{
	struct itimerval it = { { 0, 0 }, { 0, 0 } };
	struct timespec nap = { 0, 10000 };
	struct sigaction sa;
	int i, k, u, a;
	sigset_t cur;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_mix;
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGALRM, &sa, NULL);
	srand(1);
	for (i = 0; i < 3000; i++) {
		u = mix_usr1;
		a = mix_alrm;
		it.it_value.tv_usec = 1 + rand() % 10;
		setitimer(ITIMER_REAL, &it, NULL);
		kill(getpid(), SIGUSR1);
		for (k = 0; k < 20000 && (mix_usr1 == u || mix_alrm == a); k++)
			nanosleep(&nap, NULL);
		sigprocmask(SIG_BLOCK, NULL, &cur);
		if (mix_usr1 == u || mix_alrm == a || sigismember(&cur, SIGUSR1) ||
		    sigismember(&cur, SIGALRM)) {
			printf("sigmix: round %d: SIGUSR1 %s, SIGALRM %s, blocked after: %s%s\n", i,
			       mix_usr1 == u ? "lost" : "handled", mix_alrm == a ? "lost" : "handled",
			       sigismember(&cur, SIGUSR1) ? "SIGUSR1 " : "",
			       sigismember(&cur, SIGALRM) ? "SIGALRM" : "");
			return 0;
		}
	}
	printf("sigmix: 3000 rounds, each signal handled once per round, none left blocked\n");
	return 0;
}

static volatile long alarms, alarm_bad;
static volatile pid_t chld_pid;
static volatile int chld_status = -1, chld_code = -1;

/* Clobbers the vector registers: the interrupted code's must come back as they were. */
static void on_timer(int sig, siginfo_t *si, void *uc)
{
	volatile double x = 3.25;
	int i;

	(void)uc;
	for (i = 0; i < 8; i++)
		x = x * 1.5 + i;
	alarms++;
	if (sig != SIGALRM || si->si_signo != SIGALRM || si->si_code != SI_KERNEL)
		alarm_bad++;
}

/*
 * getppid as an inline `mov $110, %eax; syscall` (aligned: a site the guest
 * kernel patches): the compiler keeps values in vector registers across it,
 * as the syscall instruction preserves them.
 */
static inline long raw_getppid(void)
{
	long r;

	__asm__ volatile(".balign 16\n\tmov $110, %%eax\n\tsyscall" : "=a"(r) : : "rcx", "r11", "memory");
	return r;
}

static void on_chld(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	chld_pid = si->si_pid;
	chld_status = si->si_status;
	chld_code = si->si_code;
}

/*
 * Signals that come while calls go through patched sites: an interval timer
 * (siginfo, the FPU state of the loop it interrupts) and a child's exit
 * (SIGCHLD's siginfo: pid, status, code), each delivered once and whole.
 */
static int defer(void)
{
	struct sigaction sa;
	struct itimerval it = { { 0, 500 }, { 0, 500 } };
	double acc = 0, step = 1.5;
	long i, n = 0;
	pid_t p;
	int st;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_timer;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigaction(SIGALRM, &sa, NULL);
	sa.sa_sigaction = on_chld;
	sigaction(SIGCHLD, &sa, NULL);
	ppid_seen = getppid();
	setitimer(ITIMER_REAL, &it, NULL);
	for (i = 0; i < 300000 || alarms < 20; i++) {
		acc += step;
		if (raw_getppid() != ppid_seen)
			n++;
	}
	memset(&it, 0, sizeof(it));
	setitimer(ITIMER_REAL, &it, NULL);
	printf("defer: timer handlers ran: %s, their siginfo %s, wrong results %ld, the loop's "
	       "double %s\n", alarms >= 20 ? "yes" : "no", alarm_bad ? "wrong" : "right", n,
	       acc == step * (double)i ? "right" : "wrong");
	p = fork();
	if (p == 0) {
		usleep(20000);
		_exit(42);
	}
	for (i = 0; !chld_pid && i < 100000000; i++)
		getppid();
	waitpid(p, &st, 0);
	printf("defer: SIGCHLD's pid %s, status %d, code %s\n", chld_pid == p ? "right" : "wrong",
	       chld_status, chld_code == CLD_EXITED ? "CLD_EXITED" : "wrong");
	return 0;
}

static volatile long usr1_hits[NTHREADS];
static volatile int stop_threads;
static pthread_t usr1_tid[NTHREADS];

static void on_usr1(int sig)
{
	int i;

	(void)sig;
	for (i = 0; i < NTHREADS; i++)
		if (pthread_equal(pthread_self(), usr1_tid[i]))
			usr1_hits[i]++;
}

static void *sig_loop(void *arg)
{
	long bad = 0;
	double acc = 0;
	long i;

	(void)arg;
	pthread_barrier_wait(&start);
	for (i = 0; !stop_threads; i++) {
		acc += 0.5;
		if (raw_getppid() != ppid_seen)
			bad++;
	}
	return (void *)(bad + (acc == 0.5 * (double)i ? 0 : 1000000));
}

/* Signals aimed at threads that call through patched sites: each one handled, nothing wrong. */
static int threadsig(void)
{
	struct sigaction sa;
	long bad = 0, sent = 0, got = 0;
	void *r;
	int i, k;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGUSR1, &sa, NULL);
	ppid_seen = getppid();
	pthread_barrier_init(&start, NULL, NTHREADS + 1);
	for (i = 0; i < NTHREADS; i++)
		if (pthread_create(&usr1_tid[i], NULL, sig_loop, NULL))
			return 1;
	pthread_barrier_wait(&start);
	for (k = 0; k < 300; k++) {
		for (i = 0; i < NTHREADS; i++)
			if (pthread_kill(usr1_tid[i], SIGUSR1) == 0)
				sent++;
		usleep(1000);
	}
	usleep(50000);
	stop_threads = 1;
	for (i = 0; i < NTHREADS; i++) {
		pthread_join(usr1_tid[i], &r);
		bad += (long)r;
		got += usr1_hits[i] > 0;
	}
	printf("threadsig: every thread's handler ran: %s, wrong results %ld\n",
	       got == NTHREADS && sent == NTHREADS * 300 ? "yes" : "no", bad);
	return 0;
}

int main(int argc, char **argv)
{
	const char *m = argc > 1 ? argv[1] : "";

	devnull = open("/dev/null", O_WRONLY);
	devzero = open("/dev/zero", O_RDONLY);
	if (devnull < 0 || devzero < 0)
		return 1;
	if (!strcmp(m, "threads"))
		return threads();
	if (!strcmp(m, "eintr"))
		return eintr(0);
	if (!strcmp(m, "restart"))
		return eintr(1);
	if (!strcmp(m, "fork"))
		return forkchild();
	if (!strcmp(m, "mprotect"))
		return mprot();
	if (!strcmp(m, "shared"))
		return shared();
	if (!strcmp(m, "defer"))
		return defer();
	if (!strcmp(m, "threadsig"))
		return threadsig();
	if (!strcmp(m, "private") && argc > 2)
		return private(atoi(argv[2]));
	if (!strcmp(m, "near") && argc > 2)
		return near(atoi(argv[2]));
	if (!strcmp(m, "nearrace"))
		return nearrace();
	if (!strcmp(m, "nearstale"))
		return nearstale();
	if (!strcmp(m, "nearshm"))
		return nearshm();
	if (!strcmp(m, "sigmix"))
		return sigmix();
	fprintf(stderr, "usage: patch threads|eintr|restart|fork|mprotect|shared|private OFF|near 0|1|"
		"nearrace|nearstale|nearshm|sigmix|defer|threadsig\n");
	return 2;
}
