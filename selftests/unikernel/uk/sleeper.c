// SPDX-License-Identifier: GPL-2.0
// sleeper.c - test unikernel: yields forever (for --timeout and signal forwarding).
#include "kiste_uk_sdk.h"

KISTE_UK_MANIFEST();

int main(int argc, char **argv)
{
	uint64_t ready;

	(void)argc, (void)argv;
	printf("sleeper: started\n");
	for (;;)
		uk_yield(uk_clock_monotonic() + 100000000ULL, &ready);
}
