// SPDX-License-Identifier: GPL-2.0
// run_opts_test.c - every common option through every mode's parser: one verdict per value.
// kiste-suite: host run_opts_test
//
// The expected verdict comes from the mode table itself (each mode's
// struct kiste_run_limits): a value that is bad as written gets the same
// error line in every mode; a good value is refused, naming the mode, where
// the mode does not take the option, or is out of that mode's range; anything
// else lands in struct kiste_run_opts.
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kselftest_harness.h"
#include "cli.h"
#include "kiste_mode.h"

enum verdict { SYNTAX, IN_RANGE, OUT_OF_RANGE };

struct probe {
	unsigned int opt;	/* enum kiste_run_opt */
	const char *flag;
	char value[80];
	enum verdict v;		/* SYNTAX, or what the range check says (sizes: computed) */
	const char *want;	/* what lands in struct kiste_run_opts; NULL: @value */
};

static int parse_one(const struct kiste_mode_ops *m, const char *flag, const char *value,
		     struct kiste_run_args *a, struct kiste_err *err)
{
	char mode[64];
	char *argv[] = { "run", mode, (char *)flag, (char *)value, "--", "prog", NULL };

	snprintf(mode, sizeof(mode), "--mode=%s", m->name);
	memset(err, 0, sizeof(*err));
	return kiste_run_parse(kiste_modes, 6, argv, a, err);
}

/* Sizes around a mode's range, computed from its limits. */
static enum verdict memory_verdict(const struct kiste_run_limits *l, uint64_t v)
{
	return v >= l->memory_min && v <= l->memory_max ? IN_RANGE : OUT_OF_RANGE;
}

/* Probes that do not depend on the mode: syntax is judged before the mode is known. */
static const struct probe fixed[] = {
	{ KISTE_OPT_NAME, "--name", "web.1", IN_RANGE },
	{ KISTE_OPT_NAME, "--name", "123", SYNTAX },
	{ KISTE_OPT_NAME, "--name", "bad name", SYNTAX },
	/* a run's names end at KISTE_RUN_NAME_MAX (72): its exec socket's path */
	{ KISTE_OPT_NAME, "--name", "a12345678901234567890123456789012345678901234567890123456789012345678901",
	  IN_RANGE },
	{ KISTE_OPT_NAME, "--name", "a123456789012345678901234567890123456789012345678901234567890123456789012",
	  SYNTAX },
	{ KISTE_OPT_NAME, "--name", "c+plus", IN_RANGE },
	{ KISTE_OPT_MEMORY, "--memory", "lots", SYNTAX },
	{ KISTE_OPT_MEMORY, "--memory", "0", SYNTAX },
	{ KISTE_OPT_MEMORY, "--memory", "-1", SYNTAX },
	{ KISTE_OPT_CPUS, "--cpus", "0", SYNTAX },
	{ KISTE_OPT_CPUS, "--cpus", "x", SYNTAX },
	{ KISTE_OPT_CPUS, "--cpus", "1", IN_RANGE, "1000" },
	{ KISTE_OPT_CPUS, "--cpus", "0.0", SYNTAX },
	{ KISTE_OPT_CPUS, "--cpus", "1.2345", SYNTAX },
	{ KISTE_OPT_CPUS, "--cpus", ".", SYNTAX },
	{ KISTE_OPT_PIDS, "--pids-limit", "10", IN_RANGE },
	{ KISTE_OPT_PIDS, "--pids-limit", "0", SYNTAX },
	{ KISTE_OPT_PIDS, "--pids-limit", "x", SYNTAX },
	{ KISTE_OPT_PIDS, "--pids-limit", "4194305", SYNTAX },
	{ KISTE_OPT_PIDS, "--pids-limit", "4194304", IN_RANGE },
	{ KISTE_OPT_TIMEOUT, "--timeout", "1", IN_RANGE },
	{ KISTE_OPT_TIMEOUT, "--timeout", "31536000", IN_RANGE },
	{ KISTE_OPT_TIMEOUT, "--timeout", "31536001", SYNTAX },
	{ KISTE_OPT_TIMEOUT, "--timeout", "604801", IN_RANGE },
	{ KISTE_OPT_TIMEOUT, "--timeout", "0", SYNTAX },
	{ KISTE_OPT_TIMEOUT, "--timeout", "5s", SYNTAX },
	{ KISTE_OPT_USER, "--user", "1000:100", IN_RANGE },
	{ KISTE_OPT_USER, "--user", "7", IN_RANGE },
	{ KISTE_OPT_USER, "--user", "a:b", SYNTAX },
	{ KISTE_OPT_USER, "--user", "1:", SYNTAX },
	{ KISTE_OPT_USER, "--user", "4294967295", SYNTAX },
	{ KISTE_OPT_ENV, "--env", "A=1", IN_RANGE },
	{ KISTE_OPT_ENV, "--env", "NOEQUALS", SYNTAX },
	{ KISTE_OPT_ENV, "--env", "=x", SYNTAX },
	{ KISTE_OPT_CWD, "--cwd", "/srv", IN_RANGE },
	{ KISTE_OPT_CWD, "--cwd", "relative", SYNTAX },
	{ KISTE_OPT_ROOTFS, "--rootfs", "/srv/r", IN_RANGE },
	{ KISTE_OPT_ROOTFS, "--rootfs", "", SYNTAX },
	{ KISTE_OPT_CWD, "--workdir", "/srv", IN_RANGE },
	{ KISTE_OPT_CWD, "-w", "/srv", IN_RANGE },
	{ KISTE_OPT_CWD, "--workdir", "srv", SYNTAX },
	{ KISTE_OPT_ENV, "-e", "A=1", IN_RANGE },
	{ KISTE_OPT_ENV, "-e", "A", SYNTAX },
	{ KISTE_OPT_HOSTNAME, "--hostname", "web-1.example", IN_RANGE },
	{ KISTE_OPT_HOSTNAME, "--hostname", "-web", SYNTAX },
	{ KISTE_OPT_HOSTNAME, "--hostname", ".web", SYNTAX },
	{ KISTE_OPT_HOSTNAME, "--hostname", "we b", SYNTAX },
	{ KISTE_OPT_HOSTNAME, "--hostname", "", SYNTAX },
	{ KISTE_OPT_HOSTNAME, "--hostname",
	  "a2345678901234567890123456789012345678901234567890123456789012345", SYNTAX },
	{ KISTE_OPT_HOSTNAME, "--hostname",
	  "a234567890123456789012345678901234567890123456789012345678901234", IN_RANGE },
};

/* The mode-dependent probes: sizes at and just past each end of its ranges. */
static int range_probes(const struct kiste_run_limits *l, struct probe *p)
{
	int n = 0;

	p[n] = (struct probe){ KISTE_OPT_MEMORY, "--memory", "", 0 };
	snprintf(p[n].value, sizeof(p[n].value), "%" PRIu64, l->memory_min);
	p[n].v = memory_verdict(l, l->memory_min), n++;
	if (l->memory_min > 1) {
		p[n] = (struct probe){ KISTE_OPT_MEMORY, "--memory", "", OUT_OF_RANGE };
		snprintf(p[n].value, sizeof(p[n].value), "%" PRIu64, l->memory_min - 1), n++;
	}
	if (l->memory_max < UINT64_MAX) {
		p[n] = (struct probe){ KISTE_OPT_MEMORY, "--memory", "", IN_RANGE };
		snprintf(p[n].value, sizeof(p[n].value), "%" PRIu64, l->memory_max), n++;
		p[n] = (struct probe){ KISTE_OPT_MEMORY, "--memory", "", OUT_OF_RANGE };
		snprintf(p[n].value, sizeof(p[n].value), "%" PRIu64, l->memory_max + 1), n++;
	}
	if (l->cpus_max) {
		static char max[16], half[16] = "500";

		snprintf(max, sizeof(max), "%u", l->cpus_max * 1000);
		p[n] = (struct probe){ KISTE_OPT_CPUS, "--cpus", "", IN_RANGE, max };
		snprintf(p[n].value, sizeof(p[n].value), "%u", l->cpus_max), n++;
		p[n] = (struct probe){ KISTE_OPT_CPUS, "--cpus", "", OUT_OF_RANGE };
		snprintf(p[n].value, sizeof(p[n].value), "%u", l->cpus_max + 1), n++;
		/* half a CPU: a CPU limit, except where --cpus counts vCPUs */
		p[n] = (struct probe){ KISTE_OPT_CPUS, "--cpus", "0.5",
				       l->cpus_whole ? OUT_OF_RANGE : IN_RANGE, half };
		n++;
	}
	return n;
}

/* The value of the option that landed in @o, as a string to compare with what was given. */
static void landed(const struct probe *p, const struct kiste_run_opts *o, char *buf, size_t len)
{
	switch (p->opt) {
	case KISTE_OPT_NAME: snprintf(buf, len, "%s", o->name); break;
	case KISTE_OPT_MEMORY: snprintf(buf, len, "%" PRIu64, o->memory); break;
	case KISTE_OPT_CPUS: snprintf(buf, len, "%u", o->cpus_milli); break;
	case KISTE_OPT_PIDS: snprintf(buf, len, "%u", o->pids_limit); break;
	case KISTE_OPT_TIMEOUT: snprintf(buf, len, "%u", o->timeout_s); break;
	case KISTE_OPT_USER:
		snprintf(buf, len, strchr(p->value, ':') ? "%u:%u" : "%u", o->uid, o->gid);
		break;
	case KISTE_OPT_ENV: snprintf(buf, len, "%s", o->nenv ? o->env[0] : ""); break;
	case KISTE_OPT_CWD: snprintf(buf, len, "%s", o->cwd); break;
	case KISTE_OPT_ROOTFS: snprintf(buf, len, "%s", o->rootfs); break;
	case KISTE_OPT_HOSTNAME: snprintf(buf, len, "%s", o->hostname); break;
	}
}

/* One probe in one mode against the verdict the mode's table gives. */
static void check_probe(struct __test_metadata *_metadata, const struct kiste_mode_ops *m,
			const struct probe *p)
{
	bool takes = m->limits->accepts & p->opt;
	struct kiste_run_args a;
	struct kiste_err err;
	char want[128], got[128];
	int ret = parse_one(m, p->flag, p->value, &a, &err);

	if (p->v == SYNTAX || !takes || p->v == OUT_OF_RANGE) {
		EXPECT_EQ(-EINVAL, ret) TH_LOG("%s %s '%s' passed", m->name, p->flag, p->value);
		EXPECT_NE(NULL, strstr(err.msg, p->flag)) TH_LOG("%s: '%s'", m->name, err.msg);
		EXPECT_EQ(NULL, strchr(err.msg, '\n')) TH_LOG("%s: '%s'", m->name, err.msg);
		snprintf(want, sizeof(want), "%s mode", m->name);
		if (p->v != SYNTAX)
			EXPECT_NE(NULL, strstr(err.msg, want))
				TH_LOG("%s %s '%s': the line does not name the mode: '%s'",
				       m->name, p->flag, p->value, err.msg);
	} else {
		EXPECT_EQ(0, ret) TH_LOG("%s %s '%s': %s", m->name, p->flag, p->value, err.msg);
		if (ret == 0) {
			landed(p, &a.o, got, sizeof(got));
			snprintf(want, sizeof(want), "%s", p->want ? p->want : p->value);
			EXPECT_STREQ(want, got) TH_LOG("%s %s", m->name, p->flag);
		}
	}
	kiste_run_args_free(&a);
}

TEST(every_common_option_in_every_mode)
{
	struct probe extra[16];
	size_t i, m, checked = 0;
	int n, k;

	for (m = 0; kiste_modes[m]; m++) {
		for (i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++, checked++)
			check_probe(_metadata, kiste_modes[m], &fixed[i]);
		n = range_probes(kiste_modes[m]->limits, extra);
		for (k = 0; k < n; k++, checked++)
			check_probe(_metadata, kiste_modes[m], &extra[k]);
	}
	TH_LOG("%zu probes over %zu modes", checked, m);
	ASSERT_GE(m, 3U);
}

/* A value that is bad as written gets the same line whichever mode it was meant for. */
TEST(bad_values_have_one_line_across_modes)
{
	struct kiste_run_args a;
	struct kiste_err first, err;
	size_t i, m;

	for (i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
		if (fixed[i].v != SYNTAX)
			continue;
		for (m = 0; kiste_modes[m]; m++) {
			EXPECT_EQ(-EINVAL, parse_one(kiste_modes[m], fixed[i].flag, fixed[i].value,
						     &a, &err));
			kiste_run_args_free(&a);
			if (m == 0)
				first = err;
			else
				EXPECT_STREQ(first.msg, err.msg)
					TH_LOG("%s '%s' in %s", fixed[i].flag, fixed[i].value,
					       kiste_modes[m]->name);
		}
	}
}

/* Defaults come from the mode's table when an option is not given. */
TEST(defaults_from_the_table)
{
	struct kiste_run_args a;
	struct kiste_err err;
	size_t m;
	char mode[64];

	for (m = 0; kiste_modes[m]; m++) {
		char *argv[] = { "run", mode, "prog", NULL };

		snprintf(mode, sizeof(mode), "--mode=%s", kiste_modes[m]->name);
		ASSERT_EQ(0, kiste_run_parse(kiste_modes, 3, argv, &a, &err)) TH_LOG("%s", err.msg);
		EXPECT_EQ(kiste_modes[m], a.mode);
		EXPECT_EQ(kiste_modes[m]->limits->memory_default, a.o.memory);
		EXPECT_EQ(kiste_modes[m]->limits->cpus_default, a.o.cpus);
		EXPECT_EQ(kiste_modes[m]->limits->cpus_default * 1000, a.o.cpus_milli);
		EXPECT_EQ(kiste_modes[m]->limits->pids_default, a.o.pids_limit);
		EXPECT_EQ(0U, a.o.timeout_s);
		EXPECT_STREQ("prog", a.o.argv[0]);
		kiste_run_args_free(&a);
	}
}

TEST(mode_is_required_and_checked)
{
	struct kiste_run_args a;
	struct kiste_err err = { 0 };
	char *none[] = { "run", "prog", NULL };
	char *bad[] = { "run", "--mode", "docker", "prog", NULL };
	char *other[] = { "run", "--mode=vm", "--isolation", "vm", "prog", NULL };

	EXPECT_EQ(-EINVAL, kiste_run_parse(kiste_modes, 2, none, &a, &err));
	EXPECT_STREQ("kiste run: missing --mode: use --mode=shim, vm or unikernel", err.msg);
	kiste_run_args_free(&a);
	EXPECT_EQ(-EINVAL, kiste_run_parse(kiste_modes, 4, bad, &a, &err));
	EXPECT_STREQ("kiste run: bad --mode 'docker': use shim, vm or unikernel", err.msg);
	kiste_run_args_free(&a);
	/* another mode's option: refused, naming the mode that was asked for */
	EXPECT_EQ(-EINVAL, kiste_run_parse(kiste_modes, 5, other, &a, &err));
	EXPECT_NE(NULL, strstr(err.msg, "--isolation is not an option of vm mode")) TH_LOG("%s",
											 err.msg);
	kiste_run_args_free(&a);
}

/*
 * kiste sandbox create takes --name by the same characters and words
 * (cli/create.c), up to kiste.ko's 127 where a run's end at 72.
 */
TEST(create_name_has_the_run_verdict)
{
	char *run_argv[] = { "run", "--mode=shim", "--name", "123", "prog", NULL };
	char *create_argv[] = { "create", "--mode", "shim", "--name", "123", NULL };
	struct kiste_err run_err = { 0 }, create_err = { 0 };
	struct create_opts c;
	struct kiste_run_args a;

	EXPECT_EQ(-EINVAL, kiste_run_parse(kiste_modes, 5, run_argv, &a, &run_err));
	kiste_run_args_free(&a);
	EXPECT_GT(0, create_parse(5, create_argv, &c, &create_err));
	ASSERT_EQ(0, strncmp(run_err.msg, "kiste run: ", 11)) TH_LOG("%s", run_err.msg);
	ASSERT_EQ(0, strncmp(create_err.msg, "kiste sandbox create: ", 22)) TH_LOG("%s", create_err.msg);
	EXPECT_STREQ("bad --name '123': use 1-72 characters of A-Z a-z 0-9 _ + . -, not only digits",
		     run_err.msg + 11);
	EXPECT_STREQ("bad --name '123': use 1-127 characters of A-Z a-z 0-9 _ + . -, not only digits",
		     create_err.msg + 22);
}

/* --network and -p: parsed once; pasta and ns: per mode (the limits' networks). */
TEST(network_and_publish)
{
	struct kiste_run_args a;
	struct kiste_err err = { 0 };
	char *pasta[] = { "run", "--mode=shim", "--network", "pasta", "-p", "127.0.0.1:8080:80",
			  "-p", "[::1]:53:5353/udp", "--publish", "9000:90/tcp", "prog", NULL };
	char *ns[] = { "run", "--mode=shim", "--network=ns:/run/netns/x", "prog", NULL };
	char *vm[] = { "run", "--mode=vm", "--network", "ns:/run/netns/x", "prog", NULL };
	char *uk[] = { "run", "--mode=unikernel", "--network", "ns:/run/netns/x", "prog", NULL };
	char *vm_none[] = { "run", "--mode=vm", "--network", "none", "prog", NULL };
	char *nopasta[] = { "run", "--mode=shim", "-p", "8080:80", "prog", NULL };
	char *badp[] = { "run", "--mode=shim", "--network", "pasta", "-p", "1.2.3:80:80", "prog",
			 NULL };

	ASSERT_EQ(0, kiste_run_parse(kiste_modes, 11, pasta, &a, &err)) TH_LOG("%s", err.msg);
	EXPECT_EQ((int)KISTE_NET_PASTA, (int)a.o.network);
	ASSERT_EQ(3, a.o.npublish);
	EXPECT_STREQ("127.0.0.1", a.o.publish[0].ip);
	EXPECT_EQ(8080, a.o.publish[0].host_port);
	EXPECT_EQ(80, a.o.publish[0].port);
	EXPECT_FALSE(a.o.publish[0].udp);
	EXPECT_STREQ("::1", a.o.publish[1].ip);
	EXPECT_EQ(53, a.o.publish[1].host_port);
	EXPECT_EQ(5353, a.o.publish[1].port);
	EXPECT_TRUE(a.o.publish[1].udp);
	EXPECT_STREQ("", a.o.publish[2].ip);
	EXPECT_EQ(9000, a.o.publish[2].host_port);
	kiste_run_args_free(&a);
	ASSERT_EQ(0, kiste_run_parse(kiste_modes, 4, ns, &a, &err)) TH_LOG("%s", err.msg);
	EXPECT_EQ((int)KISTE_NET_NS, (int)a.o.network);
	EXPECT_STREQ("/run/netns/x", a.o.netns_path);
	kiste_run_args_free(&a);
	ASSERT_EQ(0, kiste_run_parse(kiste_modes, 5, vm, &a, &err)) TH_LOG("%s", err.msg);
	EXPECT_EQ((int)KISTE_NET_NS, (int)a.o.network);
	kiste_run_args_free(&a);
	EXPECT_EQ(-EINVAL, kiste_run_parse(kiste_modes, 5, uk, &a, &err));
	EXPECT_STREQ("kiste run: --network ns:/run/netns/x is not supported in unikernel mode yet: "
		     "use --network none or another mode", err.msg);
	kiste_run_args_free(&a);
	EXPECT_EQ(0, kiste_run_parse(kiste_modes, 5, vm_none, &a, &err)) TH_LOG("%s", err.msg);
	kiste_run_args_free(&a);
	EXPECT_EQ(-EINVAL, kiste_run_parse(kiste_modes, 5, nopasta, &a, &err));
	EXPECT_STREQ("kiste run: -p publishes ports through pasta: add --network pasta", err.msg);
	kiste_run_args_free(&a);
	EXPECT_EQ(-EINVAL, kiste_run_parse(kiste_modes, 7, badp, &a, &err));
	EXPECT_NE(NULL, strstr(err.msg, "bad -p '1.2.3:80:80'")) TH_LOG("%s", err.msg);
	kiste_run_args_free(&a);
}

/*
 * -t and -i (podman's): -i lands in every mode; -t where the mode's table
 * takes KISTE_OPT_TTY, else one line naming the mode, why it has no terminal
 * and the fix (125 in kiste run).
 */
TEST(tty_and_interactive)
{
	static const char *const spellings[][2] = { { "-t", "-i" }, { "--tty", "--interactive" },
						    { "-it", NULL }, { "-ti", NULL } };
	struct kiste_run_args a;
	struct kiste_err err;
	char mode[64], want[128];
	size_t m, s;
	int ret;

	for (m = 0; kiste_modes[m]; m++) {
		const struct kiste_mode_ops *md = kiste_modes[m];
		bool takes = md->limits->accepts & KISTE_OPT_TTY;
		char *only_i[] = { "run", mode, "-i", "prog", NULL };

		snprintf(mode, sizeof(mode), "--mode=%s", md->name);
		memset(&err, 0, sizeof(err));
		ASSERT_EQ(0, kiste_run_parse(kiste_modes, 4, only_i, &a, &err)) TH_LOG("%s", err.msg);
		EXPECT_TRUE(a.o.interactive);
		EXPECT_FALSE(a.o.tty);
		kiste_run_args_free(&a);
		for (s = 0; s < sizeof(spellings) / sizeof(spellings[0]); s++) {
			char *argv[] = { "run", mode, (char *)spellings[s][0],
					 (char *)(spellings[s][1] ? spellings[s][1] : "--"), "prog",
					 NULL };

			memset(&err, 0, sizeof(err));
			ret = kiste_run_parse(kiste_modes, 5, argv, &a, &err);
			if (takes) {
				EXPECT_EQ(0, ret) TH_LOG("%s %s: %s", md->name, spellings[s][0], err.msg);
				EXPECT_TRUE(a.o.tty);
				EXPECT_TRUE(a.o.interactive);
				EXPECT_STREQ("prog", a.o.argv[0]);
			} else {
				/* why (the mode's own reason, if it has one) and the fix */
				snprintf(want, sizeof(want), "kiste run --mode=%s: -t needs a "
					 "terminal in the sandbox, and ", md->name);
				EXPECT_EQ(-EINVAL, ret) TH_LOG("%s %s passed", md->name, spellings[s][0]);
				EXPECT_EQ(0, strncmp(err.msg, want, strlen(want)))
					TH_LOG("%s: '%s'", md->name, err.msg);
				EXPECT_NE(NULL, strstr(err.msg, md->limits->no_tty ?
						       md->limits->no_tty : "has none"))
					TH_LOG("%s: '%s'", md->name, err.msg);
				EXPECT_NE(NULL, strstr(err.msg, ": drop -t"))
					TH_LOG("%s: '%s'", md->name, err.msg);
				EXPECT_EQ(NULL, strchr(err.msg, '\n')) TH_LOG("'%s'", err.msg);
			}
			kiste_run_args_free(&a);
		}
	}
	/* Today: shim and vm; a unikernel has no terminal, and says so. */
	EXPECT_TRUE(!!(kiste_mode_shim.limits->accepts & KISTE_OPT_TTY));
	EXPECT_TRUE(!!(kiste_mode_vm.limits->accepts & KISTE_OPT_TTY));
	EXPECT_FALSE(!!(kiste_mode_unikernel.limits->accepts & KISTE_OPT_TTY));
	EXPECT_NE(NULL, kiste_mode_unikernel.limits->no_tty);
	if (kiste_mode_unikernel.limits->no_tty)
		EXPECT_NE(NULL, strstr(kiste_mode_unikernel.limits->no_tty, "Solo5"));
}

TEST_HARNESS_MAIN
