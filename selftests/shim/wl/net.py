# SPDX-License-Identifier: GPL-2.0
# net.py - socket cases for shim_net.sh: each prints what it saw, natively and sandboxed alike.
import errno
import os
import resource
import socket
import sys
import threading
import time
import urllib.request


def echo_tcp(host):
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    s = socket.socket(fam)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((host, 0))
    s.listen(4)
    s.settimeout(10)

    def serve():
        for _ in range(3):
            c, _ = s.accept()
            with c:
                c.sendall(c.recv(100).upper())
    t = threading.Thread(target=serve)
    t.start()
    for i in range(3):
        c = socket.create_connection((host, s.getsockname()[1]), timeout=10)
        c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        c.sendall(b"hello %d" % i)
        print(host, c.recv(100).decode(), c.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
        c.close()
    t.join()


def udp(host):
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    a = socket.socket(fam, socket.SOCK_DGRAM)
    a.bind((host, 0))
    b = socket.socket(fam, socket.SOCK_DGRAM)
    b.settimeout(10)
    for i in range(3):
        b.sendto(b"dgram %d" % i, a.getsockname())
        data, peer = a.recvfrom(100)
        a.sendto(data.upper(), peer)
        print(host, b.recv(100).decode())


def unix(d):
    a, b = socket.socketpair()
    r, w = os.pipe()
    socket.send_fds(a, [b"x"], [r])
    msg, fds, flags, _ = socket.recv_fds(b, 10, 4)
    os.write(w, b"through SCM_RIGHTS")
    print("socketpair", msg, os.read(fds[0], 100).decode(), flags)
    p = os.path.join(d, "s.sock")
    s = socket.socket(socket.AF_UNIX)
    s.bind(p)
    s.listen(1)
    c = socket.socket(socket.AF_UNIX)
    c.connect(p)
    x, _ = s.accept()
    c.sendall(b"stream on a path")
    print(x.recv(100).decode(), x.getsockname() == p, c.getpeername() == p)
    cr = x.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, 12)
    print("SO_PEERCRED pid is the peer's:", int.from_bytes(cr[:4], "little") == os.getpid())
    q = os.path.join(d, "d.sock")
    ds = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    ds.bind(q)
    dc = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    dc.sendto(b"datagram on a path", q)
    print(ds.recv(100).decode())
    sp = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    sp.bind("\0kiste-net-test-%d" % os.getpid())
    sp.listen(1)
    cp = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    cp.connect("\0kiste-net-test-%d" % os.getpid())
    y, _ = sp.accept()
    cp.send(b"record 1")
    cp.send(b"record 2")
    print("abstract seqpacket", y.recv(100).decode(), y.recv(100).decode())
    os.unlink(p)
    os.unlink(q)


def cloexec():
    a, b = socket.socketpair()
    r, _ = os.pipe()
    socket.send_fds(a, [b"x"], [r])
    _, anc, _, _ = b.recvmsg(10, socket.CMSG_SPACE(4), socket.MSG_CMSG_CLOEXEC)
    fd = int.from_bytes(anc[0][2][:4], "little")
    print("MSG_CMSG_CLOEXEC: received descriptor close-on-exec:", not os.get_inheritable(fd))


def many(limit):
    """A peer sends 40 descriptors to a process that can hold only @limit."""
    a, b = socket.socketpair()
    fds = [os.open("/dev/null", os.O_RDONLY) for _ in range(40)]
    socket.send_fds(a, [b"x"], fds)
    for f in fds:
        os.close(f)
    resource.setrlimit(resource.RLIMIT_NOFILE, (limit, limit))
    msg, got, flags, _ = socket.recv_fds(b, 10, 40)
    print("received some:", 0 < len(got) < 40, "all below the limit:",
          all(f < limit for f in got), "MSG_CTRUNC:", bool(flags & socket.MSG_CTRUNC))


def errno_of(fn):
    try:
        fn()
        return "ok"
    except OSError as e:
        return errno.errorcode[e.errno]


def refused():
    print("AF_PACKET", errno_of(lambda: socket.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)))
    print("raw IPv4", errno_of(lambda: socket.socket(socket.AF_INET, socket.SOCK_RAW, 1)))
    print("netlink audit", errno_of(lambda: socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 9)))
    s = socket.socket()
    print("SO_ATTACH_FILTER", errno_of(lambda: s.setsockopt(socket.SOL_SOCKET, 26, b"\0" * 16)))
    print("SO_BINDTODEVICE", errno_of(lambda: s.setsockopt(socket.SOL_SOCKET, 25, b"lo\0")))


def same_errno():
    print("socketpair AF_INET", errno_of(lambda: socket.socketpair(socket.AF_INET)))
    print("connect nowhere", errno_of(lambda: socket.create_connection(("127.0.0.1", 9), 5)))
    print("sendmsg of a closed descriptor",
          errno_of(lambda: socket.send_fds(socket.socketpair()[0], [b"x"], [999])))


def send_fd(fd):
    """SCM_RIGHTS with descriptor @fd (the guest kernel's own from 1000)."""
    a, b = socket.socketpair()
    print("send", fd, errno_of(lambda: socket.send_fds(a, [b"x"], [fd])))


def connect_path(p):
    s = socket.socket(socket.AF_UNIX)
    r = errno_of(lambda: s.connect(p))
    if r == "ok":
        s.settimeout(5)
        try:
            print("connected, read:", s.recv(100).decode())
        except OSError as e:
            print("connected, read failed:", errno.errorcode[e.errno])
    else:
        print("connect", r)


def http(port):
    import subprocess
    srv = subprocess.Popen([sys.executable, "-m", "http.server", "--bind", "127.0.0.1",
                            str(port), "--directory", os.path.dirname(__file__)],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                u = urllib.request.urlopen("http://127.0.0.1:%d/net.py" % port, timeout=5)
                print("http.server:", u.status, len(u.read()))
                break
            except OSError:
                time.sleep(0.1)
        else:
            print("http.server: no answer in 10 s")
    finally:
        srv.terminate()
        srv.wait()


def serve_unix(p):
    """A host server that hands out a secret to whoever connects (4 clients, 20 s each)."""
    s = socket.socket(socket.AF_UNIX)
    s.bind(p)
    os.chmod(p, 0o777)
    s.listen(4)
    s.settimeout(20)
    print("listening", flush=True)
    for _ in range(4):
        c, _ = s.accept()
        c.sendall(b"host secret")
        c.close()


def serve(port, host="0.0.0.0"):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((host, port))
    s.listen(1)
    s.settimeout(20)
    print("listening", flush=True)
    c, _ = s.accept()
    c.sendall(c.recv(100).upper())
    c.close()


def congestion():
    """TCP_CONGESTION read, set to the algorithm in use and read back (iperf3 reads it)."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(1)
    c = socket.create_connection(s.getsockname(), timeout=10)
    name = c.getsockopt(socket.IPPROTO_TCP, socket.TCP_CONGESTION, 16).rstrip(b"\0")
    c.setsockopt(socket.IPPROTO_TCP, socket.TCP_CONGESTION, name)
    again = c.getsockopt(socket.IPPROTO_TCP, socket.TCP_CONGESTION, 16).rstrip(b"\0")
    bogus = errno_of(lambda: c.setsockopt(socket.IPPROTO_TCP, socket.TCP_CONGESTION,
                                          b"no-such-algo"))
    print("congestion", name == again, len(name) > 0, bogus)
    c.close()
    s.close()


def client(host, port):
    c = socket.create_connection((host, port), timeout=5)
    c.sendall(b"through the network")
    print(c.recv(100).decode())


# Socket ioctls (sockios.h): SIOCINQ is FIONREAD, SIOCOUTQ is TIOCOUTQ; the time stamps in the
# _OLD and _NEW forms (16 bytes on x86_64 either way).
SIOCINQ, SIOCOUTQ, SIOCOUTQNSD, SIOCATMARK = 0x541b, 0x5411, 0x894b, 0x8905
STAMPS = {"SIOCGSTAMP_OLD": 0x8906, "SIOCGSTAMPNS_OLD": 0x8907,
          "SIOCGSTAMP_NEW": 0x80108906, "SIOCGSTAMPNS_NEW": 0x80108907}
SOCK_IOCTLS = dict(SIOCINQ=SIOCINQ, SIOCOUTQ=SIOCOUTQ, SIOCOUTQNSD=SIOCOUTQNSD,
                   SIOCATMARK=SIOCATMARK, **STAMPS)


def ioc(s, req, size=4):
    """An ioctl's answer: its int, whether a time stamp is within 5 s of now, or the errno."""
    import fcntl
    try:
        b = fcntl.ioctl(s, req, bytes(size))
    except OSError as e:
        return errno.errorcode[e.errno]
    if size == 4:
        return int.from_bytes(b[:4], "little", signed=True)
    frac = 1e9 if req & 1 else 1e6	# the NS forms are the odd requests
    t = int.from_bytes(b[:8], "little") + int.from_bytes(b[8:], "little") / frac
    return "stamp" if abs(t - time.time()) < 5 else "stamp off by %f s" % (t - time.time())


def ioc_all(s, skip=()):
    """Every socket ioctl on @s but those in @skip: (name, answer) pairs."""
    return [(k, ioc(s, v, 16 if k in STAMPS else 4)) for k, v in SOCK_IOCTLS.items()
            if k not in skip]


def sockioctl():
    """Each socket ioctl on UDP, TCP (with urgent data), AF_UNIX and rtnetlink sockets."""
    import select
    for fam, host in ((socket.AF_INET, "127.0.0.1"), (socket.AF_INET6, "::1")):
        a = socket.socket(fam, socket.SOCK_DGRAM)
        a.bind((host, 0))
        b = socket.socket(fam, socket.SOCK_DGRAM)
        print(host, "UDP before any datagram:", ioc_all(a))
        b.sendto(b"x" * 30, a.getsockname())
        b.sendto(b"y" * 7, a.getsockname())
        select.select([a], [], [], 10)
        print(host, "UDP, 2 datagrams queued: SIOCINQ", ioc(a, SIOCINQ), "SIOCOUTQ", ioc(b, SIOCOUTQ))
        a.recv(100)
        print(host, "UDP after one read:", ioc_all(a))
        s = socket.socket(fam)
        s.bind((host, 0))
        s.listen(1)
        c = socket.create_connection(s.getsockname()[:2], timeout=10)
        x, _ = s.accept()
        print(host, "TCP idle:", ioc_all(c))
        c.send(b"hello")
        c.send(b"!", socket.MSG_OOB)
        for _ in range(100):
            if ioc(x, SIOCINQ) == 5:
                break
            time.sleep(0.05)
        print(host, "TCP with urgent data: SIOCINQ", ioc(x, SIOCINQ), "SIOCATMARK", ioc(x, SIOCATMARK),
              x.recv(5), "then SIOCATMARK", ioc(x, SIOCATMARK), "urgent", x.recv(1, socket.MSG_OOB))
        print(host, "listening socket:", ioc(s, SIOCINQ), ioc(s, SIOCOUTQ), ioc(s, SIOCATMARK))
        for y in (a, b, s, c, x):
            y.close()
    p, q = socket.socketpair()
    p.send(b"z" * 100)
    print("AF_UNIX pair: SIOCINQ", ioc(q, SIOCINQ), "SIOCOUTQ > 0", ioc(p, SIOCOUTQ) > 0,
          "others", ioc_all(q, ("SIOCINQ", "SIOCOUTQ")))
    n = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0)
    print("rtnetlink:", ioc_all(n))
    m, t = os.openpty()
    print("terminal: TIOCOUTQ", ioc(t, SIOCOUTQ), ioc(m, SIOCOUTQ), "SIOCATMARK", ioc(t, SIOCATMARK),
          "SIOCGSTAMP", ioc(t, 0x8906, 16))
    # A bad address (8): EFAULT, the workload left standing; SIOCGSTAMP too once it has one.
    import fcntl
    print("bad address:", errno_of(lambda: fcntl.ioctl(p, SIOCOUTQ, 8)),
          errno_of(lambda: fcntl.ioctl(q, SIOCINQ, 8)))
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.bind(("127.0.0.1", 0))
    u.sendto(b"me", u.getsockname())
    u.recv(10)
    print("bad address for the stamps:", [errno_of(lambda: fcntl.ioctl(u, v, 8))
                                          for v in STAMPS.values()])
    # musl passes an _IOR request sign-extended: the kernel reads 32 bits.
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    buf = ctypes.create_string_buffer(16)
    r = libc.syscall(ctypes.c_long(16), ctypes.c_long(u.fileno()),
                     ctypes.c_ulong(0xffffffff80108906), buf)
    print("SIOCGSTAMP_NEW sign-extended:", r, abs(int.from_bytes(buf.raw[:8], "little") - time.time()) < 5)


def ioctl_nonsock():
    """The socket ioctls on what is no socket: a file, a pipe, /dev/null, closed descriptors."""
    f = open(__file__, "rb")
    r, w = os.pipe()
    n = open("/dev/null", "rb")
    for name, fd in (("file", f.fileno()), ("pipe", r), ("/dev/null", n.fileno())):
        print(name, ioc_all(fd, ("SIOCINQ",)))
    for fd in range(1000, 1008):
        print(fd, [v for _, v in ioc_all(fd)])


def udplite(host):
    """UDP-Lite with a checksum coverage of 20 bytes each way, or the errno a host without it gives."""
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    r = errno_of(lambda: socket.socket(fam, socket.SOCK_DGRAM, 136).close())
    if r != "ok":
        print(host, "UDP-Lite socket:", r)
        return
    a = socket.socket(fam, socket.SOCK_DGRAM, 136)
    a.bind((host, 0))
    b = socket.socket(fam, socket.SOCK_DGRAM, 136)
    b.settimeout(10)
    print(host, "coverage before:", a.getsockopt(136, 10), a.getsockopt(136, 11))
    a.setsockopt(136, 11, 20)
    b.setsockopt(136, 10, 20)
    print(host, "coverage set:", b.getsockopt(136, 10), a.getsockopt(136, 11))
    for i in range(3):
        b.sendto(b"lite %d" % i + b"." * 40, a.getsockname())
        data, peer = a.recvfrom(100)
        a.sendto(data.upper(), peer)
        print(host, b.recv(100).decode(), a.family == fam, a.proto)
    c = socket.socket(fam, socket.SOCK_DGRAM, 136)
    c.setsockopt(136, 10, 5)	# below 8: the kernel takes 8 (the header)
    print(host, "coverage 5 reads back as", c.getsockopt(136, 10))
    c.setsockopt(136, 10, 24)
    c.connect(a.getsockname())
    c.send(b"connected")
    print(host, "connected:", a.recv(100), c.getsockopt(socket.SOL_SOCKET, socket.SO_PROTOCOL))
    u = socket.socket(fam, socket.SOCK_DGRAM)
    t = socket.socket(fam)
    print(host, "coverage on UDP", errno_of(lambda: u.setsockopt(136, 10, 20)),
          errno_of(lambda: u.getsockopt(136, 11)), "on TCP", errno_of(lambda: t.getsockopt(136, 10)),
          "stream UDP-Lite", errno_of(lambda: socket.socket(fam, socket.SOCK_STREAM, 136)))


cmds = {"tcp": echo_tcp, "udp": udp, "unix": unix, "cloexec": cloexec, "refused": refused,
        "same_errno": same_errno, "http": lambda p: http(int(p)), "serve": lambda p: serve(int(p)),
        "serve_on": lambda h, p: serve(int(p), h), "serve_unix": serve_unix,
        "client": lambda h, p: client(h, int(p)), "many": lambda n: many(int(n)),
        "send_fd": lambda f: send_fd(int(f)), "connect_path": connect_path,
        "congestion": congestion, "sockioctl": sockioctl, "ioctl_nonsock": ioctl_nonsock,
        "udplite": udplite}
cmds[sys.argv[1]](*sys.argv[2:])
