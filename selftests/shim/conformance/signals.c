// SPDX-License-Identifier: GPL-2.0
// signals.c - conformance: actions, masks, pending sets, sigsuspend, sigtimedwait, handlers.
#include "conf.h"

#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

static volatile sig_atomic_t hits[65];
static volatile sig_atomic_t order[8], norder;

static void on_sig(int sig)
{
	hits[sig]++;
	if (norder < 8)
		order[norder++] = sig;
}

static volatile pid_t info_pid;
static volatile uid_t info_uid;

static void on_info(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	hits[sig]++;
	hits[0] = si->si_code;
	info_pid = si->si_pid;
	info_uid = si->si_uid;
}

static void actions(void)
{
	struct sigaction sa = { 0 }, old;

	chk("sigaction(SIGKILL)", sigaction(SIGKILL, &sa, NULL));
	chk("sigaction(SIGSTOP)", sigaction(SIGSTOP, &sa, NULL));
	chk("sigaction(0)", sigaction(0, &sa, NULL));
	chk("sigaction(65)", syscall(SYS_rt_sigaction, 65, NULL, NULL, 8));
	chk("rt_sigaction with sigsetsize 4", syscall(SYS_rt_sigaction, SIGUSR1, NULL, NULL, 4));
	sa.sa_handler = on_sig;
	sigemptyset(&sa.sa_mask);
	sigaddset(&sa.sa_mask, SIGUSR2);
	sa.sa_flags = SA_RESTART;
	chk("sigaction(SIGUSR1, handler)", sigaction(SIGUSR1, &sa, NULL));
	chk("read it back", sigaction(SIGUSR1, NULL, &old));
	say("handler, flags, mask has USR2", "%d 0x%x %d", old.sa_handler == on_sig,
	    old.sa_flags & (SA_RESTART | SA_SIGINFO | SA_NODEFER | SA_RESETHAND),
	    sigismember(&old.sa_mask, SIGUSR2));
	raise(SIGUSR1);
	say("handler ran", "%d", hits[SIGUSR1]);
	sa.sa_flags = SA_RESETHAND;
	sigaction(SIGUSR1, &sa, NULL);
	raise(SIGUSR1);
	sigaction(SIGUSR1, NULL, &old);
	say("SA_RESETHAND: ran, then default", "%d %d", hits[SIGUSR1], old.sa_handler == SIG_DFL);
	sa.sa_sigaction = on_info;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGUSR2, &sa, NULL);
	kill(getpid(), SIGUSR2);
	say("SA_SIGINFO: ran, si_code", "%d %d", hits[SIGUSR2], hits[0]);
	say("SA_SIGINFO: the sender is self, its uid mine", "%d %d", info_pid == getpid(),
	    info_uid == getuid());
	signal(SIGUSR2, SIG_IGN);
	raise(SIGUSR2);
	say("ignored: not run", "%d", hits[SIGUSR2]);
	signal(SIGUSR2, SIG_DFL);
}

static void masks(void)
{
	sigset_t m, old, pend;

	sigemptyset(&m);
	sigaddset(&m, SIGUSR1);
	sigaddset(&m, SIGKILL);
	chk("block USR1 and KILL", sigprocmask(SIG_BLOCK, &m, &old));
	sigprocmask(SIG_BLOCK, NULL, &old);
	say("USR1, KILL blocked", "%d %d", sigismember(&old, SIGUSR1), sigismember(&old, SIGKILL));
	chk("sigprocmask with how 7", syscall(SYS_rt_sigprocmask, 7, &m, NULL, 8));
	chk("sigprocmask with sigsetsize 4", syscall(SYS_rt_sigprocmask, SIG_BLOCK, &m, NULL, 4));
	{
		/* A refused call leaves the old set's buffer as it was. */
		uint64_t w = 0xa5a5a5a5a5a5a5a5ULL;

		chk("sigprocmask with how 7 and an old set", syscall(SYS_rt_sigprocmask, 7, &m, &w, 8));
		say("the old set's buffer untouched", "%d", w == 0xa5a5a5a5a5a5a5a5ULL);
		/* how is an int: a 64-bit argument's upper half is not looked at. */
		chk("sigprocmask with how SIG_UNBLOCK | 1 << 32",
		    syscall(SYS_rt_sigprocmask, SIG_UNBLOCK | (1L << 32), &m, NULL, 8));
		sigprocmask(SIG_BLOCK, NULL, &old);
		say("USR1 unblocked by it", "%d", !sigismember(&old, SIGUSR1));
		sigprocmask(SIG_BLOCK, &m, NULL);
		/* A bad old-set pointer: EFAULT, after the new mask took effect. */
		sigemptyset(&old);
		sigaddset(&old, SIGUSR2);
		chk("sigprocmask blocking USR2 with a bad old-set pointer",
		    syscall(SYS_rt_sigprocmask, SIG_BLOCK, &old, (void *)8, 8));
		sigprocmask(SIG_BLOCK, NULL, &old);
		say("USR2 blocked all the same", "%d", sigismember(&old, SIGUSR2));
		sigemptyset(&old);
		sigaddset(&old, SIGUSR2);
		sigprocmask(SIG_UNBLOCK, &old, NULL);
	}
	signal(SIGUSR1, on_sig);
	hits[SIGUSR1] = 0;
	raise(SIGUSR1);
	raise(SIGUSR1);
	sigpending(&pend);
	say("pending while blocked, handler not run", "%d %d", sigismember(&pend, SIGUSR1),
	    hits[SIGUSR1]);
	sigprocmask(SIG_UNBLOCK, &m, NULL);
	say("after unblocking: ran once (not queued)", "%d", hits[SIGUSR1]);
	/* Real-time signals queue and come lowest first. */
	sigemptyset(&m);
	sigaddset(&m, SIGRTMIN + 1);
	sigaddset(&m, SIGRTMIN + 2);
	signal(SIGRTMIN + 1, on_sig);
	signal(SIGRTMIN + 2, on_sig);
	sigprocmask(SIG_BLOCK, &m, NULL);
	norder = 0;
	raise(SIGRTMIN + 2);
	raise(SIGRTMIN + 1);
	raise(SIGRTMIN + 2);
	sigprocmask(SIG_UNBLOCK, &m, NULL);
	say("real-time delivery order (offsets)", "%d %d %d", order[0] - SIGRTMIN,
	    order[1] - SIGRTMIN, order[2] - SIGRTMIN);
}

static void waits(void)
{
	struct timespec ts = { 0, 20 * 1000 * 1000 };
	siginfo_t si;
	sigset_t m, empty;
	pid_t pid;

	sigemptyset(&m);
	sigemptyset(&empty);
	sigaddset(&m, SIGUSR1);
	sigprocmask(SIG_BLOCK, &m, NULL);
	chk("sigtimedwait, nothing pending, 20 ms", sigtimedwait(&m, &si, &ts));
	kill(getpid(), SIGUSR1);
	chk("sigtimedwait, USR1 pending", sigtimedwait(&m, &si, &ts));
	say("si_code, sender is self", "%d %d", si.si_code, si.si_pid == getpid());
	say("sender's uid is mine", "%d", si.si_uid == getuid());
	hits[SIGUSR1] = 0;
	raise(SIGUSR1);
	chk("sigsuspend with an empty mask", sigsuspend(&empty));
	say("handler ran", "%d", hits[SIGUSR1]);
	pid = fork();
	if (pid == 0) {
		kill(getppid(), SIGUSR1);
		_exit(0);
	}
	chk("sigsuspend until the child's USR1", sigsuspend(&empty));
	say("handler ran", "%d", hits[SIGUSR1]);
	waitpid(pid, NULL, 0);
	sigprocmask(SIG_UNBLOCK, &m, NULL);
}

static void timers(void)
{
	struct itimerval it = { { 0, 0 }, { 0, 300000 } }, cur; /* found running when loaded */
	sigset_t m;

	signal(SIGALRM, on_sig);
	hits[SIGALRM] = 0;
	chk("setitimer(ITIMER_REAL, 300 ms)", setitimer(ITIMER_REAL, &it, NULL));
	getitimer(ITIMER_REAL, &cur);
	say("running", "%d", cur.it_value.tv_usec > 0 || cur.it_value.tv_sec > 0);
	sigemptyset(&m);
	while (!hits[SIGALRM])
		sigsuspend(&m);
	say("SIGALRM ran", "%d", hits[SIGALRM]);
	chk("alarm(5)", alarm(5));
	chk("alarm(0) returns what is left", alarm(0));
	chk("setitimer(5)", setitimer(5, &it, NULL));
}

static void child_deaths(void)
{
	struct sigaction sa = { 0 };
	sigset_t m;
	pid_t pid;
	int st;

	pid = fork();
	if (pid == 0) {
		raise(SIGTERM);
		_exit(0);
	}
	waitpid(pid, &st, 0);
	say("child killed by its own SIGTERM", "%d %d", WIFSIGNALED(st), WTERMSIG(st));
	pid = fork();
	if (pid == 0) {
		signal(SIGTERM, SIG_IGN);
		raise(SIGTERM);
		_exit(9);
	}
	waitpid(pid, &st, 0);
	say("child ignoring SIGTERM exits", "%d %d", WIFEXITED(st), WEXITSTATUS(st));
	pid = fork();
	if (pid == 0) {
		signal(SIGUSR1, SIG_IGN);
		execl("/bin/true", "true", (char *)NULL);
		_exit(127);
	}
	waitpid(pid, &st, 0);
	say("exec after SIG_IGN", "%d %d", WIFEXITED(st), WEXITSTATUS(st));
	sa.sa_sigaction = on_info;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGCHLD, &sa, NULL);
	sigemptyset(&m);
	sigaddset(&m, SIGCHLD);
	sigprocmask(SIG_BLOCK, &m, NULL);
	hits[SIGCHLD] = 0;
	pid = fork();
	if (pid == 0)
		_exit(4);
	sigemptyset(&m);
	while (!hits[SIGCHLD])
		sigsuspend(&m);
	say("SIGCHLD handler: si_code, the sender is the child", "%d %d", hits[0], info_pid == pid);
	waitpid(pid, &st, 0);
	signal(SIGCHLD, SIG_DFL);
}

/* Alternate signal stacks: where handlers run, what sigaltstack says there, per thread. */
#define ALT_SIZE 65536
static char *alt;
static volatile int on_alt, alt_flags_seen;

static void on_alt_sig(int sig)
{
	char here;
	stack_t st;

	(void)sig;
	on_alt = (uintptr_t)&here - (uintptr_t)alt < ALT_SIZE;
	sigaltstack(NULL, &st);
	alt_flags_seen = st.ss_flags;
}

static sigjmp_buf overflowed;
static char *thread_alt;
static volatile int segv_on_alt;

static void on_segv(int sig)
{
	char here;

	(void)sig;
	segv_on_alt = (uintptr_t)&here - (uintptr_t)thread_alt < ALT_SIZE;
	siglongjmp(overflowed, 1);
}

static int deep(int n)
{
	volatile char buf[512];

	buf[0] = (char)n;
	return n ? deep(n - 1) + buf[0] : 0;
}

/* A thread with a 128 KiB stack and an alternate stack of its own recurses past its end. */
static void *overflow(void *arg)
{
	stack_t ss = { .ss_sp = thread_alt, .ss_size = ALT_SIZE };
	stack_t st;

	(void)arg;
	sigaltstack(&ss, NULL);
	if (sigsetjmp(overflowed, 1) == 0)
		deep(1 << 20);
	sigaltstack(NULL, &st);
	return (void *)(long)(st.ss_sp == thread_alt);
}

/* A handler on the alternate stack that makes calls of its own. */
static volatile int calls_hits;

static void on_alt_calls(int sig)
{
	char here;

	(void)sig;
	/* As integers: the compiler may not compare addresses of distinct objects. */
	if ((uintptr_t)&here - (uintptr_t)alt < ALT_SIZE && getppid() >= 0 && getpid() > 0)
		calls_hits++;
}

/* SA_NODEFER on an SS_AUTODISARM stack: the nested run is below, not over, the first. */
static volatile int disarm_depth, disarm_ok;
static volatile int disarm_flags;

static void on_disarm(int sig)
{
	volatile char canary[256];
	stack_t st;
	int i;

	memset((char *)canary, 0x5a, sizeof(canary));
	if (disarm_depth++ == 0) {
		raise(sig);
		for (i = 0; i < 256 && canary[i] == 0x5a; i++)
			;
		disarm_ok = i == 256;
		sigaltstack(NULL, &st);
		disarm_flags = st.ss_flags;
	}
}

static void altstack_calls(void)
{
	struct sigaction sa = { 0 };
	stack_t ss = { .ss_sp = alt, .ss_size = ALT_SIZE };
	pid_t parent = getpid(), k;
	int p[2], i;
	ssize_t r;
	char b = 0;

	sigset_t m;

	sigemptyset(&m);
	sigaddset(&m, SIGUSR1);
	sigaddset(&m, SIGUSR2);
	sigprocmask(SIG_UNBLOCK, &m, NULL);
	sigaltstack(&ss, NULL);
	sa.sa_handler = on_alt_calls;
	sa.sa_flags = SA_ONSTACK | SA_RESTART;
	sigaction(SIGUSR1, &sa, NULL);
	if (pipe(p) < 0)
		return;
	k = fork();
	if (k == 0) {
		for (i = 0; i < 5; i++) {
			usleep(30000);
			kill(parent, SIGUSR1);
		}
		usleep(30000);
		if (write(p[1], "x", 1) != 1)
			_exit(1);
		_exit(0);
	}
	r = read(p[0], &b, 1);	/* before calls_hits is read: arguments have no order */
	say("blocked in read, 5 signals whose handler runs on the alternate stack and makes calls: "
	    "read, runs", "%zd %d", r, calls_hits);
	waitpid(k, NULL, 0);
	close(p[0]);
	close(p[1]);
	signal(SIGUSR1, SIG_DFL);
	ss.ss_flags = (int)(1U << 31);	/* SS_AUTODISARM (linux/signal.h) */
	sigaltstack(&ss, NULL);
	sa.sa_handler = on_disarm;
	sa.sa_flags = SA_ONSTACK | SA_NODEFER;
	sigaction(SIGUSR2, &sa, NULL);
	raise(SIGUSR2);
	say("SS_AUTODISARM, a handler raising its own signal: depth, first frame intact, flags "
	    "inside", "%d %d %#x", disarm_depth, disarm_ok, disarm_flags);
	signal(SIGUSR2, SIG_DFL);
	ss.ss_flags = SS_ONSTACK;
	chk("sigaltstack with the mode SS_ONSTACK", sigaltstack(&ss, NULL));
	sigaltstack(NULL, &ss);
	say("then its flags", "%#x", ss.ss_flags);
	ss.ss_flags = SS_DISABLE;
	sigaltstack(&ss, NULL);
}

/*
 * SS_AUTODISARM and a handler that leaves by siglongjmp: no sigreturn arms the
 * stack again, so it stays disabled (sigaltstack says so, the next handler
 * runs on the interrupted stack) until set again.
 */
static sigjmp_buf jump_env;
static volatile int jump_on_alt;

static void on_jump(int sig)
{
	char here;

	(void)sig;
	jump_on_alt = &here >= (char *)alt && &here < (char *)alt + ALT_SIZE;
	siglongjmp(jump_env, 1);
}

static void altstack_jump(void)
{
	struct sigaction sa = { 0 };
	stack_t ss = { .ss_sp = alt, .ss_size = ALT_SIZE, .ss_flags = (int)(1U << 31) }, old;
	int first;

	sigaltstack(&ss, NULL);
	sa.sa_handler = on_jump;
	sa.sa_flags = SA_ONSTACK;
	sigaction(SIGUSR2, &sa, NULL);
	if (!sigsetjmp(jump_env, 1))
		raise(SIGUSR2);
	first = jump_on_alt;
	sigaltstack(NULL, &old);
	say("SS_AUTODISARM, a handler left by siglongjmp: it ran on the stack; after it the "
	    "stack's pointer, size, flags", "%d %d %zu %#x", first, old.ss_sp == alt, old.ss_size,
	    (unsigned)old.ss_flags);
	if (!sigsetjmp(jump_env, 1))
		raise(SIGUSR2);
	say("the next SA_ONSTACK handler: on the alternate stack", "%d", jump_on_alt);
	chk("sigaltstack set again", sigaltstack(&ss, NULL));
	if (!sigsetjmp(jump_env, 1))
		raise(SIGUSR2);
	say("then a handler: on the alternate stack", "%d", jump_on_alt);
	signal(SIGUSR2, SIG_DFL);
	ss.ss_flags = SS_DISABLE;
	sigaltstack(&ss, NULL);
}

/* SIGCHLD left at SIG_DFL with SA_NOCLDWAIT: children are reaped by the kernel. */
static void nocldwait(void)
{
	struct sigaction sa = { 0 };
	pid_t k;

	sa.sa_handler = SIG_DFL;
	sa.sa_flags = SA_NOCLDWAIT;
	sigaction(SIGCHLD, &sa, NULL);
	k = fork();
	if (k == 0)
		_exit(0);
	usleep(100000);
	chk("SIG_DFL SIGCHLD with SA_NOCLDWAIT: waitpid(-1) after the child exited",
	    waitpid(-1, NULL, 0));
	sa.sa_flags = 0;
	sigaction(SIGCHLD, &sa, NULL);
}

static void altstacks(void)
{
	stack_t ss = { 0 }, old;
	struct sigaction sa = { 0 };
	uint64_t w[3] = { 0xa5a5a5a5a5a5a5a5ULL, 0xa5a5a5a5a5a5a5a5ULL, 0xa5a5a5a5a5a5a5a5ULL };
	pthread_attr_t at;
	pthread_t t;
	void *r;

	alt = mmap(NULL, ALT_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	thread_alt = mmap(NULL, ALT_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
			  0);
	sigaltstack(NULL, &old);
	say("sigaltstack at first: flags, size", "%d %zu", old.ss_flags, old.ss_size);
	ss.ss_sp = alt;
	ss.ss_size = ALT_SIZE;
	chk("sigaltstack: set one", sigaltstack(&ss, NULL));
	sigaltstack(NULL, &old);
	say("then: it, flags", "%d %d", old.ss_sp == alt && old.ss_size == ALT_SIZE, old.ss_flags);
	sa.sa_handler = on_alt_sig;
	sa.sa_flags = SA_ONSTACK;
	sigaction(SIGUSR2, &sa, NULL);
	raise(SIGUSR2);
	say("an SA_ONSTACK handler: on the alternate stack, sigaltstack's flags there", "%d %d",
	    on_alt, alt_flags_seen);
	sa.sa_flags = 0;
	sigaction(SIGUSR2, &sa, NULL);
	raise(SIGUSR2);
	say("a handler without SA_ONSTACK: on the alternate stack, flags", "%d %d", on_alt,
	    alt_flags_seen);
	signal(SIGUSR2, SIG_DFL);
	ss.ss_flags = 0x40;
	chk("sigaltstack with an unknown flag", syscall(SYS_sigaltstack, &ss, w));
	say("the old one's buffer untouched", "%d",
	    w[0] == 0xa5a5a5a5a5a5a5a5ULL && w[1] == w[0] && w[2] == w[0]);
	ss.ss_flags = 0;
	ss.ss_size = 1024;
	chk("sigaltstack smaller than MINSIGSTKSZ", sigaltstack(&ss, NULL));
	/* A stack overflow handled on the thread's own alternate stack. */
	sa.sa_handler = on_segv;
	sa.sa_flags = SA_ONSTACK | SA_NODEFER;
	sigaction(SIGSEGV, &sa, NULL);
	pthread_attr_init(&at);
	pthread_attr_setstacksize(&at, 128 * 1024);
	pthread_create(&t, &at, overflow, NULL);
	pthread_join(t, &r);
	say("a thread's stack overflow: SIGSEGV handled on its alternate stack, still set after",
	    "%d %ld", segv_on_alt, (long)r);
	signal(SIGSEGV, SIG_DFL);
	sigaltstack(NULL, &old);
	say("the main thread's is its own", "%d", old.ss_sp == alt);
	ss.ss_flags = SS_DISABLE;
	chk("sigaltstack: disable", sigaltstack(&ss, NULL));
	sigaltstack(NULL, &old);
	say("then: flags, size", "%d %zu", old.ss_flags, old.ss_size);
	altstack_calls();
	altstack_jump();
	nocldwait();
}

/*
 * What a handler's ucontext says of the alternate stack (uc_stack, as the
 * kernel saved it at delivery) and what the return makes of a uc_stack the
 * handler changed (rt_sigreturn's restore_altstack).
 */
static char *uc_alt, *uc_alt2;
static volatile int uc_nested;
static char uc_seen[2][192];

static void uc_say(char *out, size_t n, const ucontext_t *uc)
{
	const char *sp = uc->uc_stack.ss_sp == NULL ? "null" : uc->uc_stack.ss_sp == uc_alt ? "alt" :
			 uc->uc_stack.ss_sp == uc_alt2 ? "alt2" : "other";

	snprintf(out, n, "%s %zu %#x", sp, uc->uc_stack.ss_size, (unsigned)uc->uc_stack.ss_flags);
}

static void on_uc(int sig, siginfo_t *si, void *p)
{
	ucontext_t *uc = p;
	stack_t now;

	(void)si;
	uc_say(uc_seen[0], sizeof(uc_seen[0]), uc);
	if (sig == SIGUSR2 && uc_nested == 1) {	/* a nested delivery, then the stack here */
		uc_nested = 2;
		raise(SIGUSR1);
		sigaltstack(NULL, &now);
		snprintf(uc_seen[1], sizeof(uc_seen[1]), "%.96s; here after it: %zu %#x", uc_seen[0],
			 now.ss_size, (unsigned)now.ss_flags);
		uc_say(uc_seen[0], sizeof(uc_seen[0]), uc);
	} else if (sig == SIGUSR2 && uc_nested == 3) {	/* a new stack for after the return */
		uc->uc_stack.ss_sp = uc_alt2;
		uc->uc_stack.ss_size = ALT_SIZE;
		uc->uc_stack.ss_flags = 0;
	} else if (sig == SIGUSR2 && uc_nested == 4) {	/* one sigaltstack would refuse */
		uc->uc_stack.ss_size = 1024;
	}
}

static void *uc_thread(void *arg)
{
	(void)arg;
	raise(SIGUSR1);
	return NULL;
}

static void ucstacks(void)
{
	struct sigaction sa = { 0 };
	stack_t ss = { 0 }, old;
	pthread_t t;

	uc_alt = mmap(NULL, ALT_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uc_alt2 = mmap(NULL, ALT_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	sa.sa_sigaction = on_uc;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGUSR1, &sa, NULL);
	raise(SIGUSR1);
	say("uc_stack, the stack disabled", "%s", uc_seen[0]);
	pthread_create(&t, NULL, uc_thread, NULL);
	pthread_join(t, NULL);
	say("uc_stack in a new thread", "%s", uc_seen[0]);
	ss.ss_sp = uc_alt;
	ss.ss_size = ALT_SIZE;
	sigaltstack(&ss, NULL);
	raise(SIGUSR1);
	say("uc_stack, one set, a handler without SA_ONSTACK", "%s", uc_seen[0]);
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGUSR2, &sa, NULL);
	raise(SIGUSR1);
	say("uc_stack, an SA_ONSTACK handler", "%s", uc_seen[0]);
	ss.ss_flags = (int)(1U << 31);	/* SS_AUTODISARM (linux/signal.h) */
	sigaltstack(&ss, NULL);
	uc_nested = 1;
	raise(SIGUSR2);
	say("uc_stack, SS_AUTODISARM: a nested handler's; the outer's after it", "%s",
	    uc_seen[1]);
	say("then the outer's own", "%s", uc_seen[0]);
	sigaltstack(NULL, &old);
	say("after both returned: the stack, flags", "%d %#x", old.ss_sp == uc_alt,
	    (unsigned)old.ss_flags);
	uc_nested = 3;
	raise(SIGUSR2);
	sigaltstack(NULL, &old);
	say("a handler's new uc_stack, after its return", "%s %zu %#x",
	    old.ss_sp == uc_alt2 ? "alt2" : old.ss_sp == uc_alt ? "alt" : "other", old.ss_size,
	    (unsigned)old.ss_flags);
	uc_nested = 4;
	raise(SIGUSR2);
	sigaltstack(NULL, &old);
	say("a handler's uc_stack below MINSIGSTKSZ, after its return: unchanged", "%d %zu",
	    old.ss_sp == uc_alt2, old.ss_size);
	ss.ss_flags = SS_DISABLE;
	sigaltstack(&ss, NULL);
	signal(SIGUSR1, SIG_DFL);
	signal(SIGUSR2, SIG_DFL);
}

/* One signal's action as a query reads it: its handler's kind, flags and mask. */
static void action_of(const char *what, int sig)
{
	struct sigaction a;
	int i, n = 0;

	sigaction(sig, NULL, &a);
	for (i = 1; i < 65; i++)
		n += sigismember(&a.sa_mask, i) == 1;
	say(what, "%s flags %#x mask %d", a.sa_handler == SIG_IGN ? "ignored" :
	    a.sa_handler == SIG_DFL ? "default" : "caught", a.sa_flags & ~0x04000000 /* SA_RESTORER */, n);
}

/*
 * The actions a program starts with, as exec leaves them: no flags and no
 * mask on any signal; across an exec an ignored signal stays ignored and a
 * caught one turns SIG_DFL, both without the flags and mask they were set with.
 */
static void exec_actions(const char *self)
{
	struct sigaction a = { 0 };
	int sig, n = 0, st;
	char n_at[16];
	pid_t pid;

	for (sig = 1; sig < 32; sig++) {
		if (sig == SIGKILL || sig == SIGSTOP || sigaction(sig, NULL, &a) < 0)
			continue;
		n += a.sa_flags != 0 || !sigisemptyset(&a.sa_mask);
	}
	say("at start, signals with flags or a mask", "%d", n);
	snprintf(n_at, sizeof(n_at), "%d", conf_n);	/* the exec'd program numbers on */
	pid = fork();
	if (pid == 0) {
		a.sa_handler = SIG_IGN;
		a.sa_flags = SA_RESTART | SA_NODEFER;
		sigfillset(&a.sa_mask);
		sigaction(SIGUSR1, &a, NULL);
		a.sa_handler = on_sig;
		a.sa_flags = SA_RESTART | SA_ONSTACK;
		sigaction(SIGUSR2, &a, NULL);
		execl(self, self, "--actions", n_at, (char *)NULL);
		_exit(127);
	}
	waitpid(pid, &st, 0);
	conf_n += 2;
	say("the exec'd program's end", "%d %d", WIFEXITED(st), WEXITSTATUS(st));
}

int main(int argc, char **argv)
{
	conf_init();
	if (argc > 2 && !strcmp(argv[1], "--actions")) {
		conf_n = atoi(argv[2]);
		action_of("after exec: SIGUSR1, ignored with flags and a full mask", SIGUSR1);
		action_of("after exec: SIGUSR2, caught with flags", SIGUSR2);
		fflush(stdout);
		_exit(0);
	}
	exec_actions(argv[0]);
	actions();
	masks();
	waits();
	timers();
	child_deaths();
	altstacks();
	ucstacks();
	return conf_done();
}
