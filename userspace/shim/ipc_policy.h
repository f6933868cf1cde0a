/* SPDX-License-Identifier: GPL-2.0 */
/* ipc_policy.h - the System V IPC and message-queue commands and flags served: one list for gk/ipc.c and the allowlist. */
#ifndef KISTE_SHIM_IPC_POLICY_H
#define KISTE_SHIM_IPC_POLICY_H

/*
 * Freestanding (the guest kernel includes it too): numbers, not libc's names.
 * A command is served with and without IPC_64 (0x100); flags outside a mask
 * are dropped by the guest kernel (the host ignores unknown ones too) and
 * kill at the filter, so a gate jump gets no more than a workload call.
 */
#define KI_IPC_64 0x100
/* IPC_RMID, IPC_SET, IPC_STAT, IPC_INFO, SHM_LOCK, SHM_UNLOCK, SHM_STAT, SHM_INFO, SHM_STAT_ANY */
#define KI_SHM_CMDS(X) X(0) X(1) X(2) X(3) X(11) X(12) X(13) X(14) X(15)
/* IPC_*, GETPID, GETVAL, GETALL, GETNCNT, GETZCNT, SETVAL, SETALL, SEM_STAT, SEM_INFO, SEM_STAT_ANY */
#define KI_SEM_CMDS(X) X(0) X(1) X(2) X(3) X(11) X(12) X(13) X(14) X(15) X(16) X(17) X(18) \
	X(19) X(20)
/* IPC_*, MSG_STAT, MSG_INFO, MSG_STAT_ANY */
#define KI_MSG_CMDS(X) X(0) X(1) X(2) X(3) X(11) X(12) X(13)
/* Both forms of each command, as a list initializer. */
#define KI_IPC_BOTH(c) (c), ((c) | KI_IPC_64),

/* mode bits, IPC_CREAT, IPC_EXCL; shmget also SHM_HUGETLB, SHM_NORESERVE and a huge page size */
#define KI_GET_FLAGS 03777UL
#define KI_SHMGET_FLAGS (KI_GET_FLAGS | 04000UL | 010000UL | (0x3fUL << 26))
/* SHM_RDONLY, SHM_RND, SHM_EXEC: never SHM_REMAP, which could map over the guest kernel */
#define KI_SHMAT_FLAGS (010000UL | 020000UL | 0100000UL)
#define KI_MSGSND_FLAGS 04000UL	/* IPC_NOWAIT */
/* IPC_NOWAIT, MSG_NOERROR, MSG_EXCEPT, MSG_COPY */
#define KI_MSGRCV_FLAGS (04000UL | 010000UL | 020000UL | 040000UL)
/* O_ACCMODE, O_CREAT, O_EXCL, O_NONBLOCK, O_CLOEXEC */
#define KI_MQ_OFLAGS (3UL | 0100UL | 0200UL | 04000UL | 02000000UL)

#endif /* KISTE_SHIM_IPC_POLICY_H */
