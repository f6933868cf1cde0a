// SPDX-License-Identifier: GPL-2.0
// Names of modes, states and events; parsing of modes, sizes, sandbox names and signals.
#define _GNU_SOURCE /* sigabbrev_np */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "libkiste.h"

static const char *const mode_names[] = {
	[KISTE_MODE_SHIM] = "shim",
	[KISTE_MODE_VM] = "vm",
	[KISTE_MODE_UNIKERNEL] = "unikernel",
};

static const char *const state_names[] = {
	[KISTE_STATE_CREATED] = "created",
	[KISTE_STATE_RUNNING] = "running",
	[KISTE_STATE_EXITED] = "exited",
	[KISTE_STATE_DYING] = "dying",
};

static const char *const event_names[] = {
	[KISTE_EVENT_CREATED] = "created",
	[KISTE_EVENT_DELETED] = "deleted",
	[KISTE_EVENT_MEMBER_ATTACHED] = "member-attached",
	[KISTE_EVENT_MEMBER_EXITED] = "member-exited",
	[KISTE_EVENT_EMPTY] = "empty",
	[KISTE_EVENT_MEMBER_REFUSED] = "member-refused",
	[KISTE_EVENT_VM_CREATED] = "vm-created",
	[KISTE_EVENT_VM_DESTROYED] = "vm-destroyed",
};

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static const char *table_name(const char *const *tab, size_t n, uint32_t v)
{
	if (v < n && tab[v])
		return tab[v];
	return "?";
}

const char *kiste_mode_name(uint32_t mode)
{
	return table_name(mode_names, ARRAY_SIZE(mode_names), mode);
}

const char *kiste_state_name(uint32_t state)
{
	return table_name(state_names, ARRAY_SIZE(state_names), state);
}

const char *kiste_event_name(uint32_t type)
{
	return table_name(event_names, ARRAY_SIZE(event_names), type);
}

int kiste_mode_parse(const char *s, uint32_t *mode, struct kiste_err *err)
{
	uint32_t m;

	for (m = 1; s && m < ARRAY_SIZE(mode_names); m++) {
		if (mode_names[m] && !strcmp(s, mode_names[m])) {
			*mode = m;
			return 0;
		}
	}
	return kiste_err_set(err, -EINVAL, "bad mode '%s': use shim, vm or unikernel", s ? s : "");
}

static int digits_to_u64(const char *s, size_t len, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (len == 0)
		return -EINVAL;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		if (v > (UINT64_MAX - (uint64_t)(s[i] - '0')) / 10)
			return -ERANGE;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	*out = v;
	return 0;
}

/* Returns the binary shift of a unit suffix, or -1 when it is not one we accept. */
static int size_suffix_shift(const char *suf)
{
	static const char units[] = "KMGT";
	const char *u;

	if (*suf == '\0' || !strcasecmp(suf, "b"))
		return 0;
	u = strchr(units, suf[0] >= 'a' ? suf[0] - 'a' + 'A' : suf[0]);
	if (!u)
		return -1;
	suf++;
	if (*suf && strcasecmp(suf, "b") && strcasecmp(suf, "ib"))
		return -1;
	return 10 * (int)(u - units + 1);
}

int kiste_size_parse(const char *s, uint64_t *bytes, struct kiste_err *err)
{
	const char *fix =
		"use a whole number of bytes with an optional K, M, G or T suffix, e.g. 64M";
	size_t ndig = 0;
	uint64_t v = 0;
	int shift, ret;

	if (!s || !*s)
		return kiste_err_set(err, -EINVAL, "empty size: %s", fix);
	while (s[ndig] >= '0' && s[ndig] <= '9')
		ndig++;
	shift = size_suffix_shift(s + ndig);
	if (ndig == 0 || shift < 0)
		return kiste_err_set(err, -EINVAL, "bad size '%s': %s", s, fix);
	ret = digits_to_u64(s, ndig, &v);
	if (ret == -ERANGE || (shift && v > (UINT64_MAX >> shift)))
		return kiste_err_set(err, -ERANGE, "size '%s' is too large: %s", s, fix);
	if (v == 0)
		return kiste_err_set(
			err, -EINVAL,
			"size '%s' is zero: give a positive size, or leave the limit out", s);
	*bytes = v << shift;
	return 0;
}

bool kiste_name_valid(const char *name)
{
	size_t i;

	if (!name || !*name)
		return false;
	for (i = 0; name[i]; i++) {
		char c = name[i];

		if (i >= KISTE_NAME_MAX - 1)
			return false;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '+' || c == '.' || c == '-'))
			return false;
	}
	return true;
}

/* Real-time signals by name: RTMIN, RTMIN+n, RTMAX, RTMAX-n (glibc's SIGRTMIN may exceed 32). */
static int rt_signal_parse(const char *s)
{
	uint64_t n = 0;
	int base, sign;

	if (!strncasecmp(s, "RTMIN", 5)) {
		base = SIGRTMIN;
		sign = 1;
	} else if (!strncasecmp(s, "RTMAX", 5)) {
		base = SIGRTMAX;
		sign = -1;
	} else {
		return 0;
	}
	s += 5;
	if (*s) {
		if ((sign > 0 && *s != '+') || (sign < 0 && *s != '-'))
			return 0;
		if (digits_to_u64(s + 1, strlen(s + 1), &n) || n > 64)
			return 0;
	}
	base += sign * (int)n;
	return base >= SIGRTMIN && base <= SIGRTMAX ? base : 0;
}

int kiste_signal_parse(const char *s, int *sig, struct kiste_err *err)
{
	const char *fix = "use a number 1..64 or a name such as KILL, TERM or SIGINT";
	const char *name;
	uint64_t n;
	int i;

	if (!s || !*s)
		return kiste_err_set(err, -EINVAL, "empty signal: %s", fix);
	if (s[0] >= '0' && s[0] <= '9') {
		if (digits_to_u64(s, strlen(s), &n) || n < 1 || n > 64)
			return kiste_err_set(err, -EINVAL, "bad signal '%s': %s", s, fix);
		*sig = (int)n;
		return 0;
	}
	name = !strncasecmp(s, "SIG", 3) ? s + 3 : s;
	for (i = 1; i < SIGRTMIN; i++) {
		const char *abbrev = sigabbrev_np(i);

		if (abbrev && !strcasecmp(name, abbrev)) {
			*sig = i;
			return 0;
		}
	}
	i = rt_signal_parse(name);
	if (i > 0) {
		*sig = i;
		return 0;
	}
	return kiste_err_set(err, -EINVAL, "bad signal '%s': %s", s, fix);
}
