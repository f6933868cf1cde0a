// SPDX-License-Identifier: GPL-2.0
// harden.c - a shim workload for issue 15's findings; most modes run natively and sandboxed alike.
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/inotify.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/xattr.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../../lib/raw_syscall.h"

#define HI (1L << 32)

static const char *ename(int e)
{
	static char buf[32];

	switch (e) {
	case 0: return "ok";
	case EPERM: return "EPERM";
	case ENOENT: return "ENOENT";
	case EBADF: return "EBADF";
	case EACCES: return "EACCES";
	case EAGAIN: return "EAGAIN";
	case EROFS: return "EROFS";
	case EMFILE: return "EMFILE";
	case EINVAL: return "EINVAL";
	case ENOLCK: return "ENOLCK";
	case ENOSYS: return "ENOSYS";
	case ECHILD: return "ECHILD";
	}
	snprintf(buf, sizeof(buf), "errno%d", e);
	return buf;
}

/* "NAME=ok" or "NAME=EXXX" for a libc call's result. */
static void say(const char *name, long r)
{
	printf("%s=%s\n", name, ename(r < 0 ? errno : 0));
}

/* The table full: every further descriptor is EMFILE, and nothing dies (finding 5). */
static int fdfill(const char *file)
{
	struct rlimit rl;
	int n = 0, p[2];

	syscall(SYS_close_range, 3, ~0U, 0);
	getrlimit(RLIMIT_NOFILE, &rl);
	printf("nofile=%lu/%lu\n", (unsigned long)rl.rlim_cur, (unsigned long)rl.rlim_max);
	while (open("/dev/null", O_RDONLY) >= 0)
		n++;
	printf("filled %d: %s\n", n, ename(errno));
	say("pipe", pipe(p));
	say("open-proc-status", open("/proc/self/status", O_RDONLY));
	say("open-proc-maps", open("/proc/self/maps", O_RDONLY));
	say("open-file", open(file, O_RDONLY));
	say("dup", dup(0));
	say("fdupfd", fcntl(0, F_DUPFD, 0));
	say("dup2-beyond-limit", dup2(0, (int)rl.rlim_cur));
	close(5);
	say("reopen-after-close", open(file, O_RDONLY));
	rl.rlim_cur = 100;
	say("lower-limit", setrlimit(RLIMIT_NOFILE, &rl));
	close(500);
	say("open-above-lowered-limit", open(file, O_RDONLY));
	close(50);
	printf("open-below-lowered-limit=%d\n", open(file, O_RDONLY));
	rl.rlim_cur = rl.rlim_max + 1;
	say("raise-above-hard", setrlimit(RLIMIT_NOFILE, &rl));
	return 0;
}

/* int-typed arguments with garbage in the upper half are what the kernel reads: the low 32 bits. */
static int intargs(void)
{
	int st = 0, fd;
	pid_t c = fork();
	long r;

	if (c == 0) {
		setpgid(0, 0);
		_exit(7);
	}
	setpgid(c, c);
	r = raw6(SYS_wait4, 0xffffffffL, (long)&st, 0, 0, 0, 0);
	printf("wait4(zero-extended -1): %s, status %d\n", r == c ? "reaped the child" :
	       r < 0 ? ename((int)-r) : "another pid", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	fd = open("/dev/null", O_RDONLY);
	printf("dup2(fd, HI|10)=%ld\n", raw6(SYS_dup2, fd, HI | 10, 0, 0, 0, 0));
	printf("lseek(HI|fd, 0, HI|SEEK_SET)=%ld\n",
	       raw6(SYS_lseek, HI | fd, 0, HI | SEEK_SET, 0, 0, 0));
	printf("kill(HI|self, 0)=%ld\n", raw6(SYS_kill, HI | getpid(), 0, 0, 0, 0, 0));
	printf("fcntl(HI|fd, HI|F_GETFD)=%ld\n", raw6(SYS_fcntl, HI | fd, HI | F_GETFD, 0, 0, 0, 0));
	printf("close(HI|fd)=%ld\n", raw6(SYS_close, HI | fd, 0, 0, 0, 0, 0));
	printf("fd closed: %s\n", fcntl(fd, F_GETFD) < 0 && errno == EBADF ? "yes" : "no");
	printf("close(HI|10)=%ld\n", raw6(SYS_close, HI | 10, 0, 0, 0, 0, 0));
	return 0;
}

/* Where the guest kernel's text ends (set by gate_start): the stubs are searched up to it. */
static unsigned long gate_end;

/* The guest kernel's text: the one executable mapping /proc names [kiste-gk]. */
static unsigned long gate_start(void)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[512];
	unsigned long s, e, found = 0;

	while (f && fgets(line, sizeof(line), f))
		if (strstr(line, " r-xp ") && strstr(line, "[kiste-gk]") &&
		    sscanf(line, "%lx-%lx", &s, &e) == 2) {
			found = s;
			gate_end = e - 2;
		}
	if (f)
		fclose(f);
	return found;
}

/*
 * In a child: is it redirected?  A raw getpid the guest kernel answers with
 * the guest pid (pid namespace pid - 1), and a raw ptrace it refuses (the
 * host allowlist would kill for it).
 */
static void child_report(const char *how)
{
	long pid = raw6(SYS_getpid, 0, 0, 0, 0, 0, 0);
	long pt = raw6(SYS_ptrace, 0, 0, 0, 0, 0, 0);

	printf("%s child: raw getpid=%ld ptrace=%ld\n", how, pid, pt);
	fflush(stdout);
	raw6(SYS_exit_group, 0, 0, 0, 0, 0, 0);
}

static void parent_report(const char *how, pid_t c)
{
	int st = 0;

	waitpid(c, &st, 0);
	printf("%s child ended: %s %d\n", how, WIFEXITED(st) ? "exit" : "signal",
	       WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
}

/* clone(SIGCHLD) issued by the syscall instruction at @p, every other argument 0. */
static long clone_at(unsigned long p)
{
	register long r10 __asm__("r10") = 0;
	register long r8 __asm__("r8") = 0;
	long ret, di = SIGCHLD, si = 0, dx = 0;

	/* A child runs the gate's code after the syscall, which may use these registers. */
	__asm__ volatile("call *%6"
			 : "=a"(ret), "+r"(r10), "+r"(r8), "+D"(di), "+S"(si), "+d"(dx)
			 : "r"(p), "a"((long)SYS_clone)
			 : "rcx", "r11", "memory");
	return ret;
}

/*
 * Gate jumps with clone(SIGCHLD): "stub" to the gate's first syscall
 * instruction (the fork stub, the one clone the host admits: its child must
 * come up redirected), "plain" to the first "syscall; ret" (the host syscall
 * stub: killed).
 */
static int gateclone(const char *how)
{
	unsigned long s = gate_start(), p;
	int plain = !strcmp(how, "plain");
	long ret;

	if (!s) {
		printf("no [kiste-gk] mapping\n");
		return 2;
	}
	for (p = s; p < gate_end; p++)
		if (!memcmp((void *)p, plain ? "\x0f\x05\xc3" : "\x0f\x05", plain ? 3 : 2))
			break;
	printf("clone(SIGCHLD) at gate +%lu\n", p - s);
	fflush(stdout);
	ret = clone_at(p);
	if (ret == 0)
		child_report(how);
	if (ret < 0) {
		printf("clone failed: %ld\n", ret);
		return 1;
	}
	/* A raw clone's result is the host's pid: wait for any child. */
	parent_report(how, -1);
	return 0;
}

/* An escaped thread's first code (the plain stub's ret lands here): report, then wait. */
static void thread_report(void)
{
	child_report("thread");
}

/*
 * Gate jump with glibc's thread flags (a new stack above the guest kernel,
 * tid words there too) to the plain "syscall; ret" stub: only the thread
 * stub may make threads, so the ip filter kills this (159).  An escaped
 * thread would return into thread_report() unredirected.
 */
static int gatethread(void)
{
	const long fl = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD |
			CLONE_SYSVSEM | CLONE_SETTLS | CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID;
	unsigned long s = gate_start(), p, *stk;
	char *m = mmap(NULL, 1 << 16, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	long ret;

	if (!s || m == MAP_FAILED)
		return 2;
	for (p = s; p < gate_end && memcmp((void *)p, "\x0f\x05\xc3", 3); p++)
		;
	stk = (unsigned long *)(m + (1 << 16) - 64);
	stk[0] = (unsigned long)thread_report;
	printf("clone(thread flags) at gate +%lu\n", p - s);
	fflush(stdout);
	{
		register long r10 __asm__("r10") = (long)(m + 8);
		register long r8 __asm__("r8") = (long)__builtin_thread_pointer();
		long di = fl, si = (long)stk, dx = (long)m;

		__asm__ volatile("call *%6"
				 : "=a"(ret), "+r"(r10), "+r"(r8), "+D"(di), "+S"(si), "+d"(dx)
				 : "r"(p), "a"((long)SYS_clone)
				 : "rcx", "r11", "memory");
	}
	printf("thread clone answered %ld\n", ret);
	sleep(1);
	return 0;
}

/* A workload handler: raw ptrace, refused (EPERM) when redirected, killed (SIGSYS) when not. */
static void on_usr1(int sig)
{
	(void)sig;
	raw6(SYS_ptrace, 0, 0, 0, 0, 0, 0);
}

/*
 * Signals rain on every process while the workload clones through the stub:
 * a child that takes one before its stub re-armed must still run the handler
 * redirected (the gate's signal trampoline arms first).
 */
static int sigrace(int rounds)
{
	struct sigaction sa = { .sa_handler = on_usr1, .sa_flags = SA_RESTART };
	unsigned long s = gate_start(), p;
	int i, st, lost = 0, took = 0;
	pid_t spam;

	if (!s)
		return 2;
	for (p = s; p < s + 64 && memcmp((void *)p, "\x0f\x05", 2); p++)
		;	/* the fork stub's clone */
	sigaction(SIGUSR1, &sa, NULL);
	spam = fork();
	if (spam == 0)
		for (;;)
			kill(-1, SIGUSR1);
	for (i = 0; i < rounds; i++) {
		long ret = clone_at(p);

		if (ret == 0)
			raw6(SYS_exit_group, 0, 0, 0, 0, 0, 0);
		if (ret < 0)
			break;
		while (waitpid(-1, &st, __WALL) < 0 && errno == EINTR)
			;
		took++;
		lost += WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS;
	}
	kill(spam, SIGKILL);
	printf("%d stub children under a rain of signals, %d killed running a handler "
	       "unredirected\n", took, lost);
	return 0;
}

static int forkcheck(void)
{
	pid_t c = fork();

	if (c == 0)
		child_report("fork");
	parent_report("fork", c);
	return 0;
}

/*
 * Forks up to @n paused children (finding 6): a sandbox's process cap must
 * make fork fail (EAGAIN), never let it succeed and kill the child (kiste.ko's
 * member cap).  Prints how many forks succeeded, the error that stopped
 * them, and how many children died of SIGKILL before they were let go.
 */
static int forkbomb(int n)
{
	int forks = 0, err = 0, killed = 0, st, i;
	pid_t *kids = calloc(n > 0 ? n : 1, sizeof(*kids));

	if (!kids)
		return 1;
	for (forks = 0; forks < n; forks++) {
		kids[forks] = fork();
		if (kids[forks] == 0) {
			pause();
			_exit(0);
		}
		if (kids[forks] < 0) {
			err = errno;
			break;
		}
	}
	/* a child the member cap refused is killed before it runs: give it time to be seen */
	usleep(200 * 1000);
	for (i = 0; i < forks; i++)
		if (waitpid(kids[i], &st, WNOHANG) == kids[i]) {
			killed += WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL;
			kids[i] = 0;
		}
	printf("forkbomb: forks=%d err=%s early_kills=%d\n", forks, err ? ename(err) : "none",
	       killed);
	for (i = 0; i < forks; i++)
		if (kids[i] > 0) {
			kill(kids[i], SIGKILL);
			waitpid(kids[i], NULL, 0);
		}
	free(kids);
	return 0;
}

/*
 * Metadata of host objects reached through /proc or inherited descriptors
 * (finding 2): the targets are the program itself and its stderr (the
 * caller's file); results go to stdout.
 */
/* @fd sent over a socketpair to this same process: the received copy (-1 on failure). */
static int passed_to_self(int fd)
{
	char cbuf[CMSG_SPACE(sizeof(int))], byte = 'x';
	struct iovec iov = { &byte, 1 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
			    .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *h;
	int sv[2], got = -1;

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
		return -1;
	h = CMSG_FIRSTHDR(&m);
	h->cmsg_level = SOL_SOCKET;
	h->cmsg_type = SCM_RIGHTS;
	h->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(h), &fd, sizeof(int));
	if (sendmsg(sv[0], &m, 0) == 1 && recvmsg(sv[1], &m, 0) == 1 &&
	    (h = CMSG_FIRSTHDR(&m)) && h->cmsg_type == SCM_RIGHTS)
		memcpy(&got, CMSG_DATA(h), sizeof(int));
	close(sv[0]);
	close(sv[1]);
	return got;
}

static int meta(void)
{
	struct timespec t[2] = { { 0, UTIME_NOW }, { 0, UTIME_NOW } };

	say("chmod /proc/self/exe", chmod("/proc/self/exe", 0777));
	say("utimensat /proc/self/exe", utimensat(AT_FDCWD, "/proc/self/exe", NULL, 0));
	say("chmod /proc/self/fd/2", chmod("/proc/self/fd/2", 0777));
	say("chmod /proc/thread-self/fd/2", chmod("/proc/thread-self/fd/2", 0777));
	say("chmod /dev/stderr", chmod("/dev/stderr", 0777));
	say("chmod /dev/fd/2", chmod("/dev/fd/2", 0777));
	say("chown /proc/self/fd/2", chown("/proc/self/fd/2", -1, -1));
	say("utimensat /proc/self/fd/2", utimensat(AT_FDCWD, "/proc/self/fd/2", t, 0));
	say("truncate /proc/self/fd/2", truncate("/proc/self/fd/2", 0));
	say("fchmod 2", fchmod(2, 0777));
	say("fchown 2", fchown(2, -1, -1));
	say("futimens 2", futimens(2, NULL));
	say("fchmod dup of 2", fchmod(dup(2), 0777));
	say("fchmod F_DUPFD of 2", fchmod(fcntl(2, F_DUPFD, 10), 0777));
	say("fchmod /dev/stderr reopened", fchmod(open("/dev/stderr", O_WRONLY), 0777));
	say("fchmod SCM_RIGHTS of 2", fchmod(passed_to_self(2), 0777));
	say("fsetxattr SCM_RIGHTS of 2", fsetxattr(passed_to_self(2), "user.kiste", "x", 1, 0));
	say("utimensat /dev/null", utimensat(AT_FDCWD, "/dev/null", NULL, 0));
	return 0;
}

/* The workload's own files through its own descriptors' aliases: as natively (glibc's lchmod). */
static int ownalias(const char *dir)
{
	char f[512], p[64];
	struct stat st;
	int fd;

	snprintf(f, sizeof(f), "%s/own", dir);
	fd = open(f, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	say("fchmodat AT_SYMLINK_NOFOLLOW", fchmodat(AT_FDCWD, f, 0600, AT_SYMLINK_NOFOLLOW));
	stat(f, &st);
	printf("mode %o\n", st.st_mode & 07777);
	snprintf(p, sizeof(p), "/proc/self/fd/%d", fd);
	say("chmod /proc/self/fd/N of one's own file", chmod(p, 0640));
	stat(f, &st);
	printf("mode %o\n", st.st_mode & 07777);
	unlink(f);
	return 0;
}

/* /proc/self/fd/N of a read-only FILE reopened: never with more access than N has (finding 12). */
static int reopen(const char *file)
{
	char p[64];
	int fd = open(file, O_RDONLY);

	snprintf(p, sizeof(p), "/proc/self/fd/%d", fd);
	say("reopen O_RDONLY", open(p, O_RDONLY));
	say("reopen O_RDWR", open(p, O_RDWR));
	say("reopen O_WRONLY", open(p, O_WRONLY));
	snprintf(p, sizeof(p), "/dev/fd/%d", fd);
	say("reopen /dev/fd O_RDWR", open(p, O_RDWR));
	fd = open("/dev/null", O_WRONLY);
	snprintf(p, sizeof(p), "/proc/self/fd/%d", fd);
	say("reopen write-only as O_RDONLY", open(p, O_RDONLY));
	say("reopen write-only as O_WRONLY", open(p, O_WRONLY));
	return 0;
}

static void show_link(const char *name, const char *path)
{
	char buf[512];
	ssize_t n = readlink(path, buf, sizeof(buf) - 1);

	buf[n > 0 ? n : 0] = 0;
	printf("%s: %s\n", name, n < 0 ? ename(errno) : buf);
}

/* What /proc says about paths: guest paths only (finding 12). */
static int links(void)
{
	FILE *f;
	char line[1024];

	show_link("fd/1", "/proc/self/fd/1");
	show_link("exe", "/proc/self/exe");
	show_link("root", "/proc/self/root");
	if (chdir("/proc") == 0)
		show_link("cwd in /proc", "/proc/self/cwd");
	f = fopen("/proc/self/mountinfo", "r");
	while (f && fgets(line, sizeof(line), f))
		printf("mountinfo: %s", line);
	if (f)
		fclose(f);
	return 0;
}

/* int $0x80 from a 64-bit program: a 32-bit call, never served as the 64-bit one. */
static int int80(void)
{
	long r;

	/* i386 39 is mkdir; x86_64 39 is getpid. */
	__asm__ volatile("int $0x80" : "=a"(r) : "a"(39L), "b"(0L), "c"(0L) : "memory");
	printf("int80(39)=%ld\n", r);
	return 0;
}

static int vsyscall(void)
{
	long (*gtod)(struct timeval *, void *) = (void *)0xffffffffff600000UL;
	long (*vtime)(long *) = (void *)0xffffffffff600400UL;
	FILE *f = fopen("/proc/self/maps", "r");
	struct timeval tv = { 0, 0 };
	char line[512];
	int have = 0;
	long t, r;

	while (f && fgets(line, sizeof(line), f))
		have |= strstr(line, "[vsyscall]") != NULL;
	if (f)
		fclose(f);
	if (!have) {
		printf("no vsyscall page\n");
		return 4;
	}
	r = gtod(&tv, NULL);
	t = time(NULL);
	printf("vsyscall gettimeofday=%ld %s\n", r, labs(tv.tv_sec - t) < 5 ? "now" : "wrong");
	r = vtime(NULL);
	printf("vsyscall time %s\n", labs(r - t) < 5 ? "now" : "wrong");
	return 0;
}

/* ---- locks (finding 7) ---- */

static int setlk(int fd, int cmd, short type)
{
	struct flock fl = { .l_type = type, .l_whence = SEEK_SET };

	return fcntl(fd, cmd, &fl);
}

/* Holds flock, POSIX and OFD locks on FILE (read-only), says so on stdout, lives SECS. */
static int lockhold(const char *file, int secs)
{
	int fd = open(file, O_RDONLY), ofd = open(file, O_RDONLY);

	say("flock", flock(fd, LOCK_EX));
	say("F_SETLK F_RDLCK", setlk(fd, F_SETLK, F_RDLCK));
	say("F_OFD_SETLK F_RDLCK", setlk(ofd, F_OFD_SETLK, F_RDLCK));
	printf("holding\n");
	sleep(secs);
	return 0;
}

/* Natively, from the host: the locks a sandbox must not be able to hold against us. */
static int lockprobe(const char *file)
{
	int fd = open(file, O_RDWR);

	say("host flock -x -n", flock(fd, LOCK_EX | LOCK_NB));
	flock(fd, LOCK_UN);
	say("host F_SETLK F_WRLCK", setlk(fd, F_SETLK, F_WRLCK));
	setlk(fd, F_SETLK, F_UNLCK);
	say("host F_OFD_SETLK F_WRLCK", setlk(fd, F_OFD_SETLK, F_WRLCK));
	return 0;
}

/* Two processes of one sandbox still exclude each other, and F_GETLK names the holder. */
static int lockpair(const char *file)
{
	int fd = open(file, O_RDONLY), p[2], q[2], st;
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	pid_t c;
	char b;

	say("parent flock", flock(fd, LOCK_EX));
	say("parent F_SETLK F_RDLCK", setlk(fd, F_SETLK, F_RDLCK));
	if (pipe(p) < 0 || pipe(q) < 0)
		return 1;
	c = fork();
	if (c == 0) {
		int mine = open(file, O_RDONLY);

		say("child flock -n", flock(mine, LOCK_EX | LOCK_NB));
		say("child flock -n on the shared description", flock(fd, LOCK_EX | LOCK_NB));
		say("child F_GETLK", fcntl(mine, F_GETLK, &fl));
		printf("child F_GETLK: %s, held by %s\n",
		       fl.l_type == F_RDLCK ? "F_RDLCK" : fl.l_type == F_UNLCK ? "F_UNLCK" : "?",
		       fl.l_pid == getppid() ? "the parent" : "someone else");
		fflush(stdout);
		close(fd);
		if (write(p[1], "x", 1) != 1 || read(q[0], &b, 1) != 1)
			_exit(1);
		say("child flock -n after the parent closed", flock(mine, LOCK_EX | LOCK_NB));
		_exit(0);
	}
	if (read(p[0], &b, 1) != 1)
		return 1;
	close(fd);
	if (write(q[1], "y", 1) != 1)
		return 1;
	waitpid(c, &st, 0);
	return 0;
}

/*
 * Per-user kernel budgets: as many inotify instances as the sandbox may hold
 * (at most 4096), held for @secs.  Charged to the owner of the sandbox's user
 * namespace at the host's level, so they must not be host root's.
 */
static int inohold(int secs)
{
	int n = 0, fd = 0;

	while (n < 4096 && (fd = inotify_init1(IN_CLOEXEC)) >= 0)
		n++;
	printf("held %d (then %s)\n", n, fd < 0 ? ename(errno) : "none");
	sleep(secs);
	return 0;
}

/* Natively, as host root: one inotify instance while a sandbox holds its most. */
static int inoprobe(void)
{
	say("host inotify_init1", inotify_init1(IN_CLOEXEC));
	return 0;
}

int main(int argc, char **argv)
{
	const char *m = argc > 1 ? argv[1] : "";

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(m, "fdfill") && argc > 2)
		return fdfill(argv[2]);
	if (!strcmp(m, "intargs"))
		return intargs();
	if (!strcmp(m, "gateclone") && argc > 2)
		return gateclone(argv[2]);
	if (!strcmp(m, "gatethread"))
		return gatethread();
	if (!strcmp(m, "sigrace"))
		return sigrace(argc > 2 ? atoi(argv[2]) : 300);
	if (!strcmp(m, "forkcheck"))
		return forkcheck();
	if (!strcmp(m, "forkbomb") && argc > 2)
		return forkbomb(atoi(argv[2]));
	if (!strcmp(m, "meta"))
		return meta();
	if (!strcmp(m, "ownalias") && argc > 2)
		return ownalias(argv[2]);
	if (!strcmp(m, "links"))
		return links();
	if (!strcmp(m, "reopen") && argc > 2)
		return reopen(argv[2]);
	if (!strcmp(m, "int80"))
		return int80();
	if (!strcmp(m, "vsyscall"))
		return vsyscall();
	if (!strcmp(m, "lockhold") && argc > 3)
		return lockhold(argv[2], atoi(argv[3]));
	if (!strcmp(m, "lockprobe") && argc > 2)
		return lockprobe(argv[2]);
	if (!strcmp(m, "lockpair") && argc > 2)
		return lockpair(argv[2]);
	if (!strcmp(m, "inohold") && argc > 2)
		return inohold(atoi(argv[2]));
	if (!strcmp(m, "inoprobe"))
		return inoprobe();
	fprintf(stderr, "usage: harden fdfill FILE|intargs|gateclone stub|plain|gatethread|sigrace [N]|"
		"forkcheck|forkbomb N|meta|ownalias DIR|links|reopen FILE|int80|vsyscall|"
		"lockhold FILE SECS|"
		"lockprobe FILE|lockpair FILE|inohold SECS|inoprobe\n");
	return 2;
}
