#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
# why.py - why does a CPython test fail in shim mode?  Runs it natively under strace and
# sandboxed under `kiste run --trace`, and prints the syscall errors (name, errno, and for
# multiplexed calls the operation) that only the sandboxed run met, most frequent first,
# with the guest kernel's "unimplemented" line.
#
#   selftests/compat/why.py [--kiste PATH] MODULE [TEST_PATTERN...]
#
# TEST_PATTERNs go to regrtest's -m (a test method or class name, globs allowed).  The
# sandbox is make compat's (--network none, --memory 4G, --tmpfs /tmp, HOME=TMPDIR=/tmp).
# Errors both sides met are left out: ENOENT of a path search is everywhere.

import argparse
import collections
import errno
import os
import re
import subprocess
import sys
import tempfile

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PY = "/usr/bin/python3"
PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
# Calls whose meaning is in an argument: (index of the operation argument, ...).
OPS = {"fcntl": (1,), "ioctl": (1,), "prctl": (0,), "setsockopt": (1, 2),
       "getsockopt": (1, 2), "socket": (0, 1), "socketpair": (0, 1), "futex": (1,),
       "clone3": (), "madvise": (2,), "arch_prctl": (0,), "keyctl": (0,), "sched_setattr": (),
       "setpriority": (0,), "getpriority": (0,), "personality": (0,), "fadvise64": (3,),
}

# strace: "PID name(3, F_SETLEASE, ...) = -1 EINVAL (Invalid argument)", constants named as
# --trace names them (a value neither knows is a number; strace's "/* ..._??? */" is dropped)
# (an interrupted call shows as "= -1 ERESTARTSYS": the EINTR the program then sees).
STRACE = re.compile(r'^(?:\[pid\s+)?\d*\]?\s*(\w+)\((.*)\)\s+=\s+(?:-1|\?)\s+(E\w+)')
# kiste --trace: "kiste-shim[1] fcntl(3, F_NOTIFY, 0x80000000) = -1 EINVAL <399 ns>" (strace's
# form), or before it "... = -22 <399 ns>"
KTRACE = re.compile(r'^kiste-shim\[\d+\] (\w+)\((.*)\) = (?:-1 (E\w+)|(-\d+)) <')
UNIMPL = re.compile(r'unimplemented: .*')


def syscall_names():
    """x86_64 numbers to names, from the kernel headers (the unimplemented line has numbers)."""
    names = {}
    try:
        with open("/usr/include/x86_64-linux-gnu/asm/unistd_64.h") as f:
            for line in f:
                m = re.match(r'#define __NR_(\w+) (\d+)', line)
                if m:
                    names[m.group(2)] = m.group(1)
    except OSError:
        pass
    return names


def ops(name, args):
    """The operation arguments of a multiplexed call, as numbers where they are."""
    idx = OPS.get(name)
    if not idx:
        return ""
    parts = [re.sub(r'/\*.*?\*/', '', a).strip() for a in args.split(",")]
    out = []
    for i in idx:
        if i < len(parts):
            try:
                v = int(parts[i], 0)
                out.append(hex(v) if v > 4096 or name in ("fcntl", "ioctl") else str(v))
            except ValueError:
                out.append(parts[i][:20])
    return "(" + ", ".join(out) + ")"


def run(cmd, env=None, cwd=None):
    p = subprocess.run(cmd, env=env, cwd=cwd, stdin=subprocess.DEVNULL,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=1200)
    return p.returncode, p.stdout.decode("utf-8", "replace")


def main():
    ap = argparse.ArgumentParser(description="why a CPython test fails in shim mode")
    ap.add_argument("--kiste", default=os.path.join(TOP, "build/bin/kiste"))
    ap.add_argument("module")
    ap.add_argument("tests", nargs="*")
    a = ap.parse_args()
    regr = [PY, "-m", "test", "-v", a.module]
    for t in a.tests:
        regr += ["-m", t]

    native = collections.Counter()
    with tempfile.TemporaryDirectory(prefix="kiste-why.") as d:
        log = os.path.join(d, "strace.log")
        env = {"PATH": PATH, "HOME": d, "TMPDIR": d, "TERM": "xterm"}
        nrc, nout = run(["strace", "-f", "-qq", "-o", log] + regr,
                        env=env, cwd=d)
        with open(log, errors="replace") as f:
            for line in f:
                m = STRACE.match(line)
                if m:
                    e = "EINTR" if m.group(3).startswith("ERESTART") else m.group(3)
                    native[(m.group(1), e, ops(m.group(1), m.group(2)))] += 1

    src, sout = run([a.kiste, "run", "--mode=shim", "--trace", "--network", "none",
                     "--memory", "4G", "--tmpfs", "/tmp", "--env", "HOME=/tmp",
                     "--env", "TMPDIR=/tmp", "--cwd", "/tmp", "--timeout", "1100", "--"] + regr)
    shim = collections.Counter()
    example = {}
    unimpl = []
    for line in sout.splitlines():
        m = KTRACE.match(line)
        if m:
            if m.group(3):
                ename = m.group(3)
            else:
                e = -int(m.group(4))
                ename = errno.errorcode.get(e, str(e))
            k = (m.group(1), ename, ops(m.group(1), m.group(2)))
            shim[k] += 1
            example.setdefault(k, m.group(2)[:90])
        elif UNIMPL.search(line):
            unimpl.append(UNIMPL.search(line).group(0))

    def verdict(out, rc):
        r = re.findall(r'^Tests result: (.*)$', out, re.M)
        return (r[-1] if r else "none") + " (rc %d)" % rc

    print("%s %s: native %s, shim %s" % (a.module, " ".join(a.tests), verdict(nout, nrc),
                                          verdict(sout, src)))
    for line in sout.splitlines():
        if re.match(r'^(FAIL|ERROR): ', line) or re.search(r'\.\.\. (FAIL|ERROR)$', line):
            print("  shim: " + line)
    print("syscall errors met only in shim mode (count, call, errno, operation):")
    nnames = {(k[0], k[1]) for k in native}
    for k, c in shim.most_common():
        if k in native:
            continue
        same = " (natively too, other operation)" if (k[0], k[1]) in nnames else ""
        print("  %5d %s %s %s%s   e.g. %s(%s)" % (c, k[0], k[1], k[2], same, k[0], example[k]))
    names = syscall_names()
    for u in sorted(set(unimpl)):
        print("  " + re.sub(r'(\d+) x', lambda m: "%s(%s) x" % (names.get(m.group(1), "?"), m.group(1)), u))
    return 0


if __name__ == "__main__":
    sys.exit(main())
