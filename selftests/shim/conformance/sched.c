// SPDX-License-Identifier: GPL-2.0
// sched.c - conformance: nice values, scheduling policies, memory locks, personality, memfd_create.
#include "conf.h"

#include <fcntl.h>
#include <pthread.h>
#include <grp.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../../lib/raw_syscall.h"

/* A raw call's answer as libc's: -1 and errno on failure. */
static long raw(long r)
{
	if (r < 0 && r > -4096) {
		errno = (int)-r;
		return -1;
	}
	return r;
}

static void priorities(void)
{
	int prio;
	pid_t child;
	int st;

	errno = 0;
	prio = getpriority(PRIO_PROCESS, 0);
	say("getpriority(PRIO_PROCESS, self)", "%d errno %s", prio, errno ? ename(errno) : "0");
	chk("setpriority(self, 5)", setpriority(PRIO_PROCESS, 0, 5));
	errno = 0;
	prio = getpriority(PRIO_PROCESS, getpid());
	say("getpriority(PRIO_PROCESS, getpid()) after 5", "%d", prio);
	chk("setpriority(self, 19)", setpriority(PRIO_PROCESS, 0, 19));
	chk("setpriority(self, 40) clamps to 19", setpriority(PRIO_PROCESS, 0, 40));
	errno = 0;
	say("getpriority after 40", "%d", getpriority(PRIO_PROCESS, 0));
	errno = 0;
	prio = getpriority(PRIO_USER, 0);
	say("getpriority(PRIO_USER, 0) is a number", "%s", prio >= -20 && prio <= 19 ? "yes" : "no");
	errno = 0;
	chk("getpriority(bad which)", getpriority(7, 0) == -1 && errno ? -1 : 0);
	errno = 0;
	chk("getpriority(PRIO_PROCESS, no such pid)", getpriority(PRIO_PROCESS, 999999) == -1 &&
	    errno ? -1 : 0);
	chk("setpriority(PRIO_PROCESS, no such pid)", setpriority(PRIO_PROCESS, 999999, 1));
	child = fork();
	if (child == 0) {
		errno = 0;
		/* a child inherits its parent's nice value */
		if (getpriority(PRIO_PROCESS, 0) != 19 || errno)
			_exit(1);
		/* alone in a group of its own: the group's value is its own */
		if (setpgid(0, 0) < 0 || setpriority(PRIO_PGRP, 0, 19) < 0)
			_exit(2);
		_exit(getpriority(PRIO_PGRP, 0) == 19 && !errno ? 0 : 3);
	}
	waitpid(child, &st, 0);
	say("a child inherits nice 19, and its own group's is 19", "%d", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	child = fork();
	if (child == 0) {
		pause();
		_exit(0);
	}
	chk("setpriority(PRIO_PROCESS, child, 19)", setpriority(PRIO_PROCESS, child, 19));
	errno = 0;
	say("getpriority(PRIO_PROCESS, child)", "%d", getpriority(PRIO_PROCESS, child));
	kill(child, SIGKILL);
	waitpid(child, &st, 0);
	/* the raw call answers 20 - nice: 1 for nice 19 */
	say("raw getpriority(self)", "%ld", raw(raw3(SYS_getpriority, PRIO_PROCESS, 0, 0)));
}

static void policies(void)
{
	struct sched_param sp = { 0 };
	struct timespec ts;

	chk("sched_getscheduler(0)", sched_getscheduler(0));
	chk("sched_getscheduler(no such pid)", sched_getscheduler(999999));
	chk("sched_getparam(0)", sched_getparam(0, &sp));
	say("sched_getparam priority", "%d", sp.sched_priority);
	chk("sched_get_priority_max(SCHED_FIFO)", sched_get_priority_max(SCHED_FIFO));
	chk("sched_get_priority_min(SCHED_FIFO)", sched_get_priority_min(SCHED_FIFO));
	chk("sched_get_priority_max(SCHED_OTHER)", sched_get_priority_max(SCHED_OTHER));
	chk("sched_get_priority_max(bad policy)", sched_get_priority_max(77));
	chk("sched_rr_get_interval(0)", sched_rr_get_interval(0, &ts));
	sp.sched_priority = 0;
	chk("sched_setscheduler(0, SCHED_BATCH)", sched_setscheduler(0, SCHED_BATCH, &sp));
	chk("sched_getscheduler after SCHED_BATCH", sched_getscheduler(0));
	chk("sched_setscheduler(0, SCHED_IDLE)", sched_setscheduler(0, SCHED_IDLE, &sp));
	chk("sched_getscheduler after SCHED_IDLE", sched_getscheduler(0));
	sp.sched_priority = 5;
	chk("sched_setscheduler(0, SCHED_OTHER, prio 5)", sched_setscheduler(0, SCHED_OTHER, &sp));
	chk("sched_setparam(0, prio 5) under SCHED_IDLE", sched_setparam(0, &sp));
	chk("sched_setscheduler(0, bad policy)", sched_setscheduler(0, 77, &sp));
	{
		cpu_set_t set, got;

		CPU_ZERO(&set);
		CPU_SET(0, &set);
		chk("sched_setaffinity(0, {0})", sched_setaffinity(0, sizeof(set), &set));
		chk("sched_getaffinity after it", sched_getaffinity(0, sizeof(got), &got));
		say("its CPUs", "%d, cpu0 %d", CPU_COUNT(&got), CPU_ISSET(0, &got));
		CPU_ZERO(&set);
		chk("sched_setaffinity(0, {})", sched_setaffinity(0, sizeof(set), &set));
		CPU_SET(0, &set);
		chk("sched_setaffinity(no such pid)", sched_setaffinity(999999, sizeof(set), &set));
	}
	chk("sched_setscheduler(0, NULL)", raw(raw3(SYS_sched_setscheduler, 0, SCHED_OTHER, 0)));
}

static void memlock(void)
{
	static char page[4096] __attribute__((aligned(4096)));
	struct rlimit rl;

	getrlimit(RLIMIT_MEMLOCK, &rl);
	chk("mlock(one page)", mlock(page, sizeof(page)));
	chk("munlock(one page)", munlock(page, sizeof(page)));
	chk("mlock2(one page, MLOCK_ONFAULT)", mlock2(page, sizeof(page), MLOCK_ONFAULT));
	chk("mlock2(bad flags)", mlock2(page, sizeof(page), 0x80));
	chk("munlock again", munlock(page, sizeof(page)));
	chk("mlockall(0)", mlockall(0));
	chk("mlockall(bad flags)", mlockall(0x40));
	chk("munlockall()", munlockall());
	chk("mlock(unmapped)", mlock((void *)0x1000, 4096));
}

static void personalities(void)
{
	chk("personality(query)", personality(0xffffffff));
	chk("personality(PER_LINUX)", personality(PER_LINUX));
	chk("personality(query) again", personality(0xffffffff));
	chk("personality(ADDR_NO_RANDOMIZE)", personality(PER_LINUX | ADDR_NO_RANDOMIZE));
	chk("personality(query) shows ADDR_NO_RANDOMIZE", personality(0xffffffff));
	chk("personality(PER_LINUX) back", personality(PER_LINUX));
	chk("personality(PER_BSD)", personality(PER_BSD));
}

static void memfds(void)
{
	char buf[16] = { 0 }, path[512];
	struct stat st;
	int fd, fd2;

	fd = (int)chkfd("memfd_create(\"conf\", MFD_CLOEXEC)", memfd_create("conf", MFD_CLOEXEC));
	if (fd >= 0) {
		chk("write to the memfd", write(fd, "hello", 5));
		chk("lseek to 0", lseek(fd, 0, SEEK_SET));
		chk("read it back", read(fd, buf, sizeof(buf) - 1));
		say("its data", "%s", buf);
		chk("fstat", fstat(fd, &st));
		say("size and type", "%lld %s", (long long)st.st_size,
		    S_ISREG(st.st_mode) ? "regular" : "other");
		chk("ftruncate 4096", ftruncate(fd, 4096));
		chk("F_GET_SEALS without MFD_ALLOW_SEALING", fcntl(fd, F_GET_SEALS));
		close(fd);
	}
	fd = (int)chkfd("memfd_create(ALLOW_SEALING)", memfd_create("sealed", MFD_ALLOW_SEALING));
	if (fd >= 0) {
		chk("write", write(fd, "abc", 3));
		chk("F_ADD_SEALS(WRITE|SHRINK|GROW|SEAL)",
		    fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL));
		chk("F_GET_SEALS", fcntl(fd, F_GET_SEALS));
		chk("write after F_SEAL_WRITE", write(fd, "x", 1));
		chk("mmap shared writable after the seal",
		    mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0) == MAP_FAILED ? -1 : 0);
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		fd2 = open(path, O_RDONLY);
		chkfd("reopen through /proc/self/fd", fd2);
		if (fd2 >= 0) {
			memset(buf, 0, sizeof(buf));
			chk("read the reopened memfd", pread(fd2, buf, sizeof(buf) - 1, 0));
			say("its data", "%s", buf);
			close(fd2);
		}
		close(fd);
	}
	chk("memfd_create(bad flags)", memfd_create("x", 0x1000));
	chk("memfd_create(name too long)",
	    memfd_create("0123456789012345678901234567890123456789012345678901234567890123456789"
			 "0123456789012345678901234567890123456789012345678901234567890123456789"
			 "0123456789012345678901234567890123456789012345678901234567890123456789"
			 "0123456789012345678901234567890123456789012345678901234567890123456789", 0));
	chk("memfd_create(NULL name)", raw(raw3(SYS_memfd_create, 0, 0, 0)));
}

/* ioprio, the *v2 I/O calls with their flags, the sync calls, restart_syscall. */
static void io(void)
{
	const char *tmp = getenv("TMPDIR");
	char tmpl[512], buf[8] = { 0 };
	struct iovec iov = { buf, 4 };
	int fd;

	chk("ioprio_get(WHO_PROCESS, self)", raw(raw3(SYS_ioprio_get, 1, 0, 0)));
	chk("ioprio_set(WHO_PROCESS, self, best-effort 7)",
	    raw(raw3(SYS_ioprio_set, 1, 0, (2 << 13) | 7)));
	chk("ioprio_get after it", raw(raw3(SYS_ioprio_get, 1, 0, 0)));
	chk("ioprio_set(idle class)", raw(raw3(SYS_ioprio_set, 1, 0, 3 << 13)));
	chk("ioprio_get(bad which)", raw(raw3(SYS_ioprio_get, 9, 0, 0)));
	chk("ioprio_get(no such pid)", raw(raw3(SYS_ioprio_get, 1, 999999, 0)));
	snprintf(tmpl, sizeof(tmpl), "%s/kiste-conf-io.XXXXXX", tmp ? tmp : "/tmp");
	fd = mkstemp(tmpl);
	chkfd("a temporary file", fd);
	if (fd < 0)
		return;
	unlink(tmpl);
	iov.iov_base = "abcd";
	chk("pwritev2(offset 0, RWF_DSYNC)", pwritev2(fd, &iov, 1, 0, RWF_DSYNC));
	iov.iov_base = buf;
	chk("preadv2(offset 0, RWF_HIPRI)", preadv2(fd, &iov, 1, 0, RWF_HIPRI));
	say("what it read", "%s", buf);
	chk("preadv2(unknown flag)", preadv2(fd, &iov, 1, 0, 0x1000));
	chk("preadv2(bad fd)", preadv2(-1, &iov, 1, 0, 0));
	chk("syncfs", syncfs(fd));
	chk("syncfs(bad fd)", syncfs(-1));
	chk("sync_file_range(WRITE)", sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE));
	chk("sync_file_range(bad flags)", sync_file_range(fd, 0, 0, 0x80));
	close(fd);
	chk("restart_syscall() called directly", raw(raw3(SYS_restart_syscall, 0, 0, 0)));
}

/* Supplementary groups (root sets them) and prlimit's targets. */
static void groups_and_limits(void)
{
	gid_t set[3] = { 1, 2, 3 }, got[8];
	struct rlimit rl;
	int n;

	n = getgroups(0, NULL);
	say("getgroups(0) is a count", "%s", n >= 0 ? "yes" : ename(errno));
	chk("setgroups(3 groups)", setgroups(3, set));
	n = getgroups(8, got);
	say("getgroups after it", "%d: %d %d %d", n, n > 0 ? (int)got[0] : -1,
	    n > 1 ? (int)got[1] : -1, n > 2 ? (int)got[2] : -1);
	chk("getgroups(1) with 3: too small", getgroups(1, got));
	chk("setgroups(0)", setgroups(0, NULL));
	chk("getgroups(0) after it", getgroups(0, NULL));
	chk("prlimit(-1)", raw(raw6(SYS_prlimit64, -1, RLIMIT_NOFILE, 0, (long)&rl, 0, 0)));
	chk("prlimit(no such pid)", prlimit(999999, RLIMIT_NOFILE, NULL, &rl));
	chk("prlimit(self)", prlimit(getpid(), RLIMIT_NOFILE, NULL, &rl));
}

static void *cpu_spin(void *arg)
{
	volatile long i;

	for (i = 0; i < 20000000; i++)
		;
	while (!*(volatile int *)arg)
		usleep(1000);
	return NULL;
}

/* CPU-time clocks of a thread and of a process: their ids carry a pid. */
static void cpu_clocks(void)
{
	struct timespec ts;
	static int done;
	pthread_t t;
	clockid_t c;

	pthread_create(&t, NULL, cpu_spin, &done);
	chk("pthread_getcpuclockid(another thread)", pthread_getcpuclockid(t, &c));
	chk("clock_gettime of its clock", clock_gettime(c, &ts));
	chk("clock_getres of its clock", clock_getres(c, &ts));
	chk("pthread_getcpuclockid(self)", pthread_getcpuclockid(pthread_self(), &c));
	chk("clock_gettime of it", clock_gettime(c, &ts));
	chk("clock_getcpuclockid(own pid)", clock_getcpuclockid(getpid(), &c));
	chk("clock_gettime of the process's", clock_gettime(c, &ts));
	done = 1;
	pthread_join(t, NULL);
}

int main(void)
{
	conf_init();
	priorities();
	policies();
	memlock();
	personalities();
	memfds();
	io();
	groups_and_limits();
	cpu_clocks();
	return conf_done();
}
