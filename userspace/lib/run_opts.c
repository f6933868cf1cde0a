// SPDX-License-Identifier: GPL-2.0
// run_opts.c - `kiste run`'s one option parser: common options checked per mode, modes' own handed on.
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "kiste_mode.h"

/* getopt_long values of the common options (a mode's own start at KISTE_MODE_OPT_BASE). */
enum {
	O_MODE = 0x100, O_NAME, O_MEMORY, O_CPUS, O_TIMEOUT, O_USER, O_ENV, O_CWD, O_ROOTFS, O_PIDS,
	O_HELP, O_NETWORK, O_PUBLISH, O_HOSTNAME, O_ENV_FILE, O_TTY, O_INTERACTIVE,
};

static const struct option common_opts[] = {
	{ "mode", required_argument, NULL, O_MODE },
	{ "name", required_argument, NULL, O_NAME },
	{ "memory", required_argument, NULL, O_MEMORY },
	{ "cpus", required_argument, NULL, O_CPUS },
	{ "timeout", required_argument, NULL, O_TIMEOUT },
	{ "user", required_argument, NULL, O_USER },
	{ "env", required_argument, NULL, O_ENV },
	{ "cwd", required_argument, NULL, O_CWD },
	{ "workdir", required_argument, NULL, O_CWD },
	{ "hostname", required_argument, NULL, O_HOSTNAME },
	{ "env-file", required_argument, NULL, O_ENV_FILE },
	{ "rootfs", required_argument, NULL, O_ROOTFS },
	{ "pids-limit", required_argument, NULL, O_PIDS },
	{ "help", no_argument, NULL, O_HELP },
	{ "network", required_argument, NULL, O_NETWORK },
	{ "publish", required_argument, NULL, O_PUBLISH },
	{ "tty", no_argument, NULL, O_TTY },
	{ "interactive", no_argument, NULL, O_INTERACTIVE },
};
#define NCOMMON (sizeof(common_opts) / sizeof(common_opts[0]))

const char kiste_run_common_usage[] =
	"  --mode MODE         shim, vm or unikernel (required)\n"
	"  --name NAME         the temporary sandbox's name with kiste.ko: 1-72 of\n"
	"                      A-Z a-z 0-9 _ + . -, not only digits; shim, vm: also\n"
	"                      'kiste trace NAME' and 'kiste exec NAME CMD' while it runs\n"
	"  -m, --memory SIZE   memory limit, e.g. 512M (ranges per mode below)\n"
	"  --cpus N            CPU limit, e.g. 1.5 (vm: whole vCPUs)\n"
	"  --pids-limit N      processes and threads the sandbox may have at once\n"
	"  --timeout SECONDS   kill the workload after SECONDS (1..31536000)\n"
	"  -u, --user UID[:GID]  the workload's identity (numbers)\n"
	"  -e, --env K=V       add to the workload's environment (repeatable)\n"
	"  --env-file FILE     add FILE's K=V lines (a bare K: the caller's value;\n"
	"                      # comments and blank lines skipped; repeatable)\n"
	"  -w, --cwd, --workdir DIR  the workload's working directory (absolute;\n"
	"                      default /)\n"
	"  --hostname NAME     the sandbox's host name (default: kiste; vm: --name)\n"
	"  -v, --volume SRC:DST[:ro|:rw]  bind SRC at DST, read-only unless :rw (shim;\n"
	"                      vm: read-only only)\n"
	"  --rootfs DIR        the sandbox's root directory\n"
	"  --network none|pasta|ns:PATH  none (default): own namespace, loopback only;\n"
	"                      pasta: user-mode networking (Debian's passt); ns:PATH:\n"
	"                      join that network namespace\n"
	"  -p, --publish [IP:]HOSTPORT:PORT[/tcp|udp]  with pasta: forward the host's\n"
	"                      HOSTPORT to PORT inside (repeatable)\n"
	"  -t, --tty           the workload's stdin, stdout and stderr are a new terminal\n"
	"                      of the sandbox's own, its output relayed to kiste's\n"
	"                      stdout (stderr included); a terminal at kiste's stdin is\n"
	"                      raw meanwhile, its size and resizes passed on (shim, vm)\n"
	"  -i, --interactive   with -t: kiste's stdin is typed into that terminal (without\n"
	"                      -i it gets no input, as podman's -t); without -t stdin is\n"
	"                      the workload's as it is either way\n"
	"  -h, --help          show this help (with --mode: that mode's)\n";

/* Which common option a kiste_run_opt bit is, for the "not in this mode" line. */
static const struct {
	unsigned int bit;
	const char *name;
} opt_bits[] = {
	{ KISTE_OPT_NAME, "--name" },	{ KISTE_OPT_MEMORY, "--memory" },
	{ KISTE_OPT_CPUS, "--cpus" },	{ KISTE_OPT_TIMEOUT, "--timeout" },
	{ KISTE_OPT_USER, "--user" },	{ KISTE_OPT_ENV, "--env" },
	{ KISTE_OPT_CWD, "--cwd (-w, --workdir)" },	{ KISTE_OPT_ROOTFS, "--rootfs" },
	{ KISTE_OPT_PIDS, "--pids-limit" }, { KISTE_OPT_HOSTNAME, "--hostname" },
	{ KISTE_OPT_TTY, "-t (--tty)" },
};

/* A mode's own option as seen on the command line, applied once the mode is known. */
struct mode_arg {
	const char *name;
	const char *arg;
};

struct parse {
	const struct kiste_mode_ops *const *modes;
	struct option *table;	/* common + every mode's own, deduplicated by name */
	size_t ntable;
	struct mode_arg *margs;
	size_t nmargs;
	unsigned int given;	/* enum kiste_run_opt bits seen */
	const char *mode_name;
	const char *memory, *cpus, *pids;	/* checked against the mode's ranges at the end */
	const char *network;	/* as given, for the "not in this mode" line */
};

int kiste_sandbox_name_check(const char *name, struct kiste_err *err)
{
	if (!kiste_name_valid(name) || strspn(name, "0123456789") == strlen(name))
		return kiste_err_set(err, -EINVAL, "bad --name '%s': use " KISTE_NAME_RULE ", "
				     "not only digits", name);
	return 0;
}

int kiste_run_name_check(const char *name, struct kiste_err *err)
{
	if (kiste_sandbox_name_check(name, NULL) < 0 || strlen(name) > KISTE_RUN_NAME_MAX)
		return kiste_err_set(err, -EINVAL, "bad --name '%s': use 1-%d characters of A-Z "
				     "a-z 0-9 _ + . -, not only digits", name, KISTE_RUN_NAME_MAX);
	return 0;
}

int kiste_parse_u32(const char *s, uint32_t min, uint32_t max, uint32_t *out)
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
	if (v < min)
		return -ERANGE;
	*out = (uint32_t)v;
	return 0;
}

/* "2", "0.5", "1.25": thousandths of a CPU, 1..1048576 CPUs. */
static int parse_milli(const char *s, uint32_t *out)
{
	uint32_t whole = 0, frac = 0, scale = 100;
	const char *dot = strchr(s, '.');
	char w[16];
	size_t n = dot ? (size_t)(dot - s) : strlen(s);

	if (n >= sizeof(w) || (!n && !dot))
		return -EINVAL;
	memcpy(w, s, n);
	w[n] = 0;
	if (n && kiste_parse_u32(w, 0, 1u << 20, &whole) < 0)
		return -EINVAL;
	if (dot) {
		if (!dot[1] || strlen(dot + 1) > 3)
			return -EINVAL;
		for (s = dot + 1; *s; s++, scale /= 10) {
			if (*s < '0' || *s > '9')
				return -EINVAL;
			frac += (uint32_t)(*s - '0') * scale;
		}
	}
	if (!whole && !frac)
		return -EINVAL;
	*out = whole * 1000 + frac;
	return 0;
}

static int parse_user(const char *s, struct kiste_run_opts *o, struct kiste_err *err)
{
	const char *colon = strchr(s, ':');
	char uid[16];
	size_t n = colon ? (size_t)(colon - s) : strlen(s);

	/* 4294967295 is (uid_t)-1, "no change" to every id call: never an identity. */
	if (n == 0 || n >= sizeof(uid))
		goto bad;
	memcpy(uid, s, n);
	uid[n] = 0;
	if (kiste_parse_u32(uid, 0, 0xfffffffeu, &o->uid) < 0)
		goto bad;
	o->gid = o->uid;
	if (colon && kiste_parse_u32(colon + 1, 0, 0xfffffffeu, &o->gid) < 0)
		goto bad;
	o->user_set = true;
	return 0;
bad:
	return kiste_err_set(err, -EINVAL,
			     "kiste run: bad --user '%s': use UID or UID:GID, numbers 0..4294967294",
			     s);
}

static int parse_network(struct parse *p, const char *arg, struct kiste_run_opts *o,
			 struct kiste_err *err)
{
	p->network = arg;
	if (!strcmp(arg, "none")) {
		o->network = KISTE_NET_NONE;
	} else if (!strcmp(arg, "pasta")) {
		o->network = KISTE_NET_PASTA;
	} else if (!strncmp(arg, "ns:", 3) && arg[3] == '/') {
		o->network = KISTE_NET_NS;
		o->netns_path = arg + 3;
	} else if (!strncmp(arg, "ns:", 3)) {
		return kiste_err_set(err, -EINVAL,
				     "kiste run: bad --network '%s': give ns: an absolute path, e.g. "
				     "ns:/run/netns/NAME",
				     arg);
	} else {
		return kiste_err_set(err, -EINVAL,
				     "kiste run: bad --network '%s': use none, pasta or ns:PATH", arg);
	}
	return 0;
}

static int add_env(const char *kv, struct kiste_run_opts *o, const char *what,
		   struct kiste_err *err)
{
	if (kv[0] == '=' || !strchr(kv, '='))
		return kiste_err_set(err, -EINVAL,
				     "kiste run: bad %s '%s': use K=V with a name K", what, kv);
	if (o->nenv == KISTE_RUN_ENV_MAX)
		return kiste_err_set(err, -E2BIG, "kiste run: more than %d --env: use fewer",
				     KISTE_RUN_ENV_MAX);
	o->env[o->nenv++] = kv;
	return 0;
}

/*
 * --env-file FILE as podman and docker read it: a line K=V adds it, a bare K
 * takes the caller's value (nothing when the caller has none), lines that
 * are blank or start with # are skipped.  The strings live as long as the run.
 */
static int env_file(const char *path, struct kiste_run_opts *o, struct kiste_err *err)
{
	FILE *f = fopen(path, "re");
	char *line = NULL, *kv, *val;
	size_t cap = 0, n, lineno = 0;
	ssize_t len;
	int ret = 0;

	if (!f)
		return kiste_err_set(err, -errno, "kiste run: --env-file %s: %s: give a readable "
				     "file of K=V lines", path, strerror(errno));
	while (ret == 0 && (len = getline(&line, &cap, f)) >= 0) {
		lineno++;
		if (len && line[len - 1] == '\n')
			line[--len] = 0;
		n = strspn(line, " \t");
		if (!line[n] || line[n] == '#')
			continue;
		if (strlen(line) != (size_t)len) {
			ret = kiste_err_set(err, -EINVAL, "kiste run: --env-file %s: line %zu holds "
					    "a NUL byte: give text", path, lineno);
			break;
		}
		if (line[0] == '=') {
			ret = kiste_err_set(err, -EINVAL, "kiste run: --env-file %s: line %zu: give "
					    "K=V with a name K", path, lineno);
			break;
		}
		if (!strchr(line, '=')) {
			val = getenv(line);
			if (!val)
				continue;
			if (asprintf(&kv, "%s=%s", line, val) < 0)
				kv = NULL;
		} else {
			kv = strdup(line);
		}
		if (!kv) {
			ret = kiste_err_set(err, -ENOMEM, "out of memory");
			break;
		}
		ret = add_env(kv, o, "--env-file line", err);
		if (ret < 0)
			free(kv);
		else
			o->env_owned[o->nenv_owned++] = kv;
	}
	free(line);
	fclose(f);
	return ret;
}

/* A host name as sethostname takes it and DNS names are written: 1-64 of A-Z a-z 0-9 - . */
static int parse_hostname(const char *arg, struct kiste_run_opts *o, struct kiste_err *err)
{
	size_t n = strlen(arg);

	if (!n || n > 64 || strspn(arg, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
				   "0123456789-.") != n || arg[0] == '-' || arg[0] == '.')
		return kiste_err_set(err, -EINVAL,
				     "kiste run: bad --hostname '%.80s': use 1-64 of A-Z a-z 0-9 - ., "
				     "starting with a letter or digit", arg);
	o->hostname = arg;
	return 0;
}

/* One common option; the size ranges wait for the mode (parse_finish). */
static int common_opt(struct parse *p, int c, const char *arg, struct kiste_run_opts *o,
		      struct kiste_err *err)
{
	switch (c) {
	case O_MODE:
		p->mode_name = arg;
		return 0;
	case O_NAME:
		p->given |= KISTE_OPT_NAME;
		o->name = arg;
		if (kiste_run_name_check(arg, err) < 0)
			return kiste_err_prefix(err, "kiste run");
		return 0;
	case O_MEMORY:
		p->given |= KISTE_OPT_MEMORY;
		p->memory = arg;
		o->memory_set = true;
		if (kiste_size_parse(arg, &o->memory, err) < 0)
			return kiste_err_prefix(err, "kiste run: --memory");
		return 0;
	case O_CPUS:
		p->given |= KISTE_OPT_CPUS;
		p->cpus = arg;
		if (parse_milli(arg, &o->cpus_milli) < 0)
			return kiste_err_set(err, -EINVAL,
					     "kiste run: bad --cpus '%s': give a number of CPUs > 0, "
					     "e.g. 2 or 0.5",
					     arg);
		o->cpus = (o->cpus_milli + 999) / 1000;
		return 0;
	case O_PIDS:
		p->given |= KISTE_OPT_PIDS;
		p->pids = arg;
		if (kiste_parse_u32(arg, 1, KISTE_RUN_PIDS_MAX, &o->pids_limit) < 0)
			return kiste_err_set(err, -EINVAL,
					     "kiste run: bad --pids-limit '%s': give a whole number "
					     "1..%u",
					     arg, KISTE_RUN_PIDS_MAX);
		return 0;
	case O_TIMEOUT:
		p->given |= KISTE_OPT_TIMEOUT;
		if (kiste_parse_u32(arg, 1, KISTE_RUN_TIMEOUT_MAX, &o->timeout_s) < 0)
			return kiste_err_set(err, -EINVAL,
					     "kiste run: bad --timeout '%s': use whole seconds, 1..%u",
					     arg, KISTE_RUN_TIMEOUT_MAX);
		return 0;
	case O_USER:
		p->given |= KISTE_OPT_USER;
		return parse_user(arg, o, err);
	case O_ENV:
		p->given |= KISTE_OPT_ENV;
		return add_env(arg, o, "--env", err);
	case O_ENV_FILE:
		p->given |= KISTE_OPT_ENV;
		return env_file(arg, o, err);
	case O_HOSTNAME:
		p->given |= KISTE_OPT_HOSTNAME;
		return parse_hostname(arg, o, err);
	case O_CWD:
		p->given |= KISTE_OPT_CWD;
		if (arg[0] != '/')
			return kiste_err_set(err, -EINVAL,
					     "kiste run: bad --cwd (-w, --workdir) '%s': give an "
					     "absolute path", arg);
		o->cwd = arg;
		return 0;
	case O_ROOTFS:
		p->given |= KISTE_OPT_ROOTFS;
		if (!arg[0])
			return kiste_err_set(err, -EINVAL,
					     "kiste run: empty --rootfs: give a directory");
		o->rootfs = arg;
		return 0;
	case O_HELP:
		o->help = true;
		return 0;
	case O_NETWORK:
		return parse_network(p, arg, o, err);
	case O_PUBLISH:
		return kiste_publish_parse(arg, o, err);
	case O_TTY:
		p->given |= KISTE_OPT_TTY;
		o->tty = true;
		return 0;
	case O_INTERACTIVE:
		o->interactive = true;
		return 0;
	}
	return -EINVAL;
}

static bool table_has(const struct parse *p, const char *name)
{
	size_t i;

	for (i = 0; i < p->ntable; i++)
		if (!strcmp(p->table[i].name, name))
			return true;
	return false;
}

/* common_opts, then every mode's own once each; a mode option's val is its table index. */
static int table_build(struct parse *p, struct kiste_err *err)
{
	const struct option *mo;
	size_t n = NCOMMON + 1, m;

	for (m = 0; p->modes[m]; m++)
		for (mo = p->modes[m]->opts; mo && mo->name; mo++)
			n++;
	p->table = calloc(n, sizeof(*p->table));
	if (!p->table)
		return kiste_err_set(err, -ENOMEM, "out of memory");
	memcpy(p->table, common_opts, sizeof(common_opts));
	p->ntable = NCOMMON;
	for (m = 0; p->modes[m]; m++) {
		for (mo = p->modes[m]->opts; mo && mo->name; mo++) {
			if (table_has(p, mo->name))
				continue;
			p->table[p->ntable] = *mo;
			p->table[p->ntable].flag = NULL;
			p->table[p->ntable].val = KISTE_MODE_OPT_BASE + (int)p->ntable;
			p->ntable++;
		}
	}
	return 0;
}

static int getopt_error(int c, char **argv, struct kiste_err *err)
{
	const char *arg = optind > 0 ? argv[optind - 1] : "";

	if (c == ':')
		return kiste_err_set(err, -EINVAL,
				     "kiste run: option '%.*s' needs a value: see 'kiste run --help'",
				     (int)strcspn(arg, "="), arg);
	return kiste_err_set(err, -EINVAL, "kiste run: unknown option '%.*s': see 'kiste run --help'",
			     (int)strcspn(arg, "="), arg);
}

static const struct option *mode_opt(const struct kiste_mode_ops *m, const char *name)
{
	const struct option *mo;

	for (mo = m->opts; mo && mo->name; mo++)
		if (!strcmp(mo->name, name))
			return mo;
	return NULL;
}

/* The mode is known: its ranges, its refusals, its own options. */
static int parse_finish(struct parse *p, struct kiste_run_args *a, struct kiste_err *err)
{
	const struct kiste_mode_ops *m = a->mode;
	const struct kiste_run_limits *l = m->limits;
	struct kiste_run_opts *o = &a->o;
	const struct option *mo;
	size_t i;
	int ret;

	if ((p->given & KISTE_OPT_TTY) && !(l->accepts & KISTE_OPT_TTY))
		return kiste_err_set(err, -EINVAL,
				     "kiste run --mode=%s: -t needs a terminal in the sandbox, and "
				     "%s: drop -t (the workload then shares kiste's stdin, stdout "
				     "and terminal as they are)", m->name,
				     l->no_tty ? l->no_tty : "this mode has none");
	for (i = 0; i < sizeof(opt_bits) / sizeof(opt_bits[0]); i++)
		if ((p->given & opt_bits[i].bit) && !(l->accepts & opt_bits[i].bit))
			return kiste_err_set(err, -EINVAL,
					     "kiste run: %s does not apply to %s mode: leave it out",
					     opt_bits[i].name, m->name);
	if (o->network != KISTE_NET_NONE && !(l->networks & (1u << o->network)))
		return kiste_err_set(err, -EINVAL,
				     "kiste run: --network %s is not supported in %s mode yet: use "
				     "--network none or another mode",
				     p->network, m->name);
	if (o->npublish && !(l->networks & (1u << KISTE_NET_PASTA)))
		return kiste_err_set(err, -EINVAL,
				     "kiste run: -p is not supported in %s mode yet: leave it out",
				     m->name);
	if (o->npublish && o->network != KISTE_NET_PASTA)
		return kiste_err_set(err, -EINVAL,
				     "kiste run: -p publishes ports through pasta: add --network pasta");
	if (p->memory && (o->memory < l->memory_min || o->memory > l->memory_max))
		return kiste_err_set(err, -EINVAL,
				     "kiste run: --memory %s is out of range for %s mode: use "
				     "%lluM..%lluM",
				     p->memory, m->name, (unsigned long long)(l->memory_min >> 20),
				     (unsigned long long)(l->memory_max >> 20));
	if (!p->memory)
		o->memory = l->memory_default;
	if (p->cpus && (o->cpus > l->cpus_max || (l->cpus_whole && o->cpus_milli % 1000)))
		return kiste_err_set(err, -EINVAL,
				     "kiste run: --cpus %s is out of range for %s mode: use %s1..%u",
				     p->cpus, m->name, l->cpus_whole ? "a whole number " : "",
				     l->cpus_max);
	if (!p->cpus) {
		o->cpus = l->cpus_default;
		o->cpus_milli = l->cpus_default * 1000;
	}
	if (!p->pids)
		o->pids_limit = l->pids_default;
	a->mo = calloc(1, m->opts_size ? m->opts_size : 1);
	if (!a->mo)
		return kiste_err_set(err, -ENOMEM, "out of memory");
	for (i = 0; i < p->nmargs; i++) {
		mo = mode_opt(m, p->margs[i].name);
		if (!mo)
			return kiste_err_set(err, -EINVAL,
					     "kiste run: --%s is not an option of %s mode: see "
					     "'kiste run --mode=%s --help'",
					     p->margs[i].name, m->name, m->name);
		ret = m->opt(a->mo, mo->val, p->margs[i].arg, err);
		if (ret < 0)
			return ret;
	}
	return 0;
}

static int parse_args(struct parse *p, int argc, char **argv, struct kiste_run_args *a,
		      struct kiste_err *err)
{
	struct kiste_err later;
	int c, ret, first = 0;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:hp:e:w:v:tiu:m:", p->table, NULL)) != -1) {
		/* After the first error, keep scanning for --help and --mode only. */
		struct kiste_err *e = first ? &later : err;

		ret = 0;
		if (c == 'h')
			c = O_HELP;
		else if (c == 'p')
			c = O_PUBLISH;
		else if (c == 'e')
			c = O_ENV;
		else if (c == 'w')
			c = O_CWD;
		else if (c == 't')
			c = O_TTY;
		else if (c == 'i')
			c = O_INTERACTIVE;
		else if (c == 'u')
			c = O_USER;
		else if (c == 'm')
			c = O_MEMORY;
		/* podman's -v: the mode's own --volume (parse_finish names a mode without one). */
		if (c == 'v')
			p->margs[p->nmargs++] = (struct mode_arg){ "volume", optarg };
		else if (c == '?' || c == ':')
			ret = getopt_error(c, argv, e);
		else if (c >= KISTE_MODE_OPT_BASE)
			p->margs[p->nmargs++] = (struct mode_arg){
				p->table[c - KISTE_MODE_OPT_BASE].name, optarg };
		else
			ret = common_opt(p, c, optarg, &a->o, e);
		if (ret < 0 && !first)
			first = ret;
	}
	a->o.argc = argc - optind;
	a->o.argv = argv + optind;
	return first;
}

const char *kiste_helper_path(const char *name)
{
	static char found[PATH_MAX];
	const char *path = getenv("PATH"), *p, *e;

	for (p = path ? path : "/usr/bin:/bin"; *p; p = *e ? e + 1 : e) {
		e = strchrnul(p, ':');
		if (e == p || (size_t)(e - p) + strlen(name) + 2 > sizeof(found))
			continue;
		snprintf(found, sizeof(found), "%.*s/%s", (int)(e - p), p, name);
		if (found[0] == '/' && access(found, X_OK) == 0)
			return found;
	}
	return NULL;
}

void kiste_helper_child(pid_t parent)
{
	sigset_t none;
	int sig;

	/* The launcher's blocked and ignored signals are not the helper's. */
	for (sig = 1; sig < 65; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			signal(sig, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(127);
}

void kiste_helper_ignore_stops(void)
{
	static const int stops[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
	unsigned int i;

	for (i = 0; i < sizeof(stops) / sizeof(stops[0]); i++)
		signal(stops[i], SIG_IGN);
}

int kiste_volume_parse(struct kiste_volume *v, const char *arg, struct kiste_err *err)
{
	char *c1, *c2;

	if (strlen(arg) >= sizeof(v->buf))
		return kiste_err_set(err, -ENAMETOOLONG, "kiste run: --volume %.40s...: too long",
				     arg);
	snprintf(v->buf, sizeof(v->buf), "%s", arg);
	c1 = strchr(v->buf, ':');
	c2 = c1 ? strchr(c1 + 1, ':') : NULL;
	if (c1)
		*c1 = 0;
	if (c2)
		*c2 = 0;
	v->src = v->buf;
	v->dst = c1 ? c1 + 1 : NULL;
	/* Read-only unless asked for :rw (issue 13: a sandbox writes nothing it was not given). */
	v->ro = !c2 || strcmp(c2 + 1, "rw");
	if (!v->dst || v->src[0] != '/' || v->dst[0] != '/' || strstr(v->dst, "..") ||
	    (c2 && v->ro && strcmp(c2 + 1, "ro")))
		return kiste_err_set(err, -EINVAL, "kiste run: bad --volume '%s': use "
				     "SRC:DST[:ro|:rw] with absolute paths, DST without '..' "
				     "(read-only unless :rw)", arg);
	return 0;
}

int kiste_run_parse(const struct kiste_mode_ops *const *modes, int argc, char **argv,
		    struct kiste_run_args *a, struct kiste_err *err)
{
	struct parse p = { .modes = modes };
	int ret, i;

	*a = (struct kiste_run_args){ 0 };
	ret = table_build(&p, err);
	if (ret < 0)
		return ret;
	p.margs = calloc(argc + 1, sizeof(*p.margs));
	if (!p.margs) {
		free(p.table);
		return kiste_err_set(err, -ENOMEM, "out of memory");
	}
	ret = parse_args(&p, argc, argv, a, err);
	for (i = 0; p.mode_name && modes[i]; i++)
		if (!strcmp(p.mode_name, modes[i]->name))
			a->mode = modes[i];
	if (a->o.help) {
		ret = 0;
	} else if (ret == 0 && !p.mode_name) {
		ret = kiste_err_set(err, -EINVAL,
				    "kiste run: missing --mode: use --mode=shim, vm or unikernel");
	} else if (ret == 0 && !a->mode) {
		ret = kiste_err_set(err, -EINVAL,
				    "kiste run: bad --mode '%s': use shim, vm or unikernel",
				    p.mode_name);
	}
	if (ret == 0 && a->mode) {
		ret = parse_finish(&p, a, err);
		if (ret == 0 && !a->o.help && a->o.argc == 0)
			ret = kiste_err_set(err, -EINVAL,
					    "kiste run: no command given: kiste run --mode=%s [OPTIONS] "
					    "[--] CMD [ARG...]",
					    a->mode->name);
		if (ret == 0 && !a->o.help && a->mode->check)
			ret = a->mode->check(&a->o, a->mo, err);
	}
	if (a->o.help)
		ret = 0;
	free(p.margs);
	free(p.table);
	return ret < 0 ? -EINVAL : 0;
}

void kiste_run_args_free(struct kiste_run_args *a)
{
	free(a->mo);
	a->mo = NULL;
	while (a->o.nenv_owned > 0)
		free(a->o.env_owned[--a->o.nenv_owned]);
}
