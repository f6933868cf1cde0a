/* SPDX-License-Identifier: GPL-2.0 */
/* agent.h - the vm-mode guest agent (static PID 1): workload spec, channel, forwarding loop. */
#ifndef KISTE_AGENT_H
#define KISTE_AGENT_H

#include <stdint.h>
#include <sys/types.h>

#include <kiste/exit.h>
#include <kiste/vm_agent.h>

/* Caps on the spec file from the host: argv and env entries. */
#define AGENT_ARGS_MAX	KISTE_VM_SPEC_ARGS_MAX

struct agent_spec {
	const char *exe;		/* NULL: argv[0] on PATH */
	char *argv[AGENT_ARGS_MAX + 1];
	char *envp[AGENT_ARGS_MAX + 1];
	int argc, envc;
	const char *cwd;
	const char *hostname;
	uid_t uid;
	gid_t gid;
	unsigned long pids;		/* 0: no pids limit */
	char *mods[KISTE_VM_MOD_MAX];	/* kernel modules to load, in order */
	char *disks[KISTE_VM_BLK_MAX];	/* --block names, in the order the VMM attached them */
	int nmods, ndisks;
	const char *root;		/* the disk holding the root (erofs), or NULL */
	char *vols[KISTE_VM_VOL_MAX];	/* "NAME:DST": read-only erofs disks to mount */
	int nvols;
	const char *net;		/* "ADDR/PREFIX,GATEWAY,DNS" for virtio-net, or NULL */
	const char *mtu;		/* its MTU in decimal, or NULL: the guest kernel's */
	int tty;			/* tty=1: the workload's 0-2 are a pty of its own */
	int pid1;			/* pid1=1: the workload is pid 1 of its own pid namespace */
	pid_t pid1_pid;			/* with pid1, once it runs: the workload (the agent's pid) */
	char *files[KISTE_VM_FILE_MAX];	/* "N:DST": KISTE_VM_FILES_DIR/N's bytes go to DST */
	int nfiles;
	int file_fds[KISTE_VM_FILE_MAX];	/* opened in the initramfs, before the root moves */
	char *sysctls[KISTE_VM_SYSCTL_MAX];	/* "NAME=VALUE", set before the workload */
	int nsysctls;
};

struct agent_chan {
	struct kiste_chan_hdr *hdr;	/* NULL: no VMM channel (e.g. under qemu) */
	uint8_t *in;
	uint8_t *out;
	uint32_t out_len;
	int out_stream;			/* 0 stdout, 1 stderr: what out[] holds */
	uint32_t winsz;			/* tty=1: the winsize word last applied (0: a new pty's) */
};

/* Prints "kiste-agent: ..." to the console (the VMM's log) and to the channel's stderr. */
void agent_log(struct agent_chan *ch, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Loads @mods in order (finit_module) and unlinks their files; -1, logged, when one fails. */
int agent_modules_load(struct agent_chan *ch, char *const *mods, int n);
/*
 * Waits (10 s at most, for all) for each disk whose virtio serial is one of
 * @names and links /dev/disk/by-id/virtio-NAME to it; -1, logged, when one is missing.
 */
int agent_disks_wait(struct agent_chan *ch, char *const *names, int n);
/*
 * The erofs image on disk @name (waited for already) as the new root, read-only
 * under a writable tmpfs overlay, with /proc, /sys, /dev and /tmp moved in;
 * -1 with one line logged when it cannot be.
 */
int agent_root_switch(struct agent_chan *ch, const char *name);
/* Each "NAME:DST" of @vols: disk NAME's erofs image mounted read-only at DST (made). */
int agent_volumes_mount(struct agent_chan *ch, char *const *vols, int n);
/*
 * agent_dev.c: file= records: each KISTE_VM_FILES_DIR/N opened while the
 * initramfs is the root (agent_files_open), then, once the workload's root,
 * volumes and network are in place, written to its DST and bind-mounted
 * read-only over it (agent_files_place).
 */
int agent_files_open(struct agent_chan *ch, struct agent_spec *s);
int agent_files_place(struct agent_chan *ch, struct agent_spec *s);

/*
 * Brings lo up; with @net (the spec's net= value), waits (10 s at most) for
 * the virtio-net interface, configures it (with @mtu, the spec's mtu=, if
 * any) and the default route, and writes /etc/resolv.conf in the current
 * root.  -1, logged, when a step fails.
 */
int agent_net_setup(struct agent_chan *ch, const char *net, const char *mtu);

/*
 * agent_proc.c.  --pids-limit inside the guest: a cgroup (v2) whose pids.max
 * holds the limit; each process joins it before exec.
 */
#define WORKLOAD_CG "/sys/fs/cgroup/kiste-workload"
/* @val into the file @path (a cgroup's, /proc's): 0, or -1. */
int agent_write_file(const char *path, const char *val);
/* The environment every process starts from (PATH, HOME), and one K=V over it. */
void agent_env_defaults(struct agent_spec *s);
int agent_env_add(struct agent_spec *s, const char *kv);
/*
 * Forks @s's process with @fds as its 0-2 (in the workload's pids cgroup
 * when @s has one): its pid, or -1 with @r = { stage, errno } of what failed
 * (agent_spawn_stage names the stage; 2 is @s->cwd, 4 executing argv[0]).
 */
pid_t agent_spawn(struct agent_spec *s, int fds[3], int r[2]);
const char *agent_spawn_stage(int stage);
/*
 * A process's 0-2: pipes (@io: stdin's write end, stdout's and stderr's read
 * ends; @fds: the process's ends), or a new pty of the guest's devpts whose
 * slave @uid owns (@io: the master twice and -1; @fds: the slave thrice).
 * Every descriptor close-on-exec.  0 or -errno; agent_pty_open's positive
 * errno: the pty is made but @uid could not be given its slave.
 */
int agent_pipes_open(int io[3], int fds[3]);
int agent_pty_open(uid_t uid, int io[3], int fds[3]);

/*
 * agent_exec.c: `kiste exec` sessions (vm_agent.h's exec slots), served from
 * agent_forward's loop: requests started as processes like the workload
 * (@main's pids cgroup, the default PATH and HOME), their stdio moved through
 * the slot's rings, signals and the terminal's size applied, and each
 * status reported once its output is in.  agent_exec_reaped takes a child
 * reap() collected that is not the workload; agent_exec_busy says a session
 * runs and moved something lately (the loop then polls often).
 */
void agent_exec_init(const struct agent_spec *main);
void agent_exec_serve(struct agent_chan *ch);
void agent_exec_reaped(pid_t pid, int status);
int agent_exec_busy(void);

/* Maps the channel named by kiste.chan= on /proc/cmdline; 0 without one. */
int agent_chan_open(struct agent_chan *ch);
void agent_chan_flush(struct agent_chan *ch);
void agent_chan_started(void);
void agent_chan_write(struct agent_chan *ch, int stream, const void *p, size_t len);
void agent_chan_exit(int code);
/* tty=1: the header's winsize word onto the pty @master, when it changed and is valid. */
void agent_chan_winsize(struct agent_chan *ch, int master);
/* The word @w onto the pty @master when it differs from *@last and is valid; *@last = @w. */
void agent_pty_winsize(uint32_t w, uint32_t *last, int master);
/*
 * The end of the host's typing into a terminal (@master, @last the last byte
 * typed or -1): what kiste_tty_eof says ends it (^D; twice after a partial
 * line; nothing in raw mode), *@done of it typed so far.  0 once all is
 * typed (or nothing could be), -EAGAIN while the input queue is full: again
 * later, before the master's typing end is closed.
 */
int agent_pty_eof(int master, int last, int *done);

/*
 * Forwards the channel's stdin into @in_fd (closing it at EOF), @out_fd and
 * @err_fd into the channel, and reaps children, until @pid has exited and both
 * outputs reached EOF (a pty master's EIO: its last slave is gone).  @tty:
 * @out_fd is the workload's pty master, sized from the header's winsize word
 * as it changes.  Returns @pid's wait status.
 */
int agent_forward(struct agent_chan *ch, pid_t pid, int in_fd, int out_fd, int err_fd, int sfd,
		  int tty);

#endif /* KISTE_AGENT_H */
