/*
 * The inspector's JSON. Everything printed comes from a reader that checked
 * it (include/ckpt_reader.h): counts, string offsets and page runs are inside
 * their sections and fixed-size strings are terminated, so nothing here
 * trusts a number from the file beyond that.
 */
#include "json.h"
#include "../include/ckpt_files.h"
#include <stdlib.h>
#include <string.h>

void json_str(FILE *out, const char *s)
{
	putc('"', out);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c < 0x20)
			fprintf(out, "\\u%04x", c);
		else
			putc(c, out);
	}
	putc('"', out);
}

static const char *sec_type(uint32_t t)
{
	switch (t) {
	case CKPT_SEC_PROC: return "process";
	case CKPT_SEC_THREADS: return "threads";
	case CKPT_SEC_PARENT: return "parent";
	case CKPT_SEC_SIGNALS: return "signals";
	case CKPT_SEC_FDS: return "fds";
	case CKPT_SEC_MEMMAP: return "memmap";
	case CKPT_SEC_MEMDATA: return "memdata";
	case CKPT_SEC_AUXV: return "auxv";
	case CKPT_SEC_FDDATA: return "fddata";
	case CKPT_SEC_ZOMBIES: return "zombies";
	case CKPT_SEC_LOCKS: return "locks";
	case CKPT_SEC_FILES: return "files";
	case CKPT_SEC_MEMCHUNKS: return "memchunks";
	case CKPT_SEC_PLUGIN: return "plugin";
	default: return "unknown";
	}
}

static const char *fd_kind(uint32_t k)
{
	switch (k) {
	case CKPT_FD_FILE: return "file";
	case CKPT_FD_DIR: return "dir";
	case CKPT_FD_DEVICE: return "device";
	case CKPT_FD_PTMX: return "tty";
	case CKPT_FD_PIDFD: return "pidfd";
	case CKPT_FD_TTY: return "tty";
	case CKPT_FD_FIFO: return "fifo";
	case CKPT_FD_PIPE: return "pipe";
	case CKPT_FD_SOCKET: return "socket";
	case CKPT_FD_STDIO: return "stdio";
	case CKPT_FD_EVENTFD: return "eventfd";
	case CKPT_FD_EPOLL: return "epoll";
	case CKPT_FD_SIGNALFD: return "signalfd";
	case CKPT_FD_TIMERFD: return "timerfd";
	default: return "other";
	}
}

const char *json_mem_kind(uint32_t k)
{
	switch (k) {
	case CKPT_MEM_ANON: return "anon";
	case CKPT_MEM_FILE: return "file";
	case CKPT_MEM_HEAP: return "heap";
	case CKPT_MEM_STACK: return "stack";
	case CKPT_MEM_VDSO: return "vdso";
	case CKPT_MEM_VVAR: return "vvar";
	case CKPT_MEM_VCLOCK: return "vvar";
	case CKPT_MEM_VSYSCALL: return "vsyscall";
	case CKPT_MEM_SHARED_ANON: return "shared-anon";
	case CKPT_MEM_SHARED_FILE: return "shared-file";
	default: return "other";
	}
}

/* argv lives in the saved stack: the strings between arg_start and arg_end,
 * if one page run holds them all */
int (*json_inherited_read)(uint64_t addr, void *buf, uint64_t n);

/* The argument strings at [addr, addr + n): from the image's own pages, or
 * from its parents' when it inherits them (json_inherited_read). */
static char *read_args(struct ckpt_reader *r, uint64_t addr, uint64_t n)
{
	char *args = malloc(n + 1);
	if (!args)
		return 0;
	args[n] = 0;
	for (uint64_t i = 0; i < r->mm->nruns; i++) {
		const struct ckpt_img_run *run = &r->runs[i];
		/* the reader checked that the run's bytes lie inside the memory contents
		 * (an inherited run's are in the parent image) */
		if (!ckr_inside(addr, n, run->addr, run->addr + run->npages * CKPT_PAGE))
			continue;
		if (run->data_offset != CKPT_RUN_INHERIT &&
		    !ckr_data_read(r, args, n, run->data_offset + (addr - run->addr)))
			return args;
		if (run->data_offset == CKPT_RUN_INHERIT && json_inherited_read && !json_inherited_read(addr, args, n))
			return args;
		break;
	}
	free(args);
	return 0;
}

static void json_argv(FILE *out, struct ckpt_reader *r)
{
	const struct ckpt_img_proc *p = r->proc;
	fprintf(out, ",\"argv\":[");
	uint64_t n = p->arg_end - p->arg_start;
	char *args = p->arg_end > p->arg_start && n < 65536 ? read_args(r, p->arg_start, n) : 0;
	for (uint64_t k = 0; args && k < n; k += strlen(args + k) + 1) {
		if (k)
			putc(',', out);
		json_str(out, args + k);
	}
	free(args);
	putc(']', out);
}

static void json_process(FILE *out, struct ckpt_reader *r)
{
	const struct ckpt_img_proc *p = r->proc;
	fprintf(out, "{\"format\":%u,\"arch\":\"x86_64\",\"time\":%lu,", r->hdr.version, (unsigned long)p->time_ms);
	fprintf(out, "\"vpid\":%d,\"pid\":%d,\"vppid\":%d,\"ppid\":%d,\"pgid\":%d,\"sid\":%d,", p->vpid, p->pid,
		p->vppid, p->ppid, p->pgid, p->sid);
	fprintf(out, "\"comm\":");
	json_str(out, p->comm);
	fprintf(out, ",\"exe\":");
	json_str(out, p->exe);
	fprintf(out, ",\"cwd\":");
	json_str(out, p->cwd);
	json_argv(out, r);
	fprintf(out, ",\"threads\":[");
	for (uint32_t i = 0; i < r->nthreads; i++) {
		const struct ckpt_img_thread *t = &r->threads[i];
		fprintf(out, "%s{\"vtid\":%d,\"tid\":%d,\"main\":%s,\"fsBase\":\"0x%lx\"}", i ? "," : "", t->vtid, t->tid,
			t->is_main ? "true" : "false", (unsigned long)t->fs_base);
	}
	putc(']', out);
}

static void json_fds(FILE *out, struct ckpt_reader *r)
{
	fprintf(out, ",\"fds\":[");
	for (uint32_t i = 0; i < r->nfds; i++) {
		const struct ckpt_fd *f = &r->fds[i];
		char name[48];
		fprintf(out, "%s{\"fd\":%d,\"kind\":\"%s\",\"path\":", i ? "," : "", f->h.fd,
			f->h.stdio ? "stdio" : fd_kind(f->h.kind));
		json_str(out, ckpt_fd_name(f, name, sizeof name));
		fprintf(out, ",\"offset\":%ld,\"flags\":%u,\"cloexec\":%s", (long)f->h.offset, f->h.flags,
			f->h.cloexec ? "true" : "false");
		if (f->h.dup_of >= 0)
			fprintf(out, ",\"dupOf\":%d", f->h.dup_of);
		if (f->h.kind == CKPT_FD_TIMERFD)
			fprintf(out, ",\"timer\":{\"clock\":%u,\"value\":[%ld,%ld],\"interval\":[%ld,%ld]}", f->timerfd.clockid,
				(long)f->timerfd.value_sec, (long)f->timerfd.value_nsec, (long)f->timerfd.interval_sec,
				(long)f->timerfd.interval_nsec);
		if (f->h.kind == CKPT_FD_EVENTFD)
			fprintf(out, ",\"count\":%lu", (unsigned long)f->eventfd.count);
		putc('}', out);
	}
	putc(']', out);
}

static void json_memory(FILE *out, struct ckpt_reader *r)
{
	fprintf(out, ",\"memory\":[");
	for (uint32_t i = 0; i < r->mm->nregions; i++) {
		const struct ckpt_img_region *g = &r->regions[i];
		fprintf(out, "%s{\"start\":\"0x%lx\",\"end\":\"0x%lx\",\"prot\":\"%c%c%c%c\",\"kind\":\"%s\",\"path\":",
			i ? "," : "", (unsigned long)g->start, (unsigned long)g->end, g->prot & CKPT_PROT_R ? 'r' : '-',
			g->prot & CKPT_PROT_W ? 'w' : '-', g->prot & CKPT_PROT_X ? 'x' : '-',
			g->kind == CKPT_MEM_SHARED_ANON || g->kind == CKPT_MEM_SHARED_FILE ? 's' : 'p', json_mem_kind(g->kind));
		json_str(out, ckr_region_path(r, g));
		fprintf(out, ",\"savedBytes\":%lu", (unsigned long)g->saved_bytes);
		if (r->parent_rec) { /* an increment: the bytes it leaves to its parent */
			uint64_t inherited = 0;
			for (uint64_t k = 0; k < g->nruns; k++)
				if (r->runs[g->first_run + k].data_offset == CKPT_RUN_INHERIT)
					inherited += r->runs[g->first_run + k].npages * CKPT_PAGE;
			fprintf(out, ",\"inheritedBytes\":%lu", (unsigned long)inherited);
		}
		putc('}', out);
	}
	putc(']', out);
}

/* The FILES section (include/ckpt_files.h): which files a snapshot holds, and
 * which it only checks.
 *   "files":[{"path","how":"saved|checked|folder|tracked","why":[...],"size","mode","mtimeMs","chunks"}]
 * "how": "folder" is a folder of a tracked folder, "tracked" a tracked folder's root.
 * "why": "written" (open for writing), "mapped" (mapped shared and writable),
 * "read" (open for reading only), "tracked" (in a tracked folder), "tooLarge"
 * and "unreadable" (written, but only checked: larger than CKPT_FILES_MAX, or
 * not readable by the engine). */
static void why(FILE *out, uint32_t w)
{
	static const struct { uint32_t bit; const char *name; } names[] = {
		{ CKPT_FILE_WRITABLE, "written" }, { CKPT_FILE_MAPPED, "mapped" }, { CKPT_FILE_READONLY, "read" },
		{ CKPT_FILE_TOO_LARGE, "tooLarge" }, { CKPT_FILE_UNREADABLE, "unreadable" }, { CKPT_FILE_TRACKED, "tracked" },
	};
	int first = 1;
	putc('[', out);
	for (unsigned i = 0; i < sizeof names / sizeof names[0]; i++)
		if (w & names[i].bit) {
			fprintf(out, "%s\"%s\"", first ? "" : ",", names[i].name);
			first = 0;
		}
	putc(']', out);
}

static const char *how_name(uint32_t how)
{
	switch (how) {
	case CKPT_FILE_SAVED: return "saved";
	case CKPT_FILE_DIR: return "folder";
	case CKPT_FILE_TREE: return "tracked";
	default: return "checked";
	}
}

int json_files_check(struct ckpt_reader *r)
{
	struct ckpt_files f;
	return ckpt_files_read(r, &f);
}

void json_files(FILE *out, struct ckpt_reader *r)
{
	struct ckpt_files f;
	if (ckpt_files_read(r, &f) || !f.head)
		return;
	fprintf(out, ",\"files\":[");
	for (uint32_t i = 0; i < f.head->nfiles; i++) {
		const struct ckpt_file_rec *rec = &f.recs[i];
		fprintf(out, "%s{\"path\":", i ? "," : "");
		json_str(out, ckpt_file_path(&f, rec));
		fprintf(out, ",\"how\":\"%s\",\"why\":", how_name(rec->how));
		why(out, rec->why);
		fprintf(out, ",\"size\":%lu,\"mode\":%u,\"mtimeMs\":%lu,\"chunks\":%lu}", (unsigned long)rec->size,
			rec->mode & 07777, (unsigned long)(rec->mtime_ns / 1000000), (unsigned long)rec->nchunks);
	}
	putc(']', out);
}

/* How the memory contents are stored: their bytes, the bytes they take in
 * the image, and each chunk's block (in the snapshot's blocks folder). */
static void json_stored(FILE *out, const struct ckpt_reader *r)
{
	uint64_t zstd = 0, stored = r->memdata->size;
	for (uint64_t c = 0; c < r->nchunks; c++) {
		zstd += r->chunks[c].coding == CKPT_CHUNK_ZSTD;
		stored += r->chunks[c].stored;
	}
	fprintf(out, ",\"contents\":{\"bytes\":%lu,\"storedBytes\":%lu,\"chunks\":%lu,\"compressedChunks\":%lu,\"blocks\":[",
		(unsigned long)r->data_size, (unsigned long)stored,
		(unsigned long)((r->data_size + CKPT_DATA_CHUNK - 1) / CKPT_DATA_CHUNK), (unsigned long)zstd);
	for (uint64_t c = 0; c < r->nchunks; c++) {
		char name[CKPT_BLOCK_NAME_MAX];
		ckr_block_name(&r->chunks[c], name);
		fprintf(out, "%s{\"name\":\"%s\",\"bytes\":%u}", c ? "," : "", name, r->chunks[c].stored);
	}
	fprintf(out, "]}");
}

void json_image(FILE *out, struct ckpt_reader *r)
{
	json_process(out, r);
	if (r->parent_rec) { /* an increment: what it inherits from (terminated by the reader) */
		fprintf(out, ",\"parent\":{\"path\":");
		json_str(out, r->parent_rec->path);
		fprintf(out, ",\"depth\":%u}", r->parent_rec->depth);
	}
	json_fds(out, r);
	json_files(out, r);
	json_memory(out, r);
	json_stored(out, r);
	fprintf(out, ",\"sections\":[");
	for (uint32_t i = 0; i < r->hdr.nsections; i++) {
		const struct ckpt_img_section *s = &r->sec[i];
		fprintf(out, "%s{\"type\":\"%s\",", i ? "," : "", sec_type(s->type));
		if (s->type == CKPT_SEC_PLUGIN) {
			fprintf(out, "\"name\":");
			json_str(out, s->name); /* terminated by the reader */
			putc(',', out);
		}
		fprintf(out, "\"offset\":%lu,\"size\":%lu,\"checksum\":\"%016lx\"}", (unsigned long)s->offset,
			(unsigned long)s->size, (unsigned long)s->checksum);
	}
	fprintf(out, "],\"size\":%lu}\n", (unsigned long)r->hdr.file_size);
}
