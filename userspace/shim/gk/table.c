// SPDX-License-Identifier: GPL-2.0
// table.c - the redirected-syscall table: which guest kernel function serves each call.
#include "gk.h"

long sys_fd0(struct gk_call *c);
long sys_fd0_block(struct gk_call *c);
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
long sys_fstat(struct gk_call *c);
long sys_fd_hint(struct gk_call *c);
long sys_alarm(struct gk_call *c);
long sys_time(struct gk_call *c);
long sys_affinity(struct gk_call *c);
long sys_sigpending(struct gk_call *c);
long sys_clock_nanosleep(struct gk_call *c);
long sys_itimer(struct gk_call *c);

/* X(name, function): one line per served call; every other call is ENOSYS and counted. */
#define GK_SYSCALLS(X) \
	X(read, sys_fd0_block) X(write, sys_fd0_block) X(readv, sys_fd0_block) \
	X(writev, sys_fd0_block) X(pread64, sys_fd0) X(pwrite64, sys_fd0) X(preadv, sys_fd0) \
	X(pwritev, sys_fd0) X(lseek, sys_fd0) X(fstat, sys_fstat) X(getdents64, sys_fd0) \
	X(ftruncate, sys_fd0) X(fsync, sys_fd0) X(fdatasync, sys_fd0) X(fchmod, sys_fd0) \
	X(fchown, sys_fd0) X(fstatfs, sys_fd0) X(fadvise64, sys_fd_hint) X(flock, sys_fd0_block) \
	X(fallocate, sys_fd0) X(readahead, sys_fd_hint) \
	X(open, sys_open) X(openat, sys_openat) X(creat, sys_creat) X(close, sys_close) \
	X(close_range, sys_close_range) \
	X(dup, sys_dup) X(dup2, sys_dup2) X(dup3, sys_dup3) X(fcntl, sys_fcntl) \
	X(ioctl, sys_ioctl) X(pipe, sys_pipe2) X(pipe2, sys_pipe2) X(getcwd, sys_getcwd) \
	X(chdir, sys_chdir) X(fchdir, sys_fchdir) X(stat, sys_stat) X(lstat, sys_stat) \
	X(newfstatat, sys_newfstatat) X(statx, sys_statx) X(readlink, sys_readlink) \
	X(readlinkat, sys_readlink) X(access, sys_access) X(faccessat, sys_access) \
	X(faccessat2, sys_access) X(mkdir, sys_mkdir) X(mkdirat, sys_mkdir) \
	X(unlink, sys_unlink) X(unlinkat, sys_unlink) X(rmdir, sys_unlink) \
	X(chmod, sys_fchmodat) X(fchmodat, sys_fchmodat) X(chown, sys_fchownat) \
	X(lchown, sys_fchownat) X(fchownat, sys_fchownat) X(utimensat, sys_utimensat) \
	X(symlink, sys_symlink) X(symlinkat, sys_symlink) X(rename, sys_rename) \
	X(renameat, sys_rename) X(renameat2, sys_rename) X(link, sys_rename) \
	X(linkat, sys_rename) X(truncate, sys_truncate) X(statfs, sys_statfs) \
	X(sendfile, sys_two_fds) X(copy_file_range, sys_two_fds) X(splice, sys_two_fds) \
	X(tee, sys_two_fds) X(getxattr, sys_enotsup) X(lgetxattr, sys_enotsup) \
	X(fgetxattr, sys_enotsup) X(listxattr, sys_enotsup) X(llistxattr, sys_enotsup) \
	X(flistxattr, sys_enotsup) \
	X(brk, sys_brk) X(mmap, sys_mmap) X(munmap, sys_mrange) X(mprotect, sys_mrange) \
	X(madvise, sys_mrange) X(msync, sys_mrange) X(mincore, sys_mrange) \
	X(mremap, sys_mremap) \
	X(fork, sys_fork) X(vfork, sys_fork) X(clone, sys_fork) X(wait4, sys_wait4) \
	X(waitid, sys_waitid) X(kill, sys_kill) X(tkill, sys_kill) X(tgkill, sys_kill) \
	X(getpid, sys_pid_ret) X(getppid, sys_pid_ret) X(gettid, sys_pid_ret) \
	X(getpgrp, sys_pid_ret) X(setsid, sys_pid_ret) X(getpgid, sys_getpgid) \
	X(getsid, sys_getpgid) X(setpgid, sys_setpgid) X(set_tid_address, sys_set_tid_address) \
	X(set_robust_list, sys_zero) X(exit, sys_exit) X(exit_group, sys_exit) \
	X(execve, sys_execve) X(execveat, sys_execve) \
	X(rt_sigaction, sys_rt_sigaction) X(rt_sigprocmask, sys_rt_sigprocmask) \
	X(rt_sigsuspend, sys_rt_sigsuspend) X(pause, sys_rt_sigsuspend) \
	X(rt_sigtimedwait, sys_rt_sigtimedwait) X(rt_sigreturn, sys_rt_sigreturn) \
	X(sigaltstack, sys_sigaltstack) X(rt_sigpending, sys_sigpending) X(alarm, sys_alarm) \
	X(setitimer, sys_itimer) X(getitimer, sys_itimer) \
	X(uname, sys_uname) X(getuid, sys_getid) X(geteuid, sys_getid) X(getgid, sys_getid) \
	X(getegid, sys_getid) X(getresuid, sys_getresid) X(getresgid, sys_getresid) \
	X(getgroups, sys_getgroups) X(setuid, sys_setid) X(setgid, sys_setid) \
	X(setreuid, sys_setid) X(setregid, sys_setid) X(setresuid, sys_setid) \
	X(setresgid, sys_setid) X(setfsuid, sys_setid) X(setfsgid, sys_setid) \
	X(setgroups, sys_setid) \
	X(getrlimit, sys_rlimit) X(setrlimit, sys_rlimit) X(prlimit64, sys_rlimit) \
	X(clock_gettime, sys_pass) X(clock_getres, sys_pass) X(gettimeofday, sys_time) \
	X(time, sys_time) X(times, sys_pass) X(getrusage, sys_pass) X(sysinfo, sys_pass) \
	X(nanosleep, sys_pass_block) X(clock_nanosleep, sys_clock_nanosleep) \
	X(getrandom, sys_getrandom) X(umask, sys_umask) X(sched_yield, sys_pass) \
	X(getcpu, sys_pass) X(sched_getaffinity, sys_affinity) X(poll, sys_pass_block) \
	X(ppoll, sys_pass_block) X(select, sys_pass_block) X(pselect6, sys_pass_block) \
	X(futex, sys_futex) X(arch_prctl, sys_arch_prctl) X(prctl, sys_prctl) X(sync, sys_zero) \
	X(ptrace, sys_eperm) X(mount, sys_eperm) X(umount2, sys_eperm) X(bpf, sys_eperm) \
	X(init_module, sys_eperm) X(finit_module, sys_eperm) X(delete_module, sys_eperm) \
	X(kexec_load, sys_eperm) X(kexec_file_load, sys_eperm) X(unshare, sys_eperm) \
	X(setns, sys_eperm) X(pivot_root, sys_eperm) X(chroot, sys_eperm) \
	X(keyctl, sys_eperm) X(add_key, sys_eperm) X(request_key, sys_eperm) \
	X(rt_sigqueueinfo, sys_eperm) X(rt_tgsigqueueinfo, sys_eperm) \
	X(process_vm_readv, sys_eperm) X(process_vm_writev, sys_eperm) \
	X(seccomp, sys_eperm) X(reboot, sys_eperm) X(swapon, sys_eperm) X(swapoff, sys_eperm)

#define GK_FN(name, fn) [__NR_##name] = fn,
#define GK_NAME(name, fn) [__NR_##name] = #name,

const gk_sys_fn gk_table[GK_NSYS] = { GK_SYSCALLS(GK_FN) };
static const char *const gk_names[GK_NSYS] = { GK_SYSCALLS(GK_NAME) };

const char *gk_sys_name(long nr)
{
	if (nr >= 0 && nr < GK_NSYS && gk_names[nr])
		return gk_names[nr];
	return NULL;
}
