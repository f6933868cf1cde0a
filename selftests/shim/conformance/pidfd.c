// SPDX-License-Identifier: GPL-2.0
// pidfd.c - conformance: pidfd_getfd between the sandbox's processes; "gate-init" mode aims it at the init.
#include "conf.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static long getfd(long pidfd, long fd, long flags)
{
	return syscall(SYS_pidfd_getfd, pidfd, fd, flags);
}

static long pidfd_open(pid_t pid)
{
	return syscall(SYS_pidfd_open, pid, 0);
}

static void served(void)
{
	int go[2], ready[2], st, fd;
	char buf[16] = "";
	long pfd, r;
	pid_t c;

	if (pipe(go) < 0 || pipe(ready) < 0)
		return;
	c = fork();
	if (c == 0) {
		int p[2];

		/* A pipe at 50 (its write end) with "hello" waiting in it at 51. */
		if (pipe(p) < 0 || dup2(p[0], 51) < 0 || dup2(p[1], 50) < 0 ||
		    write(50, "hello", 5) != 5 || write(ready[1], "r", 1) != 1)
			_exit(1);
		if (read(go[0], buf, 1) < 0)
			_exit(1);
		_exit(0);
	}
	if (read(ready[0], buf, 1) != 1)
		return;
	pfd = chkfd("pidfd_open of a child", pidfd_open(c));
	fd = (int)chkfd("pidfd_getfd of its descriptor 51", getfd(pfd, 51, 0));
	if (fd >= 0) {
		r = read(fd, buf, 5);
		say("what it reads", "%ld %.5s", r, buf);
		say("close-on-exec is set on it", "%d", (fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0);
		close(fd);
	}
	chk("pidfd_getfd with flags 1", getfd(pfd, 51, 1));
	chk("pidfd_getfd of a descriptor it has not open", getfd(pfd, 77, 0));
	chk("pidfd_getfd of descriptor 1001", getfd(pfd, 1001, 0));
	chk("pidfd_getfd of descriptor -1", getfd(pfd, -1, 0));
	chk("pidfd_getfd on a descriptor that is no pidfd", getfd(go[0], 0, 0));
	chk("pidfd_getfd on a closed descriptor", getfd(900, 0, 0));
	if (write(go[1], "g", 1) != 1)
		return;
	waitpid(c, &st, 0);
	chk("pidfd_getfd once the child is reaped", getfd(pfd, 51, 0));
	close(pfd);
	pfd = chkfd("pidfd_open of itself", pidfd_open(getpid()));
	fd = (int)chkfd("pidfd_getfd of its own descriptor 1", getfd(pfd, 1, 0));
	if (fd >= 0)
		close(fd);
	close(pfd);
}

/* From the gate: what a workload that jumps there gets of the init (namespace pid 1). */
static int gate_init(void)
{
	unsigned long s = 0, e = 0, p;
	char line[512];
	long pfd, r;
	FILE *f = fopen("/proc/self/maps", "r");

	while (f && fgets(line, sizeof(line), f))
		if (strstr(line, "r-xp") && strstr(line, "[kiste-gk]") &&
		    sscanf(line, "%lx-%lx", &s, &e) == 2)
			break;
	if (f)
		fclose(f);
	for (p = s; p && p + 3 <= e; p++)
		if (!memcmp((void *)p, "\x0f\x05\xc3", 3))
			break;
	if (!p || p + 3 > e) {
		printf("no gate\n");
		return 2;
	}
	__asm__ volatile("call *%1" : "=a"(pfd) : "r"(p), "a"((long)SYS_pidfd_open), "D"(1L),
			 "S"(0L) : "rcx", "r11", "rdx", "memory");
	printf("pidfd_open(1) from the gate: %s\n", pfd >= 0 ? "fd" : strerrorname_np(-pfd));
	__asm__ volatile("call *%1" : "=a"(r) : "r"(p), "a"((long)SYS_pidfd_getfd), "D"(pfd),
			 "S"(0L), "d"(0L) : "rcx", "r11", "memory");
	printf("pidfd_getfd(init, 0) from the gate: %s\n", r >= 0 ? "fd" : strerrorname_np(-r));
	return r >= 0;
}

int main(int argc, char **argv)
{
	conf_init();
	if (argc > 1 && !strcmp(argv[1], "gate-init"))
		return gate_init();
	served();
	return conf_done();
}
