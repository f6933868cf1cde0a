// SPDX-License-Identifier: GPL-2.0
// oci_update.c - kiste update: a container's memory, pids and CPU limits changed in its cgroup.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kiste_mode.h"
#include "oci.h"

/* A resources file is a few hundred bytes: 1 MiB is a mistake or an attack. */
#define RESOURCES_MAX (1u << 20)

struct oci_update_opts {
	bool help;
	const char *id, *resources;
	struct kiste_oci_update u;
};

enum { U_MEMORY = 0x100, U_PIDS, U_QUOTA, U_PERIOD, U_UNSUPPORTED, U_HELP = 'h', U_RES = 'r' };

static const struct option update_longopts[] = {
	{ "resources", required_argument, NULL, U_RES },
	{ "memory", required_argument, NULL, U_MEMORY },
	{ "pids-limit", required_argument, NULL, U_PIDS },
	{ "cpu-quota", required_argument, NULL, U_QUOTA },
	{ "cpu-period", required_argument, NULL, U_PERIOD },
	/* runc's, which kiste does not set (yet): each refused by name. */
	{ "blkio-weight", required_argument, NULL, U_UNSUPPORTED },
	{ "cpu-share", required_argument, NULL, U_UNSUPPORTED },
	{ "cpu-rt-period", required_argument, NULL, U_UNSUPPORTED },
	{ "cpu-rt-runtime", required_argument, NULL, U_UNSUPPORTED },
	{ "cpuset-cpus", required_argument, NULL, U_UNSUPPORTED },
	{ "cpuset-mems", required_argument, NULL, U_UNSUPPORTED },
	{ "memory-reservation", required_argument, NULL, U_UNSUPPORTED },
	{ "memory-swap", required_argument, NULL, U_UNSUPPORTED },
	{ "kernel-memory", required_argument, NULL, U_UNSUPPORTED },
	{ "kernel-memory-tcp", required_argument, NULL, U_UNSUPPORTED },
	{ "l3-cache-schema", required_argument, NULL, U_UNSUPPORTED },
	{ "mem-bw-schema", required_argument, NULL, U_UNSUPPORTED },
	{ "help", no_argument, NULL, U_HELP },
	{ 0 },
};

static int num_arg(const char *opt, const char *arg, int64_t min, int64_t max, int64_t *out,
		   struct kiste_err *err)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(arg, &end, 10);
	if (errno || end == arg || *end || v < min || v > max)
		return cli_usage_err(err, "update", "bad --%s '%s': use a number %lld..%lld", opt,
				     arg, (long long)min, (long long)max);
	*out = v;
	return 0;
}

static int update_opt(int c, int idx, struct oci_update_opts *o, struct kiste_err *err)
{
	struct kiste_oci_update *u = &o->u;
	int64_t v;

	switch (c) {
	case U_RES:
		o->resources = optarg;
		return 0;
	case U_MEMORY:
		if (kiste_size_parse(optarg, &u->memory, err) < 0 || !u->memory)
			return cli_usage_err(err, "update", "bad --memory '%s': use a size such as "
					     "512M or 2G (kiste keeps a limit: no -1)", optarg);
		u->memory_set = true;
		return 0;
	case U_PIDS:
		if (num_arg("pids-limit", optarg, 1, KISTE_RUN_PIDS_MAX, &v, err) < 0)
			return -EINVAL;
		u->pids = (uint32_t)v;
		u->pids_set = true;
		return 0;
	case U_QUOTA:
		if (num_arg("cpu-quota", optarg, -1, INT64_MAX / 2, &v, err) < 0)
			return -EINVAL;
		u->cpu_quota = v;	/* 0: as it is (runc's "unset") */
		u->cpu_set = true;
		return 0;
	case U_PERIOD:
		if (num_arg("cpu-period", optarg, 0, 1000000, &v, err) < 0)
			return -EINVAL;
		u->cpu_period = (uint64_t)v;
		u->cpu_set = true;
		return 0;
	case U_UNSUPPORTED:
		return cli_usage_err(err, "update", "--%s: kiste does not set this limit: leave it "
				     "out (kiste updates --memory, --pids-limit, --cpu-quota, "
				     "--cpu-period)", update_longopts[idx].name);
	}
	return cli_usage_err(err, "update", "unknown option: see 'kiste update --help'");
}

static int oci_update_parse(int argc, char **argv, struct oci_update_opts *o,
			    struct kiste_err *err)
{
	int c, idx = 0;

	cli_getopt_reset();
	while ((c = getopt_long(argc, argv, "+:r:h", update_longopts, &idx)) != -1) {
		if (c == U_HELP) {
			o->help = true;
			return 0;
		}
		if (c == '?' || c == ':')
			return cli_getopt_error("update", c, argv, err);
		if (update_opt(c, idx, o, err) < 0)
			return -EINVAL;
	}
	if (optind >= argc)
		return cli_usage_err(err, "update", "missing container ID: see 'kiste update --help'");
	o->id = argv[optind++];
	if (optind < argc)
		return cli_usage_err(err, "update", "unexpected argument '%s': see 'kiste update "
				     "--help'", argv[optind]);
	return 0;
}

/* The text of -r FILE ('-': standard input): a regular file or a stream, RESOURCES_MAX at most. */
static char *read_resources(const char *path, size_t *len, struct kiste_err *err)
{
	int fd = strcmp(path, "-") ? open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK) : 0;
	char *buf = malloc(RESOURCES_MAX + 1);
	struct stat st;
	ssize_t n = 0;

	*len = 0;
	if (fd < 0 || !buf || fstat(fd, &st) < 0 || (fd && !S_ISREG(st.st_mode))) {
		kiste_err_set(err, -EINVAL, "-r %s: %s: give a resources JSON file or -", path,
			      fd < 0 ? strerror(errno) : "not a regular file");
		goto fail;
	}
	while (*len <= RESOURCES_MAX && (n = read(fd, buf + *len, RESOURCES_MAX + 1 - *len)) > 0)
		*len += (size_t)n;
	if (n < 0 || *len > RESOURCES_MAX) {
		kiste_err_set(err, -EFBIG, "-r %s: %s", path,
			      n < 0 ? strerror(errno) : "more than 1 MiB: not a resources file");
		goto fail;
	}
	if (fd > 0)
		close(fd);
	buf[*len] = 0;
	return buf;
fail:
	if (fd > 0)
		close(fd);
	free(buf);
	return NULL;
}

/* -r: memory, pids and cpu from the file (the flags are ignored, as runc ignores them). */
static int from_file(const struct cli_global *g, const char *path, struct kiste_oci_update *u,
		     struct kiste_err *err)
{
	struct kiste_oci_resources r;
	char ignored[256], what[PATH_MAX + 8];
	size_t len;
	char *text = read_resources(path, &len, err);
	int ret;

	if (!text)
		return -EINVAL;
	snprintf(what, sizeof(what), "-r %s", path);
	ret = kiste_oci_resources_parse(what, text, len, &r, ignored, sizeof(ignored), err);
	free(text);
	if (ret < 0)
		return ret;
	if (ignored[0])
		oci_log(g, "warning", "%s: %s not set by kiste (memory, pids and cpu are)", what,
			ignored);
	*u = (struct kiste_oci_update){ 0 };
	if (r.memory_set && r.memory_raw <= 0)
		return kiste_err_set(err, -EINVAL, "%s: memory.limit %lld: kiste keeps a memory "
				     "limit: give a size in bytes", what, (long long)r.memory_raw);
	if (r.pids_set && r.pids_raw <= 0)
		return kiste_err_set(err, -EINVAL, "%s: pids.limit %lld: kiste keeps a pids limit: "
				     "give a number", what, (long long)r.pids_raw);
	u->memory_set = r.memory_set;
	u->memory = r.memory;
	u->pids_set = r.pids_set;
	u->pids = r.pids;
	u->cpu_set = r.cpu_set;
	/* -1 (none) would lift kiste's CPU cap: read as "as it is", like an absent quota. */
	u->cpu_quota = r.cpu_quota > 0 ? r.cpu_quota : 0;
	u->cpu_period = (uint64_t)r.cpu_period;
	return 0;
}

/* A limit the container's mode cannot change after create: one line naming it and why. */
static int update_allowed(const struct kiste_oci_state *s, const struct kiste_mode_ops *mode,
			  const struct kiste_oci_update *u, struct kiste_err *err)
{
	const char *what = NULL;

	if (u->memory_set && !(mode->oci_update & KISTE_OCI_UPDATE_MEMORY))
		what = "memory";
	else if (u->pids_set && !(mode->oci_update & KISTE_OCI_UPDATE_PIDS))
		what = "pids limit";
	else if (u->cpu_set && !(mode->oci_update & KISTE_OCI_UPDATE_CPU))
		what = "CPU limit";
	if (!what)
		return 0;
	return kiste_err_set(err, -EOPNOTSUPP, "container %s (%s mode): its %s cannot change "
			     "after create (%s): create it again with the new limit", s->id,
			     mode->name, what, mode->oci_update_why ? mode->oci_update_why : "");
}

static int update_container(const struct cli_global *g, const struct oci_update_opts *o,
			    struct kiste_err *err)
{
	const struct kiste_mode_ops *mode;
	struct kiste_oci_state s;
	int ret, lock;

	ret = oci_load(g, o->id, &s, err);
	if (ret < 0)
		return ret;
	mode = kiste_mode_find(s.mode);
	lock = kiste_oci_state_lock(&s, err);
	ret = lock;
	if (lock >= 0) {
		switch (kiste_oci_state_status(&s)) {
		case KISTE_OCI_CREATED:
		case KISTE_OCI_RUNNING:
		case KISTE_OCI_PAUSED:
			ret = !mode ? kiste_err_set(err, -EINVAL, "container %s: its state names no "
						    "mode kiste knows ('%s')", o->id, s.mode) :
			      update_allowed(&s, mode, &o->u, err);
			if (ret == 0)
				ret = kiste_oci_cgroup_update(&s, mode->limits, &o->u, err);
			break;
		default:
			ret = kiste_err_set(err, -ESRCH, "container not running");
		}
		close(lock);
	}
	kiste_oci_state_free(&s);
	return ret;
}

static int oci_update_main(const struct cli_global *g, int argc, char **argv)
{
	struct oci_update_opts o = { 0 };
	struct kiste_err err = { 0 };
	int ret = oci_update_parse(argc, argv, &o, &err);

	if (o.help) {
		fputs(cli_cmd_oci_update.usage, stdout);
		return KISTE_EXIT_OK;
	}
	if (ret < 0)
		return oci_usage_fail(g, &err);
	if (o.resources && from_file(g, o.resources, &o.u, &err) < 0)
		return oci_fail(g, &err);
	ret = update_container(g, &o, &err);
	return ret < 0 ? oci_fail(g, &err) : KISTE_EXIT_OK;
}

const struct cli_cmd cli_cmd_oci_update = {
	.name = "update",
	.summary = "change a container's memory, pids or CPU limit (runc's update)",
	.usage = "Usage: kiste [GLOBAL OPTIONS] update [OPTIONS] ID\n\n"
		 "Write new limits into the cgroup of container ID (created, running or\n"
		 "paused), within its mode's ranges; a limit not given stays as it is.\n"
		 "kiste keeps a limit on every container: -1 (none) is refused.\n\n"
		 "  -r, --resources FILE   a LinuxResources JSON ('-': standard input):\n"
		 "                         memory.limit, pids.limit, cpu.quota and cpu.period are\n"
		 "                         set, other members ignored (--log); the flags below too\n"
		 "      --memory SIZE      memory limit (bytes, or 512M, 2G)\n"
		 "      --pids-limit N     processes of the workload\n"
		 "      --cpu-quota US     CPU time per period (microseconds)\n"
		 "      --cpu-period US    the period (1000..1000000 microseconds)\n"
		 "  -h, --help             show this help\n"
		 "runc's other update options (--cpu-share, --cpuset-*, --memory-swap, ...) are\n"
		 "refused by name.\n",
	.gmain = oci_update_main,
};
