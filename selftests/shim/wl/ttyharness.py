#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
# ttyharness.py - the user's terminal for shim_tty.sh: a new pty (33 rows, 77 columns) on which
# bash runs a script; what the terminal shows is printed (carriage returns dropped).
#
#   ttyharness.py [ACTION...] -- SCRIPT
#
# Once "ready" has appeared on the terminal the ACTIONs happen in order:
#   type:HEX              bytes typed at the keyboard (e.g. 03 for ^C)
#   size:ROWS:COLS        the terminal resized (its foreground group gets SIGWINCH)
#   kill:SIG:PIDFILE      signal SIG sent to the pid written in PIDFILE (waited for, 10 s)
#   sleep:SECONDS         a pause
# Exit status: bash's; 99 when the whole run took more than 30 s (everything killed).
import fcntl
import os
import pty
import select
import signal
import struct
import sys
import termios
import time

LIMIT = 30


def main():
    args = sys.argv[1:]
    sep = args.index("--")
    actions, script = args[:sep], args[sep + 1]
    pid, master = pty.fork()
    if pid == 0:
        fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", 33, 77, 0, 0))
        os.execv("/bin/bash", ["bash", "-c", script])
    out = b""
    end = time.time() + LIMIT
    acted = False
    while time.time() < end:
        r, _, _ = select.select([master], [], [], 0.1)
        if r:
            try:
                d = os.read(master, 4096)
            except OSError:
                break
            if not d:
                break
            out += d
        if not acted and b"ready" in out:
            acted = True
            for a in actions:
                act(a.split(":"), master, end)
    else:
        os.killpg(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        sys.stdout.write(out.decode(errors="replace").replace("\r", ""))
        print("harness: more than %d s" % LIMIT)
        sys.exit(99)
    _, st = os.waitpid(pid, 0)
    sys.stdout.write(out.decode(errors="replace").replace("\r", ""))
    sys.exit(os.waitstatus_to_exitcode(st) & 0xff)


def act(a, master, end):
    if a[0] == "type":
        os.write(master, bytes.fromhex(a[1]))
    elif a[0] == "size":
        fcntl.ioctl(master, termios.TIOCSWINSZ,
                    struct.pack("HHHH", int(a[1]), int(a[2]), 0, 0))
    elif a[0] == "sleep":
        time.sleep(float(a[1]))
    elif a[0] == "kill":
        while time.time() < end:
            try:
                with open(a[2]) as f:
                    target = int(f.read())
                break
            except (OSError, ValueError):
                time.sleep(0.05)
        else:
            return
        os.kill(target, getattr(signal, "SIG" + a[1]))


main()
