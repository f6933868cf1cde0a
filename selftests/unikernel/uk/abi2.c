// SPDX-License-Identifier: GPL-2.0
// abi2.c - test unikernel: its manifest claims an ABI version this kiste does not run.
#include "kiste_uk_sdk.h"

__attribute__((used, section(".note.kiste"), aligned(4))) static const struct kiste_uk_note note = {
	.namesz = sizeof(KISTE_UK_NOTE_NAME),
	.descsz = sizeof(struct kiste_uk_manifest),
	.type = KISTE_UK_NOTE_MANIFEST,
	.name = KISTE_UK_NOTE_NAME,
	.desc = { .abi_version = KISTE_UK_ABI_VERSION + 1 },
};

int main(int argc, char **argv)
{
	(void)argc, (void)argv;
	printf("abi2: must never run\n");
	return 0;
}
