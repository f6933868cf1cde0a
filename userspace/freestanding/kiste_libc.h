/* SPDX-License-Identifier: GPL-2.0 */
/* kiste_libc.h - the libc subset of the shim guest kernel and the unikernel SDK (freestanding). */
#ifndef KISTE_LIBC_H
#define KISTE_LIBC_H

/*
 * Both images are built -ffreestanding with no libc: string.c and format.c
 * are compiled once for each, with that image's flags (shim.mk, sdk.mk).
 */
#include <stdarg.h>
#include <stddef.h>

/* ---- string.c ---- */
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *s, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
void *memchr(const void *s, int c, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);
char *strstr(const char *h, const char *n);
char *strncpy(char *dst, const char *src, size_t n);
unsigned long strtoul(const char *s, char **end, int base);

/* ---- format.c: %d %i %u %x %X %o %s %c %p %%, flags - 0 +, width, precision, l z h ---- */
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif /* KISTE_LIBC_H */
