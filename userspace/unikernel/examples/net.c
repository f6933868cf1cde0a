// SPDX-License-Identifier: GPL-2.0
// net.c - a network responder on net device "net0": ARP, ICMP echo, UDP echo (net IP [PORT]).
#include "kiste_uk_sdk.h"

KISTE_UK_MANIFEST(KISTE_UK_NET("net0"));

/*
 * Sends back every UDP datagram to PORT (default 7) unchanged; a datagram
 * "quit" ends the unikernel with status 0 after echoing it.
 */
#define ETH_HLEN 14
#define ETH_ARP	 0x0806
#define ETH_IP	 0x0800

static uint8_t mac[6], ip[4];
static uint16_t port = 7;
static const struct kiste_uk_devinfo *dev;
static uint8_t frame[KISTE_UK_NET_MTU + ETH_HLEN];

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static uint16_t csum(const uint8_t *p, size_t len)
{
	uint32_t sum = 0;

	for (; len > 1; p += 2, len -= 2)
		sum += get16(p);
	if (len)
		sum += p[0] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static int parse_ip(const char *s, uint8_t out[4])
{
	char *end;
	int i;

	for (i = 0; i < 4; i++) {
		unsigned long v = strtoul(s, &end, 10);

		if (end == s || v > 255 || (i < 3 && *end != '.') || (i == 3 && *end))
			return -1;
		out[i] = (uint8_t)v;
		s = end + 1;
	}
	return 0;
}

/* Turns the received frame around: destination becomes source. */
static void eth_reply(uint8_t *f)
{
	memcpy(f, f + 6, 6);
	memcpy(f + 6, mac, 6);
}

static void arp(uint8_t *f, size_t len)
{
	uint8_t *a = f + ETH_HLEN;

	if (len < ETH_HLEN + 28 || get16(a + 6) != 1 || memcmp(a + 24, ip, 4))
		return;
	put16(a + 6, 2);
	memcpy(a + 18, a + 8, 10); /* target = requester's MAC and IP */
	memcpy(a + 8, mac, 6);
	memcpy(a + 14, ip, 4);
	eth_reply(f);
	uk_net_write(dev->handle, f, ETH_HLEN + 28);
}

static void ip_reply(uint8_t *h, size_t ihl)
{
	uint8_t tmp[4];

	memcpy(tmp, h + 12, 4);
	memcpy(h + 12, h + 16, 4);
	memcpy(h + 16, tmp, 4);
	h[8] = 64;
	put16(h + 10, 0);
	put16(h + 10, csum(h, ihl));
}

/* Returns 1 when the unikernel should stop. */
static int ipv4(uint8_t *f, size_t len)
{
	uint8_t *h = f + ETH_HLEN, *l4;
	size_t ihl, tot;
	int quit;

	if (len < ETH_HLEN + 20 || (h[0] >> 4) != 4 || memcmp(h + 16, ip, 4))
		return 0;
	ihl = (h[0] & 15) * 4;
	tot = get16(h + 2);
	if (ihl < 20 || tot < ihl + 8 || ETH_HLEN + tot > len)
		return 0;
	l4 = h + ihl;
	if (h[9] == 1 && l4[0] == 8) { /* ICMP echo request */
		l4[0] = 0;
		put16(l4 + 2, 0);
		put16(l4 + 2, csum(l4, tot - ihl));
	} else if (h[9] == 17 && get16(l4 + 2) == port) {
		uint16_t sport = get16(l4);

		quit = tot - ihl - 8 == 4 && !memcmp(l4 + 8, "quit", 4);
		put16(l4, port);
		put16(l4 + 2, sport);
		put16(l4 + 6, 0); /* no UDP checksum: allowed over IPv4 */
		ip_reply(h, ihl);
		eth_reply(f);
		uk_net_write(dev->handle, f, ETH_HLEN + tot);
		return quit;
	} else {
		return 0;
	}
	ip_reply(h, ihl);
	eth_reply(f);
	uk_net_write(dev->handle, f, ETH_HLEN + tot);
	return 0;
}

static int serve(void)
{
	uint64_t ready;
	size_t n;

	for (;;) {
		uk_yield(uk_clock_monotonic() + 1000000000ULL, &ready);
		if (!(ready & (1ULL << dev->handle)))
			continue;
		while (uk_net_read(dev->handle, frame, sizeof(frame), &n) == 0) {
			if (n >= ETH_HLEN && get16(frame + 12) == ETH_ARP)
				arp(frame, n);
			else if (n >= ETH_HLEN && get16(frame + 12) == ETH_IP && ipv4(frame, n))
				return 0;
		}
	}
}

int main(int argc, char **argv)
{
	dev = uk_device("net0");
	if (!dev || argc < 2 || parse_ip(argv[1], ip) < 0) {
		printf("usage: net IPV4-ADDRESS [UDP-PORT] (with --net net0=TAPDEV)\n");
		return 2;
	}
	if (argc > 2)
		port = (uint16_t)strtoul(argv[2], NULL, 10);
	memcpy(mac, dev->mac, 6);
	printf("net: %d.%d.%d.%d on %02x:%02x:%02x:%02x:%02x:%02x, udp echo on port %d\n", ip[0],
	       ip[1], ip[2], ip[3], mac[0], mac[1], mac[2], mac[3], mac[4], mac[5], port);
	return serve();
}
