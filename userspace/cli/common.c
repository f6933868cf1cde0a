// SPDX-License-Identifier: GPL-2.0
// Helpers every subcommand shares: getopt errors, number parsing, failure output, module open.
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "cli.h"
#include "kiste_oci.h"

void cli_getopt_reset(void)
{
	/* glibc re-initialises getopt (including its permutation state) when optind is 0. */
	optind = 0;
	opterr = 0;
}

int cli_usage_err(struct kiste_err *err, const char *cmd, const char *fmt, ...)
{
	char buf[sizeof(err->msg)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return kiste_err_set(err, -EINVAL, "kiste %s: %s", cmd, buf);
}

int cli_getopt_error(const char *cmd, int c, char **argv, struct kiste_err *err)
{
	const char *arg = optind > 0 ? argv[optind - 1] : "";
	char opt[64];

	if (optopt && strncmp(arg, "--", 2))
		snprintf(opt, sizeof(opt), "-%c", optopt);
	else
		snprintf(opt, sizeof(opt), "%.*s", (int)strcspn(arg, "="), arg);
	if (c == ':')
		return cli_usage_err(
			err, cmd, "option '%s' needs an argument: see 'kiste %s --help'", opt, cmd);
	return cli_usage_err(err, cmd, "unknown option '%s': see 'kiste %s --help'", opt, cmd);
}

static const struct option json_longopts[] = {
	{ "json", no_argument, NULL, 'j' },
	{ "help", no_argument, NULL, 'h' },
	{ 0 },
};

int cli_json_opts_parse(const char *cmd, int argc, char **argv, struct json_opts *o,
			struct kiste_err *err)
{
	int c;

	*o = (struct json_opts){ 0 };
	cli_getopt_reset();
	while ((c = getopt_long(argc, argv, ":jh", json_longopts, NULL)) != -1) {
		switch (c) {
		case 'j':
			o->json = true;
			break;
		case 'h':
			o->help = true;
			return 0;
		default:
			return cli_getopt_error(cmd, c, argv, err);
		}
	}
	if (optind < argc)
		return cli_usage_err(err, cmd, "unexpected argument '%s': see 'kiste %s --help'",
				     argv[optind], cmd);
	return 0;
}

static bool cli_ref_valid(const char *ref)
{
	uint64_t id;

	if (strspn(ref, "0123456789") != strlen(ref))
		return kiste_name_valid(ref);
	return cli_parse_uint(ref, UINT32_MAX, &id) == 0 && id > 0;
}

static int ref_parse(const char *cmd, int argc, char **argv, bool json_ok, bool oci_ok,
		     const char **extra, struct ref_opts *o, struct kiste_err *err)
{
	struct kiste_err ignored;
	int c;

	*o = (struct ref_opts){ 0 };
	if (extra)
		*extra = NULL;
	cli_getopt_reset();
	while ((c = getopt_long(argc, argv, json_ok ? ":jh" : ":h", json_longopts, NULL)) != -1) {
		if (c == 'h') {
			o->help = true;
			return 0;
		}
		if (c != 'j' || !json_ok)
			return cli_getopt_error(cmd, c == 'j' ? '?' : c, argv, err);
		o->json = true;
	}
	if (optind >= argc)
		return cli_usage_err(err, cmd,
				     "missing sandbox: give its ID or NAME, see 'kiste %s --help'",
				     cmd);
	o->ref = argv[optind++];
	if (!cli_ref_valid(o->ref) && !(oci_ok && kiste_oci_id_check(o->ref, &ignored) == 0))
		return cli_usage_err(
			err, cmd,
			"bad sandbox '%s': give an ID 1..4294967295 or a NAME of " KISTE_NAME_RULE,
			o->ref);
	if (extra && optind < argc)
		*extra = argv[optind++];
	if (optind < argc)
		return cli_usage_err(err, cmd, "unexpected argument '%s': see 'kiste %s --help'",
				     argv[optind], cmd);
	return 0;
}

int cli_ref_parse(const char *cmd, int argc, char **argv, bool json_ok, const char **extra,
		  struct ref_opts *o, struct kiste_err *err)
{
	return ref_parse(cmd, argc, argv, json_ok, false, extra, o, err);
}

int cli_ref_parse_or_container(const char *cmd, int argc, char **argv, bool json_ok,
			       struct ref_opts *o, struct kiste_err *err)
{
	return ref_parse(cmd, argc, argv, json_ok, true, NULL, o, err);
}

int cli_parse_uint(const char *s, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (!s || !*s)
		return -EINVAL;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		v = v * 10 + (uint64_t)(*s - '0');
		if (v > max)
			return -ERANGE;
	}
	*out = v;
	return 0;
}

int cli_finish_parse(const struct cli_cmd *cmd, int ret, const struct kiste_err *err)
{
	if (ret < 0) {
		fprintf(stderr, "%s\n", err->msg);
		return KISTE_EXIT_USAGE;
	}
	fputs(cmd->usage, stdout);
	return KISTE_EXIT_OK;
}

int cli_fail(const struct kiste_err *err)
{
	fprintf(stderr, "kiste: %s\n", err->msg);
	return KISTE_EXIT_FAIL;
}

int cli_nl_open(struct kiste_nl **nl, struct kiste_err *err)
{
	struct kiste_stats st;
	struct kiste_err ignored;
	int ret;

	ret = kiste_nl_open(nl, err);
	if (ret < 0)
		return ret;
	if (kiste_stats_get(*nl, &st, &ignored) == 0 && st.iface_version != KISTE_IFACE_VERSION)
		fprintf(stderr,
			"kiste: warning: kiste.ko speaks interface %u, this kiste was built for %u: install matching versions\n",
			st.iface_version, KISTE_IFACE_VERSION);
	return 0;
}

int cli_sandbox_do(const char *ref, cli_sandbox_fn fn, void *arg)
{
	struct kiste_err err = { 0 };
	struct kiste_nl *nl;
	uint32_t id;
	int ret;

	if (cli_nl_open(&nl, &err) < 0)
		return cli_fail(&err);
	ret = kiste_sandbox_resolve(nl, ref, &id, &err);
	if (ret == 0)
		ret = fn(nl, id, arg, &err);
	kiste_nl_close(nl);
	return ret < 0 ? cli_fail(&err) : KISTE_EXIT_OK;
}

int cli_print_json(struct json_object *o)
{
	if (!o) {
		fprintf(stderr, "kiste: out of memory building JSON\n");
		return KISTE_EXIT_FAIL;
	}
	printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	return fflush(stdout) ? KISTE_EXIT_FAIL : KISTE_EXIT_OK;
}

void cli_format_size(uint64_t bytes, char *buf, size_t len)
{
	static const char units[] = "KMGT";
	int i;

	for (i = 3; i >= 0; i--) {
		uint64_t unit = 1ULL << (10 * (i + 1));

		if (bytes >= unit && bytes % unit == 0) {
			snprintf(buf, len, "%llu%c", (unsigned long long)(bytes / unit), units[i]);
			return;
		}
	}
	snprintf(buf, len, "%llu", (unsigned long long)bytes);
}
