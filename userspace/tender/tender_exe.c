// SPDX-License-Identifier: GPL-2.0
// tender_exe.c - kiste-tender, the tender on its own (kiste links the rest of tender/ in-process).
#include "tender.h"

int main(int argc, char **argv)
{
	return kiste_tender_main(argc, argv);
}
