// SPDX-License-Identifier: GPL-2.0
// oci_exec.c - kiste exec: a new process in a running shim or vm container (runc's exec).
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kiste_exec.h"
#include "kiste_run.h"
#include "exec_standin.h"
#include "oci.h"
#include "oci_exec.h"
#include "../shim/relay.h"

/*
 * The container's init forks the process (shim/execsrv.c), so it is one of
 * the container's own: its namespaces, cgroup, root, Landlock rules, limits
 * and filters, its own guest kernel, reaped by the init.  This command sends
 * the request with its descriptors 0-2 (and --preserve-fds more), then stays
 * as the process's stand-in: signals it gets go on to the process, and it
 * ends with the process's status.  With --detach a child of it is that
 * stand-in, and --pid-file names it (an engine waits for and signals that
 * pid, as conmon does): the process itself is the init's child, in another
 * pid namespace.
 *
 * Its descriptors 0-2 go as `kiste run` passes them to its workload
 * (shim/relay.c, README.md "Descriptors 0-2"): one naming a file, folder,
 * device or named FIFO whose metadata the sandbox could change becomes a
 * pipe, and the stand-in moves the bytes until the process's status.  -d
 * leaves no kiste to move them (its stand-in child holds none of the
 * caller's streams): such a descriptor is refused with the fix named, as is
 * one of --preserve-fds (3 and up, whose direction and use nothing tells).
 *
 * vm mode's VMM serves the socket for its guest (KISTE_EXEC_F_STREAM): no
 * descriptor crosses into a guest, so the request carries none and the
 * stand-in moves the process's stdio over the connection itself, the
 * detached one too (which so keeps the caller's 0-2); a --console-socket
 * gets a terminal of the host's whose other end the stand-in relays.
 * Its options are parsed in oci_exec_parse.c.
 */

/* Appends @s and its NUL to the request's strings. */
static int put(char *buf, size_t *len, const char *s, struct kiste_err *err)
{
	size_t n = strlen(s) + 1;

	if (*len + n > KISTE_EXEC_STRINGS_MAX)
		return kiste_err_set(err, -E2BIG, "the command, its environment and cwd are over "
				     "%d bytes: shorten them", KISTE_EXEC_STRINGS_MAX);
	memcpy(buf + *len, s, n);
	*len += n;
	return 0;
}

/* K=V of @env replaced by or added from @add, as runc's --env over the config's. */
static const char **merge_env(const struct kiste_oci_strv *base, const char *const *add,
			      int nadd, size_t *n)
{
	const char **v = calloc(base->n + (size_t)nadd + 1, sizeof(char *));
	size_t k = 0, j;
	int i;

	if (!v)
		return NULL;
	for (j = 0; j < base->n; j++)
		v[k++] = base->v[j];
	for (i = 0; i < nadd; i++) {
		size_t key = (size_t)(strchr(add[i], '=') - add[i]) + 1;

		for (j = 0; j < k && strncmp(v[j], add[i], key); j++)
			;
		v[j] = add[i];
		if (j == k)
			k++;
	}
	*n = k;
	return v;
}

/* The request: the process as the config (or --process) says, with the options over it. */
static int build(const struct oci_exec_opts *o, const struct kiste_oci_process *pr,
		 struct kiste_exec_req *h, char *buf, struct kiste_err *err)
{
	const char **env;
	size_t len = 0, nenv, i;
	int ret = put(buf, &len, o->cwd ? o->cwd : pr->cwd, err);

	h->argc = o->process ? (uint32_t)pr->args.n : (uint32_t)o->nargs;
	for (i = 0; ret == 0 && i < h->argc; i++)
		ret = put(buf, &len, o->process ? pr->args.v[i] : o->args[i], err);
	env = merge_env(&pr->env, o->env, o->nenv, &nenv);
	if (!env)
		return kiste_err_set(err, -ENOMEM, "out of memory");
	for (i = 0; ret == 0 && i < nenv; i++)
		ret = put(buf, &len, env[i], err);
	free(env);
	if (h->argc > KISTE_EXEC_ARGS_MAX || nenv > KISTE_EXEC_ARGS_MAX)
		return kiste_err_set(err, -E2BIG, "more than %d arguments or environment "
				     "variables: give fewer", KISTE_EXEC_ARGS_MAX);
	h->magic = KISTE_EXEC_MAGIC;
	h->len = (uint32_t)len;
	h->envc = (uint32_t)nenv;
	h->uid = o->user_set ? o->uid : pr->uid;
	h->gid = o->user_set ? o->gid : pr->gid;
	h->flags = KISTE_EXEC_F_USER;
	/* vm mode: no descriptor crosses into a guest; stdio goes over the connection. */
	h->flags |= o->stream ? KISTE_EXEC_F_STREAM : 0;
	h->nfds = o->stream ? 0 : 3 + (uint32_t)o->preserve_fds;
	if (o->console_socket || o->relay_tty) {
		h->flags |= KISTE_EXEC_F_TTY;
		h->nfds += o->stream ? 0 : 1;
		h->rows = pr->console_rows;
		h->cols = pr->console_cols;
	}
	return ret;
}

/*
 * Sends the request with descriptors 0..nfds-1 (a closed one of 0-2 as
 * /dev/null), the last of them @console when there is a terminal; of 0-2,
 * the relay's pipe where @relay has one (an O_PATH one as /dev/null).  No
 * descriptors (F_STREAM): no SCM_RIGHTS at all.
 */
static int send_req(int sock, const struct kiste_exec_req *h, const char *buf, int console,
		    const struct shim_relay *relay, struct kiste_err *err)
{
	union {
		char b[CMSG_SPACE(sizeof(int) * KISTE_EXEC_FDS_MAX)];
		struct cmsghdr align;
	} cm;
	struct iovec iov[2] = { { (void *)h, sizeof(*h) }, { (void *)buf, h->len } };
	struct msghdr msg = { .msg_iov = iov, .msg_iovlen = 2, .msg_control = cm.b,
			      .msg_controllen = CMSG_SPACE(sizeof(int) * h->nfds) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	int fds[KISTE_EXEC_FDS_MAX], null = -1, ret = 0;
	uint32_t i;

	for (i = 0; i < h->nfds; i++) {
		fds[i] = (int)i;
		if (console >= 0 && i == h->nfds - 1) {
			fds[i] = console;
			continue;
		}
		if (i < 3 && relay)
			fds[i] = shim_relay_exec_fd(relay, (int)i);
		if (fds[i] != (int)i && fds[i] >= 0)
			continue;
		if (fds[i] >= 0 && fcntl((int)i, F_GETFD) >= 0)
			continue;
		if (i >= 3)
			return kiste_err_set(err, -EBADF, "--preserve-fds: descriptor %u is not "
					     "open: give only open ones", i);
		if (null < 0)
			null = open("/dev/null", O_RDWR | O_CLOEXEC);
		fds[i] = null;
	}
	memset(cm.b, 0, sizeof(cm.b));
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int) * h->nfds);
	memcpy(CMSG_DATA(c), fds, sizeof(int) * h->nfds);
	if (!h->nfds) {
		msg.msg_control = NULL;
		msg.msg_controllen = 0;
	}
	if (sendmsg(sock, &msg, MSG_NOSIGNAL) < 0)
		ret = kiste_err_set(err, -errno, "cannot send the exec request to the container's "
				    "init: %s", strerror(errno));
	if (null >= 0)
		close(null);
	return ret;
}

/*
 * Without a terminal: the relay's plan for 0-2 (relay.c's rule), and the
 * refusals where nothing could relay.  The relay has nothing when @tty.
 */
static int relay_setup(const struct oci_exec_opts *o, bool tty, struct shim_relay *r,
		       struct kiste_err *err)
{
	static const char *const names[3] = { "standard input", "standard output",
					       "standard error" };
	bool host_root = kiste_host_root();
	int fd, k;

	for (fd = 3; fd < 3 + o->preserve_fds; fd++) {
		k = shim_relay_changeable(fd, o->init, host_root);
		if (k > 0)
			return kiste_err_set(err, -EPERM, "--preserve-fds: descriptor %d is a "
					     "file, folder, device or named FIFO whose mode, owner, "
					     "times or xattrs the container could change: pass it "
					     "through a pipe (%d< <(cat FILE), %d> >(cat >FILE)) or "
					     "leave it out", fd, fd, fd);
	}
	if (tty) {
		memset(r, 0, sizeof(*r));
		return 0;
	}
	k = shim_relay_exec_plan(r, o->init, host_root, err);
	for (fd = 0; k == 0 && o->detach && fd < 3; fd++)
		if (shim_relay_exec_fd(r, fd) != fd)
			k = kiste_err_set(err, -EPERM, "-d: %s is a file, folder, device or named "
					  "FIFO whose mode, owner, times or xattrs the container "
					  "could change, and a detached exec leaves no kiste to "
					  "relay it: give it through a pipe (| cat >>FILE, < <(cat "
					  "FILE)) or run in the foreground", names[fd]);
	if (k < 0)
		shim_relay_exec_free(r);
	return k;
}

/* One exec's descriptors besides its connection, from the request to the stand-in. */
struct exec_io {
	struct shim_relay relay;	/* shim: the caller's 0-2 relayed (relay_setup) */
	bool relay_on;
	int console;			/* shim: the request's last descriptor, or -1 */
	int tsock;			/* shim, a named run's -t: where the master comes, or -1 */
	struct exec_stream st;		/* vm: what the stand-in moves over the connection */
};

static void io_free(struct exec_io *io)
{
	if (io->relay_on)
		shim_relay_exec_free(&io->relay);
	if (io->console >= 0)
		close(io->console);
	if (io->tsock >= 0)
		close(io->tsock);
	if (io->st.console >= 0)
		close(io->st.console);
	io->relay_on = false;
	io->console = io->tsock = io->st.console = -1;
}

/*
 * vm mode: the process's stdio as the stand-in moves it.  Without a terminal
 * the caller's 0-2; a named run's -t the caller's terminal (its input with
 * -i only: a shell given no input waits, as docker exec -t's); a
 * --console-socket a terminal of the host's whose master the engine gets.
 */
static int stream_setup(const struct oci_exec_opts *o, const struct kiste_oci_process *pr,
			struct exec_stream *st, sigset_t *waitmask, struct kiste_err *err)
{
	int slave;

	if (o->preserve_fds)
		return kiste_err_set(err, -EINVAL, "vm mode cannot hand descriptors into its "
				     "guest: leave --preserve-fds out");
	*st = (struct exec_stream){ .in = 0, .out = { 1, 2 }, .console = -1,
				    .tty = o->console_socket || o->relay_tty,
				    .rows = pr->console_rows, .cols = pr->console_cols };
	if (o->console_socket) {
		slave = exec_stream_console(o->console_socket, pr->console_rows,
					    pr->console_cols, err);
		if (slave < 0)
			return slave;
		st->console = st->in = st->out[0] = st->out[1] = slave;
	} else if (o->relay_tty) {
		st->caller_tty = true;
		st->in = o->interactive ? 0 : -1;
		exec_forward_winch(waitmask);
	}
	return 0;
}

/*
 * The process's stdio: shim's descriptors for the request (the relay's
 * pipes, a terminal's socket), or vm's streams for the stand-in.  @io comes
 * empty (run_exec) and is io_free's on failure too.
 */
static int io_setup(const struct oci_exec_opts *o, const struct kiste_oci_process *pr,
		    struct exec_io *io, sigset_t *waitmask, struct kiste_err *err)
{
	int sv[2], ret;

	if (o->stream)
		return stream_setup(o, pr, &io->st, waitmask, err);
	ret = relay_setup(o, o->console_socket || o->relay_tty, &io->relay, err);
	if (ret < 0)
		return ret;
	io->relay_on = true;
	if (o->console_socket) {
		io->console = kiste_console_connect(o->console_socket, err);
		return io->console < 0 ? io->console : 0;
	}
	if (!o->relay_tty)
		return 0;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return kiste_err_set(err, -errno, "cannot make the terminal's socket: %s",
				     strerror(errno));
	io->tsock = sv[0];
	io->console = sv[1];
	exec_forward_winch(waitmask);
	return 0;
}

/*
 * How long a signal that comes before the answer waits for it: held, it goes
 * on to the process once that runs (exec_forward_setup); should the answer
 * never come (a guest that stopped answering), kiste exec gives up this long
 * after it instead of waiting for SIGKILL.
 */
#define EXEC_ANSWER_GRACE_S 5

/*
 * The answer to the request, waited for with @waitmask's signals caught:
 * recv's result, or -1 with *@gave_up the signal that waited in vain.
 */
static ssize_t answer(int sock, struct kiste_exec_msg *m, const sigset_t *waitmask, int *gave_up)
{
	const struct timespec tick = { .tv_sec = 1 };
	struct pollfd p = { .fd = sock, .events = POLLIN };
	struct timespec now, since;
	bool waiting = false;
	ssize_t n;

	for (;;) {
		n = recv(sock, m, sizeof(*m), MSG_DONTWAIT);
		if (n >= 0 || (errno != EAGAIN && errno != EINTR))
			return n;
		ppoll(&p, 1, &tick, waitmask);
		if (!exec_signal_waiting())
			continue;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (!waiting)
			since = now;
		waiting = true;
		if ((now.tv_sec - since.tv_sec) * 1000 + (now.tv_nsec - since.tv_nsec) / 1000000 >=
		    EXEC_ANSWER_GRACE_S * 1000)
			break;
	}
	*gave_up = exec_signal_waiting();
	return -1;
}

/* Sends the request and reads the answer: *@pid the process's in the container. */
static int ask(int sock, const struct kiste_exec_req *h, const char *buf, struct exec_io *io,
	       int *pid, const sigset_t *waitmask, struct kiste_err *err)
{
	struct kiste_exec_msg m;
	int ret = send_req(sock, h, buf, io->console, &io->relay, err), gave_up = 0;
	ssize_t n;

	shim_relay_exec_sent(&io->relay);
	if (io->console >= 0)
		close(io->console);
	io->console = -1;
	/* The init refused before it read the request (all its sessions taken): its answer waits. */
	if (ret == -EPIPE || ret == -ECONNRESET) {
		ret = 0;
		n = recv(sock, &m, sizeof(m), MSG_DONTWAIT);
	} else {
		n = ret < 0 ? 0 : answer(sock, &m, waitmask, &gave_up);
	}
	/* The init answered and closed before it read the request: the answer is next. */
	if (n < 0 && errno == ECONNRESET)
		n = recv(sock, &m, sizeof(m), MSG_DONTWAIT);
	if (ret == 0 && gave_up) {
		ret = kiste_err_set(err, -ETIMEDOUT, "the container did not answer the exec request "
				    "within %d s of %s: gave up (a guest that stopped answering? "
				    "kiste kill ends the container)", EXEC_ANSWER_GRACE_S,
				    strsignal(gave_up));
	} else if (ret == 0 && n != (ssize_t)sizeof(m)) {
		ret = kiste_err_set(err, -ECHILD, "the container did not answer the exec "
				    "request: the container stopped");
	} else if (ret == 0 && m.kind == KISTE_EXEC_ERROR) {
		/* The server's line (vm mode: a guest had a hand in it): no terminal escapes. */
		m.text[sizeof(m.text) - 1] = 0;
		ret = kiste_err_set(err, m.value < 0 ? m.value : -EINVAL, "%s",
				    kiste_printable(m.text));
	} else if (ret == 0 && m.kind != KISTE_EXEC_STARTED) {
		ret = kiste_err_set(err, -EPROTO, "the container answered %d: a kiste of "
				    "another version made it", m.kind);
	}
	*pid = m.value;
	return ret;
}

/* The process runs: this process is its stand-in, to its end. */
static void __attribute__((noreturn)) stand_in(const struct oci_exec_opts *o, struct exec_io *io,
					       int sock, const char *what,
					       const sigset_t *waitmask)
{
	fflush(NULL);
	if (o->stream)
		_exit(exec_stand_in_stream(sock, &io->st, what, waitmask));
	if (o->relay_tty)
		_exit(exec_stand_in_tty(sock, io->tsock, o->interactive, what, waitmask));
	_exit(exec_stand_in(sock, what, waitmask, io->relay_on ? &io->relay : NULL));
}

/*
 * -d's stand-in, a child.  Shim: the process holds the engine's streams and
 * descriptors, so the stand-in keeps none of them (a reader waiting for
 * their end would wait for it too), only its connection.  vm: the stand-in
 * is what moves those streams, so it keeps 0-2 and a console's slave too.
 */
static void __attribute__((noreturn)) proxy_child(const struct oci_exec_opts *o,
						  struct exec_io *io, int sock, const char *what,
						  const sigset_t *waitmask)
{
	int con = o->stream ? io->st.console : -1, null;

	if (!o->stream) {
		null = open("/dev/null", O_RDWR | O_CLOEXEC);
		if (null < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0 || dup2(null, 2) < 0)
			_exit(KISTE_EXIT_SIGNAL + SIGKILL);
		if (io->relay_on)
			shim_relay_exec_free(&io->relay);
		io->relay_on = false;
	}
	/* The connection as 3, a console's slave as 4 (via 10 and up: no clash), nothing else. */
	sock = fcntl(sock, F_DUPFD, 10);
	con = con >= 0 ? fcntl(con, F_DUPFD, 10) : -1;
	if (sock < 0 || dup2(sock, 3) < 0 || (con >= 0 && dup2(con, 4) < 0))
		_exit(KISTE_EXIT_SIGNAL + SIGKILL);
	syscall(SYS_close_range, con >= 0 ? 5 : 4, ~0U, 0);
	sock = 3;
	if (con >= 0)
		io->st.console = io->st.in = io->st.out[0] = io->st.out[1] = 4;
	stand_in(o, io, sock, what, waitmask);
}

/*
 * @sock: a named run's socket, connected already (run_exec_main); -1: an OCI
 * container's, connected here.
 */
static int run_exec(const struct cli_global *g, const struct oci_exec_opts *o,
		    const struct kiste_oci_state *s, const struct kiste_oci_process *pr,
		    int sock, struct kiste_err *err)
{
	struct kiste_exec_req h = { 0 };
	char *buf = malloc(KISTE_EXEC_STRINGS_MAX), what[PATH_MAX + 2];
	struct exec_io io;
	sigset_t waitmask;
	int ret, pid = 0;
	pid_t proxy;

	if (!buf) {
		if (sock >= 0)
			close(sock);
		return kiste_err_set(err, -ENOMEM, "out of memory");
	}
	exec_forward_setup(&waitmask);
	ret = build(o, pr, &h, buf, err);
	/* The command's name (the strings are cwd, argv...), for the status line. */
	snprintf(what, sizeof(what), "'%s'", ret == 0 ? buf + strlen(buf) + 1 : "?");
	memset(&io, 0, sizeof(io));
	io.console = io.tsock = io.st.console = -1;
	if (ret == 0)
		ret = io_setup(o, pr, &io, &waitmask, err);
	if (ret == 0 && sock < 0) {
		sock = kiste_oci_exec_socket(s->dir, false, err);
		ret = sock < 0 ? sock : 0;
	}
	if (ret == 0)
		ret = ask(sock, &h, buf, &io, &pid, &waitmask, err);
	free(buf);
	if (ret < 0)
		goto out;
	oci_log(g, "info", "exec: %s runs in container %s as pid %d", what, o->id, pid);
	if (!o->detach) {
		ret = o->pid_file ? oci_write_pid_file(o->pid_file, getpid(), err) : 0;
		if (ret == 0)
			stand_in(o, &io, sock, what, &waitmask);
		goto out;
	}
	proxy = fork();
	if (proxy == 0)
		proxy_child(o, &io, sock, what, &waitmask);
	if (proxy < 0)
		ret = kiste_err_set(err, -errno, "cannot fork: %s", strerror(errno));
	else if (o->pid_file)
		ret = oci_write_pid_file(o->pid_file, proxy, err);
out:
	if (sock >= 0)
		close(sock);
	io_free(&io);
	return ret;
}

/*
 * `kiste exec NAME` into a running `kiste run --mode=shim|vm --name NAME` of
 * the caller's (lib/run_exec.c): the process gets what the run's workload got
 * (environment, --cwd, --user) unless the options say otherwise, read from
 * what the run's launcher wrote in the caller's own run folder, never from
 * the sandbox.  -ENOENT, with no message, when there is no such run.
 */
static int run_exec_main(const struct cli_global *g, const struct oci_exec_opts *o,
			 struct kiste_err *err)
{
	struct kiste_run_exec_defaults d;
	struct kiste_oci_process pr = { 0 };
	struct oci_exec_opts ro = *o;
	unsigned int rows, cols;
	int sock, ret;

	sock = kiste_run_exec_connect(o->id, &d, err);
	if (sock < 0)
		return sock;
	/* -t alone: kiste relays the terminal, as kiste run -t and docker exec -t do. */
	ro.relay_tty = o->tty && !o->console_socket;
	ro.stream = !strcmp(d.mode, "vm");
	ret = 0;
	if (o->process)
		ret = kiste_err_set(err, -EINVAL, "--process is for OCI containers: give the "
				    "command after the run's name");
	else if (ro.relay_tty && o->detach)
		ret = kiste_err_set(err, -EINVAL, "-d with -t needs --console-socket (where the "
				    "terminal goes): give one, or run in the foreground");
	else if (o->console_socket && !o->tty)
		ret = kiste_err_set(err, -EINVAL, "--console-socket without a terminal: give -t, "
				    "or no socket");
	if (ret < 0) {
		close(sock);
		kiste_run_exec_defaults_free(&d);
		return ret;
	}
	pr.cwd = (char *)d.cwd;
	pr.env.v = d.env;
	pr.env.n = d.nenv;
	pr.uid = d.user_set ? d.uid : 0;
	ro.init = d.init;
	pr.gid = d.user_set ? d.gid : 0;
	if (ro.relay_tty && kiste_tty_size_fd(&rows, &cols) >= 0) {
		pr.console_rows = (uint16_t)rows;
		pr.console_cols = (uint16_t)cols;
	}
	ret = run_exec(g, &ro, NULL, &pr, sock, err);
	kiste_run_exec_defaults_free(&d);
	return ret;
}

/* A container of that id under --root: its state file is there. */
static bool oci_exists(const struct cli_global *g, const char *id)
{
	char path[PATH_MAX];
	struct stat sb;

	return kiste_oci_id_check(id, NULL) == 0 &&
	       snprintf(path, sizeof(path), "%s/%s/state.json", g->root, id) < (int)sizeof(path) &&
	       lstat(path, &sb) == 0;
}

static int oci_exec_main(const struct cli_global *g, int argc, char **argv)
{
	struct oci_exec_opts o = { 0 };
	struct kiste_err err = { 0 };
	struct kiste_oci_config c = { 0 };
	struct kiste_oci_state s;
	int ret = oci_exec_parse(g, argc, argv, &o, &err);
	bool tty;

	if (o.help) {
		fputs(cli_cmd_oci_exec.usage, stdout);
		return KISTE_EXIT_OK;
	}
	if (ret < 0)
		return oci_usage_fail(g, &err);
	if (!oci_exists(g, o.id)) {
		char dir[PATH_MAX];

		ret = run_exec_main(g, &o, &err);
		if (ret == -ENOENT && !err.code)
			kiste_err_set(&err, -ENOENT, "container does not exist: %s (no container "
				      "under --root %s, no running 'kiste run --mode=shim|vm --name "
				      "%s' of yours in %s)", o.id, g->root, o.id,
				      kiste_trace_run_dir(dir, sizeof(dir)) == 0 ? dir :
				      "$XDG_RUNTIME_DIR/kiste-run (XDG_RUNTIME_DIR is not set)");
		if (ret < 0) {
			oci_fail(g, &err);
			return OCI_EXEC_FAILED;
		}
		return KISTE_EXIT_OK;
	}
	if (oci_load(g, o.id, &s, &err) < 0) {
		oci_fail(g, &err);
		return OCI_EXEC_FAILED;
	}
	switch (kiste_oci_state_status(&s)) {
	case KISTE_OCI_RUNNING:
		break;
	case KISTE_OCI_PAUSED:
		if (o.ignore_paused)
			break;
		ret = kiste_err_set(&err, -EBUSY, "cannot exec in a paused container (use "
				    "--ignore-paused to override)");
		break;
	case KISTE_OCI_CREATED:
		ret = kiste_err_set(&err, -ESRCH, "cannot exec in a container that has not "
				    "started: start it first");
		break;
	default:
		ret = kiste_err_set(&err, -ESRCH, "cannot exec in a stopped container");
	}
	/* vm mode's VMM serves exec.sock for its guest, with stdio on the connection. */
	o.stream = !strcmp(s.mode, "vm");
	if (ret == 0 && !o.stream && strcmp(s.mode, "shim"))
		ret = kiste_err_set(&err, -EOPNOTSUPP, "exec is not supported in %s-mode "
				    "containers: a unikernel is its one program, with nothing to "
				    "start another; run the container in vm or shim mode (--mode)",
				    s.mode);
	if (ret == 0)
		ret = o.process ? kiste_oci_process_load(o.process, &c, &err) :
				  kiste_oci_config_load(s.bundle, &c, &err);
	if (ret == 0 && !o.process && !c.has_process)
		ret = kiste_err_set(&err, -EINVAL, "config.json of %s has no process to take the "
				    "environment from: give a --process file", s.id);
	/*
	 * runc's rules: a terminal only through the engine's socket, a socket
	 * only for one; -t, or a --process file's terminal (never config.json's:
	 * its process is the container's first).
	 */
	tty = o.tty || (o.process && c.process.terminal);
	if (ret == 0 && tty && !o.console_socket)
		ret = kiste_err_set(&err, -EINVAL, "a terminal (-t, process.terminal) needs "
				    "--console-socket: give one, or run without a terminal");
	if (ret == 0 && o.console_socket && !tty)
		ret = kiste_err_set(&err, -EINVAL, "--console-socket without a terminal: give -t "
				    "(or process.terminal), or no socket");
	o.init = s.pid > 0 ? s.pid : -1;
	if (ret == 0)
		ret = run_exec(g, &o, &s, &c.process, -1, &err);
	kiste_oci_config_free(&c);
	kiste_oci_state_free(&s);
	if (ret < 0) {
		oci_fail(g, &err);
		return OCI_EXEC_FAILED;
	}
	return KISTE_EXIT_OK;
}

const struct cli_cmd cli_cmd_oci_exec = {
	.name = "exec",
	.summary = "run a process in a running shim or vm container or named run (runc's exec)",
	.usage = "Usage: kiste [GLOBAL OPTIONS] exec [OPTIONS] ID COMMAND [ARG...]\n"
		 "       kiste [GLOBAL OPTIONS] exec [OPTIONS] --process FILE ID\n\n"
		 "Runs COMMAND in the running container ID as runc's exec does: the container's\n"
		 "init starts it, so it shares the container's namespaces, cgroup, root and\n"
		 "limits and runs under its own guest kernel (vm mode: in the container's\n"
		 "guest).  Its environment, cwd and user are the container's process's\n"
		 "(config.json) unless the options say otherwise.  kiste exec waits, passes\n"
		 "the signals it gets on, and exits with the process's status (128+N for\n"
		 "signal N); 255 when it could not start, as runc.  Shim and vm mode; not\n"
		 "unikernel mode.\n\n"
		 "ID may also name a running 'kiste run --mode=shim|vm --name ID' of yours (when\n"
		 "no container ID is under --root), as docker exec: the process starts beside\n"
		 "the run's workload with the run's environment (its -e, PATH...), --cwd (else\n"
		 "/) and --user unless the options say otherwise.  Runs are found in\n"
		 "/run/kiste-run as root, else in $XDG_RUNTIME_DIR/kiste-run: only your own.\n"
		 "There -t alone gives a terminal kiste relays, -i sends it the caller's\n"
		 "input (the caller's terminal raw meanwhile), as docker exec -it; no\n"
		 "--process.\n\n"
		 "In shim mode a descriptor 0-2 naming a file, folder, device or named FIFO\n"
		 "whose metadata the container could change reaches the process as a pipe\n"
		 "kiste exec relays, as kiste run's do; -d and --preserve-fds refuse such a\n"
		 "descriptor (pipe it).  In vm mode kiste exec (with -d its stand-in child)\n"
		 "moves the process's 0-2 itself, as no descriptor crosses into the guest:\n"
		 "no --preserve-fds there.\n\n"
		 "  -p, --process FILE     the process as a runtime-spec process object\n"
		 "  -d, --detach           return once it runs; a stand-in child waits for it\n"
		 "      --pid-file FILE    write the pid that stands in for the process\n"
		 "      --cwd DIR          its working folder in the container\n"
		 "  -e, --env NAME=VALUE   add or replace a variable (repeatable)\n"
		 "  -u, --user UID[:GID]   its identity in the container\n"
		 "      --preserve-fds N   descriptors 3..3+N-1 go along too (N <= 13; shim)\n"
		 "      --ignore-paused    exec into a paused container (the process waits)\n"
		 "  -t, --tty              a new terminal of the container's, as its 0-2\n"
		 "  -i, --interactive      a named run's -t: the caller's input goes to it\n"
		 "      --console-socket PATH\n"
		 "                         where the terminal's master goes (SCM_RIGHTS)\n"
		 "      --no-new-privs     accepted: every shim process has it (vm: the guest's)\n"
		 "  -c, --cap, -g, --additional-gids, --apparmor, --process-label, --cgroup\n"
		 "                         accepted and ignored (logged to --log)\n"
		 "  -h, --help             show this help\n",
	.gmain = oci_exec_main,
};
