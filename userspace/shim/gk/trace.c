// SPDX-License-Identifier: GPL-2.0
// trace.c - --trace output: one strace-like line per redirected syscall, and the ENOSYS tally.
#include "trace_tab.h"

#include "amd64_syscalls.h"
#include "gk_nargs.h"
/* Every amd64 call's name, served or not (<asm/unistd_64.h>, copied out at build time). */
#define TR_SYSCALLS(C, N) AMD64_SYSCALLS(N)
TR_TABLE(tr_syscalls, TR_SYSCALLS);

/* A call's name: the table's, else the architecture's, else NULL. */
static const char *trace_name(long nr)
{
	const char *name = gk_sys_name(nr);

	if (!name && nr >= 0 && nr < GK_NSYS)
		name = tr_lookup((unsigned long)nr, &tr_syscalls);
	return name;
}
#define GK_NARG(name, n) [__NR_##name] = (n) + 1,
/* Each call's argument count + 1 (0: not known, show six), from the kernel's prototypes. */
static const unsigned char nargs_known[GK_NSYS] = { GK_NARGS(GK_NARG) };

static int nargs(long nr)
{
	if (nr >= 0 && nr < GK_NSYS && nargs_known[nr])
		return nargs_known[nr] - 1;
	switch (nr) {
	case __NR_getpid: case __NR_getppid: case __NR_gettid: case __NR_getuid:
	case __NR_geteuid: case __NR_getgid: case __NR_getegid: case __NR_fork:
	case __NR_vfork: case __NR_getpgrp: case __NR_setsid: case __NR_sched_yield:
	case __NR_pause: case __NR_sync: case __NR_rt_sigreturn:
		return 0;
	case __NR_close: case __NR_exit: case __NR_exit_group: case __NR_brk: case __NR_dup:
	case __NR_uname: case __NR_chdir: case __NR_fchdir: case __NR_umask: case __NR_pipe:
		return 1;
	}
	return 6;
}

/* Linux's errno names (linux/errno.h), 1..133. */
#define TR_ERRNOS(C, N) \
	C(EPERM) C(ENOENT) C(ESRCH) C(EINTR) C(EIO) C(ENXIO) C(E2BIG) C(ENOEXEC) C(EBADF) \
	C(ECHILD) C(EAGAIN) C(ENOMEM) C(EACCES) C(EFAULT) C(ENOTBLK) C(EBUSY) C(EEXIST) \
	C(EXDEV) C(ENODEV) C(ENOTDIR) C(EISDIR) C(EINVAL) C(ENFILE) C(EMFILE) C(ENOTTY) \
	C(ETXTBSY) C(EFBIG) C(ENOSPC) C(ESPIPE) C(EROFS) C(EMLINK) C(EPIPE) C(EDOM) C(ERANGE) \
	C(EDEADLK) C(ENAMETOOLONG) C(ENOLCK) C(ENOSYS) C(ENOTEMPTY) C(ELOOP) C(ENOMSG) C(EIDRM) \
	C(ECHRNG) C(EL2NSYNC) C(EL3HLT) C(EL3RST) C(ELNRNG) C(EUNATCH) C(ENOCSI) C(EL2HLT) \
	C(EBADE) C(EBADR) C(EXFULL) C(ENOANO) C(EBADRQC) C(EBADSLT) C(EBFONT) C(ENOSTR) \
	C(ENODATA) C(ETIME) C(ENOSR) C(ENONET) C(ENOPKG) C(EREMOTE) C(ENOLINK) C(EADV) \
	C(ESRMNT) C(ECOMM) C(EPROTO) C(EMULTIHOP) C(EDOTDOT) C(EBADMSG) C(EOVERFLOW) \
	C(ENOTUNIQ) C(EBADFD) C(EREMCHG) C(ELIBACC) C(ELIBBAD) C(ELIBSCN) C(ELIBMAX) \
	C(ELIBEXEC) C(EILSEQ) C(ERESTART) C(ESTRPIPE) C(EUSERS) C(ENOTSOCK) C(EDESTADDRREQ) \
	C(EMSGSIZE) C(EPROTOTYPE) C(ENOPROTOOPT) C(EPROTONOSUPPORT) C(ESOCKTNOSUPPORT) \
	C(EOPNOTSUPP) C(EPFNOSUPPORT) C(EAFNOSUPPORT) C(EADDRINUSE) C(EADDRNOTAVAIL) \
	C(ENETDOWN) C(ENETUNREACH) C(ENETRESET) C(ECONNABORTED) C(ECONNRESET) C(ENOBUFS) \
	C(EISCONN) C(ENOTCONN) C(ESHUTDOWN) C(ETOOMANYREFS) C(ETIMEDOUT) C(ECONNREFUSED) \
	C(EHOSTDOWN) C(EHOSTUNREACH) C(EALREADY) C(EINPROGRESS) C(ESTALE) C(EUCLEAN) C(ENOTNAM) \
	C(ENAVAIL) C(EISNAM) C(EREMOTEIO) C(EDQUOT) C(ENOMEDIUM) C(EMEDIUMTYPE) C(ECANCELED) \
	C(ENOKEY) C(EKEYEXPIRED) C(EKEYREVOKED) C(EKEYREJECTED) C(EOWNERDEAD) \
	C(ENOTRECOVERABLE) C(ERFKILL) C(EHWPOISON)
TR_TABLE(tr_errnos, TR_ERRNOS);

/* futex's operation: FUTEX_WAIT_BITSET_PRIVATE|FUTEX_CLOCK_REALTIME. */
static void put_futex_op(struct tr_out *o, unsigned long op)
{
	const char *name = tr_lookup(op & FUTEX_CMD_MASK, &tr_futex);

	if (!name) {
		put(o, "%lu", op);
		return;
	}
	put(o, "%s%s%s", name, (op & FUTEX_PRIVATE_FLAG) ? "_PRIVATE" : "",
	    (op & FUTEX_CLOCK_REALTIME) ? "|FUTEX_CLOCK_REALTIME" : "");
}

static int futex_waits(unsigned long op)
{
	op &= FUTEX_CMD_MASK;
	return op == FUTEX_WAIT || op == FUTEX_WAIT_BITSET || op == FUTEX_LOCK_PI ||
	       op == FUTEX_LOCK_PI2 || op == FUTEX_WAIT_REQUEUE_PI;
}

/* fcntl's third argument, by its command. */
static void put_fcntl_arg(struct tr_out *o, unsigned long cmd, unsigned long v)
{
	if (cmd == F_SETFD)
		put(o, "%s", v == FD_CLOEXEC ? "FD_CLOEXEC" : "0");
	else if (cmd == F_SETFL)
		put_open(o, v);
	else if (cmd == F_GETLK || cmd == F_SETLK || cmd == F_SETLKW || cmd == F_OFD_GETLK ||
		 cmd == F_OFD_SETLK || cmd == F_OFD_SETLKW || cmd == F_GETOWN_EX ||
		 cmd == F_SETOWN_EX)
		put_ptr(o, v);
	else if (cmd == F_SETSIG)
		put_sig(o, v, 1);
	else
		put(o, "%d", (int)v);
}

/* O_CLOEXEC and O_NONBLOCK as each call names them (EFD_CLOEXEC...): the same bits. */
static void put_cloexec(struct tr_out *o, long nr, unsigned long v)
{
	const char *pfx = nr == __NR_epoll_create1 ? "EPOLL" : nr == __NR_eventfd2 ? "EFD" :
			  nr == __NR_inotify_init1 ? "IN" : nr == __NR_timerfd_create ? "TFD" :
			  nr == __NR_signalfd4 ? "SFD" : NULL;

	if (!pfx || !v || (v & ~(unsigned long)(O_CLOEXEC | O_NONBLOCK))) {
		put_open_flags(o, v);
		return;
	}
	if (v & O_CLOEXEC)
		put(o, "%s_CLOEXEC%s", pfx, (v & O_NONBLOCK) ? "|" : "");
	if (v & O_NONBLOCK)
		put(o, "%s_NONBLOCK", pfx);
}

/* The AT_* flags; statx's sync type 0 and faccessat2's 0x200 have their own names. */
static void put_at(struct tr_out *o, long nr, unsigned long v)
{
	int any = 0;

	if (nr == __NR_statx && !(v & AT_STATX_SYNC_TYPE)) {
		put(o, "AT_STATX_SYNC_AS_STAT");
		any = 1;
	}
	if (nr == __NR_faccessat2 && (v & AT_EACCESS)) {
		put(o, "%sAT_EACCESS", any ? "|" : "");
		v &= ~(unsigned long)AT_EACCESS;
		any = 1;
	}
	if (v || !any) {
		put(o, "%s", any ? "|" : "");
		put_flags(o, v, &tr_at, NULL);
	}
}

/* socket(AF_INET, SOCK_STREAM|SOCK_CLOEXEC, ...)'s type, or accept4's flags alone. */
static void put_socktype(struct tr_out *o, unsigned long v)
{
	const unsigned long fl = O_CLOEXEC | O_NONBLOCK;	/* SOCK_CLOEXEC, SOCK_NONBLOCK */

	if (v & ~fl)
		put_enum(o, v & ~fl, &tr_socktype, 0);
	if ((v & ~fl) && (v & fl))
		putch(o, '|');
	if ((v & fl) || !v)
		put_flags(o, v & fl, &tr_sock_flags, NULL);
}

/* A socket option's name, by its level. */
static void put_sockopt(struct tr_out *o, unsigned long level, unsigned long v)
{
	if (level == SOL_SOCKET)
		put_enum(o, v, &tr_so, 0);
	else if (level == IPPROTO_TCP)
		put_enum(o, v, &tr_tcpopt, 0);
	else if (level == IPPROTO_IP)
		put_enum(o, v, &tr_ipopt, 0);
	else if (level == IPPROTO_IPV6)
		put_enum(o, v, &tr_ipv6opt, 0);
	else
		put(o, "%d", (int)v);
}

/*
 * Each call's arguments, one letter each (the count is the form's length):
 *   i int  u unsigned  l long  x hex  p pointer  o octal  s path  F dirfd (AT_FDCWD)
 *   b data the call takes (length: the next argument)  B data it returned (length: the
 *   result)  * the same in hex  d getcwd's string  v argv  V envp  j J iovecs in, out
 *   O open flags  n O_CLOEXEC-like flags  P prot  M mmap flags  m MSG_* or mremap flags
 *   S signal  H sigprocmask how  k sigset in  K out  A sigaction in  a out
 *   W wait options  w wait status  C clock  t timespec in  T out  E RLIMIT_*  G rlimit in
 *   g out  y stat out  Y statx out  X statx mask  Z AT_* flags  R access mode
 *   f fcntl cmd  L its argument  I ioctl request  r prctl option  q arch_prctl code
 *   D socket family  N socket type  Q protocol  e sockopt level  z option name
 *   4 option value in  $ out  @ sockaddr in (length next)  # out (length pointer next)
 *   % socklen out  2 int[2] out  U clone flags  3 clone3 args  c clone (all of it)
 *   h lseek whence  ~ futex op  = futex timeout or val2  & madvise advice  + epoll op
 *   - shutdown how  ! getrandom flags  [ pollfds (count next)  > TIMER_ABSTIME
 *   / getdents64's buffer (its entries counted)  { msghdr in  } out  ( epoll_event in
 *   ) the epoll_events returned  ^ fadvise advice  _ PRIO_* which  . ioctl's argument
 *   : stack_t in  ; out  ' utsname out  ` sysinfo out  | gids out  , CPU mask out
 *   < statfs out  0 waitid's idtype  9 siginfo out
 * Out letters (put_out) show the data only once the call succeeded, as strace does.
 */
struct tr_spec {
	unsigned short nr;
	char form[7];
};
#define TR_SPECS(X) \
	X(read, "iBu") X(write, "ibu") X(pread64, "iBul") X(pwrite64, "ibul") X(readv, "iJi") \
	X(writev, "iji") X(preadv, "iJil") X(pwritev, "ijil") X(open, "sOo") X(openat, "FsOo") \
	X(creat, "so") X(close, "i") X(lseek, "ilh") X(stat, "sy") X(lstat, "sy") X(fstat, "iy") \
	X(newfstatat, "FsyZ") X(statx, "FsZXY") X(access, "sR") X(faccessat, "FsR") \
	X(faccessat2, "FsRZ") X(readlink, "sBu") X(readlinkat, "FsBu") X(getcwd, "du") \
	X(chdir, "s") X(fchdir, "i") X(mkdir, "so") X(mkdirat, "Fso") X(rmdir, "s") \
	X(unlink, "s") X(unlinkat, "FsZ") X(rename, "ss") X(renameat, "FsFs") \
	X(renameat2, "FsFsx") X(link, "ss") X(linkat, "FsFsZ") X(symlink, "ss") \
	X(symlinkat, "sFs") X(chmod, "so") X(fchmod, "io") X(fchmodat, "Fso") X(chown, "sii") \
	X(lchown, "sii") X(fchown, "iii") X(fchownat, "FsiiZ") X(utimensat, "FspZ") \
	X(truncate, "sl") X(ftruncate, "il") X(statfs, "s<") X(fstatfs, "i<") X(chroot, "s") \
	X(mknodat, "Fsox") X(umask, "o") X(execve, "svV") X(execveat, "FsvVZ") \
	X(getdents64, "i/u") X(dup, "i") X(dup2, "ii") X(dup3, "iin") X(pipe, "2") \
	X(pipe2, "2n") X(fcntl, "ifL") X(ioctl, "iI.") X(flock, "ii") X(fsync, "i") \
	X(fdatasync, "i") X(fadvise64, "ill^") X(fallocate, "iill") X(sendfile, "iipu") \
	X(getxattr, "ssBu") X(lgetxattr, "ssBu") X(fgetxattr, "isBu") X(mmap, "puPMix") \
	X(mprotect, "puP") X(munmap, "pu") X(brk, "p") X(mremap, "puump") X(madvise, "pu&") \
	X(msync, "pux") X(mlock, "pu") X(munlock, "pu") X(memfd_create, "sx") \
	X(close_range, "uux") X(openat2, "Fspu") X(rt_sigaction, "SAau") \
	X(rt_sigprocmask, "HkKu") X(rt_sigsuspend, "ku") X(rt_sigpending, "Ku") \
	X(rt_sigtimedwait, "k9tu") X(kill, "iS") X(tkill, "iS") X(tgkill, "iiS") \
	X(rt_sigqueueinfo, "iSp") X(rt_tgsigqueueinfo, "iiSp") X(sigaltstack, ":;") \
	X(wait4, "iwWp") X(waitid, "0i9Wp") X(exit, "i") X(exit_group, "i") X(clone, "c") \
	X(clone3, "3u") X(unshare, "U") X(set_tid_address, "p") X(set_robust_list, "pu") \
	X(futex, "p~i=pi") X(arch_prctl, "qp") X(prctl, "rxxxx") X(getrlimit, "Eg") \
	X(setrlimit, "EG") X(prlimit64, "iEGg") X(nanosleep, "tT") X(clock_nanosleep, "C>tT") \
	X(clock_gettime, "CT") X(clock_getres, "CT") X(timerfd_create, "Cn") X(getrandom, "*u!") \
	X(rseq, "pxix") X(sched_getaffinity, "iu,") X(sched_setaffinity, "iup") X(setpgid, "ii") \
	X(getpgid, "i") X(getsid, "i") X(setuid, "i") X(setgid, "i") X(alarm, "u") \
	X(pidfd_open, "ix") X(poll, "[ui") X(ppoll, "[utku") X(epoll_create1, "n") \
	X(epoll_ctl, "i+i(") X(epoll_wait, "i)ii") X(epoll_pwait, "i)iiku") X(eventfd2, "un") \
	X(signalfd4, "ikun") X(inotify_init1, "n") X(inotify_add_watch, "isx") X(socket, "DNQ") \
	X(socketpair, "DNQ2") X(bind, "i@u") X(connect, "i@u") X(listen, "ii") X(accept, "i#%") \
	X(accept4, "i#%N") X(getsockname, "i#%") X(getpeername, "i#%") X(sendto, "ibum@u") \
	X(recvfrom, "iBum#%") X(sendmsg, "i{m") X(recvmsg, "i}m") X(shutdown, "i-") \
	X(setsockopt, "iez4u") X(getsockopt, "iez$%") X(getpriority, "_i") X(setpriority, "_ii") \
	X(uname, "'") X(sysinfo, "`") X(times, "p") X(getrusage, "ip") X(gettimeofday, "pp") \
	X(getresuid, "ppp") X(getresgid, "ppp") X(getgroups, "i|") X(setgroups, "ip") \
	X(getitimer, "ip") X(setitimer, "ipp") X(select, "ipppp") X(pselect6, "ipppp") \
	X(sched_getparam, "ip") X(rt_sigreturn, "")
#define TR_SPEC(name, form) { __NR_##name, form },
static const struct tr_spec tr_specs[] = { TR_SPECS(TR_SPEC) };

static const char *tr_form(long nr)
{
	size_t i;

	for (i = 0; i < TR_N(tr_specs); i++)
		if (tr_specs[i].nr == nr)
			return tr_specs[i].form;
	return NULL;
}

/* ioctl's third argument, by its request: what the call read, or wrote once it succeeded. */
static void put_ioctl_arg(struct tr_out *o, unsigned long req, unsigned long v, long ret)
{
	int out = req == TIOCGWINSZ || req == FIONREAD || req == TIOCOUTQ || req == TIOCGPGRP ||
		  req == TIOCGPTN || req == TIOCGSID;
	int in = req == TIOCSPGRP || req == FIONBIO || req == TIOCSPTLCK || req == FIOASYNC;

	if (out && !TR_OK(ret))
		put_ptr(o, v);
	else if (req == TIOCGWINSZ || req == TIOCSWINSZ)
		put_winsize(o, v);
	else if (out || in)
		put_intp(o, v);
	else
		put_ptr(o, v);
}

/* How many arguments strace shows where the call's own flags or command decide. */
static int tr_count(const struct gk_call *c, int n)
{
	unsigned long a1 = (unsigned long)c->a[1], a2 = (unsigned long)c->a[2];

	switch (c->nr) {
	case __NR_open:		/* the mode only where it counts */
		return (a1 & (O_CREAT | __O_TMPFILE)) ? 3 : 2;
	case __NR_openat:
		return (a2 & (O_CREAT | __O_TMPFILE)) ? 4 : 3;
	case __NR_fcntl:
		return (a1 == F_GETFD || a1 == F_GETFL || a1 == F_GETOWN || a1 == F_GETSIG ||
			a1 == F_GETLEASE || a1 == F_GETPIPE_SZ || a1 == F_GET_SEALS) ? 2 : 3;
	case __NR_ioctl:
		return (a1 == FIOCLEX || a1 == FIONCLEX || a1 == TIOCNOTTY) ? 2 : 3;
	case __NR_futex:
		a1 &= FUTEX_CMD_MASK;
		return a1 == FUTEX_WAKE || a1 == FUTEX_FD ? 3 : a1 == FUTEX_WAIT ? 4 : 6;
	}
	return n;
}

/* Structures and data the call wrote: only once it succeeded (else their address). */
static void put_out(struct tr_out *o, char k, const struct gk_call *c, int i, long ret)
{
	unsigned long v = (unsigned long)c->a[i], next = i < 5 ? (unsigned long)c->a[i + 1] : 0;
	int len;

	if (!TR_OK(ret) || !v) {
		put_ptr(o, v);
		return;
	}
	switch (k) {
	case 'B': put_data(o, v, (unsigned long)ret, 0); break;
	case '*': put_data(o, v, (unsigned long)ret, 1); break;
	case 'd': put_str(o, v, TR_PATHLEN); break;
	case 'J': put_iov(o, v, next, ret); break;
	case 'K': put_sigset(o, v); break;
	case 'a': put_sigaction(o, v); break;
	case 'T': put_timespec(o, v); break;
	case 'g': put_rlimit(o, v); break;
	case 'y': put_stat(o, v); break;
	case 'Y': put_statx(o, v); break;
	case '2': put_ints(o, v, 2, 0); break;
	case '%': put_intp(o, v); break;
	case '/': put_dirents(o, v, (unsigned long)ret); break;
	case '}': put_msghdr(o, v, ret); break;
	case ';': put_stack(o, v); break;
	case '\'': put_uname(o, v); break;
	case '`': put_sysinfo(o, v); break;
	case '<': put_statfs(o, v); break;
	case '9': put_siginfo(o, v); break;
	case ',': put_ints(o, v, ret, 1); break;
	case ')': put_epoll_events(o, v, ret, 1); break;
	case 'w':	/* wait4 with WNOHANG and no child changed: nothing written */
		if (ret > 0)
			put_wstatus(o, v);
		else
			put_ptr(o, v);
		break;
	case '|':	/* getgroups(0, ...) only counts */
		if (c->a[0] || !ret)
			put_ints(o, v, ret, 0);
		else
			put_ptr(o, v);
		break;
	case '#':	/* the address, as long as the length the call wrote says */
		if (!next || uget(&len, next, sizeof(len)) < 0)
			put_ptr(o, v);
		else
			put_sockaddr(o, v, (unsigned long)len);
		break;
	case '$':	/* an option's value: an int where the length says so */
		if (next && uget(&len, next, sizeof(len)) == 0 && len == sizeof(int))
			put_intp(o, v);
		else
			put_ptr(o, v);
		break;
	}
}

/* The arguments a table names (1), else 0. */
static int put_const(struct tr_out *o, char k, const struct gk_call *c, unsigned long v)
{
	switch (k) {
	case 'O': put_open(o, v); break;
	case 'n': put_cloexec(o, c->nr, v); break;
	case '>': put_flags(o, v, &tr_timer, NULL); break;
	case 'P': put_flags(o, v, &tr_prot, "PROT_NONE"); break;
	case 'M': put_flags(o, v, &tr_map, NULL); break;
	case 'S': put_sig(o, v, 1); break;
	case 'H': put_enum(o, v, &tr_sighow, 0); break;
	case 'W': put_flags(o, v, &tr_wait, NULL); break;
	case 'C': put_enum(o, v, &tr_clock, 0); break;
	case 'E': put_enum(o, v, &tr_rlimit, 0); break;
	case 'X': put_statx_mask(o, v); break;
	case 'Z': put_at(o, c->nr, v); break;
	case 'R': put_flags(o, v, &tr_access, "F_OK"); break;
	case 'f': put_enum(o, v, &tr_fcntl, 0); break;
	case 'L': put_fcntl_arg(o, (unsigned long)c->a[1], v); break;
	case 'I': put_enum(o, v & 0xffffffffUL, &tr_ioctl, 1); break;
	case 'r': put_enum(o, v, &tr_prctl, 0); break;
	case 'q': put_enum(o, v, &tr_arch_prctl, 1); break;
	case 'D': put_family(o, v); break;
	case 'N': put_socktype(o, v); break;
	case 'e': put_enum(o, v, &tr_sol, 0); break;
	case 'z': put_sockopt(o, (unsigned long)c->a[1], v); break;
	case 'U': put_clone_flags(o, v); break;
	case 'h': put_enum(o, v, &tr_whence, 0); break;
	case '~': put_futex_op(o, v); break;
	case '&': put_enum(o, v, &tr_madv, 0); break;
	case '+': put_enum(o, v, &tr_epoll_op, 0); break;
	case '-': put_enum(o, v, &tr_shut, 0); break;
	case '!': put_flags(o, v, &tr_grnd, NULL); break;
	case '^': put_enum(o, v, &tr_fadv, 0); break;
	case '_': put_enum(o, v, &tr_prio, 0); break;
	case '0': put_enum(o, v, &tr_idtype, 0); break;
	case 'm':
		if (c->nr == __NR_mremap)
			put_flags(o, v, &tr_mremap, NULL);
		else
			put_msg_flags(o, v);
		break;
	case 'Q':
		if (c->a[0] == 2 || c->a[0] == 10)	/* AF_INET, AF_INET6 */
			put_enum(o, v, &tr_ipproto, 0);
		else
			put(o, "%d", (int)v);
		break;
	default:
		return 0;
	}
	return 1;
}

/* One argument, @k its letter (0: a call with no form, shown as a number). */
static void put_arg(struct tr_out *o, char k, const struct gk_call *c, int i, long ret)
{
	unsigned long v = (unsigned long)c->a[i], next = i < 5 ? (unsigned long)c->a[i + 1] : 0;

	switch (k) {
	case 'i': put(o, "%d", (int)v); break;
	case 'u': put(o, "%lu", v); break;
	case 'l': put(o, "%ld", (long)v); break;
	case 'x': put_hex(o, v); break;
	case 'p': put_ptr(o, v); break;
	case 'o': put_oct(o, v); break;
	case 's': put_str(o, v, TR_PATHLEN); break;
	case 'b': put_data(o, v, next, 0); break;
	case 'v': put_argv(o, v); break;
	case 'V': put_envp(o, v); break;
	case 'j': put_iov(o, v, next, -1); break;
	case 'k': put_sigset(o, v); break;
	case 'A': put_sigaction(o, v); break;
	case 't': put_timespec(o, v); break;
	case 'G': put_rlimit(o, v); break;
	case '@': put_sockaddr(o, v, next); break;
	case '3': put_clone3(o, v, ret); break;
	case '{': put_msghdr(o, v, -1); break;
	case '(': put_epoll_events(o, v, 1, 0); break;
	case '.': put_ioctl_arg(o, (unsigned long)c->a[1] & 0xffffffffUL, v, ret); break;
	case ':': put_stack(o, v); break;
	case '[': put_pollfds(o, v, next, 0); break;
	case 'F':
		if ((int)v == AT_FDCWD)
			put(o, "AT_FDCWD");
		else
			put(o, "%d", (int)v);
		break;
	case '4':
		if (next == sizeof(int))
			put_intp(o, v);
		else
			put_ptr(o, v);
		break;
	case '=':
		if (futex_waits((unsigned long)c->a[1]))
			put_timespec(o, v);
		else
			put(o, "%lu", v);
		break;
	case 0:
		if ((long)v > -4096 && (long)v < 65536)
			put(o, "%ld", (long)v);
		else
			put(o, "0x%lx", v);
		break;
	default:
		if (!put_const(o, k, c, v))
			put_out(o, k, c, i, ret);
	}
}

static void put_args(struct tr_out *o, const struct gk_call *c, long ret)
{
	const char *form = tr_form(c->nr);
	int i, n = tr_count(c, form ? (int)strlen(form) : nargs(c->nr));

	if (form && form[0] == 'c') {
		put_clone(o, c);
		return;
	}
	for (i = 0; i < n && i < 6; i++) {
		put(o, "%s", i ? ", " : "");
		put_arg(o, form ? form[i] : 0, c, i, ret);
	}
}

/* The result: -1 ENAME for an error; addresses in hex; what fcntl's F_GET* and poll return. */
static void put_ret(struct tr_out *o, const struct gk_call *c, long ret)
{
	unsigned long cmd = (unsigned long)c->a[1];
	const char *err;

	if (ret < 0 && ret > -4096) {
		err = tr_lookup((unsigned long)-ret, &tr_errnos);
		if (err)
			put(o, "-1 %s", err);
		else
			put(o, "-1 E%ld", -ret);
		return;
	}
	if (c->nr == __NR_mmap || c->nr == __NR_mremap || c->nr == __NR_brk ||
	    c->nr == __NR_shmat) {
		put_hex(o, (unsigned long)ret);
	} else if (c->nr == __NR_umask) {
		put_oct(o, (unsigned long)ret);
	} else if (c->nr == __NR_fcntl && ret && (cmd == F_GETFD || cmd == F_GETFL)) {
		put(o, "0x%lx (flags ", ret);
		if (cmd == F_GETFD)
			put_flags(o, (unsigned long)ret, &tr_fd_flags, NULL);
		else
			put_open(o, (unsigned long)ret);
		putch(o, ')');
	} else {
		put(o, "%ld", ret);
		if (c->nr == __NR_rt_sigtimedwait && ret > 0) {
			put(o, " (");
			put_sig(o, (unsigned long)ret, 1);
			putch(o, ')');
		}
		if ((c->nr == __NR_poll || c->nr == __NR_ppoll) && ret == 0)
			put(o, " (Timeout)");
		if ((c->nr == __NR_poll || c->nr == __NR_ppoll) && ret > 0) {
			put(o, " (");
			put_pollfds(o, (unsigned long)c->a[0], (unsigned long)c->a[1], 1);
			putch(o, ')');
		}
	}
}

/* Before dispatch: what execve's line needs, which the new image replaces ("" for others). */
void gk_trace_enter(const struct gk_call *c, char *pre, size_t n)
{
	struct tr_out o = { pre, 0, n };

	pre[0] = 0;
	if (c->nr == __NR_execve || c->nr == __NR_execveat)
		put_args(&o, c, 0);
}

void gk_trace_call(const struct gk_call *c, long ret, unsigned long ns, const char *pre)
{
	char line[8192];	/* a path of PATH_MAX and 32 argv strings fit */
	/* the arguments stop short of the end, which always fits */
	struct tr_out o = { line, 0, sizeof(line) - 128 };
	const char *name = trace_name(c->nr);

	put(&o, "kiste-shim[%ld] ", gk_to_guest_pid(hs0(__NR_getpid)));
	if (name)
		put(&o, "%s(", name);
	else
		put(&o, "syscall_%ld(", c->nr);
	if (pre && pre[0])
		put(&o, "%s", pre);
	else
		put_args(&o, c, ret);
	o.cap = sizeof(line);
	put(&o, ") = ");
	if (c->nr == __NR_exit || c->nr == __NR_exit_group)
		put(&o, "?");
	else
		put_ret(&o, c, c->noreturn ? 0 : ret);
	put(&o, "%s <%lu ns>\n",
	    ret == -ENOSYS && !gk_table[c->nr < GK_NSYS && c->nr >= 0 ? c->nr : 0] ?
	    " (not implemented)" : "", ns);
	hs3(__NR_write, gk.trace_fd, line, o.len);
}

void gk_trace(const struct gk_call *c, long ret, unsigned long ns)
{
	gk_trace_call(c, ret, ns, NULL);
}

void gk_nosys_report(void)
{
	char line[512];
	size_t len;
	long nr, total = 0;

	snprintf(line, sizeof(line), "kiste-shim[%ld] unimplemented:",
	         gk_to_guest_pid(hs0(__NR_getpid)));
	for (nr = 0; nr < GK_NSYS; nr++) {
		if (!gk.nosys[nr])
			continue;
		total += gk.nosys[nr];
		len = strlen(line);
		if (trace_name(nr))
			snprintf(line + len, sizeof(line) - len, " %s(%ld) x%lu", trace_name(nr), nr,
				 gk.nosys[nr]);
		else
			snprintf(line + len, sizeof(line) - len, " %ld x%lu", nr, gk.nosys[nr]);
	}
	if (!total)
		return;
	len = strlen(line);
	snprintf(line + len, sizeof(line) - len, " (%ld calls)\n", total);
	hs3(__NR_write, gk.trace_fd, line, strlen(line));
}

/* --trace-summary: per call, in this process (a fork child starts from zero). */
static unsigned long sum_calls[GK_NSYS], sum_errors[GK_NSYS], sum_ns[GK_NSYS];

void gk_trace_count(const struct gk_call *c, long ret, unsigned long ns)
{
	if (c->nr < 0 || c->nr >= GK_NSYS)
		return;
	sum_calls[c->nr]++;
	sum_ns[c->nr] += ns;
	if (ret < 0 && ret > -4096 && !c->noreturn)
		sum_errors[c->nr]++;
}

void gk_trace_forked(void)
{
	memset(sum_calls, 0, sizeof(sum_calls));
	memset(sum_errors, 0, sizeof(sum_errors));
	memset(sum_ns, 0, sizeof(sum_ns));
}

/* strace -c's table, most time first: time share, seconds, us/call, calls, errors, name. */
void gk_trace_summary(void)
{
	static unsigned char done[GK_NSYS];
	unsigned long total_ns = 0, total_calls = 0, total_errors = 0;
	char line[160], nm[32];
	long nr, best;
	const char *name;
	int pid = (int)gk_to_guest_pid(hs0(__NR_getpid));

	for (nr = 0; nr < GK_NSYS; nr++) {
		total_ns += sum_ns[nr];
		total_calls += sum_calls[nr];
		total_errors += sum_errors[nr];
		done[nr] = 0;
	}
	if (!total_calls)
		return;
	snprintf(line, sizeof(line), "kiste-shim[%d] %% time     seconds  usecs/call     calls    errors syscall\n", pid);
	hs3(__NR_write, gk.trace_fd, line, strlen(line));
	for (;;) {
		best = -1;
		for (nr = 0; nr < GK_NSYS; nr++)
			if (sum_calls[nr] && !done[nr] && (best < 0 || sum_ns[nr] > sum_ns[best]))
				best = nr;
		if (best < 0)
			break;
		done[best] = 1;
		name = trace_name(best);
		if (!name) {
			snprintf(nm, sizeof(nm), "syscall_%ld", best);
			name = nm;
		}
		snprintf(line, sizeof(line), "kiste-shim[%d] %6lu.%02lu %11lu.%06lu %11lu %9lu %9lu %s\n",
			 pid, total_ns ? sum_ns[best] * 100 / total_ns : 0,
			 total_ns ? sum_ns[best] * 10000 / total_ns % 100 : 0,
			 sum_ns[best] / 1000000000, sum_ns[best] / 1000 % 1000000,
			 sum_ns[best] / 1000 / sum_calls[best], sum_calls[best], sum_errors[best], name);
		hs3(__NR_write, gk.trace_fd, line, strlen(line));
	}
	snprintf(line, sizeof(line), "kiste-shim[%d] 100.00 %11lu.%06lu %11lu %9lu %9lu total\n", pid,
		 total_ns / 1000000000, total_ns / 1000 % 1000000, total_ns / 1000 / total_calls,
		 total_calls, total_errors);
	hs3(__NR_write, gk.trace_fd, line, strlen(line));
}
