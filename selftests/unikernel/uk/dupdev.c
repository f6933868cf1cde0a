// SPDX-License-Identifier: GPL-2.0
// dupdev.c - test unikernel: a manifest naming two devices alike (refused: a name binds one).
#include "kiste_uk_sdk.h"

KISTE_UK_MANIFEST(KISTE_UK_NET("d"), KISTE_UK_BLOCK("d"));

int main(int argc __attribute__((unused)), char **argv __attribute__((unused)))
{
	puts("dupdev: ran");
	return 0;
}
