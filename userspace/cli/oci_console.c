// SPDX-License-Identifier: GPL-2.0
// oci_console.c - create's --console-socket for modes that take the terminal made on the host.
//
// lib/console.c makes the pty and sends its master to the engine; here it is
// made from the host's /dev/ptmx and its slave kept for the mode, whose
// container process makes it its stdin, stdout, stderr and controlling
// terminal in a session of its own (kiste_oci_launch.console_fd), raw from
// the start when it only carries the guest's terminal (vm mode:
// KISTE_OCI_CONSOLE_HOST_RAW).  Shim mode's init makes it inside the container
// instead (console_sock).
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include "oci.h"

int oci_console_open(const char *socket_path, const struct kiste_oci_config *c, bool raw,
		     int *slave, struct kiste_err *err)
{
	int sock = kiste_console_connect(socket_path, err), ret;

	*slave = -1;
	if (sock < 0)
		return sock;
	ret = kiste_console_make("/dev/ptmx", c->process.console_rows, c->process.console_cols,
				 raw, sock, slave, err);
	close(sock);
	return ret;
}
