// SPDX-License-Identifier: GPL-2.0
// The error object: set a code and one-line message, prefix context as it travels up.
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "libkiste.h"

int kiste_err_set(struct kiste_err *err, int code, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return code;
	err->code = code;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return code;
}

int kiste_err_prefix(struct kiste_err *err, const char *fmt, ...)
{
	char buf[sizeof(err->msg)];
	size_t len, old;
	va_list ap;

	if (!err)
		return 0;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	len = strlen(buf);
	old = strnlen(err->msg, sizeof(err->msg) - 1);
	/* Truncation is acceptable: the message is for humans and stays one line. */
	if (len + 2 < sizeof(buf)) {
		memcpy(buf + len, ": ", 2);
		len += 2;
	}
	if (old > sizeof(buf) - 1 - len)
		old = sizeof(buf) - 1 - len;
	memcpy(buf + len, err->msg, old);
	buf[len + old] = '\0';
	memcpy(err->msg, buf, len + old + 1);
	return err->code;
}

char *kiste_printable(char *s)
{
	unsigned char *c;

	for (c = (unsigned char *)s; *c; c++)
		if (*c < 0x20 || *c >= 0x7f)
			*c = '?';
	return s;
}
