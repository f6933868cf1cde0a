#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
# vm-monitor.py - run-vm.sh's look inside a test VM that stopped answering: qemu's monitor, symbols.
#
#   vm-monitor.py ask SOCKET COMMAND...   each COMMAND on qemu's human monitor (HMP) at
#                                         the UNIX socket SOCKET; the answers on stdout
#   vm-monitor.py where SYSTEM_MAP TEXT   reads "info registers -a" on stdin and prints
#                                         one line per vCPU: its RIP as symbol+offset,
#                                         TEXT being the guest's runtime address of _text
#                                         (KASLR moves the kernel; System.map has the
#                                         link-time one), or as _text+offset when the
#                                         map has no symbols (Debian's placeholder)
#
# Only run when a test VM timed out or went quiet (vm-boot.sh): never on a good run.

import bisect
import re
import socket
import sys
import time

PROMPT = b"(qemu) "


def read_to_prompt(sock, deadline):
    data = b""
    while not data.endswith(PROMPT) and time.monotonic() < deadline:
        try:
            chunk = sock.recv(65536)
        except socket.timeout:
            break
        if not chunk:
            break
        data += chunk
    return data


def clean(data):
    text = data.decode("utf-8", "replace")
    # The monitor's line editor echoes with terminal escapes.
    text = re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", text).replace("\r", "")
    return text.replace("(qemu) ", "")


def ask(path, commands):
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(5)
    try:
        sock.connect(path)
    except OSError as err:
        print(f"vm-monitor: cannot reach qemu's monitor at {path}: {err.strerror}")
        return 1
    read_to_prompt(sock, time.monotonic() + 10)
    for cmd in commands:
        sock.sendall(cmd.encode() + b"\n")
        out = clean(read_to_prompt(sock, time.monotonic() + 20))
        lines = out.split("\n")
        # The first line is the echoed command.
        if lines and cmd in lines[0]:
            lines = lines[1:]
        print(f"== (qemu) {cmd}")
        print("\n".join(line for line in lines if line.strip()))
    sock.close()
    return 0


def where(system_map, text):
    addrs = []
    names = []
    link_text = None
    with open(system_map) as f:
        for line in f:
            parts = line.split()
            if len(parts) != 3 or parts[1] not in "tTwW":
                continue
            addr = int(parts[0], 16)
            addrs.append(addr)
            names.append(parts[2])
            if parts[2] == "_text":
                link_text = addr
    # Debian's System.map is a placeholder (the real one is in the -dbg
    # package): places are then offsets from _text, for a map found later.
    if link_text is None:
        addrs, names, link_text = [], [], int(text, 16) if text else 0
    order = sorted(range(len(addrs)), key=addrs.__getitem__)
    addrs = [addrs[i] for i in order]
    names = [names[i] for i in order]
    shift = int(text, 16) - link_text if text else 0
    cpu = 0
    for line in sys.stdin:
        m = re.search(r"CPU#(\d+)", line)
        if m:
            cpu = int(m.group(1))
        m = re.search(r"RIP=([0-9a-f]{16})", line)
        if not m:
            continue
        rip = int(m.group(1), 16)
        cpl = re.search(r"CPL=(\d)", line)
        i = bisect.bisect_right(addrs, rip - shift) - 1
        if rip < 0xFFFF800000000000:
            place = "user space or a nested guest"
        elif not addrs and link_text:
            place = f"_text+{rip - link_text:#x}"
        elif i < 0:
            place = "below the kernel's text"
        else:
            place = f"{names[i]}+{rip - shift - addrs[i]:#x}"
        level = f" CPL={cpl.group(1)}" if cpl else ""
        print(f"vCPU {cpu}: RIP {rip:#x}{level} {place}")
    return 0


def main():
    if len(sys.argv) >= 4 and sys.argv[1] == "ask":
        return ask(sys.argv[2], sys.argv[3:])
    if len(sys.argv) in (3, 4) and sys.argv[1] == "where":
        return where(sys.argv[2], sys.argv[3] if len(sys.argv) == 4 else "")
    print("usage: vm-monitor.py ask SOCKET COMMAND... | where SYSTEM_MAP [TEXT]", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
