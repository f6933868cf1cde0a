/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * vm_agent.h - the contract between vm mode's micro-VMM (host) and its guest
 * agent (PID 1 in the guest): where the agent and the workload spec live in
 * the initramfs, the spec's keys, and the shared-memory channel (ports, layout).
 *
 * Both sides are built from this tree; bump KISTE_VM_AGENT_VERSION on any
 * change of meaning or layout.
 */
#ifndef _UAPI_KISTE_VM_AGENT_H
#define _UAPI_KISTE_VM_AGENT_H

#include <linux/types.h>

#define KISTE_VM_AGENT_VERSION	11

/* Where the agent and the workload spec live inside the guest's initramfs. */
#define KISTE_VM_AGENT_PATH	"/.kiste/agent"
#define KISTE_VM_SPEC_PATH	"/.kiste/spec"
/* Kernel modules for the guest's devices, as NAME.ko; the agent unlinks each once loaded. */
#define KISTE_VM_MODULES_DIR	"/.kiste/modules"
/* The agent refuses a spec file bigger than this, and more arg/env records than that. */
#define KISTE_VM_SPEC_MAX	(1u << 20)
#define KISTE_VM_SPEC_ARGS_MAX	4096

/*
 * The spec: NUL-terminated "KEY=VALUE" records, in any order but args and
 * envs in theirs.  Unknown keys are ignored (a newer host, an older agent).
 */
#define KISTE_VM_SPEC_EXE	"exe="	/* absolute guest path to execute; default: arg 0 on PATH */
#define KISTE_VM_SPEC_ARG	"arg="	/* one argv entry; at least one */
#define KISTE_VM_SPEC_ENV	"env="	/* one environment entry, K=V */
#define KISTE_VM_SPEC_CWD	"cwd="	/* absolute; default "/" */
#define KISTE_VM_SPEC_HOST	"host="	/* the guest's hostname; default "kiste" */
#define KISTE_VM_SPEC_UID	"uid="	/* decimal; default 0 */
#define KISTE_VM_SPEC_GID	"gid="	/* decimal; default 0 */
#define KISTE_VM_SPEC_PIDS	"pids="	/* decimal: the workload's processes at once; default none */
/*
 * Since version 2.  mod=: the guest path of a kernel module the agent loads
 * (finit_module) before the workload, in the records' order (dependencies
 * first); one that fails to load refuses the run.  blk=: a disk's name, in
 * the order the VMM attached the disks; its virtio-blk device answers
 * GET_ID with it, and the agent waits for the disk and links
 * /dev/disk/by-id/virtio-NAME to it, or refuses the run.
 */
#define KISTE_VM_SPEC_MOD	"mod="
#define KISTE_VM_SPEC_BLK	"blk="
/*
 * root=: the name of a blk= disk holding the workload's root as an erofs
 * image: the agent mounts it read-only under a writable tmpfs overlay and
 * makes that the root before the workload starts (writes stay in the guest).
 */
#define KISTE_VM_SPEC_ROOT	"root="
/* vol=NAME:DST: blk= disk NAME holds an erofs image the agent mounts read-only at DST. */
#define KISTE_VM_SPEC_VOL	"vol="
#define KISTE_VM_VOL_MAX	8
/*
 * Since version 4.  net=ADDR/PREFIX,GATEWAY,DNS (IPv4 dotted quads, PREFIX
 * 1..32, GATEWAY inside ADDR/PREFIX): the guest has a virtio-net device; the
 * agent waits for its interface, gives it ADDR/PREFIX, brings it up, routes
 * by default via GATEWAY and writes "nameserver DNS" to the workload's
 * /etc/resolv.conf, or refuses the run.  With or without it, lo is up.
 */
#define KISTE_VM_SPEC_NET	"net="
/* "255.255.255.255/32,255.255.255.255,255.255.255.255" and its NUL */
#define KISTE_VM_NET_MAX	51
/*
 * Since version 5.  mtu=N (decimal, KISTE_VM_MTU_MIN..KISTE_VM_MTU_MAX), with
 * net= only: the agent sets the interface's MTU before it comes up (an
 * overlay network's 1450, say); without it the guest kernel's 1500 stays.
 */
#define KISTE_VM_SPEC_MTU	"mtu="
#define KISTE_VM_MTU_MIN	68
#define KISTE_VM_MTU_MAX	1500
/*
 * Since version 6.  tty=1 (kiste run -t): the workload's 0-2 are a new pty of
 * the guest's devpts, its controlling terminal.  The agent relays the pty's
 * master: what it reads goes out as the stdout stream, the stdin ring is
 * typed into it (in_eof ends the typing, never the terminal: no hangup), and
 * the header's winsize word sets its size (TIOCSWINSZ: the foreground group
 * gets SIGWINCH).  Without it, pipes.
 */
#define KISTE_VM_SPEC_TTY	"tty="
/*
 * Since version 7.  file=N:DST (-v FILE:DST:ro, what container engines bind:
 * /etc/hosts, resolv.conf, hostname): the initramfs holds the host file's
 * bytes at KISTE_VM_FILES_DIR/N; the agent writes them to DST in the
 * workload's root (its parents made, a symlink there replaced), after the
 * volumes and the network's resolv.conf, and bind-mounts DST read-only over
 * itself.  At most KISTE_VM_FILE_MAX records of KISTE_VM_FILE_BYTES each.
 */
#define KISTE_VM_SPEC_FILE	"file="
/*
 * Since version 9.  pid1=1 (an OCI container's process): the workload is pid 1
 * of a pid namespace of its own, as under runc, with a mount namespace whose
 * /proc is that namespace's; a signal it leaves at SIG_DFL (the host's TERM
 * among them) does not end it.  Every process `kiste exec` starts joins both.
 */
#define KISTE_VM_SPEC_PID1	"pid1="
/*
 * Since version 11.  sysctl=PATH=VALUE (an OCI container's linux.sysctl, its
 * name made a path of words below /proc/sys: "net/ipv4/ip_forward"): the
 * agent writes VALUE to /proc/sys/PATH before the workload starts, or
 * refuses the run.
 */
#define KISTE_VM_SPEC_SYSCTL	"sysctl="
#define KISTE_VM_SYSCTL_MAX	64
#define KISTE_VM_FILES_DIR	"/.kiste/files"
#define KISTE_VM_FILE_MAX	16
#define KISTE_VM_FILE_BYTES	(1u << 20)
/* A disk's name: 1..20 bytes (virtio-blk's ID field) of A-Z a-z 0-9 _ . - */
#define KISTE_VM_BLK_NAME_MAX	20
/* The agent refuses a spec with more blk= or mod= records than these. */
#define KISTE_VM_BLK_MAX	32
#define KISTE_VM_MOD_MAX	32

/*
 * The channel is a region at the top of guest RAM that the e820 map marks
 * reserved, so the guest kernel never uses it and the agent (root, PID 1)
 * can map it through /dev/mem.  Its address and size reach the agent on the
 * kernel command line as "kiste.chan=ADDR,SIZE" (hex).
 *
 * Guest -> host (stdout, stderr): the agent fills the output buffer and
 * writes "len | stream << 31" to KISTE_CHAN_PORT_OUT; the VMM writes those
 * bytes out before the OUT instruction completes, so the buffer is free again
 * when the agent's OUT returns.  One exit per buffer, not per byte.
 *
 * Host -> guest (stdin): a single-producer ring; the VMM advances in_head,
 * the agent advances in_tail (free-running byte counts) and sets nothing
 * else; in_eof says no bytes will follow in_head.  The agent polls it.
 *
 * Window size (tty=1): the VMM stores the caller's terminal's size in
 * winsize, one 32-bit word (KISTE_CHAN_WINSZ: no torn rows and columns), at
 * boot and after each SIGWINCH; the agent polls it and applies a changed,
 * valid word to the pty.  The VMM never reads it back (what a guest writes
 * there is its own business), and the agent ignores a word that is not
 * valid (kiste_chan_winsz_valid).  0 is 0 rows x 0 columns, a new pty's size.
 *
 * Signals (since version 10; one word `signal` before): the VMM sets the
 * signal's bit in sigpend or sigpend_hi (an atomic or), the agent takes
 * each word with an atomic exchange and sends every signal set, lowest
 * first, to the workload.  A signal sent twice before the agent looked is
 * sent once, as a standard signal pending twice is.
 *
 * Exit: the agent writes KISTE_CHAN_EXIT_MAGIC | code (code 0..255, the
 * value kiste run exits with) to KISTE_CHAN_PORT_EXIT, then powers off.
 */
#define KISTE_CHAN_PORT_EXIT	0x0510
#define KISTE_CHAN_PORT_OUT	0x0514
#define KISTE_CHAN_PORTS	8	/* ioperm range from KISTE_CHAN_PORT_EXIT */

#define KISTE_CHAN_MAGIC	0x4b435631u	/* "KCV1" */
#define KISTE_CHAN_EXIT_MAGIC	0x4b450000u
#define KISTE_CHAN_OUT_STDERR	(1u << 31)

#define KISTE_CHAN_SIZE		(4u << 20)	/* 2 MiB before version 8 */
#define KISTE_CHAN_IN_OFF	0x1000u
#define KISTE_CHAN_IN_SIZE	(512u << 10)	/* power of two */
#define KISTE_CHAN_OUT_OFF	(1u << 20)
#define KISTE_CHAN_OUT_SIZE	(1u << 20)

struct kiste_chan_hdr {
	__u32 magic;		/* KISTE_CHAN_MAGIC, set by the VMM */
	__u32 in_size;
	__u32 out_size;
	__u32 in_head;	/* host: bytes of stdin produced */
	__u32 in_tail;	/* guest: bytes of stdin consumed */
	__u32 in_eof;	/* host: 1 once stdin reached EOF */
	__u32 sigpend;	/* host: signals 1..32 to forward to the workload, bit N-1 */
	__u32 winsize;	/* host (tty=1): KISTE_CHAN_WINSZ(rows, cols); the guest only reads it */
	__u32 sigpend_hi;	/* host: signals 33..64, bit N-33 */
};

/*
 * Since version 8: `kiste exec` sessions, KISTE_CHAN_EXEC_SLOTS slots of
 * KISTE_CHAN_EXEC_SLOT bytes from KISTE_CHAN_EXEC_OFF, each a struct
 * kiste_chan_exec, then the request's strings, the stdin ring and the
 * stdout and stderr rings.  Rings are single-producer with free-running
 * byte counts, as the main stdin ring; both sides poll (no port, no exit).
 *
 * A slot's life: FREE; the host writes the request (the strings: cwd, then
 * argc argv and envc env entries, each NUL-ended; uid, gid, flags; every
 * count 0) and then REQ; the agent forks the process and answers RUN with
 * its pid, or FAIL with an errno and one line; once the process is reaped
 * and what it wrote until then is in the rings, DONE with its wait status;
 * the host, having moved the rings' last bytes, sets FREE.  signal: a
 * signal the host asks for (the agent clears it); in_eof: no stdin follows
 * in_head.  The host trusts none of the guest's words: a count out of range
 * ends that session, nothing else.
 */
#define KISTE_CHAN_EXEC_OFF	(2u << 20)
#define KISTE_CHAN_EXEC_SLOTS	8
#define KISTE_CHAN_EXEC_SLOT	(256u << 10)
#define KISTE_CHAN_EXEC_REQ_OFF	0x1000u
#define KISTE_CHAN_EXEC_REQ_MAX	0xf000u
#define KISTE_CHAN_EXEC_IN_OFF	0x10000u
#define KISTE_CHAN_EXEC_OUT_OFF	0x20000u	/* stdout; stderr at + KISTE_CHAN_EXEC_RING */
#define KISTE_CHAN_EXEC_RING	0x10000u	/* each ring's size, a power of two */
#define KISTE_CHAN_EXEC_ARGS_MAX	1024	/* argc, envc each */

enum kiste_chan_exec_state {
	KISTE_CHAN_EXEC_FREE,
	KISTE_CHAN_EXEC_REQ,	/* host: a request waits */
	KISTE_CHAN_EXEC_RUN,	/* guest: pid runs */
	KISTE_CHAN_EXEC_DONE,	/* guest: status; the rings hold the rest of its output */
	KISTE_CHAN_EXEC_FAIL,	/* guest: error, msg; nothing ran */
};

#define KISTE_CHAN_EXEC_TTY	1u	/* the process's 0-2: a new pty; its output is stdout */

struct kiste_chan_exec {
	__u32 state;
	__u32 req_len;		/* host: the strings' bytes, <= KISTE_CHAN_EXEC_REQ_MAX */
	__u32 argc, envc;	/* host: argc >= 1 */
	__u32 uid, gid;		/* host */
	__u32 flags;		/* host */
	__u32 winsize;		/* host, TTY: KISTE_CHAN_WINSZ(rows, cols) */
	__u32 signal;		/* host: a signal for the process; guest clears */
	__u32 in_head;		/* host */
	__u32 in_tail;		/* guest */
	__u32 in_eof;		/* host */
	__u32 out_head[2];	/* guest: stdout, stderr */
	__u32 out_tail[2];	/* host */
	__s32 pid;		/* guest, RUN: in the guest's pid namespace */
	__s32 status;		/* guest, DONE: the wait status */
	__s32 error;		/* guest, FAIL: a positive errno */
	char msg[128];		/* guest, FAIL: one line, NUL-ended */
};

/* curses keeps a terminal's size in a short: larger is no terminal's. */
#define KISTE_CHAN_WINSZ_MAX	0x7fffu
#define KISTE_CHAN_WINSZ(rows, cols)	((__u32)(rows) << 16 | (__u32)(cols))
#define KISTE_CHAN_WINSZ_ROWS(w)	((w) >> 16)
#define KISTE_CHAN_WINSZ_COLS(w)	((w) & 0xffffu)

/* Whether @w is a size the agent applies: rows and columns each 0..KISTE_CHAN_WINSZ_MAX. */
static inline int kiste_chan_winsz_valid(__u32 w)
{
	return KISTE_CHAN_WINSZ_ROWS(w) <= KISTE_CHAN_WINSZ_MAX &&
	       KISTE_CHAN_WINSZ_COLS(w) <= KISTE_CHAN_WINSZ_MAX;
}

/* The word for a terminal of @rows x @cols (each capped at KISTE_CHAN_WINSZ_MAX). */
static inline __u32 kiste_chan_winsz(unsigned int rows, unsigned int cols)
{
	return KISTE_CHAN_WINSZ(rows < KISTE_CHAN_WINSZ_MAX ? rows : KISTE_CHAN_WINSZ_MAX,
				cols < KISTE_CHAN_WINSZ_MAX ? cols : KISTE_CHAN_WINSZ_MAX);
}

#endif /* _UAPI_KISTE_VM_AGENT_H */
