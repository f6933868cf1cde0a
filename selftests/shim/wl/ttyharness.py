#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
# ttyharness.py - the user's terminal for shim_tty.sh: a new pty (33 rows, 77 columns) on which
# bash runs a script; what the terminal shows is printed (carriage returns dropped).
#
#   ttyharness.py [ACTION...] -- SCRIPT
#
# Once a line holding "ready" has ended on the terminal (its line feed shown: a key's echo
# cannot come between) the ACTIONs happen in order:
#   type:HEX              bytes typed at the keyboard (e.g. 03 for ^C)
#   size:ROWS:COLS        the terminal resized (its foreground group gets SIGWINCH)
#   kill:SIG:PIDFILE      signal SIG sent to the pid written in PIDFILE (waited for, 10 s)
#   sleep:SECONDS         a pause
#   wait:TEXT             until a line holding TEXT has ended (a case's next step)
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
OUT = bytearray()


def shown(text):
    """Whether a line holding text has ended on the terminal."""
    at = OUT.find(text)
    return at >= 0 and b"\n" in OUT[at:]


def pump(master, timeout):
    """What the terminal shows next, into OUT; False once nobody holds the terminal."""
    r, _, _ = select.select([master], [], [], timeout)
    if not r:
        return True
    try:
        d = os.read(master, 4096)
    except OSError:
        return False
    OUT.extend(d)
    return bool(d)


def main():
    args = sys.argv[1:]
    sep = args.index("--")
    actions, script = args[:sep], args[sep + 1]
    pid, master = pty.fork()
    if pid == 0:
        fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", 33, 77, 0, 0))
        os.execv("/bin/bash", ["bash", "-c", script])
    end = time.time() + LIMIT
    acted = False
    while time.time() < end:
        if not pump(master, 0.1):
            break
        if not acted and shown(b"ready"):
            acted = True
            for a in actions:
                act(a.split(":"), master, end)
    else:
        os.killpg(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        sys.stdout.write(OUT.decode(errors="replace").replace("\r", ""))
        print("harness: more than %d s" % LIMIT)
        sys.exit(99)
    _, st = os.waitpid(pid, 0)
    sys.stdout.write(OUT.decode(errors="replace").replace("\r", ""))
    sys.exit(os.waitstatus_to_exitcode(st) & 0xff)


def act(a, master, end):
    if a[0] == "type":
        os.write(master, bytes.fromhex(a[1]))
    elif a[0] == "size":
        fcntl.ioctl(master, termios.TIOCSWINSZ,
                    struct.pack("HHHH", int(a[1]), int(a[2]), 0, 0))
    elif a[0] == "sleep":
        time.sleep(float(a[1]))
    elif a[0] == "wait":
        while time.time() < end and not shown(a[1].encode()) and pump(master, 0.1):
            pass
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
