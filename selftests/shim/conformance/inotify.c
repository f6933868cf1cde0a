// SPDX-License-Identifier: GPL-2.0
// inotify.c - conformance: inotify watches on directories, files and symlinks, and their events.
#include "conf.h"

#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[PATH_MAX];

static const char *in(const char *name)
{
	static char p[2][PATH_MAX + 64];
	static int k;

	k ^= 1;
	snprintf(p[k], sizeof(p[k]), "%s/%s", dir, name);
	return p[k];
}

/* Every queued event, one line each; a rename's two halves share a cookie. */
static void drain(const char *what, int fd)
{
	char buf[4096] __attribute__((aligned(8)));
	uint32_t cookie = 0;
	long n = read(fd, buf, sizeof(buf));

	if (n < 0) {
		say(what, "-1 %s", ename(errno));
		return;
	}
	for (char *p = buf; p < buf + n;) {
		struct inotify_event *e = (struct inotify_event *)p;

		if (e->cookie && !cookie)
			cookie = e->cookie;
		say(what, "wd %d mask 0x%x name '%s' cookie %s", e->wd, e->mask,
		    e->len ? e->name : "",
		    !e->cookie		  ? "none"
		    : e->cookie == cookie ? "same"
					  : "other");
		p += sizeof(*e) + e->len;
	}
}

static void watches(void)
{
	char cwd[PATH_MAX], back[PATH_MAX];
	int fd, f, efd;

	chk("inotify_init1 with an unknown flag", inotify_init1(1));
	fd = chkfd("inotify_init1(IN_NONBLOCK | IN_CLOEXEC)",
		   inotify_init1(IN_NONBLOCK | IN_CLOEXEC));
	chk("watch the directory",
	    inotify_add_watch(fd, dir,
			      IN_CREATE | IN_DELETE | IN_MODIFY | IN_MOVED_FROM | IN_MOVED_TO |
				      IN_CLOSE_WRITE));
	chk("read, nothing yet", read(fd, cwd, sizeof(cwd)));
	f = open(in("a"), O_CREAT | O_WRONLY, 0644);
	write(f, "x", 1);
	close(f);
	rename(in("a"), in("b"));
	unlink(in("b"));
	drain("create, write, close, rename, unlink", fd);
	f = open(in("f"), O_CREAT | O_WRONLY, 0644);
	drain("create f", fd);
	chk("watch the file f", inotify_add_watch(fd, in("f"), IN_MODIFY | IN_ATTRIB));
	write(f, "y", 1);
	drain("write to f", fd);
	symlink("f", in("rel"));
	symlink(in("f"), in("abs"));
	symlink("rel", in("chain"));
	symlink("../nowhere", in("dangling"));
	mkdir(in("sub"), 0755);
	symlink("sub/..", in("up"));
	drain("symlinks and a directory made", fd);
	chk("watch through a relative symlink (f's watch)",
	    inotify_add_watch(fd, in("rel"), IN_MODIFY));
	chk("watch through an absolute symlink", inotify_add_watch(fd, in("abs"), IN_MODIFY));
	chk("watch through a chain of two", inotify_add_watch(fd, in("chain"), IN_MODIFY));
	chk("watch the symlink itself (IN_DONT_FOLLOW)",
	    inotify_add_watch(fd, in("rel"), IN_MODIFY | IN_DONT_FOLLOW));
	chk("watch a dangling symlink", inotify_add_watch(fd, in("dangling"), IN_MODIFY));
	chk("watch through a symlink to sub/.. (the directory)",
	    inotify_add_watch(fd, in("up"),
			      IN_CREATE | IN_DELETE | IN_MODIFY | IN_MOVED_FROM | IN_MOVED_TO |
				      IN_CLOSE_WRITE));
	chk("watch the subdirectory", inotify_add_watch(fd, in("sub"), IN_CREATE));
	chk("IN_ONLYDIR on a file", inotify_add_watch(fd, in("f"), IN_MODIFY | IN_ONLYDIR));
	chk("a path that does not exist", inotify_add_watch(fd, in("none"), IN_MODIFY));
	chk("an empty mask", inotify_add_watch(fd, in("f"), 0));
	chk("IN_DONT_FOLLOW alone", inotify_add_watch(fd, in("f"), IN_DONT_FOLLOW));
	chk("IN_MASK_ADD with IN_MASK_CREATE",
	    inotify_add_watch(fd, in("f"), IN_MODIFY | IN_MASK_ADD | IN_MASK_CREATE));
	chk("IN_MASK_CREATE on a watched file",
	    inotify_add_watch(fd, in("f"), IN_MODIFY | IN_MASK_CREATE));
	chk("a bad path pointer", inotify_add_watch(fd, (const char *)8, IN_MODIFY));
	chk("an empty path", inotify_add_watch(fd, "", IN_MODIFY));
	chk("watch \"/\"", inotify_add_watch(fd, "/", IN_OPEN) > 0);
	chk("on descriptor 1001", inotify_add_watch(1001, in("f"), IN_MODIFY));
	efd = eventfd(0, 0);
	chk("on an eventfd", inotify_add_watch(efd, in("f"), IN_MODIFY));
	chk("on an eventfd, a path that does not exist",
	    inotify_add_watch(efd, in("none"), IN_MODIFY));
	close(efd);
	getcwd(back, sizeof(back));
	chdir(dir);
	chk("a relative path (f's watch)", inotify_add_watch(fd, "f", IN_MODIFY | IN_ATTRIB));
	getcwd(cwd, sizeof(cwd));
	say("the cwd is unchanged by it", "%d", !strcmp(cwd, dir));
	chk("mkdir of a relative path lands in the cwd", mkdir("sub2", 0755));
	chdir(back);
	write(f, "z", 1);
	close(f);
	drain("write to f, mkdir sub2", fd);
	chk("inotify_rm_watch(4)", inotify_rm_watch(fd, 4));
	drain("after rm_watch", fd);
	chk("inotify_rm_watch(99)", inotify_rm_watch(fd, 99));
	chk("inotify_rm_watch on 1001", inotify_rm_watch(1001, 1));
	close(fd);
}

int main(void)
{
	const char *t = getenv("TMPDIR");

	conf_init();
	snprintf(dir, sizeof(dir), "%s/kiste-inotify.XXXXXX", t && *t ? t : "/tmp");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	watches();
	unlink(in("f"));
	unlink(in("rel"));
	unlink(in("abs"));
	unlink(in("chain"));
	unlink(in("dangling"));
	unlink(in("up"));
	rmdir(in("sub"));
	rmdir(in("sub2"));
	rmdir(dir);
	return conf_done();
}
