#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# shim_threads.sh - threaded workloads natively and in shim mode: same output, same status.
# kiste-suite: host shim_threads.sh
#
# POSIX sh (bash on the host).  Each case runs natively, then sandboxed, and compares.
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=selftests/shim/shim_lib.sh
. "$here/shim-lib.helper"
K="${KISTE_SHIM:-$here/../bin/kiste}"
T="$WL/threads"
PY=/usr/bin/python3
shim_need threads
# The data lives in the rootfs (read-only inside); $SHIM_TMP inside is a tmpfs for sort's spills.
data=$(mktemp -d /var/tmp/kiste-threads.XXXXXX) || bail "cannot make a folder under /var/tmp"
chmod 755 "$data"
trap 'rm -rf "$data"' EXIT
S() { "$K" run --mode=shim --tmpfs "$SHIM_TMP" --env TMPDIR="$SHIM_TMP" -- "$@"; }

# same NAME CMD...: output and status natively and sandboxed match (and the native run worked).
same()
{
	s_name="$1"
	shift
	n_out=$("$@" 2>&1 </dev/null)
	n_rc=$?
	run S "$@"
	if [ "$T_RC" = "$n_rc" ] && [ "$T_OUT" = "$n_out" ] && [ -n "$n_out" ]; then
		ok "$s_name"
	else
		fail "$s_name" "sandboxed exit $T_RC: $T_OUT
# native exit $n_rc: $n_out"
	fi
}

same "C: 8 threads contend on a mutex and a condvar, then join" "$T" mutex
same "C: threads wait in futex while another thread forks and execs" "$T" forkexec
same "C: a thread exits while others run; the last thread's exit_group decides (3)" \
	"$T" exits 3
same "C: the first thread exits, then the last thread's exit(2) ends the process (0)" \
	"$T" exits -1
same "C: gettid is per thread, tgkill reaches the named thread" "$T" tgkill
expect "a thread made through the gate has its raw syscalls redirected (ptrace refused)" 0 \
	"rawthread: raw getpid=1 ptrace=-1" S "$T" rawthread

# threaded NAME CMD...: in the sandbox CMD really made threads (glibc's pthread_create is
# clone3; a program that fell back to one thread would pass the comparisons alone).
threaded()
{
	s_name="$1"
	shift
	n=$("$K" run --mode=shim --trace --tmpfs "$SHIM_TMP" --env TMPDIR="$SHIM_TMP" -- "$@" 2>&1 >/dev/null |
		grep -c '^kiste-shim\[[0-9]*\] clone3(.*) = [1-9]')
	if [ "$n" -gt 0 ]; then
		ok "$s_name"
	else
		fail "$s_name" "no thread made in the sandbox"
	fi
}

i=0
while [ $i -lt 64 ]; do
	head -c $((4096 + i * 997)) /dev/urandom >"$data/f$i"
	i=$((i + 1))
done
cat >"$data/pool.py" <<'PY'
import hashlib, os, sys
from concurrent.futures import ThreadPoolExecutor
d = sys.argv[1]
def h(n):
    with open(os.path.join(d, n), 'rb') as f:
        return n, hashlib.sha256(f.read()).hexdigest()
with ThreadPoolExecutor(8) as ex:
    for n, x in ex.map(h, sorted(f for f in os.listdir(d) if f.startswith('f'))):
        print(n, x)
PY
if [ -x "$PY" ]; then
	same "python3: ThreadPoolExecutor(8) hashes 64 files" "$PY" "$data/pool.py" "$data"
	threaded "python3: the pool's workers are threads in the sandbox" \
		"$PY" "$data/pool.py" "$data"
	# Processes, pipes and POSIX semaphores (sem_open: /dev/shm, the sandbox's own tmpfs).
	cat >"$data/mp.py" <<'PY'
import hashlib, multiprocessing as mp, os, sys
from multiprocessing import shared_memory
def h(p):
    with open(p, 'rb') as f:
        return hashlib.sha256(f.read()).hexdigest()
if __name__ == '__main__':
    d = sys.argv[1]
    files = sorted(os.path.join(d, n) for n in os.listdir(d) if n.startswith('f'))
    with mp.Pool(4) as p:
        for x in p.map(h, files):
            print(x)
    lock = mp.Lock()
    with lock:
        print('lock held')
    shm = shared_memory.SharedMemory(create=True, size=4096)
    shm.buf[:5] = b'kiste'
    other = shared_memory.SharedMemory(name=shm.name)
    print(bytes(other.buf[:5]).decode())
    other.close()
    shm.close()
    shm.unlink()
PY
	same "python3: multiprocessing.Pool(4), a Lock and shared_memory" "$PY" "$data/mp.py" "$data"
else
	skip "python3: ThreadPoolExecutor(8) hashes 64 files" "no $PY"
fi

# 2 million lines: sort spills to $SHIM_TMP (its TMPDIR) with 4 threads.
awk 'BEGIN { srand(7); for (i = 0; i < 2000000; i++) printf "%d %x\n", int(rand() * 1e9), i }' \
	>"$data/big.txt"
same "sort --parallel=4 of 2 million lines" sh -c "sort --parallel=4 -S 64M '$data/big.txt' | md5sum"
threaded "sort --parallel=4 sorts with threads in the sandbox" \
	sort --parallel=4 -S 64M -o "$SHIM_TMP/out" "$data/big.txt"
if command -v zstd >/dev/null; then
	same "zstd -T2: compress and decompress round trip" \
		sh -c "zstd -q -T2 -c '$data/big.txt' | zstd -q -T2 -d -c | md5sum; zstd -q -T2 -c '$data/big.txt' | md5sum"
	threaded "zstd -T2 compresses with threads in the sandbox" zstd -q -T2 -c "$data/big.txt"
else
	skip "zstd -T2: compress and decompress round trip" "no zstd: make deps"
fi
# Issue 10's bash with job control: set -m, &, wait %1, trap, kill %1, fg, $!, jobs.
if [ -x /bin/bash ]; then
	cat >"$data/jobs.sh" <<'EOS'
set -m
sleep 0.2 &
wait %1
echo "wait %1: $?"
trap 'echo "trapped USR1"' USR1
kill -USR1 $$
sleep 30 &
kill %1
wait %1
echo "killed job: $?"
sleep 0.1 &
fg %1
echo "fg: $?"
( exit 5 ) &
wait $!
echo "subshell: $?"
jobs
echo done
EOS
	same "bash job control: set -m, &, wait %1, trap, kill %1, fg, wait \$!" /bin/bash "$data/jobs.sh"
else
	skip "bash job control: set -m, &, wait %1, trap, kill %1, fg, wait \$!" "no /bin/bash"
fi

# Go programs: the runtime gives each thread an alternate signal stack of its own, installs
# every handler SA_ONSTACK and preempts goroutines with SIGURG; a handler found off that stack
# is fatal ("signal 23 received but handler not on signal stack").  Three runs each: the
# preemption signal comes at no fixed point.
# Debian's builds (make deps): another docker first on PATH may be one kiste cannot load yet.
go_case()	# BINARY ARGS...
{
	if [ -x "$1" ]; then
		for i in 1 2 3; do
			same "Go: ${1##*/} $2 (run $i): its handlers on its own alternate stacks" "$@"
		done
	else
		skip "Go: ${1##*/} $2: its handlers on its own alternate stacks" "no $1: make deps"
	fi
}
go_case /usr/bin/docker --version
go_case /usr/bin/runc --help
go_case /usr/bin/containerd --help

# The JVM: its own threads (JIT, GC), a thread pool, and a NullPointerException raised from
# its SIGSEGV handler; java 11 and later compile a single source file in memory.  The JVM's
# loader finds its libraries by $ORIGIN, from /proc/self/exe: the resolved path natively
# (/usr/bin/java is a link), which the sandbox's must be too.
if [ -x /usr/bin/java ] && java -version >/dev/null 2>&1; then
	cat >"$data/Pool.java" <<'EOS'
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

public class Pool {
    public static void main(String[] args) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        List<Future<Long>> parts = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            final int k = i;
            parts.add(pool.submit(() -> {
                long s = 0;
                for (int j = 0; j < 2000000; j++)
                    s += (j ^ k) % 7;
                return s;
            }));
        }
        long total = 0;
        for (Future<Long> f : parts)
            total += f.get();
        pool.shutdown();
        Object nothing = null;
        try {
            nothing.hashCode();
        } catch (NullPointerException e) {
            System.out.println("NullPointerException caught");
        }
        System.out.println("sum " + total);
    }
}
EOS
	chmod 644 "$data/Pool.java"
	same "Java: a thread pool of 4, the JIT, a NullPointerException (java Pool.java)" \
		/usr/bin/java "$data/Pool.java"
else
	skip "Java: a thread pool of 4, the JIT, a NullPointerException (java Pool.java)" \
		"no working /usr/bin/java"
fi
t_done
