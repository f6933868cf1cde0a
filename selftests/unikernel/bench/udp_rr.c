// SPDX-License-Identifier: GPL-2.0
// udp_rr.c - benchmark client: UDP request/response round trips per second to ADDR:PORT.
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	struct sockaddr_in to = { .sin_family = AF_INET };
	struct timeval tv = { 0, 200000 };
	char buf[64];
	double t0, secs;
	long n = 0, lost = 0;
	int s;

	if (argc != 4) {
		fprintf(stderr, "usage: udp_rr ADDR PORT SECONDS\n");
		return 2;
	}
	to.sin_port = htons(atoi(argv[2]));
	secs = atof(argv[3]);
	s = socket(AF_INET, SOCK_DGRAM, 0);
	if (s < 0 || inet_pton(AF_INET, argv[1], &to.sin_addr) != 1)
		return 1;
	setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	connect(s, (struct sockaddr *)&to, sizeof(to));
	/* warm up ARP and the responder */
	for (int i = 0; i < 50; i++)
		if (send(s, "warm", 4, 0) == 4 && recv(s, buf, sizeof(buf), 0) > 0)
			break;
	t0 = now();
	while (now() - t0 < secs) {
		if (send(s, "kiste-bench-ping", 16, 0) != 16)
			return 1;
		if (recv(s, buf, sizeof(buf), 0) == 16)
			n++;
		else
			lost++;
	}
	printf("%.0f\n", n / (now() - t0));
	if (lost)
		fprintf(stderr, "udp_rr: %ld timeouts\n", lost);
	send(s, "quit", 4, 0);
	return 0;
}
