// SPDX-License-Identifier: GPL-2.0
// locks.c - file locks on read-only mounts: taken on sandbox-private shadow files, not the host's.
#include <linux/fcntl.h>
#include <linux/openat2.h>
#include <asm/stat.h>
#include <asm/statfs.h>

#include "gk.h"

/*
 * A lock on a host file the sandbox can only read (a read-only mount: the
 * default rootfs /) would stall host processes that lock it (apt, dpkg).
 * Such locks go to a shadow file instead: the launcher's private tmpfs,
 * mounted nowhere (GK_FD_LOCKS), holds one empty file per locked inode,
 * named dev:ino, so every process of the sandbox locks the same shadow and
 * they still exclude each other, while no host process ever sees the lock.
 *
 * flock and OFD locks belong to an open file description, POSIX locks to a
 * process and inode, so each locked description of the workload's gets its
 * own shadow description, kept in a guest kernel slot (GK_FD_SHADOW + i,
 * always occupied: a placeholder when free) and shared by its dups and by
 * fork, as the description itself is.  Closing a descriptor of the file
 * drops the process's POSIX locks on the shadow, as the kernel does on the
 * real file; closing the last one closes the shadow.  Locks on writable
 * files (tmpfs, a --rw rootfs: the sandbox's own) stay on the real file.
 */
struct shadow {
	int refs;			/* workload descriptors of this process using it */
	unsigned long dev, ino;
};

static struct shadow sh[GK_NSHADOW];
static unsigned char fdshadow[GK_NFD];	/* 1 + slot, or 0 */
static int nactive;

#define SLOT_FD(i) (GK_FD_SHADOW + (i))
#define ST_RDONLY 1

/* The workload's F_UNLCK of everything it holds on the shadow, as close() does natively. */
static void posix_unlock(int slot)
{
	struct flock fl = { .l_type = F_UNLCK, .l_whence = 0 };

	hs3(__NR_fcntl, SLOT_FD(slot), F_SETLK, &fl);
}

/* A new shadow for @fd's open file description: its slot, or -ENOLCK. */
static long shadow_new(long fd, const struct stat *st)
{
	struct open_how how = {
		.flags = O_RDWR | O_CREAT | O_CLOEXEC,
		.mode = 0600,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_XDEV,
	};
	char name[48];
	long tmp, r;
	int i;

	for (i = 0; i < GK_NSHADOW && sh[i].refs; i++)
		;
	if (i == GK_NSHADOW)
		return -ENOLCK;
	snprintf(name, sizeof(name), "%lx:%lx", (unsigned long)st->st_dev,
		 (unsigned long)st->st_ino);
	tmp = gk_fd_host(hs4(__NR_openat2, gk.boot.locks_fd, name, &how, sizeof(how)));
	if (tmp < 0)
		return -ENOLCK;	/* the table is full (EMFILE), say: no lock record */
	r = hs3(__NR_dup3, tmp, SLOT_FD(i), O_CLOEXEC);
	hs1(__NR_close, tmp);
	if (r < 0)
		return -ENOLCK;
	sh[i].refs = 1;
	sh[i].dev = st->st_dev;
	sh[i].ino = st->st_ino;
	fdshadow[fd] = (unsigned char)(i + 1);
	nactive++;
	return i;
}

/* The descriptor a lock call on workload descriptor @fd goes to: its shadow's or its own. */
static long lock_target(long fd)
{
	struct statfs sfs;
	struct stat st;
	long r = hs2(__NR_fcntl, fd, F_GETFL);

	/* An O_PATH descriptor takes no lock, as natively. */
	if (r < 0 || (r & O_PATH))
		return -EBADF;
	if (fdshadow[fd])
		return SLOT_FD(fdshadow[fd] - 1);
	if (gk.boot.locks_fd < 0 || hs2(__NR_fstatfs, fd, &sfs) < 0 || !(sfs.f_flags & ST_RDONLY))
		return fd;
	r = hs4(__NR_newfstatat, fd, "", &st, 0x1000 /* AT_EMPTY_PATH */);
	if (r < 0)
		return r;
	r = shadow_new(fd, &st);
	return r < 0 ? r : SLOT_FD(r);
}

/* @to is now a dup of @from (its old self closed first). */
void gk_lock_dup(long from, long to)
{
	if (!gk_fd_ok(from) || !gk_fd_ok(to) || !fdshadow[from])
		return;
	fdshadow[to] = fdshadow[from];
	sh[fdshadow[to] - 1].refs++;
}

/* Workload descriptor @fd is about to be closed (it still is open). */
void gk_lock_close(long fd)
{
	struct stat st;
	int i;

	if (!gk_fd_ok(fd) || !nactive)
		return;
	if (fdshadow[fd]) {
		i = fdshadow[fd] - 1;
		fdshadow[fd] = 0;
		posix_unlock(i);
		if (--sh[i].refs == 0) {
			/* The placeholder back over it closes this process's shadow description. */
			hs3(__NR_dup3, GK_FD_LOCKS, SLOT_FD(i), O_CLOEXEC);
			nactive--;
		}
		return;
	}
	/* Another description of a shadowed file: its POSIX locks go too. */
	if (hs4(__NR_newfstatat, fd, "", &st, 0x1000 /* AT_EMPTY_PATH */) < 0)
		return;
	for (i = 0; i < GK_NSHADOW; i++)
		if (sh[i].refs && sh[i].dev == st.st_dev && sh[i].ino == st.st_ino)
			posix_unlock(i);
}

long sys_flock(struct gk_call *c)
{
	long a[6] = { 0, c->a[1], 0, 0, 0, 0 };

	if (!gk_fd_ok(c->a[0]))
		return -EBADF;
	a[0] = lock_target(c->a[0]);
	if (a[0] < 0)
		return a[0];
	return gk_host_blocking(__NR_flock, a, c);
}

/* fcntl's lock commands: the access the real descriptor has decides, the shadow holds. */
long gk_lock_fcntl(struct gk_call *c)
{
	struct flock *fl = (struct flock *)c->a[2];
	long fd = c->a[0], cmd = c->a[1], acc, r;
	long a[6] = { 0, cmd, c->a[2], 0, 0, 0 };
	int get = cmd == F_GETLK || cmd == F_OFD_GETLK;

	if (gk_uread_ok(fl, sizeof(*fl)) < 0 || (get && gk_uwrite_ok(fl, sizeof(*fl)) < 0))
		return -EFAULT;
	acc = hs2(__NR_fcntl, fd, F_GETFL);
	if (acc < 0)
		return acc;
	if (!get && ((fl->l_type == F_WRLCK && (acc & O_ACCMODE) == O_RDONLY) ||
		     (fl->l_type == F_RDLCK && (acc & O_ACCMODE) == O_WRONLY)))
		return -EBADF;
	a[0] = lock_target(fd);
	if (a[0] < 0)
		return a[0];
	if (cmd == F_SETLKW || cmd == F_OFD_SETLKW)
		r = gk_host_blocking(__NR_fcntl, a, c);
	else
		r = hs3(__NR_fcntl, a[0], cmd, c->a[2]);
	/* The holder in guest pids (OFD locks report -1). */
	if (r == 0 && get && fl->l_type != F_UNLCK && fl->l_pid > 0)
		fl->l_pid = (int)gk_to_guest_pid(fl->l_pid);
	return r;
}
