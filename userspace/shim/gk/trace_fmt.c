// SPDX-License-Identifier: GPL-2.0
// trace_fmt.c - --trace's writing: workload data and strings (read safely), structures, flags.
#include "trace.h"

#define TR_ENVMAX 4096	/* environment strings counted at most */

/* The names structures and shared arguments use (trace.h's TR_TABLE, as in trace_tab.h). */
#define TR_OPEN(C, N) \
	C(O_CREAT) C(O_EXCL) C(O_NOCTTY) C(O_TRUNC) C(O_APPEND) \
	C(O_NONBLOCK) C(O_SYNC) C(O_DSYNC) N(FASYNC, O_ASYNC) C(O_DIRECT) \
	C(O_LARGEFILE) C(O_NOFOLLOW) C(O_NOATIME) C(O_CLOEXEC) \
	C(O_PATH) C(O_TMPFILE) C(O_DIRECTORY)
TR_TABLE(tr_open, TR_OPEN);

#define TR_STATX_MASK(C, N) \
	C(STATX_BASIC_STATS) C(STATX_TYPE) C(STATX_MODE) C(STATX_NLINK) \
	C(STATX_UID) C(STATX_GID) C(STATX_ATIME) C(STATX_MTIME) \
	C(STATX_CTIME) C(STATX_INO) C(STATX_SIZE) C(STATX_BLOCKS) \
	C(STATX_BTIME) C(STATX_MNT_ID)
TR_TABLE(tr_statx_mask, TR_STATX_MASK);

#define TR_CLONE(C, N) \
	C(CLONE_VM) C(CLONE_FS) C(CLONE_FILES) C(CLONE_SIGHAND) \
	C(CLONE_PIDFD) C(CLONE_PTRACE) C(CLONE_VFORK) C(CLONE_PARENT) \
	C(CLONE_THREAD) C(CLONE_NEWNS) C(CLONE_SYSVSEM) C(CLONE_SETTLS) \
	C(CLONE_PARENT_SETTID) C(CLONE_CHILD_CLEARTID) C(CLONE_DETACHED) \
	C(CLONE_UNTRACED) C(CLONE_CHILD_SETTID) C(CLONE_NEWCGROUP) \
	C(CLONE_NEWUTS) C(CLONE_NEWIPC) C(CLONE_NEWUSER) C(CLONE_NEWPID) \
	C(CLONE_NEWNET) C(CLONE_IO) C(CLONE_CLEAR_SIGHAND) \
	C(CLONE_INTO_CGROUP) C(CLONE_NEWTIME)
TR_TABLE(tr_clone, TR_CLONE);

#define TR_POLL(C, N) \
	C(POLLIN) C(POLLPRI) C(POLLOUT) C(POLLERR) C(POLLHUP) \
	C(POLLNVAL) C(POLLRDNORM) C(POLLRDBAND) C(POLLWRNORM) \
	C(POLLWRBAND) C(POLLMSG) C(POLLRDHUP)
TR_TABLE(tr_poll, TR_POLL);

#define TR_SA_FLAGS(C, N) \
	C(SA_NOCLDSTOP) C(SA_NOCLDWAIT) C(SA_SIGINFO) C(SA_RESTORER) \
	C(SA_ONSTACK) C(SA_RESTART) C(SA_NODEFER) C(SA_RESETHAND)
TR_TABLE(tr_sa_flags, TR_SA_FLAGS);

#define TR_MODE_BITS(C, N) \
	C(S_ISUID) C(S_ISGID) C(S_ISVTX)
TR_TABLE(tr_mode_bits, TR_MODE_BITS);
#define TR_STATX_ATTR(C, N) \
	C(STATX_ATTR_COMPRESSED) C(STATX_ATTR_IMMUTABLE) C(STATX_ATTR_APPEND) \
	C(STATX_ATTR_NODUMP) C(STATX_ATTR_ENCRYPTED) C(STATX_ATTR_AUTOMOUNT) \
	C(STATX_ATTR_MOUNT_ROOT) C(STATX_ATTR_VERITY) C(STATX_ATTR_DAX)
TR_TABLE(tr_statx_attr, TR_STATX_ATTR);
#define TR_SS(C, N) \
	C(SS_ONSTACK) C(SS_DISABLE) C(SS_AUTODISARM)
TR_TABLE(tr_ss, TR_SS);
#define TR_SI_CODE(C, N) \
	C(SI_USER) C(SI_KERNEL) C(SI_QUEUE) C(SI_TIMER) C(SI_MESGQ) C(SI_ASYNCIO) C(SI_SIGIO) \
	C(SI_TKILL)
TR_TABLE(tr_si_code, TR_SI_CODE);
#define TR_CLD(C, N) \
	C(CLD_EXITED) C(CLD_KILLED) C(CLD_DUMPED) C(CLD_TRAPPED) C(CLD_STOPPED) C(CLD_CONTINUED)
TR_TABLE(tr_cld, TR_CLD);
#define TR_FS_MAGIC(C, N) \
	C(EXT2_SUPER_MAGIC) C(TMPFS_MAGIC) C(PROC_SUPER_MAGIC) C(SYSFS_MAGIC) \
	C(DEVPTS_SUPER_MAGIC) C(CGROUP2_SUPER_MAGIC) C(CGROUP_SUPER_MAGIC) \
	C(OVERLAYFS_SUPER_MAGIC) C(BTRFS_SUPER_MAGIC) C(XFS_SUPER_MAGIC) C(NFS_SUPER_MAGIC) \
	C(SQUASHFS_MAGIC) C(RAMFS_MAGIC) C(SECURITYFS_MAGIC) C(SELINUX_MAGIC) \
	C(DEBUGFS_MAGIC) C(TRACEFS_MAGIC) C(FUSE_SUPER_MAGIC) C(BPF_FS_MAGIC) C(NSFS_MAGIC) \
	C(PIPEFS_MAGIC) C(SOCKFS_MAGIC) C(ANON_INODE_FS_MAGIC) C(HUGETLBFS_MAGIC)
TR_TABLE(tr_fs_magic, TR_FS_MAGIC);
/* include/linux/statfs.h (not uapi) */
#define TR_ST(C, N) \
	N(0x1, ST_RDONLY) N(0x2, ST_NOSUID) N(0x4, ST_NODEV) N(0x8, ST_NOEXEC) \
	N(0x10, ST_SYNCHRONOUS) N(0x20, ST_VALID) N(0x40, ST_MANDLOCK) N(0x400, ST_NOATIME) \
	N(0x800, ST_NODIRATIME) N(0x1000, ST_RELATIME) N(0x2000, ST_NOSYMFOLLOW)
TR_TABLE(tr_st, TR_ST);
#define TR_FTYPE(C, N) \
	C(S_IFSOCK) C(S_IFLNK) C(S_IFREG) C(S_IFBLK) C(S_IFDIR) \
	C(S_IFCHR) C(S_IFIFO)
TR_TABLE(tr_ftype, TR_FTYPE);

/* Signals 1..31 by name (asm/signal.h); 32.. are SIGRTMIN and SIGRT_n, as strace calls them. */
#define TR_SIGNALS(C, N) \
	N(SIGHUP, HUP) N(SIGINT, INT) N(SIGQUIT, QUIT) N(SIGILL, ILL) N(SIGTRAP, TRAP) \
	N(SIGABRT, ABRT) N(SIGBUS, BUS) N(SIGFPE, FPE) N(SIGKILL, KILL) N(SIGUSR1, USR1) \
	N(SIGSEGV, SEGV) N(SIGUSR2, USR2) N(SIGPIPE, PIPE) N(SIGALRM, ALRM) N(SIGTERM, TERM) \
	N(SIGSTKFLT, STKFLT) N(SIGCHLD, CHLD) N(SIGCONT, CONT) N(SIGSTOP, STOP) \
	N(SIGTSTP, TSTP) N(SIGTTIN, TTIN) N(SIGTTOU, TTOU) N(SIGURG, URG) N(SIGXCPU, XCPU) \
	N(SIGXFSZ, XFSZ) N(SIGVTALRM, VTALRM) N(SIGPROF, PROF) N(SIGWINCH, WINCH) \
	N(SIGIO, IO) N(SIGPWR, PWR) N(SIGSYS, SYS)
TR_TABLE(tr_signals, TR_SIGNALS);

void put(struct tr_out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (o->len + 1 >= o->cap)
		return;
	va_start(ap, fmt);
	n = vsnprintf(o->buf + o->len, o->cap - o->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		o->len += (size_t)n < o->cap - o->len ? (size_t)n : o->cap - o->len - 1;
}

void putch(struct tr_out *o, char ch)
{
	if (o->len + 1 < o->cap) {
		o->buf[o->len++] = ch;
		o->buf[o->len] = 0;
	}
}

/* Copies workload memory, or -EFAULT: a bad pointer is never touched (user.c probes). */
int uget(void *dst, unsigned long src, size_t n)
{
	if (!src || gk_uread_ok((const void *)src, n) < 0)
		return -EFAULT;
	memcpy(dst, (const void *)src, n);
	return 0;
}

void put_ptr(struct tr_out *o, unsigned long v)
{
	if (v)
		put(o, "0x%lx", v);
	else
		put(o, "NULL");
}

void put_hex(struct tr_out *o, unsigned long v)
{
	put(o, v ? "0x%lx" : "%lu", v);
}

void put_oct(struct tr_out *o, unsigned long v)
{
	put(o, "0%02lo", v);	/* strace's %#03o: 000, 022, 0644 */
}

/*
 * @n bytes between quotes as strace escapes them: \t \n \v \f \r \" \\, other
 * bytes outside printable ASCII in octal (three digits where an octal digit
 * follows), or every byte as \xNN with @hex; "..." after when @more.
 */
void put_quoted(struct tr_out *o, const unsigned char *s, size_t n, int hex, int more)
{
	static const char from[] = "\t\n\v\f\r\"\\", to[] = "tnvfr\"\\";
	const char *e;
	size_t i;

	putch(o, '"');
	for (i = 0; i < n; i++) {
		e = s[i] ? strchr(from, s[i]) : NULL;
		if (hex)
			put(o, "\\x%02x", s[i]);
		else if (e)
			put(o, "\\%c", to[e - from]);
		else if (s[i] >= ' ' && s[i] < 0x7f)
			putch(o, (char)s[i]);
		else if (i + 1 < n && s[i + 1] >= '0' && s[i + 1] <= '7')
			put(o, "\\%03o", s[i]);
		else
			put(o, "\\%o", s[i]);
	}
	put(o, "\"%s", more ? "..." : "");
}

/* @len bytes at @p (TR_STRLEN of them at most), or its address if it cannot be read. */
void put_data(struct tr_out *o, unsigned long p, unsigned long len, int hex)
{
	unsigned char b[TR_STRLEN];
	size_t n = len < TR_STRLEN ? len : TR_STRLEN;

	if (n && uget(b, p, n) < 0)
		put_ptr(o, p);
	else
		put_quoted(o, b, n, hex, len > n);
}

/* A NUL-terminated string, @max bytes of it at most. */
void put_str(struct tr_out *o, unsigned long p, size_t max)
{
	char s[TR_PATHLEN + 1];
	long n;

	if (max > TR_PATHLEN)
		max = TR_PATHLEN;
	n = p ? gk_ustr(s, (const char *)p, max + 1) : -EFAULT;
	if (n == -EFAULT)
		put_ptr(o, p);
	else
		put_quoted(o, (const unsigned char *)s, n < 0 ? max : (size_t)n, 0, n < 0);
}

/* execve's argv: ["sh", "-c", ...]. */
void put_argv(struct tr_out *o, unsigned long p)
{
	unsigned long s;
	int i;

	if (uget(&s, p, sizeof(s)) < 0) {
		put_ptr(o, p);
		return;
	}
	putch(o, '[');
	for (i = 0; uget(&s, p + i * sizeof(s), sizeof(s)) == 0 && s; i++) {
		if (i == TR_ELEMS) {
			put(o, ", ...");
			break;
		}
		put(o, "%s", i ? ", " : "");
		put_str(o, s, TR_STRLEN);
	}
	putch(o, ']');
}

/* execve's envp as strace shows it without -v: its address and its count. */
void put_envp(struct tr_out *o, unsigned long p)
{
	unsigned long s;
	int i;

	put_ptr(o, p);
	for (i = 0; p && i < TR_ENVMAX && uget(&s, p + i * sizeof(s), sizeof(s)) == 0 && s; i++)
		;
	if (p)
		put(o, " /* %d var%s */", i, i == 1 ? "" : "s");
}

/* getdents64's buffer: its address and how many entries the call returned. */
void put_dirents(struct tr_out *o, unsigned long p, unsigned long len)
{
	unsigned long off = 0, n = 0;
	unsigned short reclen;

	put_ptr(o, p);
	/* the whole buffer is probed once, then read in place (user.c) */
	if (gk_uread_ok((const void *)p, len) < 0)
		return;
	for (; off + 18 <= len; off += reclen, n++) {
		memcpy(&reclen, (const char *)p + off + 16, sizeof(reclen));	/* d_reclen */
		if (!reclen)
			break;
	}
	put(o, " /* %lu entries */", n);
}

/* An iovec array; @left: the bytes the call moved (shown up to it), or -1: each iov_len. */
void put_iov(struct tr_out *o, unsigned long p, unsigned long cnt, long left)
{
	struct {
		unsigned long base, len;
	} v;
	unsigned long i, n;

	if (cnt && uget(&v, p, sizeof(v)) < 0) {
		put_ptr(o, p);
		return;
	}
	putch(o, '[');
	for (i = 0; i < cnt && uget(&v, p + i * sizeof(v), sizeof(v)) == 0; i++) {
		if (i == TR_ELEMS) {
			put(o, ", ...");
			break;
		}
		n = v.len;
		if (left >= 0) {
			n = (unsigned long)left < v.len ? (unsigned long)left : v.len;
			left -= (long)n;
		}
		put(o, "%s{iov_base=", i ? ", " : "");
		put_data(o, v.base, n, 0);
		put(o, ", iov_len=%lu}", v.len);
	}
	putch(o, ']');
}

const char *tr_lookup(unsigned long v, const struct tr_table *t)
{
	const char *name = t->names;
	unsigned int i;

	for (i = 0; i < t->n; i++, name += strlen(name) + 1)
		if (t->v[i] == v)
			return name;
	return NULL;
}

/* One value by name; a value the table lacks as a number (strace does the same). */
void put_enum(struct tr_out *o, unsigned long v, const struct tr_table *t, int hex)
{
	const char *name = tr_lookup(v, t);

	if (name)
		put(o, "%s", name);
	else if (hex)
		put_hex(o, v);
	else
		put(o, "%d", (int)v);
}

/* NAME|NAME|0xrest, the rows in table order; 0 is @zero, else "0". */
void put_flags(struct tr_out *o, unsigned long v, const struct tr_table *t, const char *zero)
{
	const char *name = t->names;
	unsigned int i;
	int any = 0;

	if (!v) {
		put(o, "%s", zero ? zero : "0");
		return;
	}
	for (i = 0; i < t->n; i++, name += strlen(name) + 1)
		if (t->v[i] && (v & t->v[i]) == t->v[i]) {
			put(o, "%s%s", any ? "|" : "", name);
			v &= ~t->v[i];
			any = 1;
		}
	if (v)
		put(o, "%s0x%lx", any ? "|" : "", v);
}

/* open's flags: the access mode always (O_RDONLY is 0), then the rest. */
void put_open(struct tr_out *o, unsigned long v)
{
	static const char *const acc[] = { "O_RDONLY", "O_WRONLY", "O_RDWR", "O_ACCMODE" };

	put(o, "%s", acc[v & 3]);
	if (v & ~3UL) {
		putch(o, '|');
		put_flags(o, v & ~3UL, &tr_open, NULL);
	}
}

void put_open_flags(struct tr_out *o, unsigned long v)
{
	put_flags(o, v, &tr_open, NULL);
}

void put_statx_mask(struct tr_out *o, unsigned long v)
{
	put_flags(o, v, &tr_statx_mask, NULL);
}

void put_clone_flags(struct tr_out *o, unsigned long v)
{
	put_flags(o, v, &tr_clone, NULL);
}

/* SIGINT, or INT inside a set; 32.. are RTMIN and RT_n, as strace names them. */
void put_sig(struct tr_out *o, unsigned long sig, int prefix)
{
	const char *p = prefix ? "SIG" : "", *name = tr_lookup(sig, &tr_signals);

	if (name)
		put(o, "%s%s", p, name);
	else if (sig == 32)
		put(o, "%sRTMIN", p);
	else if (sig > 32 && sig <= 64)
		put(o, "%sRT_%lu", p, sig - 32);
	else
		put(o, "%d", (int)sig);
}

/* [INT CHLD], or ~[...] of the signals left out when most are in (strace's form). */
static void put_sigset_val(struct tr_out *o, unsigned long set)
{
	int sig, bits = 0, any = 0;

	for (sig = 0; sig < 64; sig++)
		bits += (set >> sig) & 1;
	if (bits > 32) {
		putch(o, '~');
		set = ~set;
	}
	putch(o, '[');
	for (sig = 1; sig <= 64; sig++)
		if (set & (1UL << (sig - 1))) {
			put(o, "%s", any ? " " : "");
			put_sig(o, (unsigned long)sig, 0);
			any = 1;
		}
	putch(o, ']');
}

void put_sigset(struct tr_out *o, unsigned long p)
{
	unsigned long set;

	if (uget(&set, p, sizeof(set)) < 0)
		put_ptr(o, p);
	else
		put_sigset_val(o, set);
}

/* The kernel's struct sigaction (handler, flags, restorer, mask). */
void put_sigaction(struct tr_out *o, unsigned long p)
{
	struct gk_kaction a;

	if (uget(&a, p, sizeof(a)) < 0) {
		put_ptr(o, p);
		return;
	}
	if (a.handler <= 1)
		put(o, "{sa_handler=%s, sa_mask=", a.handler ? "SIG_IGN" : "SIG_DFL");
	else
		put(o, "{sa_handler=0x%lx, sa_mask=", a.handler);
	put_sigset_val(o, a.mask);
	put(o, ", sa_flags=");
	put_flags(o, a.flags, &tr_sa_flags, NULL);
	if (a.flags & SA_RESTORER)
		put(o, ", sa_restorer=0x%lx", a.restorer);
	putch(o, '}');
}

void put_timespec(struct tr_out *o, unsigned long p)
{
	long ts[2];

	if (uget(ts, p, sizeof(ts)) < 0)
		put_ptr(o, p);
	else
		put(o, "{tv_sec=%ld, tv_nsec=%ld}", ts[0], ts[1]);
}

static void put_rlim(struct tr_out *o, unsigned long v)
{
	if (v == ~0UL)
		put(o, "RLIM64_INFINITY");
	else if (v && !(v % 1024))
		put(o, "%lu*1024", v / 1024);
	else
		put(o, "%lu", v);
}

void put_rlimit(struct tr_out *o, unsigned long p)
{
	unsigned long r[2];

	if (uget(r, p, sizeof(r)) < 0) {
		put_ptr(o, p);
		return;
	}
	put(o, "{rlim_cur=");
	put_rlim(o, r[0]);
	put(o, ", rlim_max=");
	put_rlim(o, r[1]);
	putch(o, '}');
}

/* S_IFREG|S_ISUID|0755 */
static void put_mode(struct tr_out *o, unsigned long mode)
{
	const char *type = tr_lookup(mode & S_IFMT, &tr_ftype);

	if (type)
		put(o, "%s|", type);
	else if (mode & S_IFMT)
		put(o, "0%lo|", mode & S_IFMT);
	if (mode & 07000) {
		put_flags(o, mode & 07000, &tr_mode_bits, NULL);
		putch(o, '|');
	}
	put_oct(o, mode & 0777);
}

static void put_dev(struct tr_out *o, unsigned long dev)
{
	unsigned long maj = ((dev >> 8) & 0xfff) | ((dev >> 32) & ~0xfffUL);
	unsigned long min = (dev & 0xff) | ((dev >> 12) & ~0xffUL);

	put(o, "makedev(");
	put_hex(o, maj);
	put(o, ", ");
	put_hex(o, min);
	putch(o, ')');
}

/* struct stat (x86_64): its mode, and its size or, for a device, its number. */
void put_stat(struct tr_out *o, unsigned long p)
{
	unsigned long st[18];
	unsigned int mode;

	if (uget(st, p, sizeof(st)) < 0) {
		put_ptr(o, p);
		return;
	}
	mode = (unsigned int)st[3];	/* st_mode: the low half of the fourth word */
	put(o, "{st_mode=");
	put_mode(o, mode);
	if (S_ISCHR(mode) || S_ISBLK(mode)) {
		put(o, ", st_rdev=");
		put_dev(o, st[5]);
	} else {
		put(o, ", st_size=%ld", (long)st[6]);
	}
	put(o, ", ...}");
}

void put_statx(struct tr_out *o, unsigned long p)
{
	struct statx sx;

	if (uget(&sx, p, sizeof(sx)) < 0) {
		put_ptr(o, p);
		return;
	}
	put(o, "{stx_mask=");
	put_flags(o, sx.stx_mask, &tr_statx_mask, NULL);
	put(o, ", stx_attributes=");
	put_flags(o, sx.stx_attributes, &tr_statx_attr, NULL);
	put(o, ", stx_mode=");
	put_mode(o, sx.stx_mode);
	put(o, ", stx_size=%llu, ...}", (unsigned long long)sx.stx_size);
}

/* [N]: an int the call reads or writes (a socklen_t, a socket option). */
void put_intp(struct tr_out *o, unsigned long p)
{
	int v;

	if (uget(&v, p, sizeof(v)) < 0)
		put_ptr(o, p);
	else
		put(o, "[%d]", v);
}

/* wait4's status as strace's WIF* expressions. */
void put_wstatus(struct tr_out *o, unsigned long p)
{
	int s;

	if (uget(&s, p, sizeof(s)) < 0) {
		put_ptr(o, p);
		return;
	}
	if ((s & 0x7f) == 0) {
		put(o, "[{WIFEXITED(s) && WEXITSTATUS(s) == %d}]", (s >> 8) & 0xff);
	} else if ((s & 0xff) == 0x7f) {
		put(o, "[{WIFSTOPPED(s) && WSTOPSIG(s) == ");
		put_sig(o, (unsigned long)((s >> 8) & 0xff), 1);
		put(o, "}]");
	} else if (s == 0xffff) {
		put(o, "[{WIFCONTINUED(s)}]");
	} else {
		put(o, "[{WIFSIGNALED(s) && WTERMSIG(s) == ");
		put_sig(o, (unsigned long)(s & 0x7f), 1);
		put(o, "%s}]", (s & 0x80) ? " && WCOREDUMP(s)" : "");
	}
}

/* poll's array: [{fd=3, events=POLLIN}, ...]; with @rev, the events returned, where any. */
void put_pollfds(struct tr_out *o, unsigned long p, unsigned long cnt, int rev)
{
	struct {
		int fd;
		short events, revents;
	} pf;
	unsigned long i;
	int any = 0;

	if (cnt && uget(&pf, p, sizeof(pf)) < 0) {
		put_ptr(o, p);
		return;
	}
	putch(o, '[');
	for (i = 0; i < cnt && uget(&pf, p + i * sizeof(pf), sizeof(pf)) == 0; i++) {
		if (rev && !pf.revents)
			continue;
		if (any == TR_ELEMS) {
			put(o, ", ...");
			break;
		}
		put(o, "%s{fd=%d, %s=", any ? ", " : "", pf.fd, rev ? "revents" : "events");
		put_flags(o, (unsigned short)(rev ? pf.revents : pf.events), &tr_poll, NULL);
		putch(o, '}');
		any++;
	}
	putch(o, ']');
}

/* clone as strace shows it: child_stack, flags with the exit signal, the pointers they use. */
void put_clone(struct tr_out *o, const struct gk_call *c)
{
	unsigned long f = (unsigned long)c->a[0];

	put(o, "child_stack=");
	put_ptr(o, (unsigned long)c->a[1]);
	put(o, ", flags=");
	if (f & ~0xffUL)
		put_flags(o, f & ~0xffUL, &tr_clone, NULL);
	if ((f & 0xff) || !(f & ~0xffUL)) {
		put(o, "%s", (f & ~0xffUL) ? "|" : "");
		put_sig(o, f & 0xff, 1);
	}
	if (f & CLONE_PARENT_SETTID)
		put(o, ", parent_tid=0x%lx", (unsigned long)c->a[2]);
	if (f & (CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID))
		put(o, ", child_tidptr=0x%lx", (unsigned long)c->a[3]);
	if (f & CLONE_SETTLS)
		put(o, ", tls=0x%lx", (unsigned long)c->a[4]);
}

void put_clone3(struct tr_out *o, unsigned long p, long ret)
{
	struct clone_args ca;
	int tid;

	if (uget(&ca, p, sizeof(ca)) < 0) {
		put_ptr(o, p);
		return;
	}
	put(o, "{flags=");
	put_flags(o, ca.flags, &tr_clone, NULL);
	if (ca.flags & (CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID))
		put(o, ", child_tid=0x%llx", (unsigned long long)ca.child_tid);
	if (ca.flags & CLONE_PARENT_SETTID)
		put(o, ", parent_tid=0x%llx", (unsigned long long)ca.parent_tid);
	put(o, ", exit_signal=");
	put_sig(o, ca.exit_signal, 1);
	put(o, ", stack=0x%llx, stack_size=0x%llx", (unsigned long long)ca.stack,
	    (unsigned long long)ca.stack_size);
	if (ca.flags & CLONE_SETTLS)
		put(o, ", tls=0x%llx", (unsigned long long)ca.tls);
	putch(o, '}');
	/* what the call wrote: the new thread's id at parent_tid */
	if ((ca.flags & CLONE_PARENT_SETTID) && ret > 0 &&
	    uget(&tid, (unsigned long)ca.parent_tid, sizeof(tid)) == 0)
		put(o, " => {parent_tid=[%d]}", tid);
}

/* sigaltstack's stack_t. */
void put_stack(struct tr_out *o, unsigned long p)
{
	stack_t ss;

	if (uget(&ss, p, sizeof(ss)) < 0) {
		put_ptr(o, p);
		return;
	}
	put(o, "{ss_sp=");
	put_ptr(o, (unsigned long)ss.ss_sp);
	put(o, ", ss_flags=");
	put_flags(o, (unsigned int)ss.ss_flags, &tr_ss, NULL);
	put(o, ", ss_size=%lu}", (unsigned long)ss.ss_size);
}

void put_sysinfo(struct tr_out *o, unsigned long p)
{
	struct sysinfo si;

	if (uget(&si, p, sizeof(si)) < 0) {
		put_ptr(o, p);
		return;
	}
	put(o, "{uptime=%ld, loads=[%lu, %lu, %lu], totalram=%lu, freeram=%lu, sharedram=%lu, "
	    "bufferram=%lu, totalswap=%lu, freeswap=%lu, procs=%u, totalhigh=%lu, freehigh=%lu, "
	    "mem_unit=%u}", (long)si.uptime, (unsigned long)si.loads[0],
	    (unsigned long)si.loads[1], (unsigned long)si.loads[2], (unsigned long)si.totalram,
	    (unsigned long)si.freeram, (unsigned long)si.sharedram, (unsigned long)si.bufferram,
	    (unsigned long)si.totalswap, (unsigned long)si.freeswap, (unsigned int)si.procs,
	    (unsigned long)si.totalhigh, (unsigned long)si.freehigh, (unsigned int)si.mem_unit);
}

/* uname's first two fields, as strace shows them without -v. */
void put_uname(struct tr_out *o, unsigned long p)
{
	struct new_utsname u;

	if (uget(&u, p, sizeof(u)) < 0) {
		put_ptr(o, p);
		return;
	}
	put(o, "{sysname=");
	put_quoted(o, (const unsigned char *)u.sysname, strnlen(u.sysname, sizeof(u.sysname)), 0, 0);
	put(o, ", nodename=");
	put_quoted(o, (const unsigned char *)u.nodename, strnlen(u.nodename, sizeof(u.nodename)),
		   0, 0);
	put(o, ", ...}");
}

/* TIOCGWINSZ's and TIOCSWINSZ's struct winsize. */
void put_winsize(struct tr_out *o, unsigned long p)
{
	unsigned short ws[4];

	if (uget(ws, p, sizeof(ws)) < 0)
		put_ptr(o, p);
	else
		put(o, "{ws_row=%u, ws_col=%u, ws_xpixel=%u, ws_ypixel=%u}", ws[0], ws[1], ws[2],
		    ws[3]);
}

/* An array of @n ints (getgroups' gids), or a CPU mask of @n bytes as its CPUs' numbers. */
void put_ints(struct tr_out *o, unsigned long p, long n, int cpumask)
{
	unsigned long w;
	long i, shown = 0;
	int v;

	putch(o, '[');
	for (i = 0; !cpumask && i < n && uget(&v, p + i * sizeof(v), sizeof(v)) == 0; i++) {
		if (i == TR_ELEMS) {
			put(o, ", ...");
			break;
		}
		put(o, "%s%d", i ? ", " : "", v);
	}
	for (i = 0; cpumask && i * 8 < n && uget(&w, p + i * 8, sizeof(w)) == 0; i++)
		for (v = 0; v < 64; v++)
			if ((w >> v) & 1)
				put(o, "%s%ld", shown++ ? " " : "", i * 64 + v);
	putch(o, ']');
}

/* statfs and fstatfs's struct statfs. */
void put_statfs(struct tr_out *o, unsigned long p)
{
	struct statfs s;

	if (uget(&s, p, sizeof(s)) < 0) {
		put_ptr(o, p);
		return;
	}
	put(o, "{f_type=");
	put_enum(o, (unsigned long)s.f_type, &tr_fs_magic, 1);
	put(o, ", f_bsize=%ld, f_blocks=%ld, f_bfree=%ld, f_bavail=%ld, f_files=%ld, f_ffree=%ld, "
	    "f_fsid={val=[", (long)s.f_bsize, (long)s.f_blocks, (long)s.f_bfree,
	    (long)s.f_bavail, (long)s.f_files, (long)s.f_ffree);
	put_hex(o, (unsigned int)s.f_fsid.val[0]);
	put(o, ", ");
	put_hex(o, (unsigned int)s.f_fsid.val[1]);
	put(o, "]}, f_namelen=%ld, f_frsize=%ld, f_flags=", (long)s.f_namelen, (long)s.f_frsize);
	put_flags(o, (unsigned long)s.f_flags, &tr_st, NULL);
	putch(o, '}');
}

/* A siginfo: the sender, and for SIGCHLD the child's state (waitid, rt_sigtimedwait). */
void put_siginfo(struct tr_out *o, unsigned long p)
{
	struct {
		int signo, err, code, pad;
		int pid;
		unsigned int uid;
		int status, pad2;
		long utime, stime;
	} si;
	const char *code;

	if (uget(&si, p, sizeof(si)) < 0) {
		put_ptr(o, p);
		return;
	}
	if (!si.signo) {	/* waitid(WNOHANG) with no child to report */
		put(o, "{}");
		return;
	}
	put(o, "{si_signo=");
	put_sig(o, (unsigned long)si.signo, 1);
	code = si.signo == SIGCHLD && si.code > 0 ? tr_lookup((unsigned long)si.code, &tr_cld) :
	       tr_lookup((unsigned long)(long)si.code, &tr_si_code);
	if (code)
		put(o, ", si_code=%s", code);
	else
		put(o, ", si_code=%d", si.code);
	if (si.signo == SIGCHLD && si.code > 0) {
		put(o, ", si_pid=%d, si_uid=%u, si_status=", si.pid, si.uid);
		if (si.code == CLD_EXITED)
			put(o, "%d", si.status);
		else
			put_sig(o, (unsigned long)si.status, 1);
		put(o, ", si_utime=%ld, si_stime=%ld}", si.utime, si.stime);
	} else if (si.code <= 0) {
		put(o, ", si_pid=%d, si_uid=%u}", si.pid, si.uid);
	} else {
		put(o, ", ...}");
	}
}
