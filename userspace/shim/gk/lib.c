// SPDX-License-Identifier: GPL-2.0
// lib.c - the guest kernel's own string, memory and formatted-output helpers (no libc).
#include "gk.h"

void *memcpy(void *d, const void *s, size_t n)
{
	unsigned char *dp = d;
	const unsigned char *sp = s;

	while (n--)
		*dp++ = *sp++;
	return d;
}

void *memmove(void *d, const void *s, size_t n)
{
	unsigned char *dp = d;
	const unsigned char *sp = s;

	if (dp < sp)
		return memcpy(d, s, n);
	while (n--)
		dp[n] = sp[n];
	return d;
}

void *memset(void *d, int c, size_t n)
{
	unsigned char *dp = d;

	while (n--)
		*dp++ = (unsigned char)c;
	return d;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;

	for (; n; n--, x++, y++)
		if (*x != *y)
			return *x - *y;
	return 0;
}

void *memchr(const void *s, int c, size_t n)
{
	const unsigned char *p = s;

	for (; n; n--, p++)
		if (*p == (unsigned char)c)
			return (void *)p;
	return NULL;
}

char *strstr(const char *h, const char *n)
{
	size_t nl = strlen(n);

	for (; *h; h++)
		if (!strncmp(h, n, nl))
			return (char *)h;
	return nl ? NULL : (char *)h;
}

size_t strlen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

int strcmp(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return (unsigned char)*a - (unsigned char)*b;
}

int strncmp(const char *a, const char *b, size_t n)
{
	for (; n; n--, a++, b++) {
		if (*a != *b)
			return (unsigned char)*a - (unsigned char)*b;
		if (!*a)
			return 0;
	}
	return 0;
}

char *strchr(const char *s, int c)
{
	for (;; s++) {
		if (*s == (char)c)
			return (char *)s;
		if (!*s)
			return NULL;
	}
}

size_t gk_strlcpy(char *d, const char *s, size_t n)
{
	size_t len = strlen(s);

	if (n) {
		size_t k = len < n - 1 ? len : n - 1;

		memcpy(d, s, k);
		d[k] = 0;
	}
	return len;
}

struct fmtbuf {
	char *p;
	size_t n, len;
};

static void put(struct fmtbuf *b, char ch)
{
	if (b->len + 1 < b->n)
		b->p[b->len] = ch;
	b->len++;
}

static void put_num(struct fmtbuf *b, unsigned long v, int base, int neg, int width)
{
	char tmp[24];
	int i = 0;

	do {
		tmp[i++] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	if (neg)
		tmp[i++] = '-';
	while (width-- > i)
		put(b, ' ');
	while (i)
		put(b, tmp[--i]);
}

/* %s %d %ld %u %lu %x %lx %p %c and a width on d/u; enough for traces and errors. */
int gk_vfmt(char *buf, size_t n, const char *fmt, va_list ap)
{
	struct fmtbuf b = { buf, n, 0 };

	for (; *fmt; fmt++) {
		int lng = 0, width = 0;
		long sv;

		if (*fmt != '%') {
			put(&b, *fmt);
			continue;
		}
		fmt++;
		while (*fmt >= '0' && *fmt <= '9')
			width = width * 10 + (*fmt++ - '0');
		while (*fmt == 'l')
			lng = 1, fmt++;
		switch (*fmt) {
		case 's': {
			const char *s = va_arg(ap, const char *);

			for (s = s ? s : "(null)"; *s; s++)
				put(&b, *s);
			break;
		}
		case 'd':
			sv = lng ? va_arg(ap, long) : va_arg(ap, int);
			put_num(&b, sv < 0 ? -(unsigned long)sv : (unsigned long)sv, 10, sv < 0, width);
			break;
		case 'u':
			put_num(&b, lng ? va_arg(ap, unsigned long) : va_arg(ap, unsigned int), 10, 0,
				width);
			break;
		case 'x':
			put_num(&b, lng ? va_arg(ap, unsigned long) : va_arg(ap, unsigned int), 16, 0,
				width);
			break;
		case 'p':
			put(&b, '0');
			put(&b, 'x');
			put_num(&b, (unsigned long)va_arg(ap, void *), 16, 0, 0);
			break;
		case 'c':
			put(&b, (char)va_arg(ap, int));
			break;
		case '%':
			put(&b, '%');
			break;
		default:
			put(&b, '?');
		}
	}
	if (n)
		buf[b.len < n ? b.len : n - 1] = 0;
	return (int)b.len;
}

int gk_fmt(char *buf, size_t n, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = gk_vfmt(buf, n, fmt, ap);
	va_end(ap);
	return r;
}

static void vprint(int fd, const char *fmt, va_list ap)
{
	char buf[1024];
	int len = gk_vfmt(buf, sizeof(buf), fmt, ap);

	if (len > (int)sizeof(buf) - 1)
		len = sizeof(buf) - 1;
	hs3(__NR_write, fd, buf, len);
}

void gk_printf(int fd, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprint(fd, fmt, ap);
	va_end(ap);
}

void gk_exit(int code)
{
	for (;;)
		hs1(__NR_exit_group, code);
}

/* One line on the guest kernel's own stderr, then exit with @code. */
void gk_die(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprint(gk.trace_fd, fmt, ap);
	va_end(ap);
	gk_exit(code);
}
