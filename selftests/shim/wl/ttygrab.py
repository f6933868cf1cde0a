#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
# ttygrab.py - a program started in the background of an interactive shell tries to take the
# shell's terminal (/dev/tty, SIGTTOU ignored, tcsetpgrp) and read what the user types next.
#
#   ttygrab.py shell OUT CMD...   an interactive bash on a new pty runs "CMD... &" (CMD's stdio
#                             /dev/null, its stderr into OUT), the user then types a line;
#                             prints "foreground: shell" or "foreground: taken" and OUT
#   ttygrab.py grab               the attempt; reports on stderr
# Every wait is bounded.
import os
import pty
import select
import shlex
import signal
import sys
import time


def drain(fd, seconds):
    end = time.time() + seconds
    while time.time() < end:
        r, _, _ = select.select([fd], [], [], 0.1)
        if r:
            try:
                if not os.read(fd, 4096):
                    return
            except OSError:
                return


def shell(out, cmd):
    pid, master = pty.fork()
    if pid == 0:
        os.execv("/bin/bash", ["bash", "--norc", "--noprofile", "-i"])
    drain(master, 1)
    line = " ".join(shlex.quote(c) for c in cmd)
    os.write(master, ("%s </dev/null >/dev/null 2>%s &\n" % (line, shlex.quote(out))).encode())
    # The program reports once it tried; up to 20 s.
    end = time.time() + 20
    while time.time() < end and not os.path.getsize(out):
        drain(master, 0.2)
    drain(master, 1)
    fg = os.tcgetpgrp(master)
    print("foreground: %s" % ("shell" if fg == pid else "taken"))
    os.write(master, b"echo typed-by-the-user secret-word\n")
    drain(master, 2)
    os.write(master, b"kill %1 2>/dev/null; exit\n")
    drain(master, 2)
    try:
        os.kill(pid, signal.SIGKILL)
    except OSError:
        pass
    os.waitpid(pid, 0)
    time.sleep(0.5)
    with open(out) as f:
        sys.stdout.write(f.read())


def grab():
    signal.signal(signal.SIGTTOU, signal.SIG_IGN)
    signal.signal(signal.SIGTTIN, signal.SIG_IGN)
    try:
        fd = os.open("/dev/tty", os.O_RDWR)
    except OSError as e:
        sys.stderr.write("open /dev/tty: %s\n" % os.strerror(e.errno))
        sys.stderr.flush()
        return
    try:
        os.tcsetpgrp(fd, os.getpgrp())
        sys.stderr.write("tcsetpgrp: done\n")
    except OSError as e:
        sys.stderr.write("tcsetpgrp: %s\n" % os.strerror(e.errno))
    sys.stderr.flush()
    r, _, _ = select.select([fd], [], [], 4)
    if r:
        sys.stderr.write("read: %r\n" % os.read(fd, 200))
    sys.stderr.flush()


if __name__ == "__main__":
    if sys.argv[1] == "shell":
        shell(sys.argv[2], sys.argv[3:])
    else:
        grab()
