// SPDX-License-Identifier: GPL-2.0
// native_sdk.c - the unikernel SDK's host calls over plain Linux, to run net.c as a native baseline.
/*
 * Benchmark only: links the unchanged examples/net.c into an ordinary Linux
 * program that reads the tap named by $KUK_TAP, so the echo rate compares the
 * same responder logic with and without kiste in between.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "kiste_uk_sdk.h"

static struct kiste_uk_start si;
static int tap = -1;

__attribute__((constructor)) static void native_open_tap(void)
{
	struct ifreq ifr = { .ifr_flags = IFF_TAP | IFF_NO_PI };
	const char *name = getenv("KUK_TAP");

	if (!name || strlen(name) >= IFNAMSIZ) {
		fprintf(stderr, "native: set KUK_TAP to an existing tap device\n");
		exit(2);
	}
	strcpy(ifr.ifr_name, name);
	tap = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (tap < 0 || ioctl(tap, TUNSETIFF, &ifr) < 0) {
		perror("native: tap");
		exit(2);
	}
	si.abi_version = KISTE_UK_ABI_VERSION;
	si.ndevices = 1;
	strcpy(si.dev[0].name, "net0");
	si.dev[0].type = KISTE_UK_DEV_NET;
	si.dev[0].mtu = KISTE_UK_NET_MTU;
	memcpy(si.dev[0].mac, "\x02\x00\x00\x4b\x55\x01", 6);
}

const struct kiste_uk_start *uk_start_info(void)
{
	return &si;
}

const struct kiste_uk_devinfo *uk_device(const char *name)
{
	return strcmp(name, "net0") ? NULL : &si.dev[0];
}

uint64_t uk_clock_monotonic(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

int uk_yield(uint64_t deadline_ns, uint64_t *ready_set)
{
	uint64_t now = uk_clock_monotonic(), wait = deadline_ns > now ? deadline_ns - now : 0;
	struct timespec ts = { wait / 1000000000ULL, wait % 1000000000ULL };
	struct pollfd pfd = { .fd = tap, .events = POLLIN };

	*ready_set = ppoll(&pfd, 1, &ts, NULL) > 0 ? 1 : 0;
	return 0;
}

int uk_net_read(unsigned int handle, void *buf, size_t size, size_t *n)
{
	ssize_t r = handle ? -1 : read(tap, buf, size);

	if (r < 0)
		return KISTE_UK_EAGAIN;
	*n = r;
	return 0;
}

int uk_net_write(unsigned int handle, const void *buf, size_t len)
{
	return !handle && write(tap, buf, len) == (ssize_t)len ? 0 : KISTE_UK_EUNSPEC;
}
