// SPDX-License-Identifier: GPL-2.0
// policy.c - `kiste policy unikernel`: the exact filter a unikernel (or its VMM) would get.
#include <errno.h>
#include <getopt.h>
#include <linux/seccomp.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "relay.h"
#include "uk.h"

static const char policy_usage[] =
	"Usage: kiste policy unikernel [--isolation process|vm] [--supervised] APP\n"
	"                              [--block NAME=FILE]... [--net NAME=TAPDEV]...\n"
	"                              [--network pasta]\n\n"
	"Print the seccomp filter kiste would install for APP with these bindings: with\n"
	"--isolation process (default) the unikernel's own (at most 7 syscalls), with\n"
	"--isolation vm the VMM's once the guest is set up.  In process isolation the\n"
	"unikernel runs in kiste run's own process unless something needs a supervising\n"
	"parent (kiste.ko loaded, --cpus, --timeout); its filter then has one more row\n"
	"(the exit line kiste run prints for a call outside it) and traps such a call\n"
	"instead of killing; --supervised prints the filter under a parent.  A summary line with the\n"
	"number of distinct syscalls, the descriptors, each rule with its reason, then\n"
	"the filter in libseccomp's PFC form.  Block files must exist (their size bounds\n"
	"the offsets); tap devices need not.  --network pasta binds the net device to\n"
	"passt as kiste run does (the unikernel's filter is the same as with a tap) and\n"
	"adds the filter of the relay process between them (and implies --supervised).\n";

static const struct option policy_opts[] = {
	{ "isolation", required_argument, NULL, 'i' },
	{ "supervised", no_argument, NULL, 's' },
	{ "block", required_argument, NULL, 'b' },
	{ "net", required_argument, NULL, 'N' },
	{ "network", required_argument, NULL, 'n' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static const struct kiste_run_opts policy_pasta = { .network = KISTE_NET_PASTA };

/* argv[0] is "unikernel"; bindings may follow APP.  1 for --help. */
static int policy_parse(int argc, char **argv, struct kiste_uk_opts *o, bool *supervised,
			struct kiste_err *err)
{
	const char *cmd = "policy unikernel", *arg;
	int c, ret = 0;

	*o = (struct kiste_uk_opts){ 0 };
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", policy_opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			return 1;
		case 's':
			*supervised = true;
			break;
		case 'i':
			ret = kiste_uk_isolation_parse(cmd, optarg, o, err);
			break;
		case 'n':
			/* kiste_uk_pasta() reads only this of kiste run's options */
			if (!strcmp(optarg, "pasta"))
				o->run = &policy_pasta;
			else if (strcmp(optarg, "none"))
				ret = kiste_err_set(err, -EINVAL, "kiste %s: bad --network '%s': "
						    "use none or pasta", cmd, optarg);
			break;
		case 'b':
		case 'N':
			ret = kiste_uk_bind_parse(cmd, optarg,
						  c == 'b' ? KISTE_UK_DEV_BLOCK : KISTE_UK_DEV_NET, o,
						  err);
			break;
		default:
			arg = argv[optind - 1];
			return kiste_err_set(err, -EINVAL,
					     "kiste %s: option '%.*s' %s: see 'kiste policy --help'",
					     cmd, (int)strcspn(arg, "="), arg,
					     c == ':' ? "needs a value" : "does not go with a policy");
		}
		if (ret < 0)
			return ret;
	}
	if (optind >= argc)
		return kiste_err_set(err, -EINVAL,
				     "kiste %s: missing APP: name the unikernel to check", cmd);
	if (optind + 1 < argc)
		return kiste_err_set(err, -EINVAL,
				     "kiste %s: unexpected argument '%s': only options "
				     "follow APP",
				     cmd, argv[optind + 1]);
	o->app = argv[optind];
	o->argv = argv + optind;
	o->argc = 1;
	return 0;
}

static void policy_print_devs(const struct kiste_uk_devs *devs)
{
	const struct kiste_uk_dev *d;
	uint32_t i;

	for (i = 0; i < devs->ndev; i++) {
		d = &devs->dev[i];
		if (d->info.type == KISTE_UK_DEV_BLOCK)
			printf("# device %u '%s': block '%s' at fd %u, %llu bytes in %llu-byte "
			       "blocks\n",
			       i, d->info.name, d->target, KISTE_UK_FD_BASE + i,
			       (unsigned long long)d->info.capacity,
			       (unsigned long long)d->info.block_size);
		else
			printf("# device %u '%s': net %s '%s' at fd %u, frames <= %u bytes\n", i,
			       d->info.name, d->pasta ? "on" : "tap", d->target,
			       KISTE_UK_FD_BASE + i, d->info.mtu + 14);
	}
}

int kiste_uk_policy(int argc, char **argv)
{
	struct kiste_uk_image img;
	struct kiste_uk_devs devs;
	struct kiste_uk_opts o;
	struct kiste_err err = { 0 };
	bool supervised = false;
	char names[128];
	uint32_t iso;
	int n;

	n = policy_parse(argc, argv, &o, &supervised, &err);
	if (n == 1) {
		fputs(policy_usage, stdout);
		return KISTE_EXIT_OK;
	}
	if (n < 0) {
		fprintf(stderr, "%s\n", err.msg);
		return KISTE_EXIT_USAGE;
	}
	if (kiste_uk_image_load(o.app, 0, &img, &err) < 0)
		goto fail;
	if (kiste_uk_devs_bind(&img.mft, &o, NULL, true, &devs, &err) < 0) {
		kiste_uk_image_free(&img);
		goto fail;
	}
	/* kiste run stays the parent of a unikernel on passt (it reaps passt and the relay) */
	supervised |= kiste_uk_pasta(&o);
	iso = o.isolation == KISTE_UK_ISO_PROCESS && !supervised ? KISTE_UK_FILTER_DIRECT :
								    o.isolation;
	n = kiste_uk_filter_syscalls(&devs, iso, names, sizeof(names));
	if (o.isolation == KISTE_UK_ISO_VM)
		printf("# kiste VMM filter for '%s' (vm isolation: the VMM process after guest "
		       "setup)\n",
		       o.app);
	else if (supervised)
		printf("# kiste unikernel filter for '%s' (process isolation, under a supervising "
		       "parent)\n", o.app);
	else
		printf("# kiste unikernel filter for '%s' (process isolation, in kiste run's own "
		       "process; --supervised: under a parent)\n", o.app);
	printf("# syscalls: %d distinct: %s\n", n, names);
	if (uk_default_action(iso) == SECCOMP_RET_TRAP)
		printf("# default action: trap (SECCOMP_RET_TRAP): the bindings print kiste run's "
		       "line and exit 159\n");
	else
		printf("# default action: kill the process (SECCOMP_RET_KILL_PROCESS)\n");
	printf("# console: fd %d\n", KISTE_UK_CONSOLE_FD);
	if (o.isolation == KISTE_UK_ISO_VM)
		printf("# vCPU: fd %d (KVM_RUN only); VM: fd %d (no calls)\n", KISTE_UK_VCPU_FD,
		       KISTE_UK_VM_FD);
	policy_print_devs(&devs);
	kiste_uk_filter_print(&devs, iso, stdout);
	if (kiste_uk_pasta(&o))
		uk_relay_filter_print(stdout);
	printf("# the same filter in libseccomp's pseudo filter code:\n");
	fflush(stdout);
	n = kiste_uk_filter_pfc(&devs, iso, STDOUT_FILENO, &err);
	kiste_uk_image_free(&img);
	if (n < 0)
		goto fail;
	return KISTE_EXIT_OK;
fail:
	fprintf(stderr, "kiste: %s\n", err.msg);
	return KISTE_EXIT_FAIL;
}
