# SPDX-License-Identifier: GPL-2.0
# unix.py - AF_UNIX cases for shim_net.sh (the init's mediator): each prints what it saw, natively and sandboxed alike.
import asyncio
import errno
import multiprocessing
import os
import socket
import stat
import sys
import tempfile
import threading


def errno_of(fn):
    try:
        fn()
        return "ok"
    except OSError as e:
        return errno.errorcode[e.errno]


def square(x):
    return x * x


def async_echo(d):
    path = os.path.join(d, "a.sock")

    async def handle(r, w):
        w.write(b"echo " + await r.readline())
        await w.drain()
        w.close()

    async def main():
        srv = await asyncio.start_unix_server(handle, path)
        r, w = await asyncio.open_unix_connection(path)
        w.write(b"hello\n")
        await w.drain()
        print("asyncio:", (await r.readline()).decode().strip())
        w.close()
        srv.close()
        await srv.wait_closed()

    asyncio.run(main())


def manager(d):
    with multiprocessing.Manager() as m:
        lst = m.list([1, 2])
        lst.append(3)
        dct = m.dict(a=1)
        print("manager:", list(lst), dict(dct))


def forkserver(d):
    ctx = multiprocessing.get_context("forkserver")
    with ctx.Pool(2) as p:
        print("forkserver pool:", p.map(square, range(6)))


def pair(d):
    a, b = socket.socketpair()
    r, w = os.pipe()
    socket.send_fds(a, [b"fd"], [w])
    msg, fds, _, _ = socket.recv_fds(b, 10, 1)
    os.write(fds[0], b"through")
    print("socketpair:", msg, os.read(r, 10), a.getsockname() == "", errno_of(a.getpeername))


def shown(name):
    """An autobound name is random: its form only."""
    return "autobound %d" % len(name) if name[:1] == b"\0" else repr(name)


def names(d):
    """getsockname/getpeername and errors, as a program sees them (paths relative to @d)."""
    os.chdir(d)
    srv = socket.socket(socket.AF_UNIX)
    print("unbound:", repr(srv.getsockname()), errno_of(srv.getpeername),
          "listen", errno_of(lambda: srv.listen(1)), "accept", errno_of(srv.accept),
          "send", errno_of(lambda: srv.send(b"x")))
    old = os.umask(0o077)
    srv.bind(os.path.join(d, "s.sock"))
    os.umask(old)
    mode = stat.S_IMODE(os.stat("s.sock").st_mode)
    print("bound:", srv.getsockname()[len(d):], errno_of(srv.getpeername), oct(mode),
          stat.S_ISSOCK(os.stat("s.sock").st_mode))
    srv.listen(4)
    c = socket.socket(socket.AF_UNIX)
    c.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
    c.settimeout(7)
    c.connect(os.path.join(d, "s.sock"))
    a, peer = srv.accept()
    print("connected:", shown(c.getsockname()), c.getpeername()[len(d):], shown(peer),
          repr(a.getsockname()[len(d):]), "passcred",
          c.getsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED), "timeout", c.gettimeout(),
          "inheritable", os.get_inheritable(c.fileno()))
    c.sendall(b"ping")
    print("data:", a.recv(4), "again", errno_of(lambda: c.connect(os.path.join(d, "s.sock"))))
    rel = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    rel.bind("rel.sock")
    rel.listen(1)
    q = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    q.connect("rel.sock")
    r, _ = rel.accept()
    q.send(b"one")
    q.send(b"two")
    print("seqpacket, relative:", rel.getsockname(), q.getpeername(), r.recv(10), r.recv(10))
    b = socket.socket(socket.AF_UNIX)
    b.bind("bound.sock")
    t = socket.socket(socket.AF_UNIX)
    print("bound, not listening:", "accept", errno_of(b.accept), "getpeername",
          errno_of(b.getpeername), "connect to it", errno_of(lambda: t.connect("bound.sock")))
    lst = socket.socket(socket.AF_UNIX)
    lst.bind("late.sock")
    os.chmod("late.sock", 0o600)
    lst.listen(2)
    t = socket.socket(socket.AF_UNIX)
    print("listen after a chmod:", oct(stat.S_IMODE(os.stat("late.sock").st_mode)),
          errno_of(lambda: t.connect("late.sock")), lst.getsockname())
    srv2 = socket.socket(socket.AF_UNIX)
    srv2.bind("srv2.sock")
    srv2.listen(1)
    b.connect("srv2.sock")
    a2, peer2 = srv2.accept()
    print("a bound client connects:", b.getsockname(), b.getpeername(), peer2,
          a2.getpeername(), stat.S_ISSOCK(os.stat("bound.sock").st_mode))
    s = socket.socket(socket.AF_UNIX)
    print("bind existing socket", errno_of(lambda: s.bind(os.path.join(d, "s.sock"))))
    open("file", "w").close()
    print("bind existing file", errno_of(lambda: s.bind("file")),
          "bind in a missing folder", errno_of(lambda: s.bind("none/x.sock")),
          "bind through a file", errno_of(lambda: s.bind("file/x.sock")))
    for what, p in (("missing", "none.sock"), ("missing folder", "none/x"),
                    ("a file", "file"), ("a folder", "."), ("through a file", "file/x"),
                    ("type mismatch", "rel.sock")):
        t = socket.socket(socket.AF_UNIX)
        print("connect to", what, errno_of(lambda: t.connect(p)))
    srv.close()
    t = socket.socket(socket.AF_UNIX)
    print("connect to a closed listener", errno_of(lambda: t.connect("s.sock")))


def abstract(d):
    name = b"\0kiste-umed-%d" % os.getpid()
    srv = socket.socket(socket.AF_UNIX)
    srv.bind(name)
    srv.listen(1)
    c = socket.socket(socket.AF_UNIX)
    c.connect(name)
    a, _ = srv.accept()
    auto = socket.socket(socket.AF_UNIX)
    auto.bind("")
    n = auto.getsockname()
    print("abstract:", srv.getsockname() == name, c.getpeername() == name,
          "autobind", n[:1] == b"\0", len(n))
    t = socket.socket(socket.AF_UNIX)
    print("connect to a missing abstract name",
          errno_of(lambda: t.connect(b"\0kiste-umed-none-%d" % os.getpid())))


def nonblock(d):
    path = os.path.join(d, "n.sock")
    srv = socket.socket(socket.AF_UNIX)
    srv.bind(path)
    srv.listen(1)
    res = []
    keep = []
    for _ in range(4):
        c = socket.socket(socket.AF_UNIX)
        c.setblocking(False)
        res.append(errno_of(lambda: c.connect(path)))
        keep.append(c)
    print("non-blocking connects to a backlog of 1:", res, "blocking:", keep[0].getblocking())
    # A blocking client waits for room, as natively: the server accepts after a while.
    t = threading.Timer(0.3, lambda: [srv.accept() for _ in range(3)])
    t.start()
    c = socket.socket(socket.AF_UNIX)
    c.settimeout(None)
    print("blocking connect waits for room:", errno_of(lambda: c.connect(path)))
    t.join()


def threads(d):
    path = os.path.join(d, "t.sock")
    srv = socket.socket(socket.AF_UNIX)
    srv.bind(path)
    srv.listen(128)
    n = 48
    got = []

    def serve():
        for _ in range(n):
            a, _ = srv.accept()
            a.sendall(a.recv(16))
            a.close()

    def client(i):
        c = socket.socket(socket.AF_UNIX)
        c.connect(path)
        c.sendall(b"%d" % i)
        got.append(int(c.recv(16)))
        c.close()

    st = threading.Thread(target=serve)
    st.start()
    ts = [threading.Thread(target=client, args=(i,)) for i in range(n)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    st.join()
    print("threads:", len(got), sorted(got) == list(range(n)))


cmds = {"asyncio": async_echo, "manager": manager, "forkserver": forkserver, "pair": pair,
        "names": names, "abstract": abstract, "nonblock": nonblock, "threads": threads}

if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as tmp:
        cmds[sys.argv[1]](os.path.realpath(tmp))
