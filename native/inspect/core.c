/*
 * An image as an ELF core file, so that gdb can show a snapshot's threads,
 * stacks and variables without restoring it: `gdb PROGRAM CORE`.
 *
 * Each thread's registers come from its signal frame in the saved stack (the
 * same frame the restorer resumes it from); memory is the saved pages over the
 * contents of the mapped files; the auxiliary vector lets gdb relocate a PIE
 * program; NT_FILE names the mapped files.
 */
#define _GNU_SOURCE
#include "core.h"
#include "chain.h"
#include <elf.h>
#include <errno.h>
#include <stddef.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/procfs.h>
#include <sys/ucontext.h>
#include <unistd.h>

struct note_buf {
	char *p;
	size_t len, cap;
};

static void nb_put(struct note_buf *b, const void *d, size_t n)
{
	if (b->len + n + 8 > b->cap) {
		b->cap = (b->len + n + 8) * 2;
		b->p = realloc(b->p, b->cap);
	}
	memcpy(b->p + b->len, d, n);
	b->len += n;
	while (b->len % 4)
		b->p[b->len++] = 0;
}

static void note(struct note_buf *b, const char *name, uint32_t type, const void *desc, size_t n)
{
	Elf64_Nhdr h = { (Elf64_Word)strlen(name) + 1, (Elf64_Word)n, type };
	nb_put(b, &h, sizeof h);
	nb_put(b, name, h.n_namesz);
	nb_put(b, desc, n);
}

/* Reads saved memory at addr from the image (0 if not saved). */
static int read_saved(const struct core_input *in, uint64_t addr, void *buf, size_t n)
{
	if (in->chain)
		return chain_read(in->chain, addr, buf, n);
	for (uint64_t i = 0; i < in->mm->nruns; i++) {
		const struct ckpt_img_run *r = &in->runs[i];
		/* the reader checked that addr + npages pages does not wrap */
		uint64_t end = r->addr + r->npages * CKPT_PAGE;
		if (addr >= r->addr && addr <= end && n <= end - addr)
			return ckr_data_read(in->reader, buf, n, r->data_offset + (addr - r->addr));
	}
	return -1;
}

/* a region's file path, "" if it has none */
static const char *region_path(const struct core_input *in, const struct ckpt_img_region *r)
{
	return r->path == ~0ull ? "" : in->strings + r->path;
}

static int file_backed(const struct ckpt_img_region *r)
{
	return r->kind == CKPT_MEM_FILE || r->kind == CKPT_MEM_SHARED_FILE;
}

static int special(const struct ckpt_img_region *r)
{
	return r->kind == CKPT_MEM_VDSO || r->kind == CKPT_MEM_VVAR || r->kind == CKPT_MEM_VCLOCK ||
	       r->kind == CKPT_MEM_VSYSCALL;
}

static void thread_notes(const struct core_input *in, struct note_buf *b, const struct ckpt_img_thread *t)
{
	struct elf_prstatus st;
	memset(&st, 0, sizeof st);
	st.pr_pid = t->vtid;
	st.pr_ppid = in->proc->vppid;
	st.pr_pgrp = in->proc->pgid;
	st.pr_sid = in->proc->sid;
	ucontext_t uc;
	struct user_fpregs_struct fp;
	memset(&fp, 0, sizeof fp);
	if (read_saved(in, t->uc, &uc, offsetof(ucontext_t, uc_mcontext) + sizeof(mcontext_t)) == 0) {
		const greg_t *g = uc.uc_mcontext.gregs;
		struct user_regs_struct *r = (struct user_regs_struct *)&st.pr_reg;
		r->r15 = (uint64_t)g[REG_R15]; r->r14 = (uint64_t)g[REG_R14];
		r->r13 = (uint64_t)g[REG_R13]; r->r12 = (uint64_t)g[REG_R12];
		r->rbp = (uint64_t)g[REG_RBP]; r->rbx = (uint64_t)g[REG_RBX];
		r->r11 = (uint64_t)g[REG_R11]; r->r10 = (uint64_t)g[REG_R10];
		r->r9 = (uint64_t)g[REG_R9]; r->r8 = (uint64_t)g[REG_R8];
		r->rax = (uint64_t)g[REG_RAX]; r->rcx = (uint64_t)g[REG_RCX];
		r->rdx = (uint64_t)g[REG_RDX]; r->rsi = (uint64_t)g[REG_RSI];
		r->rdi = (uint64_t)g[REG_RDI]; r->orig_rax = (uint64_t)-1;
		r->rip = (uint64_t)g[REG_RIP]; r->eflags = (uint64_t)g[REG_EFL];
		r->rsp = (uint64_t)g[REG_RSP]; r->cs = 0x33; r->ss = 0x2b;
		r->fs_base = t->fs_base;
		if (uc.uc_mcontext.fpregs)
			read_saved(in, (uint64_t)uc.uc_mcontext.fpregs, &fp, sizeof fp);
	}
	st.pr_fpvalid = 1;
	note(b, "CORE", NT_PRSTATUS, &st, sizeof st);
	note(b, "CORE", NT_FPREGSET, &fp, sizeof fp);
}

/* NT_FILE: count, page size, (start, end, offset in pages)[], names */
static void file_note(const struct core_input *in, struct note_buf *b)
{
	uint64_t nfiles = 0;
	size_t names = 0;
	for (uint32_t i = 0; i < in->mm->nregions; i++)
		if (file_backed(&in->regions[i])) {
			nfiles++;
			names += strlen(region_path(in, &in->regions[i])) + 1;
		}
	size_t flen = 16 + nfiles * 24 + names;
	uint64_t *fdesc = calloc(1, flen + 8);
	if (!fdesc)
		return;
	fdesc[0] = nfiles;
	fdesc[1] = CKPT_PAGE;
	char *np = (char *)(fdesc + 2 + nfiles * 3);
	uint64_t k = 0;
	for (uint32_t i = 0; i < in->mm->nregions; i++) {
		const struct ckpt_img_region *r = &in->regions[i];
		if (!file_backed(r))
			continue;
		fdesc[2 + k * 3] = r->start;
		fdesc[3 + k * 3] = r->end;
		fdesc[4 + k * 3] = r->file_offset / CKPT_PAGE;
		k++;
		const char *name = region_path(in, r);
		memcpy(np, name, strlen(name) + 1);
		np += strlen(name) + 1;
	}
	note(b, "CORE", NT_FILE, fdesc, flen);
	free(fdesc);
}

static void notes(const struct core_input *in, struct note_buf *b)
{
	struct elf_prpsinfo ps;
	memset(&ps, 0, sizeof ps);
	ps.pr_pid = in->proc->vpid;
	ps.pr_ppid = in->proc->vppid;
	ps.pr_pgrp = in->proc->pgid;
	ps.pr_sid = in->proc->sid;
	ps.pr_sname = 'S';
	snprintf(ps.pr_fname, sizeof ps.pr_fname, "%.15s", in->proc->comm);
	snprintf(ps.pr_psargs, sizeof ps.pr_psargs, "%.79s", in->proc->exe);
	/* the main thread first: gdb takes the first NT_PRSTATUS as the current thread */
	for (uint32_t i = 0; i < in->nthreads; i++)
		if (in->threads[i].is_main)
			thread_notes(in, b, &in->threads[i]);
	for (uint32_t i = 0; i < in->nthreads; i++)
		if (!in->threads[i].is_main)
			thread_notes(in, b, &in->threads[i]);
	note(b, "CORE", NT_PRPSINFO, &ps, sizeof ps);
	if (in->auxv_size)
		note(b, "CORE", NT_AUXV, in->auxv, in->auxv_size);
	file_note(in, b);
}

/* The ELF header and the note segment's program header. */
static int write_head(int fd, uint32_t nph, const struct note_buf *b, uint64_t notes_off)
{
	Elf64_Ehdr eh;
	memset(&eh, 0, sizeof eh);
	memcpy(eh.e_ident, ELFMAG, SELFMAG);
	eh.e_ident[EI_CLASS] = ELFCLASS64;
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	eh.e_ident[EI_VERSION] = EV_CURRENT;
	eh.e_ident[EI_OSABI] = ELFOSABI_NONE;
	eh.e_type = ET_CORE;
	eh.e_machine = EM_X86_64;
	eh.e_version = EV_CURRENT;
	eh.e_phoff = sizeof eh;
	eh.e_ehsize = sizeof eh;
	eh.e_phentsize = sizeof(Elf64_Phdr);
	eh.e_phnum = (Elf64_Half)nph;
	Elf64_Phdr ph;
	memset(&ph, 0, sizeof ph);
	ph.p_type = PT_NOTE;
	ph.p_offset = notes_off;
	ph.p_filesz = b->len;
	ph.p_align = 4;
	if (pwrite(fd, &eh, sizeof eh, 0) != sizeof eh || pwrite(fd, &ph, sizeof ph, sizeof eh) != sizeof ph ||
	    pwrite(fd, b->p, b->len, (off_t)notes_off) != (ssize_t)b->len)
		return -1;
	return 0;
}

/* One region's pages at off: saved ones, else the mapped file's, else holes. */
static int write_pages(const struct core_input *in, int fd, const struct ckpt_img_region *r, uint64_t off,
		       char *page)
{
	int file = file_backed(r) ? open(region_path(in, r), O_RDONLY | O_CLOEXEC) : -1;
	int err = 0;
	for (uint64_t a = r->start; a < r->end && !err; a += CKPT_PAGE) {
		int have = read_saved(in, a, page, CKPT_PAGE) == 0;
		if (!have && file >= 0) {
			ssize_t got = pread(file, page, CKPT_PAGE, (off_t)(r->file_offset + (a - r->start)));
			if (got > 0) {
				if (got < (ssize_t)CKPT_PAGE)
					memset(page + got, 0, CKPT_PAGE - (size_t)got);
				have = 1;
			}
		}
		/* pages never touched stay holes in the file: zeros, free of disk */
		if (have && pwrite(fd, page, CKPT_PAGE, (off_t)(off + (a - r->start))) != (ssize_t)CKPT_PAGE)
			err = -1;
	}
	if (file >= 0)
		close(file);
	return err;
}

/* One PT_LOAD per region we have data for, its pages from off on. */
static int write_loads(const struct core_input *in, int fd, uint64_t off)
{
	uint32_t pi = 1;
	char page[CKPT_PAGE];
	for (uint32_t i = 0; i < in->mm->nregions; i++) {
		const struct ckpt_img_region *r = &in->regions[i];
		if (special(r))
			continue;
		Elf64_Phdr ph;
		memset(&ph, 0, sizeof ph);
		ph.p_type = PT_LOAD;
		ph.p_vaddr = r->start;
		ph.p_offset = off;
		ph.p_filesz = ph.p_memsz = r->end - r->start;
		ph.p_flags = (r->prot & CKPT_PROT_R ? PF_R : 0) | (r->prot & CKPT_PROT_W ? PF_W : 0) |
			     (r->prot & CKPT_PROT_X ? PF_X : 0);
		ph.p_align = CKPT_PAGE;
		if (pwrite(fd, &ph, sizeof ph, (off_t)(sizeof(Elf64_Ehdr) + pi * sizeof ph)) != sizeof ph)
			return -1;
		pi++;
		if (write_pages(in, fd, r, off, page) < 0)
			return -1;
		off += r->end - r->start;
	}
	return ftruncate(fd, (off_t)off);
}

int write_core(const struct core_input *in, const char *out_path)
{
	struct note_buf b = { 0 };
	notes(in, &b);
	uint32_t nload = 0;
	for (uint32_t i = 0; i < in->mm->nregions; i++)
		nload += !special(&in->regions[i]);
	uint32_t nph = 1 + nload;
	uint64_t notes_off = sizeof(Elf64_Ehdr) + nph * sizeof(Elf64_Phdr);
	uint64_t off = (notes_off + b.len + CKPT_PAGE - 1) & ~(CKPT_PAGE - 1);
	int fd = open(out_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		free(b.p);
		return -1;
	}
	int r = write_head(fd, nph, &b, notes_off) < 0 || write_loads(in, fd, off) < 0 ? -1 : 0;
	free(b.p);
	if (r < 0) {
		int e = errno;
		close(fd);
		unlink(out_path);
		errno = e;
		return -1;
	}
	return close(fd);
}
