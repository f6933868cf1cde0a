// SPDX-License-Identifier: GPL-2.0
// nodes.c - conformance: file times by the old calls, FIFOs and other nodes, extended attributes, fadvise and readahead.
#include "conf.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/xattr.h>
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

/* A call's result (0 or -1 with errno) as "0" or its errno's name. */
static const char *ename_or_0(int r)
{
	return r < 0 ? ename(errno) : "0";
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

static void fifos(const char *tmp)
{
	char buf[16] = { 0 }, path[512];
	struct stat st;
	int fd, fd2;

	snprintf(path, sizeof(path), "%s/fifo", tmp);
	chk("mkfifo", mkfifo(path, 0600));
	chk("stat the FIFO", stat(path, &st));
	say("its type and mode", "%s %o", S_ISFIFO(st.st_mode) ? "fifo" : "other", st.st_mode & 07777);
	chk("mkfifo again", mkfifo(path, 0600));
	fd = open(path, O_RDONLY | O_NONBLOCK);
	chkfd("open the FIFO to read, nonblocking", fd);
	fd2 = open(path, O_WRONLY | O_NONBLOCK);
	chkfd("open it to write", fd2);
	if (fd >= 0 && fd2 >= 0) {
		chk("write through it", write(fd2, "fifo", 4));
		memset(buf, 0, sizeof(buf));
		chk("read it back", read(fd, buf, sizeof(buf) - 1));
		say("its data", "%s", buf);
	}
	if (fd >= 0)
		close(fd);
	if (fd2 >= 0)
		close(fd2);
	unlink(path);
	chk("mknod S_IFIFO", mknod(path, S_IFIFO | 0640, 0));
	chk("stat it", stat(path, &st));
	say("its type", "%s", S_ISFIFO(st.st_mode) ? "fifo" : "other");
	unlink(path);
	chk("mknodat(AT_FDCWD, S_IFREG)", mknodat(AT_FDCWD, path, S_IFREG | 0600, 0));
	chk("stat the regular file", stat(path, &st));
	say("its type", "%s", S_ISREG(st.st_mode) ? "regular" : "other");
	unlink(path);
	chk("mknod S_IFSOCK", mknod(path, S_IFSOCK | 0600, 0));
	unlink(path);
	chk("mknod bad type", mknod(path, 0170000 | 0600, 0));
	chk("mkfifo in a missing folder", mkfifo("/nonexistent-kiste/fifo", 0600));
}

static void xattrs(const char *tmp)
{
	char path[512], lnk[512], buf[64];
	int fd;

	snprintf(path, sizeof(path), "%s/xattr", tmp);
	close(open(path, O_CREAT | O_WRONLY, 0600));
	chk("getxattr(user.missing) on a tmpfs file", getxattr(path, "user.missing", buf, sizeof(buf)));
	chk("lgetxattr(user.missing)", lgetxattr(path, "user.missing", buf, sizeof(buf)));
	chk("listxattr", listxattr(path, buf, sizeof(buf)));
	chk("getxattr(missing file)", getxattr("/nonexistent-kiste", "user.x", buf, sizeof(buf)));
	chk("getxattr(bad namespace)", getxattr(path, "bogus.x", buf, sizeof(buf)));
	chk("fgetxattr(bad fd)", fgetxattr(-1, "user.x", buf, sizeof(buf)));
	chk("getxattr(security.selinux) on /etc/passwd",
	    getxattr("/etc/passwd", "security.selinux", buf, sizeof(buf)) < 0 ? -1 : 0);
	chk("setxattr(user.kiste)", setxattr(path, "user.kiste", "v1", 2, 0));
	memset(buf, 0, sizeof(buf));
	chk("getxattr(user.kiste)", getxattr(path, "user.kiste", buf, sizeof(buf)));
	say("its value", "%s", buf);
	chk("getxattr(user.kiste), size 0", getxattr(path, "user.kiste", NULL, 0));
	chk("setxattr(XATTR_CREATE) when it exists", setxattr(path, "user.kiste", "v2", 2, XATTR_CREATE));
	chk("setxattr(XATTR_REPLACE) of a missing one", setxattr(path, "user.none", "v", 1, XATTR_REPLACE));
	memset(buf, 0, sizeof(buf));
	chk("listxattr after", listxattr(path, buf, sizeof(buf)));
	say("the list", "%s", buf);
	chk("listxattr, too small a buffer", listxattr(path, buf, 2));
	chk("lremovexattr(user.kiste)", lremovexattr(path, "user.kiste"));
	chk("removexattr again", removexattr(path, "user.kiste"));
	snprintf(lnk, sizeof(lnk), "%s/xlink", tmp);
	symlink(path, lnk);
	chk("lsetxattr(user.x) on a symlink", lsetxattr(lnk, "user.x", "v", 1, 0));
	chk("lgetxattr(user.x) on a symlink", lgetxattr(lnk, "user.x", buf, sizeof(buf)));
	chk("setxattr(user.x) through the symlink", setxattr(lnk, "user.x", "v", 1, 0));
	chk("getxattr(user.x) through it", getxattr(lnk, "user.x", buf, sizeof(buf)));
	fd = open(path, O_RDONLY);
	chk("fgetxattr(user.x)", fgetxattr(fd, "user.x", buf, sizeof(buf)));
	chk("fsetxattr(user.y)", fsetxattr(fd, "user.y", "w", 1, 0));
	chk("fremovexattr(user.y)", fremovexattr(fd, "user.y"));
	chk("flistxattr", flistxattr(fd, buf, sizeof(buf)));
	close(fd);
	chk("setxattr(user.d) on a folder", setxattr(tmp, "user.d", "d", 1, 0));
	chk("getxattr(user.d) on it", getxattr(tmp, "user.d", buf, sizeof(buf)));
	chk("removexattr(user.d)", removexattr(tmp, "user.d"));
	unlink(lnk);
	unlink(path);
}

static volatile sig_atomic_t dn_hits;

static void on_dn(int sig)
{
	(void)sig;
	dn_hits++;
}

/* dnotify: F_NOTIFY on a folder, a signal when a file is made there. */
static void dnotify(const char *tmp)
{
	char path[512];
	int dfd = open(tmp, O_RDONLY | O_DIRECTORY), i;

	signal(SIGIO, on_dn);
	chk("fcntl(F_NOTIFY, DN_CREATE + DN_MULTISHOT)",
	    fcntl(dfd, F_NOTIFY, DN_CREATE | DN_MULTISHOT));
	snprintf(path, sizeof(path), "%s/dnotified", tmp);
	close(open(path, O_CREAT | O_WRONLY, 0600));
	for (i = 0; i < 1000 && !dn_hits; i++)
		usleep(1000);
	say("SIGIO for the new file", "%s", dn_hits ? "yes" : "no");
	chk("fcntl(F_NOTIFY, 0): off", fcntl(dfd, F_NOTIFY, 0));
	chk("fcntl(F_NOTIFY) on a regular file", fcntl(0, F_NOTIFY, DN_CREATE));
	unlink(path);
	close(dfd);
	signal(SIGIO, SIG_DFL);
}

/* posix_fadvise and readahead on each kind of descriptor: the kernel's checks, in order. */
static void hints(const char *tmp)
{
	static const int adv[] = { 0, 4, 5, 6, -1 };
	char path[4096];
	int fds[6], p[2], n, i, j;
	const char *names[] = { "file", "file O_WRONLY", "pipe", "/dev/null", "O_PATH", "closed" };

	snprintf(path, sizeof(path), "%s/kiste-conf-hint.%d", tmp, (int)getpid());
	fds[0] = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	fds[1] = open(path, O_WRONLY);
	if (pipe(p) < 0)
		p[0] = p[1] = -1;
	fds[2] = p[0];
	fds[3] = open("/dev/null", O_RDONLY);
	fds[4] = open(path, O_PATH);
	fds[5] = 900;
	n = (int)(sizeof(fds) / sizeof(fds[0]));
	for (i = 0; i < n; i++) {
		char what[96];

		for (j = 0; j < (int)(sizeof(adv) / sizeof(adv[0])); j++) {
			snprintf(what, sizeof(what), "fadvise64 %s, advice %d, len 0 / -1", names[i],
				 adv[j]);
			say(what, "%s / %s",
			    ename_or_0((int)syscall(SYS_fadvise64, fds[i], 0L, 0L, adv[j])),
			    ename_or_0((int)syscall(SYS_fadvise64, fds[i], 0L, -1L, adv[j])));
		}
		snprintf(what, sizeof(what), "readahead %s", names[i]);
		chk(what, syscall(SYS_readahead, fds[i], 0L, 4096L));
	}
	for (i = 0; i < n - 1; i++)
		close(fds[i]);
	close(p[1]);
	unlink(path);
}

int main(void)
{
	const char *tmp = getenv("TMPDIR");

	conf_init();
	if (!tmp)
		tmp = "/tmp";
	old_times(tmp);
	fifos(tmp);
	xattrs(tmp);
	dnotify(tmp);
	hints(tmp);
	return conf_done();
}
