// SPDX-License-Identifier: GPL-2.0
// printf.c - the unikernel SDK's printf and puts on the console (vsnprintf is freestanding/).
#include "kiste_uk_sdk.h"

int printf(const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	uk_console_write(buf, n < (int)sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
	return n;
}

int puts(const char *s)
{
	uk_console_write(s, strlen(s));
	uk_console_write("\n", 1);
	return 0;
}
