/* SPDX-License-Identifier: GPL-2.0 */
/* tap_nl.h - tap.c's raw rtnetlink: messages built in place, sent, answers read (no libnl). */
#ifndef KISTE_VM_TAP_NL_H
#define KISTE_VM_TAP_NL_H

#include <stddef.h>

#include <linux/rtnetlink.h>

/*
 * Named vm_nl_* rather than nl_*: kiste links libnl-3, which has an
 * nl_dump() of its own.
 */

/* One request: its header, then the attributes vm_nl_put() appends. */
union vm_nl_msg {
	struct nlmsghdr h;
	char buf[1024];
};

/* Called on each answer of a dump, its header at least as long as the dump's request. */
typedef void (*vm_nl_each)(const struct nlmsghdr *m, void *arg);

/* Appends attribute @type (@len bytes of @data; NULL, 0 opens a nest) to @h. */
struct rtattr *vm_nl_put(struct nlmsghdr *h, unsigned short type, const void *data,
			 size_t len);
/* Closes the nest @a that vm_nl_put() opened. */
void vm_nl_end(struct nlmsghdr *h, struct rtattr *a);
/* Sends @h and waits for its acknowledgement: 0 or the kernel's -errno. */
int vm_nl_talk(int fd, struct nlmsghdr *h);
/*
 * Dumps @type (request header @hdr of @hlen bytes), @fn on each answer: 0 or
 * -errno (-EAGAIN: the kernel marked the dump interrupted, to be redone).
 */
int vm_nl_dump(int fd, unsigned short type, const void *hdr, size_t hlen, vm_nl_each fn,
	       void *arg);
/* The attribute @type among @len bytes of attributes at @a, or NULL. */
const struct rtattr *vm_rta_find(const struct rtattr *a, int len, unsigned short type);
/* An rtnetlink socket in this thread's namespace, connected to the kernel, timed: it or -errno. */
int vm_nl_open(void);

#endif /* KISTE_VM_TAP_NL_H */
