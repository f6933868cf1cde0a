// SPDX-License-Identifier: GPL-2.0
// publish.c - -p [IP:]HOSTPORT:PORT[/tcp|udp]: parsed, checked on the host, handed to pasta and passt, shown.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <json-c/json.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "kiste_mode.h"

static int parse_port(const char *s, size_t n, uint16_t *out)
{
	char b[8];
	uint32_t v;

	if (n == 0 || n >= sizeof(b))
		return -EINVAL;
	memcpy(b, s, n);
	b[n] = 0;
	if (kiste_parse_u32(b, 1, 65535, &v) < 0)
		return -EINVAL;
	*out = (uint16_t)v;
	return 0;
}

/* -p [IP:]HOSTPORT:PORT[/tcp|udp], IPv6 in brackets: [::1]:8080:80 (podman's spelling). */
static int parse_publish_one(const char *arg, struct kiste_publish *pb)
{
	const char *slash = strchr(arg, '/'), *end, *c2, *c1;
	unsigned char bin[16];
	size_t n;

	end = slash ? slash : arg + strlen(arg);
	if (slash && strcmp(slash, "/tcp") && strcmp(slash, "/udp"))
		return -EINVAL;
	pb->udp = slash && !strcmp(slash, "/udp");
	for (c2 = end; c2 > arg && c2[-1] != ':'; c2--)
		;
	if (c2 == arg || parse_port(c2, (size_t)(end - c2), &pb->port) < 0)
		return -EINVAL;
	for (c1 = c2 - 1; c1 > arg && c1[-1] != ':' && c1[-1] != ']'; c1--)
		;
	if (parse_port(c1, (size_t)(c2 - 1 - c1), &pb->host_port) < 0)
		return -EINVAL;
	pb->ip[0] = 0;
	if (c1 == arg)
		return 0;
	if (c1[-1] != ':' || c1 - 1 == arg)
		return -EINVAL;
	n = (size_t)(c1 - 1 - arg);
	if (arg[0] == '[') {
		if (n < 3 || arg[n - 1] != ']')
			return -EINVAL;
		arg++;
		n -= 2;
	}
	if (n >= sizeof(pb->ip))
		return -EINVAL;
	memcpy(pb->ip, arg, n);
	pb->ip[n] = 0;
	if (inet_pton(AF_INET, pb->ip, bin) != 1 && inet_pton(AF_INET6, pb->ip, bin) != 1)
		return -EINVAL;
	return 0;
}

int kiste_publish_parse(const char *arg, struct kiste_run_opts *o, struct kiste_err *err)
{
	if (o->npublish == KISTE_RUN_PUBLISH_MAX)
		return kiste_err_set(err, -E2BIG, "kiste run: more than %d -p: use fewer",
				     KISTE_RUN_PUBLISH_MAX);
	if (parse_publish_one(arg, &o->publish[o->npublish]) < 0)
		return kiste_err_set(err, -EINVAL,
				     "kiste run: bad -p '%s': use [IP:]HOSTPORT:PORT[/tcp|udp] with "
				     "ports 1..65535, e.g. -p 127.0.0.1:8080:80",
				     arg);
	o->npublish++;
	return 0;
}

int kiste_publish_spec(const struct kiste_run_opts *o, bool udp, char *spec, size_t n)
{
	size_t used = 0;
	int i;

	spec[0] = 0;
	for (i = 0; i < o->npublish; i++) {
		const struct kiste_publish *pb = &o->publish[i];

		if (pb->udp != udp)
			continue;
		used += (size_t)snprintf(spec + used, n - used, "%s%s%s%u:%u", used ? "," : "",
					 pb->ip, pb->ip[0] ? "/" : "", pb->host_port, pb->port);
		/* Cut short, the list would publish a port nobody asked for. */
		if (used >= n)
			return -E2BIG;
	}
	if (!spec[0])
		snprintf(spec, n, "none");
	return 0;
}

/* Binds @pb's host address and port as pasta and passt will: 0 or -errno. */
static int publish_try(const struct kiste_publish *pb)
{
	struct sockaddr_in6 a6 = { .sin6_family = AF_INET6, .sin6_port = htons(pb->host_port) };
	struct sockaddr_in a4 = { .sin_family = AF_INET, .sin_port = htons(pb->host_port) };
	int v6 = pb->ip[0] && inet_pton(AF_INET6, pb->ip, &a6.sin6_addr) == 1, one = 1, fd, r;

	/* No address: every one, IPv4's is the one both of them take (passt here with -4). */
	if (!v6 && pb->ip[0] && inet_pton(AF_INET, pb->ip, &a4.sin_addr) != 1)
		return -EINVAL;
	fd = socket(v6 ? AF_INET6 : AF_INET, (pb->udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC,
		    0);
	if (fd < 0)
		return -errno;
	/* As their listeners: a connection of an earlier server lingering does not count. */
	if (!pb->udp)
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	r = v6 ? bind(fd, (struct sockaddr *)&a6, sizeof(a6)) :
		 bind(fd, (struct sockaddr *)&a4, sizeof(a4));
	r = r < 0 ? -errno : 0;
	close(fd);
	return r;
}

int kiste_publish_check(const struct kiste_run_opts *o, struct kiste_err *err)
{
	const struct kiste_publish *pb;
	char what[80];
	int i, r;

	for (i = 0; i < o->npublish; i++) {
		pb = &o->publish[i];
		r = publish_try(pb);
		if (!r)
			continue;
		/* podman's spelling: IPv6 in brackets */
		snprintf(what, sizeof(what), "%s%s%s%u/%s", strchr(pb->ip, ':') ? "[" : "",
			 pb->ip, strchr(pb->ip, ':') ? "]:" : pb->ip[0] ? ":" : "", pb->host_port,
			 pb->udp ? "udp" : "tcp");
		if (r == -EADDRINUSE)
			return kiste_err_set(err, r, "-p: port %s is in use on the host: stop "
					     "what holds it or publish another port", what);
		if (r == -EACCES)
			return kiste_err_set(err, r, "-p: port %s is privileged on this host: "
					     "publish one at or above "
					     "net.ipv4.ip_unprivileged_port_start, or run as "
					     "root", what);
		if (r == -EADDRNOTAVAIL)
			return kiste_err_set(err, r, "-p: %s is not an address of this host: "
					     "give one it has, or none for every address", pb->ip);
		return kiste_err_set(err, r, "-p: cannot bind port %s on the host: %s", what,
				     strerror(-r));
	}
	return 0;
}

int kiste_publish_format(const struct kiste_publish *pb, char *buf, size_t n)
{
	const char *pre = "", *post = pb->ip[0] ? ":" : "";

	/* podman's PORTS column: IPv6 in brackets; no address (every one) not spelt out */
	if (strchr(pb->ip, ':')) {
		pre = "[";
		post = "]:";
	}
	return snprintf(buf, n, "%s%s%s%u->%u/%s", pre, pb->ip, post, pb->host_port, pb->port,
			pb->udp ? "udp" : "tcp");
}

/* The ports as podman's PortMappings spell them; "" host_ip is every address. */
struct json_object *kiste_publish_json(const struct kiste_publish *pb, int n)
{
	struct json_object *a = json_object_new_array(), *p;
	int i;

	for (i = 0; a && i < n; i++) {
		p = json_object_new_object();
		if (!p || json_object_array_add(a, p) < 0) {
			json_object_put(p);
			json_object_put(a);
			return NULL;
		}
		json_object_object_add(p, "host_ip", json_object_new_string(pb[i].ip));
		json_object_object_add(p, "host_port", json_object_new_int(pb[i].host_port));
		json_object_object_add(p, "container_port", json_object_new_int(pb[i].port));
		json_object_object_add(p, "protocol",
				       json_object_new_string(pb[i].udp ? "udp" : "tcp"));
	}
	return a;
}
