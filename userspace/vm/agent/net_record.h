/* SPDX-License-Identifier: GPL-2.0 */
/* net_record.h - the spec's net= value, parsed the same way by the image builder and the agent. */
#ifndef KISTE_VM_NET_RECORD_H
#define KISTE_VM_NET_RECORD_H

#include <arpa/inet.h>
#include <string.h>

#include <kiste/vm_agent.h>

struct vm_net_record {
	struct in_addr addr, mask, gw, dns;
	unsigned int prefix;
};

/*
 * "ADDR/PREFIX,GATEWAY,DNS" into @n; NULL, or what is wrong with it.
 * inet_pton takes dotted quads only (no "10.1", no leading zeros); the
 * gateway must be on ADDR/PREFIX, else the guest's default route is refused.
 */
static inline const char *vm_net_record_parse(const char *s, struct vm_net_record *n)
{
	char buf[KISTE_VM_NET_MAX], *gw, *dns, *pre;
	size_t len = strnlen(s, sizeof(buf));

	if (len == sizeof(buf))
		return "too long";
	memcpy(buf, s, len + 1);
	gw = strchr(buf, ',');
	dns = gw ? strchr(gw + 1, ',') : NULL;
	if (!dns || strchr(dns + 1, ','))
		return "not three comma-separated fields";
	*gw++ = 0;
	*dns++ = 0;
	pre = strchr(buf, '/');
	if (!pre)
		return "ADDR has no /PREFIX";
	*pre++ = 0;
	if (inet_pton(AF_INET, buf, &n->addr) != 1)
		return "ADDR is not an IPv4 address";
	/* 1..32 in decimal, no sign, no leading zero. */
	len = strlen(pre);
	if (!len || len > 2 || pre[0] < '1' || pre[0] > '9' || (len == 2 && (pre[1] < '0' ||
	    pre[1] > '9')))
		return "PREFIX is not 1..32";
	n->prefix = pre[0] - '0';
	if (len == 2)
		n->prefix = n->prefix * 10 + pre[1] - '0';
	if (n->prefix > 32)
		return "PREFIX is not 1..32";
	n->mask.s_addr = htonl(~0u << (32 - n->prefix));
	if (inet_pton(AF_INET, gw, &n->gw) != 1)
		return "GATEWAY is not an IPv4 address";
	if (inet_pton(AF_INET, dns, &n->dns) != 1)
		return "DNS is not an IPv4 address";
	if (n->gw.s_addr == n->addr.s_addr)
		return "GATEWAY is ADDR itself";
	if ((n->gw.s_addr ^ n->addr.s_addr) & n->mask.s_addr)
		return "GATEWAY is outside ADDR/PREFIX";
	return NULL;
}

#endif /* KISTE_VM_NET_RECORD_H */
