// SPDX-License-Identifier: GPL-2.0
// oci_events.c - kiste events ID: runc's events (stats, OOM kills) beside the module's events.
//
// `kiste events` without a container is kiste.ko's notification stream
// (cli/events.c); with a container id, --stats or --interval it is runc's
// verb.  The module's command takes no positional argument, so the two never
// meet.
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "oci.h"

/* A day: a longer interval is a typo. */
#define INTERVAL_MAX_MS (24u * 3600 * 1000)
/* How often the stream looks for OOM kills and for the container's end. */
#define POLL_MS 100

struct oci_events_opts {
	bool help, stats;
	unsigned int interval_ms;
	const char *id;
};

/* Go's durations as runc takes them: "5s", "250ms", "1m", "1h" (one number, one unit). */
static int parse_interval(const char *s, unsigned int *ms, struct kiste_err *err)
{
	static const struct {
		const char *unit;
		unsigned long long ms;
	} units[] = { { "ms", 1 }, { "s", 1000 }, { "m", 60000 }, { "h", 3600000 } };
	unsigned long long v;
	char *end;
	size_t i;

	errno = 0;
	v = strtoull(s, &end, 10);
	for (i = 0; !errno && end != s && s[0] != '-' && i < sizeof(units) / sizeof(units[0]); i++)
		if (!strcmp(end, units[i].unit) && v && v <= INTERVAL_MAX_MS / units[i].ms) {
			*ms = (unsigned int)(v * units[i].ms);
			return 0;
		}
	return cli_usage_err(err, "events", "bad --interval '%s': use a duration such as 5s or "
			     "500ms (up to 24h)", s);
}

static int oci_events_parse(int argc, char **argv, struct oci_events_opts *o,
			    struct kiste_err *err)
{
	static const struct option longopts[] = {
		{ "stats", no_argument, NULL, 's' },
		{ "interval", required_argument, NULL, 'i' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int c;

	o->interval_ms = 5000;
	cli_getopt_reset();
	while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		if (c == 'h') {
			o->help = true;
			return 0;
		} else if (c == 's') {
			o->stats = true;
		} else if (c == 'i') {
			if (parse_interval(optarg, &o->interval_ms, err) < 0)
				return -EINVAL;
		} else {
			return cli_getopt_error("events", c, argv, err);
		}
	}
	if (optind >= argc)
		return cli_usage_err(err, "events", "missing container ID: see 'kiste events --help'");
	o->id = argv[optind++];
	if (optind < argc)
		return cli_usage_err(err, "events", "unexpected argument '%s': see 'kiste events "
				     "--help'", argv[optind]);
	return 0;
}

static void events_help(void);

static int print_event(json_object *o)
{
	if (!o)
		return -ENOMEM;
	printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
							  JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	return fflush(stdout) ? -EIO : 0;
}

static bool live(const struct kiste_oci_state *s)
{
	enum kiste_oci_status st = kiste_oci_state_status(s);

	return st == KISTE_OCI_CREATED || st == KISTE_OCI_RUNNING || st == KISTE_OCI_PAUSED;
}

/* Stats every interval and each OOM kill as it happens, until the container stops. */
static int stream(const struct kiste_oci_state *s, unsigned int interval_ms)
{
	struct timespec pause = { .tv_nsec = POLL_MS * 1000000L };
	uint64_t ooms = kiste_oci_oom_count(s), now;
	unsigned int waited = interval_ms;
	json_object *o;

	while (live(s)) {
		now = kiste_oci_oom_count(s);
		if (now > ooms) {
			o = json_object_new_object();
			json_object_object_add(o, "type", json_object_new_string("oom"));
			json_object_object_add(o, "id", json_object_new_string(s->id));
			if (print_event(o) < 0)
				return -EIO;
			ooms = now;
		}
		if (waited >= interval_ms) {
			if (print_event(kiste_oci_stats_json(s)) < 0)
				return -EIO;
			waited = 0;
		}
		nanosleep(&pause, NULL);
		waited += POLL_MS;
	}
	return 0;
}

static int oci_events_verb(const struct cli_global *g, int argc, char **argv)
{
	struct oci_events_opts o = { 0 };
	struct kiste_err err = { 0 };
	struct kiste_oci_state s;
	int ret = oci_events_parse(argc, argv, &o, &err);

	if (o.help) {
		events_help();
		return KISTE_EXIT_OK;
	}
	if (ret < 0)
		return oci_usage_fail(g, &err);
	if (oci_load(g, o.id, &s, &err) < 0)
		return oci_fail(g, &err);
	if (!live(&s))
		ret = kiste_err_set(&err, -ESRCH, "container with id %s is not running", o.id);
	else if (!s.cg.version)
		ret = kiste_err_set(&err, -EOPNOTSUPP, "container %s has no cgroup here: events "
				    "needs one (kiste as root, or a delegated cgroup)", o.id);
	else if (o.stats)
		ret = print_event(kiste_oci_stats_json(&s));
	else
		ret = stream(&s, o.interval_ms);
	if (ret < 0 && !err.msg[0])
		kiste_err_set(&err, ret, "cannot write the events: %s", strerror(-ret));
	kiste_oci_state_free(&s);
	return ret < 0 ? oci_fail(g, &err) : KISTE_EXIT_OK;
}

/* runc's verb when a container is named (a word that is no option's value) or --stats/--interval. */
static bool is_oci(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--stats") || !strncmp(argv[i], "--interval", 10))
			return true;
		if (!strcmp(argv[i], "-n") || !strcmp(argv[i], "-t") || !strcmp(argv[i], "--count") ||
		    !strcmp(argv[i], "--timeout")) {
			i++;
			continue;
		}
		if (argv[i][0] != '-')
			return true;
	}
	return false;
}

/* Both commands' help: the module's first (its usage line), then runc's verb. */
static void events_help(void)
{
	fputs(cli_cmd_events.usage, stdout);
	fputs(cli_cmd_oci_events.usage, stdout);
}

static int oci_events_main(const struct cli_global *g, int argc, char **argv)
{
	if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		events_help();
		return KISTE_EXIT_OK;
	}
	if (is_oci(argc, argv))
		return oci_events_verb(g, argc, argv);
	return cli_cmd_events.main(argc, argv);
}

const struct cli_cmd cli_cmd_oci_events = {
	.name = "events",
	.summary = "kiste.ko's events, or a container's stats and OOM kills (runc's events)",
	.usage = "\nWith a container ID, runc's events:\n"
		 "       kiste [GLOBAL OPTIONS] events [--stats] [--interval DURATION] ID\n\n"
		 "The container's cgroup figures as one JSON object per line,\n"
		 "{\"type\":\"stats\",\"id\":ID,\"data\":{cpu, cpuset, memory, pids, ...}} (with\n"
		 "--stats: once), else one every --interval (default 5s) and\n"
		 "{\"type\":\"oom\",\"id\":ID} for each process the kernel kills for the memory\n"
		 "limit, until the container stops.  pids leave kiste's init out.  Needs the\n"
		 "container's cgroup.\n\n"
		 "  --stats               print the figures once and exit\n"
		 "  --interval DURATION   between two stats in the stream (5s, 500ms, 1m)\n"
		 "  -h, --help            show this help\n",
	.gmain = oci_events_main,
};
