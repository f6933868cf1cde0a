// SPDX-License-Identifier: GPL-2.0
// nodes.c - conformance: file times by the old calls (utime, utimes, futimesat).
#include "conf.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include <utime.h>

#include "../../lib/raw_syscall.h"

static long raw(long r)
{
	if (r < 0 && r > -4096) {
		errno = (int)-r;
		return -1;
	}
	return r;
}

static void show(const char *what, const char *path)
{
	struct stat st;

	if (stat(path, &st) < 0) {
		say(what, "-1 %s", ename(errno));
		return;
	}
	say(what, "atime %lld.%09ld mtime %lld.%09ld", (long long)st.st_atim.tv_sec,
	    st.st_atim.tv_nsec, (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
}

static void old_times(const char *tmp)
{
	struct utimbuf ub = { 1000000000, 1200000000 };
	struct timeval tv[2] = { { 1300000000, 250000 }, { 1400000000, 999999 } };
	char path[512], name[64];
	struct stat st;
	time_t before;
	int dfd;

	snprintf(path, sizeof(path), "%s/times", tmp);
	close(open(path, O_CREAT | O_WRONLY, 0600));
	chk("utime(explicit)", utime(path, &ub));
	show("after utime", path);
	chk("utimes(explicit, microseconds)", utimes(path, tv));
	show("after utimes", path);
	tv[1].tv_usec = 1000000;
	chk("utimes(microseconds out of range)", utimes(path, tv));
	tv[1].tv_usec = 5;
	before = time(NULL);
	chk("utime(NULL): now", utime(path, NULL));
	stat(path, &st);
	say("mtime is now", "%s", st.st_mtim.tv_sec >= before ? "yes" : "no");
	dfd = open(tmp, O_RDONLY | O_DIRECTORY);
	snprintf(name, sizeof(name), "times");
	chk("futimesat(dirfd, name)", raw(raw3(SYS_futimesat, dfd, (long)name, (long)tv)));
	show("after futimesat", path);
	chk("futimesat(bad dirfd, name)", raw(raw3(SYS_futimesat, 999, (long)name, (long)tv)));
	chk("utime(missing file)", utime("/nonexistent-kiste", &ub));
	chk("utime(NULL path)", raw(raw3(SYS_utime, 0, (long)&ub, 0)));
	chk("utime(bad times pointer)", raw(raw3(SYS_utime, (long)path, 8, 0)));
	close(dfd);
	unlink(path);
}

int main(void)
{
	const char *tmp = getenv("TMPDIR");

	conf_init();
	old_times(tmp ? tmp : "/tmp");
	return conf_done();
}
