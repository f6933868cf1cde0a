// SPDX-License-Identifier: GPL-2.0
// table.c - the redirected-syscall table: which guest kernel function serves each call.
#include "gk.h"

long sys_fd0(struct gk_call *c);
long sys_fd0_block(struct gk_call *c);
long sys_flock(struct gk_call *c);
long sys_open(struct gk_call *c);
long sys_openat(struct gk_call *c);
long sys_creat(struct gk_call *c);
long sys_close(struct gk_call *c);
long sys_dup(struct gk_call *c);
long sys_dup2(struct gk_call *c);
long sys_dup3(struct gk_call *c);
long sys_fcntl(struct gk_call *c);
long sys_ioctl(struct gk_call *c);
long sys_pipe2(struct gk_call *c);
long sys_getcwd(struct gk_call *c);
long sys_chdir(struct gk_call *c);
long sys_fchdir(struct gk_call *c);
long sys_stat(struct gk_call *c);
long sys_newfstatat(struct gk_call *c);
long sys_statx(struct gk_call *c);
long sys_readlink(struct gk_call *c);
long sys_access(struct gk_call *c);
long sys_mkdir(struct gk_call *c);
long sys_unlink(struct gk_call *c);
long sys_fchmodat(struct gk_call *c);
long sys_fchownat(struct gk_call *c);
long sys_utimensat(struct gk_call *c);
long sys_symlink(struct gk_call *c);
long sys_rename(struct gk_call *c);
long sys_truncate(struct gk_call *c);
long sys_statfs(struct gk_call *c);
long sys_brk(struct gk_call *c);
long sys_mmap(struct gk_call *c);
long sys_mrange(struct gk_call *c);
long sys_mremap(struct gk_call *c);
long sys_fork(struct gk_call *c);
long sys_wait4(struct gk_call *c);
long sys_waitid(struct gk_call *c);
long sys_kill(struct gk_call *c);
long sys_pid_ret(struct gk_call *c);
long sys_getpgid(struct gk_call *c);
long sys_setpgid(struct gk_call *c);
long sys_set_tid_address(struct gk_call *c);
long sys_gettid(struct gk_call *c);
long sys_robust_list(struct gk_call *c);
long sys_capget(struct gk_call *c);
long sys_capset(struct gk_call *c);
long sys_exit(struct gk_call *c);
long sys_execve(struct gk_call *c);
long sys_rt_sigaction(struct gk_call *c);
long sys_rt_sigprocmask(struct gk_call *c);
long sys_rt_sigsuspend(struct gk_call *c);
long sys_rt_sigtimedwait(struct gk_call *c);
long sys_rt_sigreturn(struct gk_call *c);
long sys_sigaltstack(struct gk_call *c);
long sys_pass(struct gk_call *c);
long sys_pass_block(struct gk_call *c);
long sys_uname(struct gk_call *c);
long sys_getid(struct gk_call *c);
long sys_getresid(struct gk_call *c);
long sys_getgroups(struct gk_call *c);
long sys_setid(struct gk_call *c);
long sys_rlimit(struct gk_call *c);
long sys_arch_prctl(struct gk_call *c);
long sys_prctl(struct gk_call *c);
long sys_zero(struct gk_call *c);
long sys_eperm(struct gk_call *c);
long sys_two_fds(struct gk_call *c);
long sys_enotsup(struct gk_call *c);
long sys_futex(struct gk_call *c);
long sys_close_range(struct gk_call *c);
long sys_umask(struct gk_call *c);
long sys_getrandom(struct gk_call *c);
long sys_priority(struct gk_call *c);
long sys_sched(struct gk_call *c);
long sys_mlock(struct gk_call *c);
long sys_personality(struct gk_call *c);
long sys_memfd_create(struct gk_call *c);
long sys_ioprio(struct gk_call *c);
long sys_restart(struct gk_call *c);
long sys_fd_flags(struct gk_call *c);
long sys_sysv(struct gk_call *c);
long sys_utime_old(struct gk_call *c);
long sys_xattr(struct gk_call *c);
long sys_mknod(struct gk_call *c);
long sys_clock(struct gk_call *c);
long sys_set_affinity(struct gk_call *c);
long sys_mq(struct gk_call *c);
long sys_fstat(struct gk_call *c);
long sys_fd_hint(struct gk_call *c);
long sys_alarm(struct gk_call *c);
long sys_time(struct gk_call *c);
long sys_affinity(struct gk_call *c);
long sys_sysinfo(struct gk_call *c);
long sys_sigpending(struct gk_call *c);
long sys_clock_nanosleep(struct gk_call *c);
long sys_itimer(struct gk_call *c);
long sys_eventfd(struct gk_call *c);
long sys_epoll_create(struct gk_call *c);
long sys_epoll_ctl(struct gk_call *c);
long sys_epoll_wait(struct gk_call *c);
long sys_timerfd_create(struct gk_call *c);
long sys_timer_create(struct gk_call *c);
long sys_timer_delete(struct gk_call *c);
long sys_timer_settime(struct gk_call *c);
long sys_timerfd_time(struct gk_call *c);
long sys_signalfd(struct gk_call *c);
long sys_pidfd_open(struct gk_call *c);
long sys_pidfd_send_signal(struct gk_call *c);
long sys_pidfd_getfd(struct gk_call *c);
long sys_poll(struct gk_call *c);
long sys_select(struct gk_call *c);
long sys_inotify_init(struct gk_call *c);
long sys_inotify_add_watch(struct gk_call *c);
long sys_inotify_rm_watch(struct gk_call *c);
/* net.c: sockets (issues 11, 12) */
long sys_socket(struct gk_call *c);
long sys_socketpair(struct gk_call *c);
long sys_bind(struct gk_call *c);
long sys_listen(struct gk_call *c);
long sys_connect(struct gk_call *c);
long sys_accept(struct gk_call *c);
long sys_sock_fd0(struct gk_call *c);
long sys_sendto(struct gk_call *c);
long sys_recvfrom(struct gk_call *c);
long sys_sockopt(struct gk_call *c);
long sys_sendmsg(struct gk_call *c);
long sys_recvmsg(struct gk_call *c);
long sys_sendmmsg(struct gk_call *c);
long sys_recvmmsg(struct gk_call *c);

/*
 * X(name, function, argument types): one line per served call; every other call
 * is ENOSYS and counted.  The types are the kernel's (its SYSCALL_DEFINEs), one
 * letter per argument from the first: "i" int (sign-extended), "u" unsigned int
 * (zero-extended), "l" long, size or pointer (as is); trailing longs are left
 * out.  gk_dispatch narrows the int ones before any handler runs, so a value
 * with garbage in the upper half means what it means to the kernel: wait4 of
 * 0x00000000ffffffff is wait4(-1), close(0x100000003) is close(3).
 */
#define GK_SYSCALLS(X) \
	X(read, sys_fd0_block, "u") X(write, sys_fd0_block, "u") X(readv, sys_fd0_block, "") \
	X(writev, sys_fd0_block, "") X(pread64, sys_fd0, "u") X(pwrite64, sys_fd0, "u") \
	X(preadv, sys_fd0, "") X(pwritev, sys_fd0, "") X(lseek, sys_fd0, "ulu") \
	X(fstat, sys_fstat, "u") X(getdents64, sys_fd0, "ulu") X(ftruncate, sys_fd0, "u") \
	X(fsync, sys_fd0, "u") X(fdatasync, sys_fd0, "u") X(fchmod, sys_fd0, "uu") \
	X(fchown, sys_fd0, "uuu") X(fstatfs, sys_fd0, "u") X(fadvise64, sys_fd_hint, "illi") \
	X(flock, sys_flock, "uu") X(fallocate, sys_fd0, "ii") X(readahead, sys_fd_hint, "i") \
	X(open, sys_open, "liu") X(openat, sys_openat, "iliu") X(creat, sys_creat, "lu") \
	X(close, sys_close, "u") X(close_range, sys_close_range, "uuu") X(dup, sys_dup, "u") \
	X(dup2, sys_dup2, "uu") X(dup3, sys_dup3, "uui") X(fcntl, sys_fcntl, "uu") \
	X(ioctl, sys_ioctl, "uu") X(pipe, sys_pipe2, "") X(pipe2, sys_pipe2, "li") \
	X(getcwd, sys_getcwd, "") X(chdir, sys_chdir, "") X(fchdir, sys_fchdir, "u") \
	X(stat, sys_stat, "") X(lstat, sys_stat, "") X(newfstatat, sys_newfstatat, "illi") \
	X(statx, sys_statx, "iluu") X(readlink, sys_readlink, "lli") \
	X(readlinkat, sys_readlink, "illi") X(access, sys_access, "li") \
	X(faccessat, sys_access, "ili") X(faccessat2, sys_access, "ilii") \
	X(mkdir, sys_mkdir, "lu") X(mkdirat, sys_mkdir, "ilu") X(unlink, sys_unlink, "") \
	X(unlinkat, sys_unlink, "ili") X(rmdir, sys_unlink, "") X(chmod, sys_fchmodat, "lu") \
	X(fchmodat, sys_fchmodat, "ilu") X(chown, sys_fchownat, "luu") \
	X(lchown, sys_fchownat, "luu") X(fchownat, sys_fchownat, "iluui") \
	X(utimensat, sys_utimensat, "illi") X(symlink, sys_symlink, "") \
	X(symlinkat, sys_symlink, "li") X(rename, sys_rename, "") X(renameat, sys_rename, "ili") \
	X(renameat2, sys_rename, "ililu") X(link, sys_rename, "") X(linkat, sys_rename, "ilili") \
	X(truncate, sys_truncate, "") X(statfs, sys_statfs, "") X(sendfile, sys_two_fds, "ii") \
	X(copy_file_range, sys_two_fds, "ilillu") X(splice, sys_two_fds, "ilillu") \
	X(tee, sys_two_fds, "iilu") X(getxattr, sys_xattr, "") X(lgetxattr, sys_xattr, "") \
	X(fgetxattr, sys_xattr, "i") X(listxattr, sys_xattr, "") \
	X(llistxattr, sys_xattr, "") X(flistxattr, sys_xattr, "i") \
	X(setxattr, sys_xattr, "lllli") X(lsetxattr, sys_xattr, "lllli") \
	X(fsetxattr, sys_xattr, "illli") X(removexattr, sys_xattr, "") \
	X(lremovexattr, sys_xattr, "") X(fremovexattr, sys_xattr, "i") \
	X(mknod, sys_mknod, "lu") X(mknodat, sys_mknod, "ilu") X(brk, sys_brk, "") \
	X(mmap, sys_mmap, "lllli") X(munmap, sys_mrange, "") X(mprotect, sys_mrange, "") \
	X(madvise, sys_mrange, "lli") X(msync, sys_mrange, "lli") X(mincore, sys_mrange, "") \
	X(mremap, sys_mremap, "") X(fork, sys_fork, "") X(vfork, sys_fork, "") \
	X(clone, sys_fork, "") X(clone3, sys_fork, "") X(wait4, sys_wait4, "ili") X(waitid, sys_waitid, "iili") \
	X(kill, sys_kill, "ii") X(tkill, sys_kill, "ii") X(tgkill, sys_kill, "iii") \
	X(getpid, sys_pid_ret, "") X(getppid, sys_pid_ret, "") X(gettid, sys_gettid, "") \
	X(getpgrp, sys_pid_ret, "") X(setsid, sys_pid_ret, "") X(getpgid, sys_getpgid, "i") \
	X(getsid, sys_getpgid, "i") X(setpgid, sys_setpgid, "ii") \
	X(set_tid_address, sys_set_tid_address, "") X(set_robust_list, sys_robust_list, "") \
	X(get_robust_list, sys_robust_list, "i") \
	X(exit, sys_exit, "i") X(exit_group, sys_exit, "i") X(execve, sys_execve, "") \
	X(execveat, sys_execve, "illli") X(rt_sigaction, sys_rt_sigaction, "") \
	X(rt_sigprocmask, sys_rt_sigprocmask, "i") X(rt_sigsuspend, sys_rt_sigsuspend, "") \
	X(pause, sys_rt_sigsuspend, "") X(rt_sigtimedwait, sys_rt_sigtimedwait, "") \
	X(rt_sigreturn, sys_rt_sigreturn, "") X(sigaltstack, sys_sigaltstack, "") \
	X(rt_sigpending, sys_sigpending, "") X(alarm, sys_alarm, "u") \
	X(setitimer, sys_itimer, "i") X(getitimer, sys_itimer, "i") X(uname, sys_uname, "") \
	X(getuid, sys_getid, "") X(geteuid, sys_getid, "") X(getgid, sys_getid, "") \
	X(getegid, sys_getid, "") X(getresuid, sys_getresid, "") X(getresgid, sys_getresid, "") \
	X(getgroups, sys_getgroups, "i") X(setuid, sys_setid, "u") X(setgid, sys_setid, "u") \
	X(setreuid, sys_setid, "uu") X(setregid, sys_setid, "uu") X(setresuid, sys_setid, "uuu") \
	X(setresgid, sys_setid, "uuu") X(setfsuid, sys_setid, "u") X(setfsgid, sys_setid, "u") \
	X(setgroups, sys_setid, "i") X(getrlimit, sys_rlimit, "u") X(setrlimit, sys_rlimit, "u") \
	X(prlimit64, sys_rlimit, "iu") X(clock_gettime, sys_clock, "i") \
	X(clock_getres, sys_clock, "i") X(gettimeofday, sys_time, "") X(time, sys_time, "") \
	X(times, sys_pass, "") X(getrusage, sys_pass, "i") X(sysinfo, sys_sysinfo, "") \
	X(nanosleep, sys_pass_block, "") X(clock_nanosleep, sys_clock_nanosleep, "ii") \
	X(getrandom, sys_getrandom, "llu") X(umask, sys_umask, "i") X(sched_yield, sys_pass, "") \
	X(getcpu, sys_pass, "") X(sched_getaffinity, sys_affinity, "iu") \
	X(sched_setaffinity, sys_set_affinity, "iu") \
	X(poll, sys_poll, "lui") X(ppoll, sys_poll, "lu") \
	X(select, sys_select, "i") X(pselect6, sys_select, "i") \
	X(futex, sys_futex, "liullu") X(arch_prctl, sys_arch_prctl, "i") \
	X(prctl, sys_prctl, "i") X(capget, sys_capget, "") X(capset, sys_capset, "") \
	X(sync, sys_zero, "") X(ptrace, sys_eperm, "") \
	X(mount, sys_eperm, "") X(umount2, sys_eperm, "li") X(bpf, sys_eperm, "ilu") \
	X(init_module, sys_eperm, "") X(finit_module, sys_eperm, "ili") \
	X(delete_module, sys_eperm, "lu") X(kexec_load, sys_eperm, "") \
	X(kexec_file_load, sys_eperm, "ii") X(unshare, sys_eperm, "") X(setns, sys_eperm, "ii") \
	X(pivot_root, sys_eperm, "") X(chroot, sys_eperm, "") X(keyctl, sys_eperm, "i") \
	X(add_key, sys_eperm, "lllli") X(request_key, sys_eperm, "llli") \
	X(rt_sigqueueinfo, sys_eperm, "ii") X(rt_tgsigqueueinfo, sys_eperm, "iii") \
	X(process_vm_readv, sys_eperm, "i") X(process_vm_writev, sys_eperm, "i") \
	X(seccomp, sys_eperm, "uu") X(reboot, sys_eperm, "iiu") X(swapon, sys_eperm, "li") \
	X(swapoff, sys_eperm, "") \
	X(eventfd, sys_eventfd, "u") X(eventfd2, sys_eventfd, "ui") \
	X(epoll_create, sys_epoll_create, "i") X(epoll_create1, sys_epoll_create, "i") \
	X(epoll_ctl, sys_epoll_ctl, "iii") X(epoll_wait, sys_epoll_wait, "ilii") \
	X(epoll_pwait, sys_epoll_wait, "ilii") X(epoll_pwait2, sys_epoll_wait, "ili") \
	X(timerfd_create, sys_timerfd_create, "ii") X(timerfd_settime, sys_timerfd_time, "ii") \
	X(timerfd_gettime, sys_timerfd_time, "i") X(signalfd, sys_signalfd, "ill") \
	X(signalfd4, sys_signalfd, "illi") X(pidfd_open, sys_pidfd_open, "iu") \
	X(pidfd_send_signal, sys_pidfd_send_signal, "iilu") X(pidfd_getfd, sys_pidfd_getfd, "iiu") \
	X(inotify_init, sys_inotify_init, "") X(inotify_init1, sys_inotify_init, "i") \
	X(inotify_add_watch, sys_inotify_add_watch, "ilu") \
	X(inotify_rm_watch, sys_inotify_rm_watch, "ii") \
	X(timer_create, sys_timer_create, "i") X(timer_delete, sys_timer_delete, "i") \
	X(timer_settime, sys_timer_settime, "ii") X(timer_gettime, sys_pass, "i") \
	X(timer_getoverrun, sys_pass, "i") \
	X(socket, sys_socket, "iii") X(socketpair, sys_socketpair, "iii") \
	X(bind, sys_bind, "ili") X(listen, sys_listen, "ii") X(connect, sys_connect, "ili") \
	X(accept, sys_accept, "i") X(accept4, sys_accept, "illi") \
	X(getsockname, sys_sock_fd0, "i") X(getpeername, sys_sock_fd0, "i") \
	X(shutdown, sys_sock_fd0, "ii") X(sendto, sys_sendto, "illuli") \
	X(recvfrom, sys_recvfrom, "illu") X(setsockopt, sys_sockopt, "iiili") \
	X(getsockopt, sys_sockopt, "iii") X(sendmsg, sys_sendmsg, "ilu") \
	X(recvmsg, sys_recvmsg, "ilu") X(sendmmsg, sys_sendmmsg, "iluu") \
	X(recvmmsg, sys_recvmmsg, "iluu") \
	X(getpriority, sys_priority, "ii") X(setpriority, sys_priority, "iii") \
	X(sched_getscheduler, sys_sched, "i") X(sched_setscheduler, sys_sched, "ii") \
	X(sched_getparam, sys_sched, "i") X(sched_setparam, sys_sched, "i") \
	X(sched_get_priority_max, sys_sched, "i") X(sched_get_priority_min, sys_sched, "i") \
	X(sched_rr_get_interval, sys_sched, "i") \
	X(mlock, sys_mlock, "") X(munlock, sys_mlock, "") X(mlock2, sys_mlock, "lli") \
	X(mlockall, sys_mlock, "i") X(munlockall, sys_mlock, "") \
	X(personality, sys_personality, "u") X(memfd_create, sys_memfd_create, "lu") \
	X(ioprio_get, sys_ioprio, "ii") X(ioprio_set, sys_ioprio, "iii") \
	X(restart_syscall, sys_restart, "") X(preadv2, sys_fd_flags, "illlli") \
	X(pwritev2, sys_fd_flags, "illlli") X(syncfs, sys_fd_flags, "i") \
	X(sync_file_range, sys_fd_flags, "illu") X(syslog, sys_eperm, "i") X(acct, sys_eperm, "") \
	X(settimeofday, sys_eperm, "") X(clock_settime, sys_eperm, "i") X(iopl, sys_eperm, "u") \
	X(ioperm, sys_eperm, "") X(quotactl, sys_eperm, "u") X(quotactl_fd, sys_eperm, "uuu") \
	X(vhangup, sys_eperm, "") X(fanotify_init, sys_eperm, "uu") \
	X(open_by_handle_at, sys_eperm, "i") X(kcmp, sys_eperm, "iii") \
	X(lookup_dcookie, sys_eperm, "") \
	X(shmget, sys_sysv, "ili") X(shmat, sys_sysv, "ili") X(shmdt, sys_sysv, "") \
	X(shmctl, sys_sysv, "ii") X(semget, sys_sysv, "iii") X(semop, sys_sysv, "ilu") \
	X(semtimedop, sys_sysv, "ilu") X(semctl, sys_sysv, "iii") X(msgget, sys_sysv, "ii") \
	X(msgsnd, sys_sysv, "illi") X(msgrcv, sys_sysv, "illli") X(msgctl, sys_sysv, "ii") \
	X(mq_open, sys_mq, "liu") X(mq_unlink, sys_mq, "") X(mq_timedsend, sys_mq, "illu") \
	X(mq_timedreceive, sys_mq, "il") X(mq_notify, sys_mq, "i") X(mq_getsetattr, sys_mq, "i") \
	X(utime, sys_utime_old, "") X(utimes, sys_utime_old, "") X(futimesat, sys_utime_old, "i")

#define GK_FN(name, fn, types) [__NR_##name] = fn,
#define GK_NAME(name, fn, types) [__NR_##name] = #name,
#define GK_TYPES(name, fn, types) [__NR_##name] = types,

const gk_sys_fn gk_table[GK_NSYS] = { GK_SYSCALLS(GK_FN) };
static const char *const gk_names[GK_NSYS] = { GK_SYSCALLS(GK_NAME) };
static const char *const gk_types[GK_NSYS] = { GK_SYSCALLS(GK_TYPES) };

/* The one place int-typed arguments are narrowed, as the kernel's syscall wrappers do. */
void gk_args_narrow(struct gk_call *c)
{
	const char *t = gk_types[c->nr];
	int k;

	for (k = 0; t && t[k] && k < 6; k++) {
		if (t[k] == 'i')
			c->a[k] = (int)c->a[k];
		else if (t[k] == 'u')
			c->a[k] = (unsigned int)c->a[k];
	}
}

const char *gk_sys_name(long nr)
{
	if (nr >= 0 && nr < GK_NSYS && gk_names[nr])
		return gk_names[nr];
	return NULL;
}
