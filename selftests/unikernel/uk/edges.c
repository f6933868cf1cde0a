// SPDX-License-Identifier: GPL-2.0
// edges.c - test unikernel: calls at the ABI's edges, which both isolations must answer alike.
#include "kiste_uk_sdk.h"

KISTE_UK_MANIFEST(KISTE_UK_BLOCK("storage"));

int main(int argc __attribute__((unused)), char **argv __attribute__((unused)))
{
	const struct kiste_uk_devinfo *d = uk_device("storage");
	static char b[KISTE_UK_BLOCK_SIZE];

	if (!d)
		return 3;
	/* Nothing to move, at the device's very end: offset + length <= capacity holds. */
	printf("edges: read of 0 bytes at the end %d\n", uk_block_read(d->handle, d->capacity, b, 0));
	printf("edges: write of 0 bytes at the end %d\n",
	       uk_block_write(d->handle, d->capacity, b, 0));
	return 0;
}
