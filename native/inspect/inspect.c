/*
 * ckpt-inspect IMAGE: prints an image as JSON (native/PROTOCOL.md), after
 * checking it as the restorer would: magic, version, architecture, size, and
 * every section's checksum. A bad image gets a message and status 2.
 * ckpt-inspect --core OUT IMAGE: writes the image as an ELF core file instead.
 */
#define _GNU_SOURCE
#include "../include/ckpt_hash.h"
#include "../include/ckpt_image.h"
#include "core.h"
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *path;

static void die(const char *msg)
{
	fprintf(stderr, "ckpt-inspect: %s: %s\n", path, msg);
	exit(2);
}

static void *load(int fd, uint64_t off, uint64_t n)
{
	char *buf = malloc(n ? n : 1);
	if (!buf)
		die("out of memory");
	uint64_t done = 0;
	while (done < n) {
		ssize_t r = pread(fd, buf + done, n - done > (1u << 30) ? (1u << 30) : n - done, (off_t)(off + done));
		if (r <= 0)
			die("the image is truncated");
		done += (uint64_t)r;
	}
	return buf;
}

static void json_str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
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

static const char *mem_kind(uint32_t k)
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

static struct ckpt_img_section *find(struct ckpt_img_section *sec, uint32_t n, uint32_t type)
{
	for (uint32_t i = 0; i < n; i++)
		if (sec[i].type == type)
			return &sec[i];
	return 0;
}

int main(int argc, char **argv)
{
	const char *core_out = 0;
	if (argc == 4 && !strcmp(argv[1], "--core")) {
		core_out = argv[2];
		argv += 2;
		argc -= 2;
	}
	if (argc != 2 || argv[1][0] == '-') {
		fprintf(stderr, "usage: ckpt-inspect [--core OUT] IMAGE\n");
		return 2;
	}
	path = argv[1];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		perror(path);
		return 2;
	}
	struct stat st;
	fstat(fd, &st);
	struct ckpt_img_header h;
	if ((size_t)st.st_size < sizeof h)
		die("not an image: the file is too short");
	struct ckpt_img_header *hp = load(fd, 0, sizeof h);
	h = *hp;
	if (memcmp(h.magic, CKPT_IMG_MAGIC, 8))
		die("not an image (wrong magic)");
	if (h.version < CKPT_IMG_VERSION_MIN || h.version > CKPT_IMG_VERSION) {
		fprintf(stderr, "ckpt-inspect: %s: unsupported image version %u\n", path, h.version);
		return 2;
	}
	if (h.arch != CKPT_IMG_ARCH_X86_64)
		die("the image is for another architecture");
	if (h.file_size != (uint64_t)st.st_size)
		die("the image is truncated or has extra bytes (size differs from its header)");
	if (!h.nsections || h.nsections > 64 || h.table_offset + h.nsections * sizeof(struct ckpt_img_section) != h.file_size)
		die("the image's section table is corrupt");
	struct ckpt_img_section *sec = load(fd, h.table_offset, h.nsections * sizeof *sec);
	struct ckpt_img_header hz = h;
	hz.header_checksum = 0;
	struct ckpt_hash hh;
	ckpt_hash_init(&hh);
	ckpt_hash_update(&hh, &hz, sizeof hz);
	ckpt_hash_update(&hh, sec, h.nsections * sizeof *sec);
	if (ckpt_hash_final(&hh) != h.header_checksum)
		die("the image's header is corrupt (checksum mismatch)");
	void *data[64];
	for (uint32_t i = 0; i < h.nsections; i++) {
		if (sec[i].offset + sec[i].size > h.table_offset)
			die("a section lies outside the image");
		if (sec[i].type == CKPT_SEC_MEMDATA) {
			/* stream it: it can be large */
			struct ckpt_chunked_hash dh;
			ckpt_chunked_init(&dh);
			char *buf = malloc(4 << 20);
			for (uint64_t off = 0; off < sec[i].size; off += 4 << 20) {
				uint64_t n = sec[i].size - off < (4u << 20) ? sec[i].size - off : (4u << 20);
				if (pread(fd, buf, n, (off_t)(sec[i].offset + off)) != (ssize_t)n)
					die("the image is truncated");
				ckpt_chunked_update(&dh, buf, n);
			}
			free(buf);
			if (ckpt_chunked_final(&dh) != sec[i].checksum)
				die("the memory contents are corrupt (checksum mismatch)");
			data[i] = 0;
			continue;
		}
		data[i] = load(fd, sec[i].offset, sec[i].size);
		if (ckpt_hash_buf(data[i], sec[i].size) != sec[i].checksum) {
			fprintf(stderr, "ckpt-inspect: %s: the %s section is corrupt (checksum mismatch)\n", path,
				sec_type(sec[i].type));
			return 2;
		}
	}
	struct ckpt_img_section *ps = find(sec, h.nsections, CKPT_SEC_PROC);
	struct ckpt_img_section *ts = find(sec, h.nsections, CKPT_SEC_THREADS);
	struct ckpt_img_section *fs = find(sec, h.nsections, CKPT_SEC_FDS);
	struct ckpt_img_section *ms = find(sec, h.nsections, CKPT_SEC_MEMMAP);
	if (!ps || !ts || !fs || !ms || ps->size < sizeof(struct ckpt_img_proc))
		die("the image lacks a required section");
	struct ckpt_img_proc *p = data[ps - sec];
	struct ckpt_img_section *pars = find(sec, h.nsections, CKPT_SEC_PARENT);
	struct ckpt_img_parent *parent = pars && pars->size == sizeof *parent ? data[pars - sec] : 0;
	if (pars && !parent)
		die("the parent section is corrupt");
	if (core_out && parent)
		die("a core file of an increment (pages inherited from the snapshot before) is not supported: "
		    "restart it, or write the core of a complete snapshot");
	if (core_out) {
		struct ckpt_img_memmap *cm = data[ms - sec];
		struct ckpt_img_section *as = find(sec, h.nsections, CKPT_SEC_AUXV);
		struct core_input in = {
			.fd = fd, .proc = p, .threads = data[ts - sec],
			.nthreads = (uint32_t)(ts->size / sizeof(struct ckpt_img_thread)), .mm = cm,
			.regions = (struct ckpt_img_region *)(cm + 1),
			.runs = (struct ckpt_img_run *)((struct ckpt_img_region *)(cm + 1) + cm->nregions),
			.strings = (const char *)((struct ckpt_img_run *)((struct ckpt_img_region *)(cm + 1) + cm->nregions) + cm->nruns),
			.memdata = find(sec, h.nsections, CKPT_SEC_MEMDATA),
			.auxv = as ? data[as - sec] : 0, .auxv_size = as ? (uint32_t)as->size : 0,
		};
		if (!in.memdata || write_core(&in, core_out) < 0) {
			fprintf(stderr, "ckpt-inspect: %s: cannot write the core file %s: %m\n", path, core_out);
			return 2;
		}
		printf("{\"core\":");
		json_str(core_out);
		printf("}\n");
		return 0;
	}
	p->comm[15] = 0;
	p->exe[sizeof p->exe - 1] = 0;
	p->cwd[sizeof p->cwd - 1] = 0;
	printf("{\"format\":%u,\"arch\":\"x86_64\",\"time\":%lu,", h.version, (unsigned long)p->time_ms);
	printf("\"vpid\":%d,\"pid\":%d,\"vppid\":%d,\"ppid\":%d,\"pgid\":%d,\"sid\":%d,", p->vpid, p->pid, p->vppid,
	       p->ppid, p->pgid, p->sid);
	printf("\"comm\":");
	json_str(p->comm);
	printf(",\"exe\":");
	json_str(p->exe);
	printf(",\"cwd\":");
	json_str(p->cwd);
	/* argv lives in the saved stack; read it from the memory contents */
	printf(",\"argv\":[");
	struct ckpt_img_memmap *mm = data[ms - sec];
	struct ckpt_img_region *regions = (struct ckpt_img_region *)(mm + 1);
	struct ckpt_img_run *runs = (struct ckpt_img_run *)(regions + mm->nregions);
	const char *strings = (const char *)(runs + mm->nruns);
	struct ckpt_img_section *ds = find(sec, h.nsections, CKPT_SEC_MEMDATA);
	if (ds && p->arg_end > p->arg_start && p->arg_end - p->arg_start < 65536) {
		for (uint64_t i = 0; i < mm->nruns; i++) {
			struct ckpt_img_run *r = &runs[i];
			if (r->data_offset != CKPT_RUN_INHERIT && p->arg_start >= r->addr &&
			    p->arg_end <= r->addr + r->npages * CKPT_PAGE) {
				uint64_t n = p->arg_end - p->arg_start;
				char *args = load(fd, ds->offset + r->data_offset + (p->arg_start - r->addr), n);
				int first = 1;
				for (uint64_t k = 0; k < n; k += strlen(args + k) + 1) {
					if (!first)
						putchar(',');
					first = 0;
					args[n - 1] = 0;
					json_str(args + k);
				}
				break;
			}
		}
	}
	printf("]");
	if (parent) { /* an increment: what it inherits from */
		parent->path[sizeof parent->path - 1] = 0;
		printf(",\"parent\":{\"path\":");
		json_str(parent->path);
		printf(",\"depth\":%u}", parent->depth);
	}
	printf(",\"threads\":[");
	struct ckpt_img_thread *t = data[ts - sec];
	for (uint64_t i = 0; i < ts->size / sizeof *t; i++)
		printf("%s{\"vtid\":%d,\"tid\":%d,\"main\":%s,\"fsBase\":\"0x%lx\"}", i ? "," : "", t[i].vtid, t[i].tid,
		       t[i].is_main ? "true" : "false", (unsigned long)t[i].fs_base);
	printf("],\"fds\":[");
	struct ckpt_img_fd *f = data[fs - sec];
	for (uint64_t i = 0; i < fs->size / sizeof *f; i++) {
		f[i].path[sizeof f[i].path - 1] = 0;
		printf("%s{\"fd\":%d,\"kind\":\"%s\",\"path\":", i ? "," : "", f[i].fd, f[i].stdio ? "stdio" : fd_kind(f[i].kind));
		json_str(f[i].path);
		printf(",\"offset\":%ld,\"flags\":%u,\"cloexec\":%s", (long)f[i].offset, f[i].flags,
		       f[i].cloexec ? "true" : "false");
		if (f[i].dup_of >= 0)
			printf(",\"dupOf\":%d", f[i].dup_of);
		if (f[i].kind == CKPT_FD_TIMERFD)
			printf(",\"timer\":{\"clock\":%u,\"value\":[%ld,%ld],\"interval\":[%ld,%ld]}", f[i].clockid,
			       (long)f[i].timer[0], (long)f[i].timer[1], (long)f[i].timer[2], (long)f[i].timer[3]);
		if (f[i].kind == CKPT_FD_EVENTFD)
			printf(",\"count\":%lu", (unsigned long)f[i].event_count);
		putchar('}');
	}
	printf("],\"memory\":[");
	for (uint32_t i = 0; i < mm->nregions; i++) {
		struct ckpt_img_region *r = &regions[i];
		printf("%s{\"start\":\"0x%lx\",\"end\":\"0x%lx\",\"prot\":\"%c%c%c%c\",\"kind\":\"%s\",\"path\":", i ? "," : "",
		       (unsigned long)r->start, (unsigned long)r->end, r->prot & CKPT_PROT_R ? 'r' : '-',
		       r->prot & CKPT_PROT_W ? 'w' : '-', r->prot & CKPT_PROT_X ? 'x' : '-',
		       r->kind == CKPT_MEM_SHARED_ANON || r->kind == CKPT_MEM_SHARED_FILE ? 's' : 'p', mem_kind(r->kind));
		json_str(r->path == ~0ull || r->path >= mm->strings_size ? "" : strings + r->path);
		uint64_t inherited = 0;
		for (uint64_t k = 0; parent && k < r->nruns && r->first_run + k < mm->nruns; k++)
			if (runs[r->first_run + k].data_offset == CKPT_RUN_INHERIT)
				inherited += runs[r->first_run + k].npages * CKPT_PAGE;
		printf(",\"savedBytes\":%lu", (unsigned long)r->saved_bytes);
		if (parent)
			printf(",\"inheritedBytes\":%lu", (unsigned long)inherited);
		putchar('}');
	}
	printf("],\"sections\":[");
	for (uint32_t i = 0; i < h.nsections; i++) {
		printf("%s{\"type\":\"%s\",", i ? "," : "", sec_type(sec[i].type));
		if (sec[i].type == CKPT_SEC_PLUGIN) {
			sec[i].name[31] = 0;
			printf("\"name\":");
			json_str(sec[i].name);
			putchar(',');
		}
		printf("\"offset\":%lu,\"size\":%lu,\"checksum\":\"%016lx\"}", (unsigned long)sec[i].offset,
		       (unsigned long)sec[i].size, (unsigned long)sec[i].checksum);
	}
	printf("],\"size\":%lu}\n", (unsigned long)h.file_size);
	return 0;
}
