/* SPDX-License-Identifier: GPL-2.0 */
/* attack.h - what the parts of the hostile suite's attack program share. */
#ifndef HOSTILE_ATTACK_H
#define HOSTILE_ATTACK_H

#include <stddef.h>
#include "../lib/raw_syscall.h"

/*
 * One static program, run three ways: natively (the control: what an
 * unconfined run shows), as a shim workload, and packed into a vm-mode guest.
 * Every subcommand prints "KEY=VALUE" lines that the runner (hostile.sh)
 * reads; a value is "ok", a number, or an errno name.  Subcommands that
 * expect to die (killed by a filter) say what they are about to do first.
 */

/* raw6: a syscall from this program's own text, never through libc. */
/* "EPERM", "ENOENT", ... or "errnoN"; "ok" for 0. */
const char *ename(int e);
/* NAME=ok or NAME=EXXX for a libc call's result (negative: errno). */
void say(const char *name, long r);
/* NAME=EXXX for a raw syscall's -errno, else NAME=VALUE. */
void say_raw(const char *name, long r);
/* Undoes the runner's shift-by-one of a canary (so that the canary itself is in no argv). */
void unshift(char *dst, const char *src, size_t size);
/* Whether [p, p + n) holds @needle. */
int mem_has(const void *p, size_t n, const char *needle);
/* Whether file @path holds @needle (reading at most @max bytes); -1 if it cannot be read. */
int file_has(const char *path, const char *needle, size_t max);

/* Subcommands, each in the file of its family: int main-like, argv after the name. */
int cmd_gate(int argc, char **argv);
int cmd_gkwrite(int argc, char **argv);
int cmd_raw(int argc, char **argv);
int cmd_gateopen(int argc, char **argv);
int cmd_gatetrunc(int argc, char **argv);
int cmd_gatemeta(int argc, char **argv);
int cmd_gatemetaat(int argc, char **argv);
int cmd_gatechmodvia(int argc, char **argv);
int cmd_exec(int argc, char **argv);
int cmd_open(int argc, char **argv);
int cmd_fdread(int argc, char **argv);
int cmd_mkhandle(int argc, char **argv);
int cmd_handle(int argc, char **argv);
int cmd_fdserve(int argc, char **argv);
int cmd_scm(int argc, char **argv);
int cmd_pidfd(int argc, char **argv);
int cmd_launcher(int argc, char **argv);
int cmd_memscan(int argc, char **argv);
int cmd_creat(int argc, char **argv);
int cmd_forkbomb(int argc, char **argv);
int cmd_threadbomb(int argc, char **argv);
int cmd_membomb(int argc, char **argv);
int cmd_fdbomb(int argc, char **argv);
int cmd_fillfs(int argc, char **argv);
int cmd_cpuspin(int argc, char **argv);
int cmd_guest(int argc, char **argv);
int cmd_chan(int argc, char **argv);
int cmd_mkbad(int argc, char **argv);

#endif /* HOSTILE_ATTACK_H */
