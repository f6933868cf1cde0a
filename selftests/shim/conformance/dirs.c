// SPDX-License-Identifier: GPL-2.0
// dirs.c - conformance: directory descriptors (issue 11): deep trees, "..", renames, escapes, /proc.
#include "conf.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#define NAME_LEN 100
#define DEPTH 60	/* 60 levels of 101 bytes: beyond 255 and beyond 4096 */

static char name[NAME_LEN + 1];
static char top_path[4096];
static const char *argv0;

/* "same" when @a and @b name one inode, else "differs" (or the error). */
static void same(const char *what, int a, const char *pa, int b, const char *pb, int flags)
{
	struct stat sa, sb;

	if (fstatat(a, pa, &sa, flags) < 0 || fstatat(b, pb, &sb, flags) < 0) {
		say(what, "-1 %s", ename(errno));
		return;
	}
	say(what, "%s", sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino ? "same" : "differs");
}

static const char *kind(int dirfd, const char *path, int flags)
{
	struct stat st;

	if (fstatat(dirfd, path, &st, flags) < 0)
		return ename(errno);
	return S_ISDIR(st.st_mode) ? "dir" : S_ISREG(st.st_mode) ? "file" :
	       S_ISLNK(st.st_mode) ? "symlink" : "other";
}

/* Down DEPTH levels by mkdirat+openat; the descriptors of every level in @fds. */
static int descend(int top, int *fds)
{
	int i, made = 0, opened = 0, cur = top;

	for (i = 0; i < DEPTH; i++) {
		if (mkdirat(cur, name, 0755) == 0)
			made++;
		fds[i] = openat(cur, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fds[i] < 0)
			break;
		opened++;
		cur = fds[i];
	}
	say("deep: mkdirat levels made", "%d", made);
	say("deep: openat levels opened", "%d", opened);
	return opened == DEPTH ? cur : -1;
}

/* Paths that leave a directory beyond 4096 bytes: inner "..", symlinks up and to "/". */
static void leaving_the_bottom(int deep, int *fds)
{
	int root = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC), fd;
	char target[4200];

	chk("deep: mkdirat x", mkdirat(deep, "x", 0700));
	same("deep: x/../.. is the parent", deep, "x/../..", fds[DEPTH - 2], ".", 0);
	same("deep: x/../../../x/.. (no x up there)", deep, "x/../../../x/..", fds[DEPTH - 3], ".", 0);
	chk("deep: symlinkat up2 -> ../..", symlinkat("../..", deep, "up2"));
	same("deep: up2 is the grandparent", deep, "up2", fds[DEPTH - 3], ".", 0);
	same("deep: x/../up2/.. is the great-grandparent", deep, "x/../up2/..", fds[DEPTH - 4], ".", 0);
	chk("deep: symlinkat abs -> /usr", symlinkat("/usr", deep, "abs"));
	same("deep: abs/bin is /usr/bin", deep, "abs/bin", root, "usr/bin", 0);
	fd = openat(deep, "abs/bin", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	same("deep: openat abs/bin is /usr/bin", fd, ".", root, "usr/bin", 0);
	close(fd);
	chk("deep: symlinkat toroot -> /", symlinkat("/", deep, "toroot"));
	same("deep: toroot/.. is /", deep, "toroot/..", root, ".", 0);
	snprintf(target, sizeof(target), "%s/made-through-a-dangling-link", top_path);
	chk("deep: symlinkat dangling -> the top", symlinkat(target, deep, "dangling"));
	chkfd("deep: openat dangling O_CREAT", openat(deep, "dangling", O_CREAT | O_WRONLY | O_CLOEXEC, 0644));
	chk("deep: the file is in the top", access(target, F_OK));
	chk("deep: unlink it", unlink(target));
	chk("deep: mkdirat x/../y", mkdirat(deep, "x/../y", 0700));
	chk("deep: unlinkat x/../y AT_REMOVEDIR", unlinkat(deep, "x/../y", AT_REMOVEDIR));
	chk("deep: renameat x/../up2 x/../up3", renameat(deep, "x/../up2", deep, "x/../up3"));
	unlinkat(deep, "up3", 0);
	unlinkat(deep, "abs", 0);
	unlinkat(deep, "toroot", 0);
	unlinkat(deep, "dangling", 0);
	unlinkat(deep, "x", AT_REMOVEDIR);
	close(root);
}

static void at_the_bottom(int deep)
{
	char buf[64];
	long n;

	chkfd("deep: openat O_CREAT beyond 4096 bytes", openat(deep, "f", O_CREAT | O_WRONLY | O_CLOEXEC, 0644));
	say("deep: fstatat of it", "%s", kind(deep, "f", 0));
	chk("deep: renameat f g", renameat(deep, "f", deep, "g"));
	chk("deep: linkat g h", linkat(deep, "g", deep, "h", 0));
	chk("deep: unlinkat h", unlinkat(deep, "h", 0));
	chk("deep: mkdirat sub", mkdirat(deep, "sub", 0700));
	chk("deep: renameat sub sub2", renameat(deep, "sub", deep, "sub2"));
	chk("deep: unlinkat sub2 AT_REMOVEDIR", unlinkat(deep, "sub2", AT_REMOVEDIR));
	chk("deep: symlinkat ln -> g", symlinkat("g", deep, "ln"));
	n = readlinkat(deep, "ln", buf, sizeof(buf) - 1);
	if (n >= 0)
		buf[n] = 0;
	say("deep: readlinkat ln", "%s", n < 0 ? ename(errno) : buf);
	say("deep: fstatat ln NOFOLLOW", "%s", kind(deep, "ln", AT_SYMLINK_NOFOLLOW));
	say("deep: fstatat ln", "%s", kind(deep, "ln", 0));
	chk("deep: faccessat . W_OK", faccessat(deep, ".", W_OK, 0));
	chk("deep: faccessat ln R_OK", faccessat(deep, "ln", R_OK, 0));
	chk("deep: utimensat g", utimensat(deep, "g", NULL, 0));
	chk("deep: fchmodat g 0600", fchmodat(deep, "g", 0600, 0));
	chk("deep: unlinkat ln", unlinkat(deep, "ln", 0));
	chk("deep: unlinkat g", unlinkat(deep, "g", 0));
	same("deep: fstatat x/.. before x exists", deep, ".", deep, "x/..", 0);
	chk("deep: mkdirat x", mkdirat(deep, "x", 0700));
	same("deep: fstatat x/.. is the directory", deep, ".", deep, "x/..", 0);
	chk("deep: unlinkat x AT_REMOVEDIR", unlinkat(deep, "x", AT_REMOVEDIR));
}

/* Up with openat(fd, "..") all the way, removing each level on the way (rm -rf's walk). */
static void ascend(int top, int deep, int *fds)
{
	int i, cur = deep, up, removed = 0, same_dir = 0;
	struct stat a, b;

	for (i = DEPTH - 1; i >= 0; i--) {
		up = openat(cur, "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (up < 0)
			break;
		if (fstat(up, &a) == 0 && fstat(i ? fds[i - 1] : top, &b) == 0 &&
		    a.st_ino == b.st_ino && a.st_dev == b.st_dev)
			same_dir++;
		if (unlinkat(up, name, AT_REMOVEDIR) == 0)
			removed++;
		if (cur != deep)
			close(cur);
		cur = up;
	}
	say("deep: openat .. levels that were the parent", "%d", same_dir);
	say("deep: unlinkat levels removed on the way up", "%d", removed);
	if (cur != deep)
		close(cur);
	for (i = 0; i < DEPTH; i++)
		close(fds[i]);
}

/* rename(a, b); mkdir(a): the old descriptor of a is b's. */
static void renamed(int top)
{
	int fd, cwd;
	char buf[4096];

	mkdirat(top, "a", 0755);
	fd = openat(top, "a", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	chk("rename: renameat a b", renameat(top, "a", top, "b"));
	chk("rename: mkdirat a", mkdirat(top, "a", 0755));
	chkfd("rename: openat old a x O_CREAT", openat(fd, "x", O_CREAT | O_WRONLY | O_CLOEXEC, 0644));
	chk("rename: x is in b", faccessat(top, "b/x", F_OK, 0));
	chk("rename: x is not in the new a", faccessat(top, "a/x", F_OK, 0));
	chk("rename: mkdirat old a y", mkdirat(fd, "y", 0755));
	chk("rename: y is in b", faccessat(top, "b/y", F_OK, 0));
	chk("rename: unlinkat old a x", unlinkat(fd, "x", 0));
	chk("rename: b/x is gone", faccessat(top, "b/x", F_OK, 0));
	same("rename: old a's .. is the top", fd, "..", top, ".", 0);
	cwd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	chk("rename: fchdir old a", fchdir(fd));
	say("rename: getcwd ends in /b", "%s", getcwd(buf, sizeof(buf)) && strlen(buf) > 2 &&
	    !strcmp(buf + strlen(buf) - 2, "/b") ? "yes" : "no");
	fchdir(cwd);
	close(cwd);
	unlinkat(top, "b/y", AT_REMOVEDIR);
	unlinkat(top, "b", AT_REMOVEDIR);
	unlinkat(top, "a", AT_REMOVEDIR);
	close(fd);
}

/* Descriptors that are no directory: EBADF when closed, ENOTDIR when not a directory. */
static void not_dirs(int top)
{
	int p[2], f = openat(top, "plain", O_CREAT | O_RDWR | O_CLOEXEC, 0644);

	if (pipe2(p, O_CLOEXEC) < 0)
		p[0] = p[1] = -1;
	chkfd("notdir: openat(closed 999, x)", openat(999, "x", O_RDONLY));
	chk("notdir: mkdirat(closed 999, x)", mkdirat(999, "x", 0755));
	chkfd("notdir: openat(a pipe, x)", openat(p[0], "x", O_RDONLY));
	chk("notdir: unlinkat(a pipe, x)", unlinkat(p[0], "x", 0));
	chkfd("notdir: openat(a file, x)", openat(f, "x", O_RDONLY));
	chk("notdir: mkdirat(a file, x)", mkdirat(f, "x", 0755));
	chkfd("notdir: openat(a file, ..)", openat(f, "..", O_RDONLY));
	chkfd("notdir: openat(-5, x)", openat(-5, "x", O_RDONLY));
	close(p[0]);
	close(p[1]);
	close(f);
	unlinkat(top, "plain", 0);
}

/* ".." beyond "/" stays at "/"; absolute symlinks resolve against the root. */
static void escapes(int top)
{
	int root = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int usr = open("/usr", O_RDONLY | O_DIRECTORY | O_CLOEXEC), fd;

	same("escape: / + ../../.. is /", root, "../../..", root, ".", 0);
	same("escape: /usr + ../../../.. is /", usr, "../../../..", root, ".", 0);
	same("escape: /usr + ../../usr/bin is /usr/bin", usr, "../../usr/bin", root, "usr/bin", 0);
	fd = openat(root, "../../..", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	same("escape: openat / ../../.. is /", fd, ".", root, ".", 0);
	close(fd);
	fd = openat(usr, "../..", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	same("escape: openat /usr ../.. is /", fd, ".", root, ".", 0);
	chk("escape: mkdirat / ../../no/such", mkdirat(root, "../../no/such", 0755));
	chk("symlink: symlinkat abs -> /usr", symlinkat("/usr", top, "abs"));
	same("symlink: top + abs/bin is /usr/bin", top, "abs/bin", root, "usr/bin", 0);
	fd = openat(top, "abs/bin", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	same("symlink: openat top abs/bin is /usr/bin", fd, ".", root, "usr/bin", 0);
	close(fd);
	chk("symlink: symlinkat up -> ../../../../../..", symlinkat("../../../../../..", top, "up"));
	same("symlink: top + up/usr is /usr", top, "up/usr", root, "usr", 0);
	chk("symlink: symlinkat root -> /", symlinkat("/", top, "root"));
	same("symlink: top + root/.. is /", top, "root/..", root, ".", 0);
	unlinkat(top, "abs", 0);
	unlinkat(top, "up", 0);
	unlinkat(top, "root", 0);
	close(usr);
	close(root);
}

/* The first line of @path relative to @dirfd. */
static void first_line(const char *what, int dirfd, const char *path)
{
	int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC);
	char buf[256];
	ssize_t n;

	if (fd < 0) {
		say(what, "-1 %s", ename(errno));
		return;
	}
	n = read(fd, buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = 0;
	if (strchr(buf, '\n'))
		*strchr(buf, '\n') = 0;
	say(what, "%s", buf);
	close(fd);
}

/* Symlinks from a directory descriptor into /proc: the sandbox's /proc. */
static void proc_links(int top)
{
	chk("proc: symlinkat pst -> /proc/self/status", symlinkat("/proc/self/status", top, "pst"));
	first_line("proc: top + pst first line", top, "pst");
	chk("proc: symlinkat up -> ../../../../../..", symlinkat("../../../../../..", top, "up"));
	first_line("proc: top + up/proc/self/status first line", top, "up/proc/self/status");
	chk("proc: mkdirat x", mkdirat(top, "x", 0755));
	first_line("proc: top + x/../up/proc/self/status first line", top, "x/../up/proc/self/status");
	/* The host's /proc/self/exe would be the launcher's image, not this program. */
	chk("proc: symlinkat pexe -> /proc/self/exe", symlinkat("/proc/self/exe", top, "pexe"));
	same("proc: top + pexe is this program", top, "pexe", AT_FDCWD, argv0, 0);
	same("proc: top + x/../up/proc/self/exe is this program", top, "x/../up/proc/self/exe",
	     AT_FDCWD, argv0, 0);
	unlinkat(top, "x", AT_REMOVEDIR);
	unlinkat(top, "up", 0);
	unlinkat(top, "pst", 0);
	unlinkat(top, "pexe", 0);
}

/* /proc through a directory descriptor is the sandbox's /proc. */
static void procs(void)
{
	int root = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int usr = open("/usr", O_RDONLY | O_DIRECTORY | O_CLOEXEC), fd, self;
	char path[64], buf[256];
	long n;

	snprintf(path, sizeof(path), "proc/self/fd/%d", usr);
	same("proc: / + proc/self/fd/N is N", root, path, usr, ".", 0);
	snprintf(path, sizeof(path), "../proc/self/fd/%d", usr);
	same("proc: /usr + ../proc/self/fd/N is N", usr, path, usr, ".", 0);
	fd = openat(root, "proc/self/status", O_RDONLY | O_CLOEXEC);
	n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = 0;
	if (strchr(buf, '\n'))
		*strchr(buf, '\n') = 0;
	say("proc: / + proc/self/status first line", "%s", n < 0 ? ename(errno) : buf);
	close(fd);
	n = readlinkat(usr, "../proc/self/exe", buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = 0;
	say("proc: /usr + ../proc/self/exe ends in /dirs", "%s", n < 0 ? ename(errno) :
	    (n > 5 && !strcmp(buf + n - 5, "/dirs")) ? "yes" : buf);
	self = openat(root, "proc/self", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	snprintf(path, sizeof(path), "fd/%d", usr);
	same("proc: /proc/self + fd/N is N", self, path, usr, ".", 0);
	same("proc: /proc/self + ../.. is /", self, "../..", root, ".", 0);
	close(self);
	close(usr);
	close(root);
}

/*
 * dirs readat DIR PATH: PATH read relative to a descriptor of DIR (the escape
 * tests of shim_hostile.sh); exit 3 when it cannot be opened.
 */
static int readat(const char *dir, const char *path)
{
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), fd;
	char buf[256];
	ssize_t n;

	fd = openat(dfd, path, O_RDONLY | O_CLOEXEC);
	if (dfd < 0 || fd < 0) {
		printf("openat %s %s: %s\n", dir, path, strerror(errno));
		return 3;
	}
	n = read(fd, buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = 0;
	printf("read %s %s: %s\n", dir, path, buf);
	return 0;
}

/* dirs cwdat DIR PATH: fchdir to PATH opened relative to DIR, and getcwd. */
static int cwdat(const char *dir, const char *path)
{
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), fd;
	char buf[4096];

	fd = openat(dfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || fd < 0 || fchdir(fd) < 0 || !getcwd(buf, sizeof(buf))) {
		printf("cwdat %s %s: %s\n", dir, path, strerror(errno));
		return 3;
	}
	printf("cwd %s\n", buf);
	return 0;
}

/*
 * dirs mktree DIR LEVELS: DIR, then LEVELS nested 100-byte names below it,
 * each with a file and a symlink, made through descriptors (shim_basic.sh).
 */
static int mktree(const char *dir, int levels)
{
	int cur, next, i, fd;

	if (mkdir(dir, 0755) < 0 || (cur = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return perror(dir), 1;
	for (i = 0; i < levels; i++) {
		fd = openat(cur, "f", O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
		if (fd < 0 || write(fd, "x", 1) != 1 || symlinkat("f", cur, "l") < 0 ||
		    mkdirat(cur, name, 0755) < 0)
			return perror("mktree"), 1;
		close(fd);
		next = openat(cur, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (next < 0)
			return perror("mktree"), 1;
		close(cur);
		cur = next;
	}
	close(cur);
	return 0;
}

int main(int argc, char **argv)
{
	const char *tmp = getenv("TMPDIR");
	int top, deep, fds[DEPTH];

	memset(name, 'd', NAME_LEN);
	argv0 = argv[0];
	if (argc == 4 && !strcmp(argv[1], "readat"))
		return readat(argv[2], argv[3]);
	if (argc == 4 && !strcmp(argv[1], "cwdat"))
		return cwdat(argv[2], argv[3]);
	if (argc == 4 && !strcmp(argv[1], "mktree"))
		return mktree(argv[2], atoi(argv[3]));
	conf_init();
	snprintf(top_path, sizeof(top_path), "%s/dirs.XXXXXX", tmp ? tmp : "/tmp");
	if (!mkdtemp(top_path))
		return perror("mkdtemp"), 1;
	top = open(top_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	deep = descend(top, fds);
	if (deep >= 0) {
		at_the_bottom(deep);
		leaving_the_bottom(deep, fds);
		ascend(top, deep, fds);
	}
	say("deep: the tree is gone", "%s", kind(top, name, 0));
	renamed(top);
	not_dirs(top);
	escapes(top);
	procs();
	proc_links(top);
	close(top);
	chk("rmdir the top", rmdir(top_path));
	return conf_done();
}
