// SPDX-License-Identifier: GPL-2.0
// loader.c - execve as the guest kernel's own load: ELF (static, static-pie, PT_INTERP), #!.
#include <linux/auxvec.h>
#include <linux/elf.h>
#include <linux/fcntl.h>
#include <linux/mman.h>
#include <linux/stat.h>
#include <asm/stat.h>

#include "gk.h"

#define GK_MAXPH 32
#define GK_STACK_SIZE (8UL << 20)
#define GK_DYN_BASE 0x555555554000UL

struct elf_img {
	Elf64_Ehdr eh;
	Elf64_Phdr ph[GK_MAXPH];
	long fd;
	unsigned long base, lo, hi;	/* bias and page-aligned span (unbiased) */
};

static long check_exec(long fd)
{
	struct stat st;
	long r = hs4(__NR_newfstatat, fd, "", &st, AT_EMPTY_PATH);

	if (r < 0)
		return r;
	if (!S_ISREG(st.st_mode))
		return -EACCES;
	return hs4(__NR_faccessat2, fd, "", 1 /* X_OK */, AT_EMPTY_PATH);
}

static long is_reg(long fd)
{
	struct stat st;
	long r = hs4(__NR_newfstatat, fd, "", &st, AT_EMPTY_PATH);

	return r < 0 ? r : S_ISREG(st.st_mode) ? 0 : -EACCES;
}

/*
 * Only a regular file is opened for reading, as execve checks before it
 * opens: opening a FIFO would wait for a writer forever (EACCES instead).
 * O_NONBLOCK covers a file swapped for a FIFO in between.
 */
static long open_exec(const char *abs)
{
	long fd = gk_open_abs(abs, O_PATH | O_CLOEXEC, 0, 0), r;

	if (fd < 0)
		return fd;
	r = is_reg(fd);
	hs1(__NR_close, fd);
	if (r < 0)
		return r;
	fd = gk_open_abs(abs, O_RDONLY | O_NONBLOCK | O_CLOEXEC, 0, 0);
	if (fd >= 0 && (r = is_reg(fd)) < 0) {
		hs1(__NR_close, fd);
		return r;
	}
	return fd;
}

static long elf_read(const char *abs, struct elf_img *e, char *interp, size_t n)
{
	long r, i;

	e->fd = open_exec(abs);
	if (e->fd < 0)
		return e->fd;
	r = hs4(__NR_pread64, e->fd, &e->eh, sizeof(e->eh), 0);
	if (r != sizeof(e->eh) || memcmp(e->eh.e_ident, ELFMAG, SELFMAG) ||
	    e->eh.e_ident[EI_CLASS] != ELFCLASS64 || e->eh.e_ident[EI_DATA] != ELFDATA2LSB ||
	    e->eh.e_machine != EM_X86_64 || (e->eh.e_type != ET_EXEC && e->eh.e_type != ET_DYN) ||
	    e->eh.e_phentsize != sizeof(Elf64_Phdr) || e->eh.e_phnum > GK_MAXPH)
		return -ENOEXEC;
	r = hs4(__NR_pread64, e->fd, e->ph, e->eh.e_phnum * sizeof(Elf64_Phdr), e->eh.e_phoff);
	if (r != (long)(e->eh.e_phnum * sizeof(Elf64_Phdr)))
		return -ENOEXEC;
	e->lo = ~0UL;
	e->hi = 0;
	if (interp)
		interp[0] = 0;
	for (i = 0; i < e->eh.e_phnum; i++) {
		Elf64_Phdr *p = &e->ph[i];

		if (p->p_type == PT_INTERP && interp) {
			if (p->p_filesz < 2 || p->p_filesz >= n)
				return -ENOEXEC;
			r = hs4(__NR_pread64, e->fd, interp, p->p_filesz, p->p_offset);
			if (r != (long)p->p_filesz || interp[p->p_filesz - 1])
				return -ENOEXEC;
		}
		if (p->p_type != PT_LOAD)
			continue;
		if ((p->p_vaddr - p->p_offset) % GK_PAGE || p->p_filesz > p->p_memsz ||
		    p->p_vaddr + p->p_memsz < p->p_vaddr)
			return -ENOEXEC;
		if (GK_PAGE_DOWN(p->p_vaddr) < e->lo)
			e->lo = GK_PAGE_DOWN(p->p_vaddr);
		if (GK_PAGE_UP(p->p_vaddr + p->p_memsz) > e->hi)
			e->hi = GK_PAGE_UP(p->p_vaddr + p->p_memsz);
	}
	if (e->hi <= e->lo)
		return -ENOEXEC;
	/* Workload memory lies above the guest kernel (GK_IMAGE_BASE, the allowlist's mmap). */
	if (e->eh.e_type == ET_EXEC && e->lo < gk.boot.image_end)
		return -ENOMEM;
	return 0;
}

static long prot_of(unsigned int f)
{
	return ((f & PF_R) ? PROT_READ : 0) | ((f & PF_W) ? PROT_WRITE : 0) |
	       ((f & PF_X) ? PROT_EXEC : 0);
}

static long map_segment(struct elf_img *e, const Elf64_Phdr *p)
{
	unsigned long start = e->base + GK_PAGE_DOWN(p->p_vaddr);
	unsigned long fend = e->base + p->p_vaddr + p->p_filesz;
	unsigned long mend = e->base + p->p_vaddr + p->p_memsz;
	long prot = prot_of(p->p_flags), r;

	if (p->p_filesz) {
		r = hs6(__NR_mmap, start, GK_PAGE_UP(fend) - start, prot | PROT_WRITE,
			MAP_PRIVATE | MAP_FIXED, e->fd, GK_PAGE_DOWN(p->p_offset));
		if (r < 0)
			return r;
		/* The file's bytes past p_filesz on the last page are bss: zero them. */
		if (mend > fend && GK_PAGE_UP(fend) > fend)
			memset((void *)fend, 0, GK_PAGE_UP(fend) - fend);
		if (!(prot & PROT_WRITE))
			hs3(__NR_mprotect, start, GK_PAGE_UP(fend) - start, prot);
		if (prot == (PROT_READ | PROT_EXEC))
			gk_patch_code(start, GK_PAGE_UP(fend) - start);
		start = GK_PAGE_UP(fend);
	}
	if (GK_PAGE_UP(mend) > start) {
		r = hs6(__NR_mmap, start, GK_PAGE_UP(mend) - start, prot,
			MAP_PRIVATE | MAP_FIXED | MAP_ANONYMOUS, -1, 0);
		if (r < 0)
			return r;
	}
	return 0;
}

static long elf_map(struct elf_img *e, unsigned long hint)
{
	long r, i;
	unsigned long len = e->hi - e->lo;

	if (e->eh.e_type == ET_EXEC) {
		r = hs6(__NR_mmap, e->lo, len, PROT_NONE,
			MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
		e->base = 0;
	} else {
		r = hs6(__NR_mmap, hint, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		e->base = (unsigned long)r - e->lo;
	}
	if (r < 0)
		return r;
	for (i = 0; i < e->eh.e_phnum; i++) {
		if (e->ph[i].p_type != PT_LOAD)
			continue;
		r = map_segment(e, &e->ph[i]);
		if (r < 0)
			return r;
	}
	return 0;
}

static unsigned long phdr_addr(const struct elf_img *e)
{
	int i;

	for (i = 0; i < e->eh.e_phnum; i++)
		if (e->ph[i].p_type == PT_PHDR)
			return e->base + e->ph[i].p_vaddr;
	for (i = 0; i < e->eh.e_phnum; i++) {
		const Elf64_Phdr *p = &e->ph[i];

		if (p->p_type == PT_LOAD && p->p_offset <= e->eh.e_phoff &&
		    e->eh.e_phoff < p->p_offset + p->p_filesz)
			return e->base + p->p_vaddr + (e->eh.e_phoff - p->p_offset);
	}
	return 0;
}

static char *push_str(unsigned long *top, const char *s)
{
	size_t len = strlen(s) + 1;

	*top -= len;
	return memcpy((void *)*top, s, len);
}

#define AUX(k, v) do { aux[na++] = (k); aux[na++] = (unsigned long)(v); } while (0)

/* Where the new image's argument and environment strings lie (its /proc cmdline, environ). */
struct str_bounds {
	unsigned long arg_start, arg_end, env_end;
};

static long build_stack(struct gk_exec_args *ea, const char *execfn, const struct elf_img *exe,
			unsigned long interp_base, unsigned long *sp_out, struct str_bounds *sb)
{
	unsigned long aux[48], *w, top, sp, words;
	char *rnd, *plat, *fn;
	long stk, i, na = 0;

	stk = hs6(__NR_mmap, 0, GK_STACK_SIZE, PROT_READ | PROT_WRITE,
		  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (stk < 0)
		return stk;
	top = stk + GK_STACK_SIZE - 16;
	plat = push_str(&top, "x86_64");
	top -= 16;
	rnd = (char *)top;
	hs3(__NR_getrandom, rnd, 16, 0);
	fn = push_str(&top, execfn);
	/* As the kernel lays them out: the arguments, the environment right above them. */
	sb->env_end = top;
	for (i = ea->envc - 1; i >= 0; i--)
		ea->envp[i] = push_str(&top, ea->envp[i]);
	sb->arg_end = top;
	for (i = ea->argc - 1; i >= 0; i--)
		ea->argv[i] = push_str(&top, ea->argv[i]);
	sb->arg_start = top;
	if (gk.boot.sysinfo_ehdr)
		AUX(AT_SYSINFO_EHDR, gk.boot.sysinfo_ehdr);
	if (gk.boot.minsigstksz)
		AUX(51 /* AT_MINSIGSTKSZ */, gk.boot.minsigstksz);
	AUX(AT_HWCAP, gk.boot.hwcap);
	AUX(AT_PAGESZ, GK_PAGE);
	AUX(AT_CLKTCK, gk.boot.clktck ? gk.boot.clktck : 100);
	AUX(AT_PHDR, phdr_addr(exe));
	AUX(AT_PHENT, sizeof(Elf64_Phdr));
	AUX(AT_PHNUM, exe->eh.e_phnum);
	AUX(AT_BASE, interp_base);
	AUX(AT_FLAGS, 0);
	AUX(AT_ENTRY, exe->base + exe->eh.e_entry);
	AUX(AT_UID, gk.uid);
	AUX(AT_EUID, gk.uid);
	AUX(AT_GID, gk.gid);
	AUX(AT_EGID, gk.gid);
	AUX(AT_SECURE, 0);
	AUX(AT_RANDOM, rnd);
	AUX(AT_HWCAP2, gk.boot.hwcap2);
	AUX(AT_EXECFN, fn);
	AUX(AT_PLATFORM, plat);
	AUX(AT_NULL, 0);
	words = 1 + ea->argc + 1 + ea->envc + 1 + na;
	sp = (top - words * 8) & ~15UL;
	w = (unsigned long *)sp;
	*w++ = ea->argc;
	for (i = 0; i < ea->argc; i++)
		*w++ = (unsigned long)ea->argv[i];
	*w++ = 0;
	for (i = 0; i < ea->envc; i++)
		*w++ = (unsigned long)ea->envp[i];
	*w++ = 0;
	memcpy(w, aux, na * 8);
	*sp_out = sp;
	return 0;
}

/* "#!interp [arg]": argv becomes interp, [arg], path, argv[1..]. */
static long script_args(long fd, const char *path, struct gk_exec_args *ea, char *interp,
			size_t n)
{
	static char *vec[4096];
	char line[256], *p, *arg = NULL;
	long r = hs4(__NR_pread64, fd, line, sizeof(line) - 1, 0);
	int i, k = 0;

	if (r < 2 || line[0] != '#' || line[1] != '!')
		return -ENOEXEC;
	line[r] = 0;
	p = strchr(line, '\n');
	if (!p)
		return -ENOEXEC;
	*p = 0;
	for (p = line + 2; *p == ' ' || *p == '\t'; p++)
		;
	if (!*p)
		return -ENOEXEC;
	gk_strlcpy(interp, p, n);
	for (i = 0; interp[i] && interp[i] != ' ' && interp[i] != '\t'; i++)
		;
	if (interp[i]) {
		interp[i] = 0;
		for (arg = interp + i + 1; *arg == ' ' || *arg == '\t'; arg++)
			;
		if (!*arg)
			arg = NULL;
	}
	if (ea->argc + 3 + ea->envc >= 4094)
		return -E2BIG;
	vec[k++] = interp;
	if (arg)
		vec[k++] = arg;
	vec[k++] = (char *)path;
	for (i = 1; i < ea->argc; i++)
		vec[k++] = ea->argv[i];
	vec[k] = NULL;
	for (i = 0; i <= ea->envc; i++)
		vec[k + 1 + i] = ea->envp[i];
	ea->argv = vec;
	ea->argc = k;
	ea->envp = vec + k + 1;
	return 0;
}

static void close_img(struct elf_img *e)
{
	if (e->fd >= 0)
		hs1(__NR_close, e->fd);
	e->fd = -1;
}

static void set_entry(struct gk_call *c, unsigned long rip, unsigned long sp)
{
	struct sigcontext *m = &c->uc->uc_mcontext;
	unsigned short cs = m->cs, ss = m->ss;

	memset(m, 0, sizeof(*m));
	m->rip = rip;
	m->rsp = sp;
	m->eflags = 0x202;
	m->cs = cs;
	m->ss = ss;
	c->noreturn = 1;
}

/* What ps shows: the program's name, as a host exec would have set it. */
static void set_comm(const char *path)
{
	const char *b = path, *p;
	char comm[16];

	for (p = path; *p; p++)
		if (*p == '/' && p[1])
			b = p + 1;
	gk_strlcpy(comm, b, sizeof(comm));
	hs2(__NR_prctl, 15 /* PR_SET_NAME */, comm);
}

/* Everything up to the point of no return can fail back to the caller. */
/*
 * The executable's path as /proc/self/exe shows it natively: every link
 * resolved (the loader's $ORIGIN comes from it: java's launcher finds its
 * libraries beside the file /usr/bin/java links to).  The host names the
 * open file (the sandbox's root is its root); kept only when that name opens
 * the same file in the guest, else the path as given.
 */
static void exe_resolved(long fd, char *abs, size_t n)
{
	struct open_how how = {
		.flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV,
	};
	static char out[GK_PATH_MAX];
	struct stat a, b;
	char name[24];
	long dir, r, t;

	if (gk.boot.proc_fd < 0)
		return;
	dir = hs4(__NR_openat2, gk.boot.proc_fd, "thread-self/fd", &how, sizeof(how));
	if (dir < 0)
		return;
	snprintf(name, sizeof(name), "%ld", fd);
	r = hs4(__NR_readlinkat, dir, name, out, sizeof(out) - 1);
	hs1(__NR_close, dir);
	if (r <= 0 || out[0] != '/' || hs4(__NR_newfstatat, fd, "", &a, AT_EMPTY_PATH) < 0)
		return;
	out[r] = 0;
	t = gk_open_abs(out, O_PATH | O_CLOEXEC, 0, 0);
	if (t < 0)
		return;
	r = hs4(__NR_newfstatat, t, "", &b, AT_EMPTY_PATH);
	hs1(__NR_close, t);
	if (r == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino)
		gk_strlcpy(abs, out, n);
}

long gk_execve(struct gk_call *c, const char *path, struct gk_exec_args *ea)
{
	static struct elf_img exe, in;
	static char interp[GK_PATH_MAX], script_interp[GK_PATH_MAX], abs[GK_PATH_MAX];
	struct str_bounds sb = { 0 };
	unsigned long sp, ib = 0;
	long r;

	in.fd = -1;
	r = gk_path_abs(-100 /* AT_FDCWD */, path, abs, sizeof(abs));
	if (r < 0)
		return r;
	/* Re-executing oneself: the file, not the /proc name, is what the new exe is. */
	if (gk_proc_is_exe(abs))
		gk_strlcpy(abs, gk.exe, sizeof(abs));
	r = elf_read(abs, &exe, interp, sizeof(interp));
	if (r == -ENOEXEC && exe.fd >= 0) {
		r = script_args(exe.fd, path, ea, script_interp, sizeof(script_interp));
		close_img(&exe);
		if (r < 0)
			return r;
		r = gk_path_abs(-100, script_interp, abs, sizeof(abs));
		if (r < 0)
			return r;
		r = elf_read(abs, &exe, interp, sizeof(interp));
		if (r == -ENOENT)
			r = -ENOEXEC;
	}
	if (r == 0)
		r = check_exec(exe.fd);
	if (r == 0)
		exe_resolved(exe.fd, abs, sizeof(abs));
	if (r == 0 && interp[0]) {
		r = elf_read(interp, &in, NULL, 0);
		if (r == 0 && in.eh.e_type != ET_DYN)
			r = -ENOEXEC;
		if (r == -ENOENT)
			r = -ENOENT;
	}
	if (r < 0) {
		close_img(&exe);
		close_img(&in);
		return r;
	}
	/* Point of no return: the other threads end, then the old image goes. */
	gk_thread_exec_alone();
	gk_unmap_all();
	gk_patch_exec();
	r = elf_map(&exe, exe.eh.e_type == ET_DYN ? GK_DYN_BASE : 0);
	if (r == 0 && interp[0]) {
		r = elf_map(&in, 0);
		ib = in.base;
	}
	if (r == 0)
		r = build_stack(ea, path, &exe, ib, &sp, &sb);
	close_img(&exe);
	close_img(&in);
	if (r < 0)
		gk_die(128 + 11, "kiste: exec of %s failed after the old image was gone (%ld)\n",
		       path, r);
	gk_brk_reset(exe.base + exe.hi);
	gk_close_cloexec();
	gk_sig_exec_reset();
	gk_caps_exec();
	gk_proc_set_args(sb.arg_start, sb.arg_end, sb.env_end);
	gk_timers_exec();
	gk.execs++;
	gk_strlcpy(gk.exe, abs, sizeof(gk.exe));
	set_comm(path);
	set_entry(c, interp[0] ? in.base + in.eh.e_entry : exe.base + exe.eh.e_entry, sp);
	return 0;
}

static long is_exec_file(const char *abs)
{
	long fd = gk_open_abs(abs, O_PATH | O_CLOEXEC, 0, 0), r;

	if (fd < 0)
		return fd;
	r = check_exec(fd);
	hs1(__NR_close, fd);
	return r;
}

long gk_exec_lookup(const char *cmd, const char *pathvar, char *abs, size_t n)
{
	char cand[GK_PATH_MAX];
	const char *p = pathvar ? pathvar : "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
	int denied = 0;

	if (!*cmd)
		return -ENOENT;
	if (strchr(cmd, '/')) {
		long fd;

		gk_strlcpy(abs, cmd, n);
		if (gk_path_abs(-100, cmd, cand, sizeof(cand)) < 0)
			return -ENOENT;
		fd = gk_open_abs(cand, O_PATH | O_CLOEXEC, 0, 0);
		if (fd < 0)
			return fd == -EACCES ? -EACCES : -ENOENT;
		hs1(__NR_close, fd);
		return 0;
	}
	while (*p) {
		const char *e = strchr(p, ':');
		size_t dl = e ? (size_t)(e - p) : strlen(p);

		if (dl + strlen(cmd) + 2 < sizeof(cand)) {
			memcpy(cand, p, dl);
			cand[dl] = 0;
			if (!dl)
				gk_strlcpy(cand, ".", sizeof(cand));
			snprintf(cand + strlen(cand), sizeof(cand) - strlen(cand), "/%s", cmd);
			if (gk_path_abs(-100, cand, abs, n) == 0) {
				long r = is_exec_file(abs);

				if (r == 0) {
					gk_strlcpy(abs, cand, n);
					return 0;
				}
				if (r == -EACCES)
					denied = 1;
			}
		}
		if (!e)
			break;
		p = e + 1;
	}
	return denied ? -EACCES : -ENOENT;
}
