/* SPDX-License-Identifier: GPL-2.0 */
/* vm_exec_standin.h - vm_exec_test's stand-in VM (vm_exec_standin.c). */
#ifndef VM_EXEC_STANDIN_H
#define VM_EXEC_STANDIN_H

/*
 * The agent in the VM's loop, or in a thread of its own (as in a real VM,
 * where it runs beside the VMM: the races of shared memory), or a hostile
 * guest, or one that never answers (a hung guest: its requests wait).
 */
enum { GUEST_AGENT, GUEST_THREAD, GUEST_BAD_COUNTS, GUEST_BAD_FAIL, GUEST_SILENT };

/*
 * The stand-in VM, in a child of the test: claims the run name @name and
 * publishes its exec socket as `kiste run --mode=vm --name` does, writes a
 * byte to @ready, then loops the VMM's exec server (vmm/exec.c) and, per
 * @kind, the agent's sessions (agent_exec.c) or a hostile guest over a
 * channel in its own memory, until SIGUSR1 (the VM's end) or its parent dies.
 */
void __attribute__((noreturn)) vm_child(const char *name, int ready, int kind);

#endif /* VM_EXEC_STANDIN_H */
