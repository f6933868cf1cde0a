// SPDX-License-Identifier: GPL-2.0
// oci_info.c - kiste features and kiste spec: what kiste supports, and a starter config.json.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "kiste_mode.h"
#include "oci.h"

/* "VERB [--help]": no arguments at all. */
static int noarg_parse(const char *verb, int argc, char **argv, bool *help, struct kiste_err *err)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int c;

	*help = false;
	cli_getopt_reset();
	while ((c = getopt_long(argc, argv, "+:h", longopts, NULL)) != -1) {
		if (c != 'h')
			return cli_getopt_error(verb, c, argv, err);
		*help = true;
		return 0;
	}
	if (optind < argc)
		return cli_usage_err(err, verb, "unexpected argument '%s': %s takes none: see "
				     "'kiste %s --help'", argv[optind], verb, verb);
	return 0;
}

/*
 * json-c indents by two spaces; runc's features by four (each leading space
 * doubled), and an empty array is "[]" there, not json-c's "[" and "]" on two
 * lines.
 */
static void print_indent4(const char *text)
{
	const char *p = text, *q;
	size_t n;

	while (*p) {
		n = strspn(p, " ");
		printf("%*s", (int)(2 * n), "");
		p += n;
		n = strcspn(p, "\n");
		fwrite(p, 1, n, stdout);
		p += n;
		q = *p == '\n' ? p + 1 + strspn(p + 1, " ") : p;
		if (n && p[-1] == '[' && *q == ']') {
			p = q;	/* the "]" goes on this line */
			continue;
		}
		if (*p == '\n')
			putchar(*p++);
	}
	putchar('\n');
}

static int oci_features_main(const struct cli_global *g, int argc, char **argv)
{
	struct kiste_err err = { 0 };
	json_object *o;
	bool help;
	int ret = noarg_parse("features", argc, argv, &help, &err);

	if (help) {
		fputs(cli_cmd_oci_features.usage, stdout);
		return KISTE_EXIT_OK;
	}
	if (ret < 0)
		return oci_usage_fail(g, &err);
	o = kiste_oci_features_json(kiste_modes, KISTE_VERSION);
	if (!o)
		return KISTE_EXIT_FAIL;
	print_indent4(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
							JSON_C_TO_STRING_SPACED |
							JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	return fflush(stdout) ? KISTE_EXIT_FAIL : KISTE_EXIT_OK;
}

const struct cli_cmd cli_cmd_oci_features = {
	.name = "features",
	.summary = "print what kiste supports as features.json (runc's features)",
	.usage = "Usage: kiste [GLOBAL OPTIONS] features\n\n"
		 "Print the runtime-spec features kiste honours as JSON: OCI versions, hooks,\n"
		 "mount options, namespaces, cgroup drivers, seccomp/AppArmor/SELinux, and in\n"
		 "annotations the modes that run containers (org.kiste.mode).\n\n"
		 "  -h, --help   show this help\n",
	.gmain = oci_features_main,
};

struct oci_spec_opts {
	bool help, rootless;
	const char *bundle;
};

static int oci_spec_parse(int argc, char **argv, struct oci_spec_opts *o, struct kiste_err *err)
{
	static const struct option longopts[] = {
		{ "bundle", required_argument, NULL, 'b' },
		{ "rootless", no_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int c;

	cli_getopt_reset();
	while ((c = getopt_long(argc, argv, "+:b:h", longopts, NULL)) != -1) {
		if (c == 'h') {
			o->help = true;
			return 0;
		} else if (c == 'b') {
			o->bundle = optarg;
		} else if (c == 'r') {
			o->rootless = true;
		} else {
			return cli_getopt_error("spec", c, argv, err);
		}
	}
	if (optind < argc)
		return cli_usage_err(err, "spec", "unexpected argument '%s': spec takes none: see "
				     "'kiste spec --help'", argv[optind]);
	return 0;
}

/*
 * BUNDLE/config.json made new: O_EXCL refuses any file already there, a link
 * included (an attacker's link is never followed to overwrite its target).
 */
static int write_spec(const char *bundle, json_object *c, struct kiste_err *err)
{
	const char *text = json_object_to_json_string_ext(c, JSON_C_TO_STRING_PRETTY |
							     JSON_C_TO_STRING_PRETTY_TAB |
							     JSON_C_TO_STRING_SPACED |
							     JSON_C_TO_STRING_NOSLASHESCAPE);
	size_t len = strlen(text);
	int dfd, fd;

	dfd = open(bundle, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return kiste_err_set(err, -errno, "--bundle %s: %s: give an existing folder", bundle,
				     strerror(errno));
	fd = openat(dfd, "config.json", O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
	close(dfd);
	if (fd < 0 && errno == EEXIST)
		return kiste_err_set(err, -EEXIST, "File config.json exists. Remove it first");
	if (fd < 0)
		return kiste_err_set(err, -errno, "cannot create %s/config.json: %s", bundle,
				     strerror(errno));
	if (write(fd, text, len) != (ssize_t)len || close(fd) < 0)
		return kiste_err_set(err, -EIO, "cannot write %s/config.json: %s", bundle,
				     strerror(errno));
	return 0;
}

static int oci_spec_main(const struct cli_global *g, int argc, char **argv)
{
	struct oci_spec_opts o = { .bundle = "." };
	struct kiste_err err = { 0 };
	json_object *c;
	int ret = oci_spec_parse(argc, argv, &o, &err);

	if (o.help) {
		fputs(cli_cmd_oci_spec.usage, stdout);
		return KISTE_EXIT_OK;
	}
	if (ret < 0)
		return oci_usage_fail(g, &err);
	c = kiste_oci_default_spec(o.rootless, geteuid(), getegid(), &err);
	ret = c ? write_spec(o.bundle, c, &err) : -ENOMEM;
	json_object_put(c);
	return ret < 0 ? oci_fail(g, &err) : KISTE_EXIT_OK;
}

const struct cli_cmd cli_cmd_oci_spec = {
	.name = "spec",
	.summary = "write a starter config.json (runc's spec)",
	.usage = "Usage: kiste [GLOBAL OPTIONS] spec [--bundle DIR] [--rootless]\n\n"
		 "Write a new config.json into the bundle, as 'runc spec' does (refused when\n"
		 "one is there).  It differs from runc's in two values: process.terminal is\n"
		 "false and the hostname is kiste.\n\n"
		 "  -b, --bundle DIR   the bundle's folder (default .)\n"
		 "      --rootless     for a caller without root: your uid and gid mapped to the\n"
		 "                     container's root, a user namespace, no network namespace\n"
		 "  -h, --help         show this help\n",
	.gmain = oci_spec_main,
};
