// SPDX-License-Identifier: GPL-2.0
// devs.c - binds a unikernel's manifest devices to files and tap devices, before anything starts.
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <net/if.h>
#include <linux/if_tun.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kiste_passt.h"
#include "uk.h"

/* passt for a unikernel: frames no longer than the device's (the relay skips longer ones). */
static const struct kiste_passt_cfg uk_passt = { .mode = "unikernel", .mtu = KISTE_UK_NET_MTU };

static const char *uk_type_flag(uint32_t type)
{
	return type == KISTE_UK_DEV_BLOCK ? "--block" : "--net";
}

static int uk_bind_block(struct kiste_uk_dev *d, bool dry_run, struct kiste_err *err)
{
	struct stat st;
	int fd;

	fd = kiste_open_regular(AT_FDCWD, d->target, dry_run ? O_RDONLY : O_RDWR, &st);
	if (fd < 0 && fd != -EINVAL)
		return kiste_err_set(err, -ENOENT,
				     "block device '%s': cannot open '%s': %s: create "
				     "it first, e.g. truncate -s 1M %s",
				     d->info.name, d->target, strerror(-fd), d->target);
	if (fd < 0)
		return kiste_err_set(err, -EINVAL,
				     "block device '%s': '%s' is not a regular file: "
				     "bind a file",
				     d->info.name, d->target);
	if (st.st_size == 0 || st.st_size % KISTE_UK_BLOCK_SIZE) {
		close(fd);
		return kiste_err_set(
			err, -EINVAL,
			"block device '%s': size of '%s' (%lld bytes) is "
			"not a non-zero multiple of %d: resize it, e.g. truncate -s 1M %s",
			d->info.name, d->target, (long long)st.st_size, KISTE_UK_BLOCK_SIZE,
			d->target);
	}
	d->info.block_size = KISTE_UK_BLOCK_SIZE;
	d->info.capacity = st.st_size;
	if (dry_run)
		close(fd), fd = -1;
	d->fd = fd;
	return 0;
}

/* A net device's MTU and MAC, whatever it is bound to. */
static void uk_net_info(struct kiste_uk_dev *d)
{
	d->info.mtu = KISTE_UK_NET_MTU;
	if (getrandom(d->info.mac, sizeof(d->info.mac), 0) != sizeof(d->info.mac))
		memcpy(d->info.mac, "\x00\x4b\x55\x00\x00\x01", 6);
	d->info.mac[0] = (d->info.mac[0] & 0xfe) | 0x02; /* unicast, locally administered */
}

/*
 * --network pasta: the device is our end of a SOCK_SEQPACKET pair (one frame
 * per message, non-blocking as a tap), the relay's end waits in @p for the
 * relay, and passt is started on its own stream pair.
 */
static int uk_bind_pasta(struct kiste_uk_dev *d, const struct kiste_uk_opts *o,
			 const struct kiste_cgroup *cg, struct kiste_uk_pasta *p, bool dry_run,
			 struct kiste_err *err)
{
	int sv[2];
	pid_t pid;

	uk_net_info(d);
	d->target = "passt";
	d->pasta = true;
	if (dry_run)
		return 0;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return kiste_err_set(err, -errno, "--network pasta: socketpair: %s",
				     strerror(errno));
	fcntl(sv[0], F_SETFL, O_NONBLOCK);
	d->fd = sv[0];
	p->relay_end = sv[1];
	pid = kiste_passt_start(o->run, &uk_passt, cg, &p->stream, &p->passt_err, err);
	if (pid < 0)
		return (int)pid;
	p->passt = pid;
	return 0;
}

static int uk_bind_net(struct kiste_uk_dev *d, bool dry_run, struct kiste_err *err)
{
	struct ifreq ifr = { 0 };
	int fd;

	uk_net_info(d);
	if (dry_run)
		return 0;
	/*
	 * TUNSETIFF would create a missing device when we may: require it to exist,
	 * in this network namespace (sysfs may show another one's devices).
	 */
	if (strlen(d->target) >= IFNAMSIZ || if_nametoindex(d->target) == 0)
		return kiste_err_set(err, -ENODEV,
				     "net device '%s': tap device '%s' does not exist: "
				     "create it with 'ip tuntap add %s mode tap'",
				     d->info.name, d->target, d->target);
	fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return kiste_err_set(err, -ENODEV,
				     "net device '%s': cannot open /dev/net/tun: %s: "
				     "load the tun driver",
				     d->info.name, strerror(errno));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	memcpy(ifr.ifr_name, d->target, strlen(d->target));
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		close(fd);
		return kiste_err_set(err, -ENODEV,
				     "net device '%s': cannot attach to tap '%s': %s: "
				     "check that it is a tap device you may use",
				     d->info.name, d->target, strerror(errno));
	}
	d->fd = fd;
	return 0;
}

static const struct kiste_uk_binding *uk_find_binding(const struct kiste_uk_opts *o,
						      const char *name)
{
	uint32_t i;

	for (i = 0; i < o->nbind; i++)
		if (!strcmp(o->bind[i].name, name))
			return &o->bind[i];
	return NULL;
}

bool kiste_uk_pasta(const struct kiste_uk_opts *o)
{
	return o->run && o->run->network == KISTE_NET_PASTA;
}

/* --network pasta takes the manifest's one net device, which --net does not bind too. */
static int uk_check_pasta(const struct kiste_uk_manifest *mft, const struct kiste_uk_opts *o,
			  struct kiste_err *err)
{
	uint32_t i, nnet = 0, net = 0;

	for (i = 0; i < mft->ndevices; i++)
		if (mft->dev[i].type == KISTE_UK_DEV_NET)
			nnet++, net = i;
	if (nnet == 0)
		return kiste_err_set(err, -EINVAL, "--network pasta: the unikernel declares no "
				     "net device: drop --network pasta");
	if (nnet > 1)
		return kiste_err_set(err, -EINVAL,
				     "--network pasta: the unikernel declares %u net devices and "
				     "pasta attaches exactly one: bind them with --net NAME=TAPDEV "
				     "instead (see 'kiste policy unikernel APP')", nnet);
	if (uk_find_binding(o, mft->dev[net].name))
		return kiste_err_set(err, -EINVAL,
				     "--network pasta and --net %s=...: both bind net device '%s': "
				     "drop one of them", mft->dev[net].name, mft->dev[net].name);
	return 0;
}

/* Every binding names a declared device of the same type. */
static int uk_check_bindings(const struct kiste_uk_manifest *mft, const struct kiste_uk_opts *o,
			     struct kiste_err *err)
{
	uint32_t i, j;

	for (i = 0; i < o->nbind; i++) {
		for (j = 0; j < mft->ndevices; j++)
			if (!strcmp(mft->dev[j].name, o->bind[i].name))
				break;
		if (j == mft->ndevices)
			return kiste_err_set(err, -EINVAL,
					     "%s %s: the unikernel declares no device "
					     "'%s': bind only devices of its manifest (see 'kiste "
					     "policy unikernel APP')",
					     uk_type_flag(o->bind[i].type), o->bind[i].name,
					     o->bind[i].name);
		if (mft->dev[j].type != o->bind[i].type)
			return kiste_err_set(err, -EINVAL,
					     "device '%s' is a %s device: bind it with "
					     "%s %s=...",
					     o->bind[i].name,
					     mft->dev[j].type == KISTE_UK_DEV_BLOCK ? "block"
										    : "net",
					     uk_type_flag(mft->dev[j].type), o->bind[i].name);
	}
	return 0;
}

int kiste_uk_devs_bind(const struct kiste_uk_manifest *mft, const struct kiste_uk_opts *o,
		       const struct kiste_cgroup *cg, bool dry_run, struct kiste_uk_devs *devs,
		       struct kiste_err *err)
{
	const struct kiste_uk_binding *b;
	struct kiste_uk_dev *d;
	uint32_t i;
	int ret;

	*devs = (struct kiste_uk_devs){ .pasta = { .stream = -1, .passt_err = -1,
						   .relay_end = -1 } };
	ret = uk_check_bindings(mft, o, err);
	if (ret == 0 && kiste_uk_pasta(o))
		ret = uk_check_pasta(mft, o, err);
	for (i = 0; i < mft->ndevices && ret == 0; i++) {
		d = &devs->dev[i];
		d->fd = -1;
		memcpy(d->info.name, mft->dev[i].name, sizeof(d->info.name));
		d->info.type = mft->dev[i].type;
		d->info.handle = i;
		b = uk_find_binding(o, d->info.name);
		if (!b && d->info.type == KISTE_UK_DEV_NET && kiste_uk_pasta(o)) {
			devs->ndev = i + 1;
			ret = uk_bind_pasta(d, o, cg, &devs->pasta, dry_run, err);
			continue;
		}
		if (!b) {
			ret = kiste_err_set(err, -EINVAL,
					    "%s device '%s' is not bound: add %s %s=%s%s",
					    d->info.type == KISTE_UK_DEV_BLOCK ? "block" : "net",
					    d->info.name, uk_type_flag(d->info.type), d->info.name,
					    d->info.type == KISTE_UK_DEV_BLOCK ? "FILE" : "TAPDEV",
					    d->info.type == KISTE_UK_DEV_NET && o->run ?
					    " (or --network pasta)" : "");
			break;
		}
		d->target = b->target;
		devs->ndev = i + 1;
		if (d->info.type == KISTE_UK_DEV_BLOCK)
			ret = uk_bind_block(d, dry_run, err);
		else
			ret = uk_bind_net(d, dry_run, err);
	}
	if (ret < 0) {
		kiste_uk_devs_close(devs);
		kiste_uk_pasta_end(devs);
	}
	return ret;
}

void kiste_uk_devs_close(struct kiste_uk_devs *devs)
{
	uint32_t i;

	for (i = 0; i < devs->ndev; i++) {
		if (devs->dev[i].fd >= 0)
			close(devs->dev[i].fd);
		devs->dev[i].fd = -1;
	}
	if (devs->pasta.stream >= 0)
		close(devs->pasta.stream);
	if (devs->pasta.passt_err >= 0)
		close(devs->pasta.passt_err);
	if (devs->pasta.relay_end >= 0)
		close(devs->pasta.relay_end);
	devs->pasta.stream = devs->pasta.passt_err = devs->pasta.relay_end = -1;
}

/*
 * The relay ends by itself once the unikernel's end is closed, after passt
 * has read the unikernel's last frames, and passt then with its one client:
 * each gets two seconds for that (the relay's own wait is one), then SIGKILL.
 */
void kiste_uk_pasta_end(struct kiste_uk_devs *devs)
{
	pid_t *pids[] = { &devs->pasta.relay, &devs->pasta.passt };
	unsigned int i, t;
	int st = 0;

	for (i = 0; i < 2; i++) {
		if (*pids[i] <= 0)
			continue;
		for (t = 0; t < 200 && waitpid(*pids[i], &st, WNOHANG) == 0; t++)
			usleep(10000);
		if (t == 200) {
			kill(*pids[i], SIGKILL);
			waitpid(*pids[i], NULL, 0);
		} else if (i == 0 && WIFSIGNALED(st)) {
			/* its filter's kill (SIGSYS) is ours to fix, not the unikernel's */
			fprintf(stderr, "kiste: the network relay died of signal %d: report this "
				"as a kiste bug\n", WTERMSIG(st));
		}
		*pids[i] = 0;
	}
}
