// SPDX-License-Identifier: GPL-2.0
// format.c - vsnprintf and snprintf for the freestanding images: the guest kernel's and the SDK's.
#include <stdint.h>

#include "kiste_libc.h"

struct out {
	char *buf;
	size_t size;
	size_t len; /* would-be length, like vsnprintf's return */
};

static void put(struct out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

struct spec {
	int width;
	int prec;
	int left;
	char pad;
	char plus;
};

static void put_padded(struct out *o, const char *s, size_t n, const struct spec *sp)
{
	size_t w = sp->width > 0 ? (size_t)sp->width : 0;

	for (; !sp->left && w > n; w--)
		put(o, ' ');
	while (n--)
		put(o, *s++), w -= w ? 1 : 0;
	for (; sp->left && w > 0; w--)
		put(o, ' ');
}

static void put_num(struct out *o, uint64_t v, int neg, unsigned int base, int upper,
		    const struct spec *sp)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	int n = 0, width = sp->width;

	do {
		tmp[n++] = digits[v % base];
		v /= base;
	} while (v);
	while (n < sp->prec && n < (int)sizeof(tmp))
		tmp[n++] = '0';
	if (neg || sp->plus)
		width--;
	if (sp->pad == '0' && !sp->left) {
		if (neg || sp->plus)
			put(o, neg ? '-' : '+');
		for (; width > n; width--)
			put(o, '0');
	} else {
		for (; !sp->left && width > n; width--)
			put(o, ' ');
		if (neg || sp->plus)
			put(o, neg ? '-' : '+');
	}
	while (n)
		put(o, tmp[--n]), width--;
	for (; sp->left && width > 0; width--)
		put(o, ' ');
}

static const char *parse_spec(const char *f, struct spec *sp, va_list *ap)
{
	*sp = (struct spec){ .prec = -1, .pad = ' ' };
	for (;; f++) {
		if (*f == '-')
			sp->left = 1;
		else if (*f == '0')
			sp->pad = '0';
		else if (*f == '+')
			sp->plus = 1;
		else
			break;
	}
	if (*f == '*') {
		sp->width = va_arg(*ap, int);
		f++;
	}
	while (*f >= '0' && *f <= '9')
		sp->width = sp->width * 10 + (*f++ - '0');
	if (*f == '.' && f[1] == '*') {
		sp->prec = va_arg(*ap, int);
		f += 2;
	} else if (*f == '.') {
		sp->prec = 0;
		for (f++; *f >= '0' && *f <= '9'; f++)
			sp->prec = sp->prec * 10 + (*f - '0');
	}
	return f;
}

static void format_one(struct out *o, char conv, int lng, const struct spec *sp, va_list *ap)
{
	const char *s;
	int64_t sv;
	uint64_t uv;
	char c;

	switch (conv) {
	case 'd':
	case 'i':
		sv = lng ? va_arg(*ap, int64_t) : va_arg(*ap, int);
		put_num(o, sv < 0 ? -(uint64_t)sv : (uint64_t)sv, sv < 0, 10, 0, sp);
		break;
	case 'u':
	case 'x':
	case 'X':
	case 'o':
		uv = lng ? va_arg(*ap, uint64_t) : va_arg(*ap, unsigned int);
		put_num(o, uv, 0, conv == 'u' ? 10 : conv == 'o' ? 8 : 16, conv == 'X', sp);
		break;
	case 'p':
		put(o, '0'), put(o, 'x');
		put_num(o, (uintptr_t)va_arg(*ap, void *), 0, 16, 0, sp);
		break;
	case 's':
		s = va_arg(*ap, const char *);
		if (!s)
			s = "(null)";
		put_padded(o, s, sp->prec >= 0 ? strnlen(s, sp->prec) : strlen(s), sp);
		break;
	case 'c':
		c = (char)va_arg(*ap, int);
		put_padded(o, &c, 1, sp);
		break;
	default:
		put(o, '%');
		put(o, conv);
	}
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct out o = { buf, size, 0 };
	struct spec sp;
	va_list aq;
	int lng;

	va_copy(aq, ap);
	while (*fmt) {
		if (*fmt != '%') {
			put(&o, *fmt++);
			continue;
		}
		if (*++fmt == '%') {
			put(&o, *fmt++);
			continue;
		}
		fmt = parse_spec(fmt, &sp, &aq);
		for (lng = 0; *fmt == 'l' || *fmt == 'z' || *fmt == 'h'; fmt++)
			lng |= *fmt != 'h';
		if (!*fmt)
			break;
		format_one(&o, *fmt++, lng, &sp, &aq);
	}
	va_end(aq);
	if (size)
		buf[o.len < size ? o.len : size - 1] = 0;
	return (int)o.len;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
