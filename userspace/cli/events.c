// SPDX-License-Identifier: GPL-2.0
// kiste events: print kiste.ko's notifications, one line each, flushed for pipes.
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <time.h>

#include "cli.h"

/* A year: longer waits are surely a typo, and the millisecond math stays in range. */
#define KISTE_EVENTS_TIMEOUT_MAX (366 * 24 * 3600)

static const struct option events_longopts[] = {
	{ "json", no_argument, NULL, 'j' },
	{ "count", required_argument, NULL, 'n' },
	{ "timeout", required_argument, NULL, 't' },
	{ "help", no_argument, NULL, 'h' },
	{ 0 },
};

int events_parse(int argc, char **argv, struct events_opts *o, struct kiste_err *err)
{
	uint64_t v;
	int c;

	*o = (struct events_opts){ .timeout_s = -1 };
	cli_getopt_reset();
	while ((c = getopt_long(argc, argv, ":jn:t:h", events_longopts, NULL)) != -1) {
		switch (c) {
		case 'j':
			o->json = true;
			break;
		case 'n':
			if (cli_parse_uint(optarg, UINT32_MAX, &v) < 0 || v == 0)
				return cli_usage_err(
					err, "events",
					"bad --count '%s': use a number of events 1..%u", optarg,
					UINT32_MAX);
			o->count = v;
			break;
		case 't':
			if (cli_parse_uint(optarg, KISTE_EVENTS_TIMEOUT_MAX, &v) < 0 || v == 0)
				return cli_usage_err(err, "events",
						     "bad --timeout '%s': use whole seconds 1..%d",
						     optarg, KISTE_EVENTS_TIMEOUT_MAX);
			o->timeout_s = (int)v;
			break;
		case 'h':
			o->help = true;
			return 0;
		default:
			return cli_getopt_error("events", c, argv, err);
		}
	}
	if (optind < argc)
		return cli_usage_err(err, "events",
				     "unexpected argument '%s': see 'kiste events --help'",
				     argv[optind]);
	return 0;
}

static void print_event(const struct kiste_event *ev)
{
	printf("%s id=%u", kiste_event_name(ev->type), ev->id);
	if (ev->name[0])
		printf(" name=%s", ev->name);
	if (ev->mode)
		printf(" mode=%s", kiste_mode_name(ev->mode));
	if (ev->has_owner_uid)
		printf(" owner=%u", ev->owner_uid);
	if (ev->pid)
		printf(" pid=%u", ev->pid);
	if (ev->parent_pid)
		printf(" parent=%u", ev->parent_pid);
	if (ev->has_exit_status)
		printf(" status=%u", ev->exit_status);
	printf("\n");
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int events_loop(struct kiste_nl *nl, const struct events_opts *o)
{
	long long deadline = now_ms() + (long long)o->timeout_s * 1000;
	struct kiste_err err = { 0 };
	struct kiste_event ev;
	uint64_t seen = 0;
	int ret, wait;

	while (!o->count || seen < o->count) {
		wait = o->timeout_s < 0 ? -1 : (int)(deadline > now_ms() ? deadline - now_ms() : 0);
		ret = kiste_events_next(nl, &ev, wait, &err);
		if (ret == -ENOBUFS) {
			fprintf(stderr, "kiste: warning: %s\n", err.msg);
			continue;
		}
		if (ret == -ETIMEDOUT && !o->count)
			return KISTE_EXIT_OK;
		if (ret == -ETIMEDOUT) {
			fprintf(stderr, "kiste: timed out after %d s with %llu of %llu events\n",
				o->timeout_s, (unsigned long long)seen,
				(unsigned long long)o->count);
			return KISTE_EXIT_FAIL;
		}
		if (ret < 0)
			return cli_fail(&err);
		seen++;
		if (o->json) {
			if (cli_print_json(kiste_event_json(&ev)))
				return KISTE_EXIT_FAIL;
			continue;
		}
		print_event(&ev);
		if (fflush(stdout))
			return KISTE_EXIT_FAIL;
	}
	return KISTE_EXIT_OK;
}

int events_run(const struct events_opts *o)
{
	struct kiste_err err = { 0 };
	struct kiste_nl *nl;
	int ret;

	if (cli_nl_open(&nl, &err) < 0)
		return cli_fail(&err);
	if (kiste_events_subscribe(nl, &err) < 0) {
		kiste_nl_close(nl);
		return cli_fail(&err);
	}
	ret = events_loop(nl, o);
	kiste_nl_close(nl);
	return ret;
}

static int events_main(int argc, char **argv)
{
	struct kiste_err err = { 0 };
	struct events_opts o;
	int ret = events_parse(argc, argv, &o, &err);

	if (ret < 0 || o.help)
		return cli_finish_parse(&cli_cmd_events, ret, &err);
	return events_run(&o);
}

const struct cli_cmd cli_cmd_events = {
	.name = "events",
	.summary = "print sandbox events as they happen (root)",
	.usage =
		"Usage: kiste events [--json] [--count N] [--timeout SECONDS]\n\n"
		"Print kiste.ko's events, one line each (needs CAP_SYS_ADMIN):\n"
		"  EVENT id=ID [name=NAME] [mode=MODE] [owner=UID] [pid=PID] [parent=PID] [status=WSTATUS]\n"
		"Exits 0 after N events, or when SECONDS pass without --count; with both,\n"
		"running out of time before N events exits 1.\n\n"
		"  -j, --json            one JSON object per line\n"
		"  -n, --count N         stop after N events\n"
		"  -t, --timeout SECONDS stop after SECONDS\n"
		"  -h, --help            show this help\n",
	.main = events_main,
};
