/*
 * Makes fuzz seeds and crafted bad images from an image the engine wrote, with
 * every checksum recomputed, so that they reach the checks past the checksums.
 *   craft shrink IN OUT   the same image with only the page run holding argv,
 *                         and of it only argv
 *   craft counts IN OUT   the memory map claims more regions than it holds
 *   craft runs IN OUT     the memory map claims more page runs than it holds
 *   craft swap IN OUT     the threads and memory map sections trade types
 *   craft wrap IN OUT     a section whose offset plus size wraps past 2^64
 *   craft path IN OUT     a region's path points past the string table
 *   craft blocks IN OUT   the memory contents (one chunk at most) moved into a
 *                         block as it is, in the blocks folder beside OUT
 *                         (image format 3, a MEMCHUNKS section)
 *   craft cover IN OUT    of a format 3 image: its chunks claim a chunk's
 *                         worth of contents more than they hold
 *   craft flat IN OUT     of a format 4 image: its fd records as the flat
 *                         records of format 3 (the format before one record
 *                         per fd kind), the image of format 3
 *   craft fdsize IN OUT   of a format 4 image: the first fd's record 8 bytes
 *                         longer than its kind's (zeros added after it)
 *   craft rename IN OUT OLD NEW
 *                         every path that starts with OLD starts with NEW
 *                         instead (NEW no longer than OLD): seeds that name no
 *                         folder of the machine they were made on
 * The seeds in corpus/: valid-tiny.img and valid-threads-pipe-child.img are
 * images the engine wrote (a small program, and one with threads, a pipe and
 * a child), shrunk, their paths renamed to /opt/ckpt (the engine's library)
 * and /home/user (the program's folder); valid-files.img likewise, of a
 * program writing /tmp/ckpt-files-seed/log and reading .../input (its FILES
 * section: one saved file, one checked); each bad-X.img is `craft X` of
 * valid-threads-pipe-child.img; valid-blocks.img (with blocks/) is `craft
 * blocks` of valid-tiny.img, and bad-cover.img `craft cover` of it;
 * valid-fds.img (format 4: eventfds, epoll, signalfd, timerfd, a pipe, a dup
 * and files) and valid-sockets.img (stream and datagram socket pairs with
 * bytes queued) are of test/scenarios/fd_kinds.c and socketpair.c run in
 * /tmp/ckpt-fds-seed and /tmp/ckpt-sockets-seed with CKPT_BLOCKS=0, shrunk,
 * the library renamed to /opt/ckpt; valid-fds-flat.img is `craft flat` of
 * valid-fds.img, and bad-fdsize.img `craft fdsize` of it.
 */
#include "../../native/include/ckpt_hash.h"
#include "../../native/include/ckpt_image.h"
#include "../../native/include/ckpt_reader.h"
#include "../../native/include/ckpt_xxh.h"
#include <stdio.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>

static struct ckpt_img_header hdr;
static struct ckpt_img_section sec[64];
static char *data[64];
/* format 3: the memory contents, kept in blocks, that MEMDATA's checksum covers */
static char *contents;
static uint64_t ncontents;

static void die(const char *m)
{
	fprintf(stderr, "craft: %s\n", m);
	exit(1);
}

static void load(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f || fread(&hdr, sizeof hdr, 1, f) != 1 || hdr.nsections > 64)
		die("cannot read the image");
	if (fseek(f, (long)hdr.table_offset, SEEK_SET) || fread(sec, sizeof sec[0], hdr.nsections, f) != hdr.nsections)
		die("cannot read the section table");
	for (uint32_t i = 0; i < hdr.nsections; i++) {
		data[i] = malloc(sec[i].size + 1);
		if (fseek(f, (long)sec[i].offset, SEEK_SET) || fread(data[i], 1, sec[i].size, f) != sec[i].size)
			die("cannot read a section");
	}
	fclose(f);
}

static int find(uint32_t type)
{
	for (uint32_t i = 0; i < hdr.nsections; i++)
		if (sec[i].type == type)
			return (int)i;
	die("a section is missing");
	return -1;
}

/* Lays the sections out after the header and recomputes their checksums. */
static void layout(void)
{
	uint64_t off = CKPT_IMG_HEADER_SIZE;
	for (uint32_t i = 0; i < hdr.nsections; i++) {
		if (sec[i].type == CKPT_SEC_MEMDATA && !contents && !sec[i].size) {
			/* the contents are in blocks, untouched: their checksum stays */
			off = (off + CKPT_PAGE - 1) & ~(CKPT_PAGE - 1);
		} else if (sec[i].type == CKPT_SEC_MEMDATA) {
			off = (off + CKPT_PAGE - 1) & ~(CKPT_PAGE - 1);
			struct ckpt_chunked_hash c;
			ckpt_chunked_init(&c);
			if (contents)
				ckpt_chunked_update(&c, contents, ncontents);
			else
				ckpt_chunked_update(&c, data[i], sec[i].size);
			sec[i].checksum = ckpt_chunked_final(&c);
		} else {
			sec[i].checksum = ckpt_hash_buf(data[i], sec[i].size);
		}
		sec[i].offset = off;
		off += sec[i].size;
	}
	hdr.table_offset = off;
	hdr.file_size = off + hdr.nsections * sizeof sec[0];
}

static void save(const char *path, int relayout)
{
	if (relayout)
		layout();
	struct ckpt_img_header h = hdr;
	h.header_checksum = 0;
	struct ckpt_hash hh;
	ckpt_hash_init(&hh);
	ckpt_hash_update(&hh, &h, sizeof h);
	ckpt_hash_update(&hh, sec, hdr.nsections * sizeof sec[0]);
	hdr.header_checksum = ckpt_hash_final(&hh);
	FILE *f = fopen(path, "wb");
	char zero[CKPT_IMG_HEADER_SIZE] = { 0 };
	memcpy(zero, &hdr, sizeof hdr);
	if (!f || fwrite(zero, 1, sizeof zero, f) != sizeof zero)
		die("cannot write");
	for (uint32_t i = 0; i < hdr.nsections; i++)
		if (sec[i].offset < hdr.table_offset && sec[i].size <= hdr.table_offset - sec[i].offset &&
		    (fseek(f, (long)sec[i].offset, SEEK_SET) || fwrite(data[i], 1, sec[i].size, f) != sec[i].size))
			die("cannot write a section");
	if (fseek(f, (long)hdr.table_offset, SEEK_SET) || fwrite(sec, sizeof sec[0], hdr.nsections, f) != hdr.nsections)
		die("cannot write the table");
	fclose(f);
}

/* Keeps the regions, but only the page run that holds argv, and its pages. */
static void shrink(void)
{
	int mi = find(CKPT_SEC_MEMMAP), di = find(CKPT_SEC_MEMDATA);
	struct ckpt_img_proc *p = (void *)data[find(CKPT_SEC_PROC)];
	struct ckpt_img_memmap *mm = (void *)data[mi];
	struct ckpt_img_region *g = (void *)(mm + 1);
	struct ckpt_img_run *runs = (void *)(g + mm->nregions);
	char *strings = (char *)(runs + mm->nruns);
	struct ckpt_img_run keep = { 0 };
	for (uint64_t i = 0; i < mm->nruns; i++)
		if (p->arg_start >= runs[i].addr && p->arg_end <= runs[i].addr + runs[i].npages * CKPT_PAGE)
			keep = runs[i];
	if (!keep.npages)
		die("no page run holds argv");
	/* argv alone: the rest of the stack (the environment) stays out of a seed */
	char *pages = calloc(keep.npages, CKPT_PAGE);
	memcpy(pages + (p->arg_start - keep.addr), data[di] + keep.data_offset + (p->arg_start - keep.addr),
	       p->arg_end - p->arg_start);
	for (uint32_t i = 0; i < mm->nregions; i++) {
		int holds = keep.addr >= g[i].start && keep.addr < g[i].end;
		g[i].first_run = 0;
		g[i].nruns = holds;
		g[i].saved_bytes = holds ? keep.npages * CKPT_PAGE : 0;
	}
	keep.data_offset = 0;
	memmove((char *)(g + mm->nregions) + sizeof keep, strings, mm->strings_size);
	memcpy(g + mm->nregions, &keep, sizeof keep);
	mm->nruns = 1;
	sec[mi].size = sizeof *mm + mm->nregions * sizeof *g + sizeof keep + mm->strings_size;
	data[di] = pages;
	sec[di].size = keep.npages * CKPT_PAGE;
}

/* The memory contents into one block as it is, beside out (format 3). */
static void to_blocks(const char *out)
{
	int di = find(CKPT_SEC_MEMDATA);
	uint64_t n = sec[di].size;
	if (!n || n > CKPT_DATA_CHUNK || hdr.nsections >= 64)
		die("the memory contents must be one chunk");
	struct table {
		struct ckpt_img_memchunks h;
		struct ckpt_img_memchunk e;
	} *t = calloc(1, sizeof *t);
	t->h.data_size = n;
	t->h.nchunks = 1;
	ckpt_xxh128(data[di], n, &t->e.hash_hi, &t->e.hash_lo);
	t->e.stored = (uint32_t)n;
	t->e.coding = CKPT_CHUNK_RAW;
	char dir[4096], name[CKPT_BLOCK_NAME_MAX], file[4200];
	const char *slash = strrchr(out, '/');
	snprintf(dir, sizeof dir, "%.*s" CKPT_BLOCKS_DIR, slash ? (int)(slash - out + 1) : 0, out);
	mkdir(dir, 0755);
	ckr_block_name(&t->e, name);
	snprintf(file, sizeof file, "%s/%s", dir, name);
	FILE *f = fopen(file, "wb");
	if (!f || fwrite(data[di], 1, n, f) != n || fclose(f))
		die("cannot write the block");
	contents = data[di];
	ncontents = n;
	sec[di].size = 0;
	sec[hdr.nsections] = (struct ckpt_img_section){ .type = CKPT_SEC_MEMCHUNKS, .size = sizeof *t };
	data[hdr.nsections++] = (char *)t;
	if (hdr.version < 3)
		hdr.version = 3;
}

/* A format 4 record (ckpt_fd.h) as the flat record of format 3 */
static void to_flat(const struct ckpt_fd *f, struct ckpt_img_fd_flat *o)
{
	*o = (struct ckpt_img_fd_flat){ .fd = f->h.fd, .kind = f->h.kind, .flags = f->h.flags, .cloexec = f->h.cloexec,
					.offset = f->h.offset, .stdio = f->h.stdio, .dup_of = f->h.dup_of };
	snprintf(o->path, sizeof o->path, "%s", f->path);
	switch (f->h.kind) {
	case CKPT_FD_FILE: case CKPT_FD_DIR: case CKPT_FD_DEVICE: case CKPT_FD_FIFO:
		o->dev = f->file.dev, o->ino = f->file.ino, o->size = f->file.size, o->mode = f->file.mode;
		o->data_offset = f->file.data_offset, o->data_len = f->file.data_len;
		break;
	case CKPT_FD_TTY: case CKPT_FD_STDIO:
		o->has_termios = f->term.has_termios;
		memcpy(o->termios, f->term.termios, sizeof o->termios);
		break;
	case CKPT_FD_PTMX:
		o->pty = f->pty.number, o->data_offset = f->pty.data_offset, o->data_len = f->pty.data_len;
		break;
	case CKPT_FD_PIPE:
		o->ino = f->pipe.ino, o->data_offset = f->pipe.data_offset, o->data_len = f->pipe.data_len;
		o->sockopts = f->pipe.bytes_kept ? CKPT_FLAT_PIPE_BYTES_KEPT : 0;
		break;
	case CKPT_FD_SOCKET: {
		const struct ckpt_img_fd_socket *k = &f->sock;
		o->ino = k->ino, o->peer_ino = k->peer_ino, o->data_offset = k->data_offset, o->data_len = k->data_len;
		o->domain = k->domain, o->type = k->type, o->protocol = k->protocol, o->listening = k->listening;
		o->sockopts = k->options, o->local_len = k->local_len, o->peer_len = k->peer_len;
		memcpy(o->local, k->local, sizeof o->local);
		memcpy(o->peer, k->peer, sizeof o->peer);
		break;
	}
	case CKPT_FD_EVENTFD: o->event_count = f->eventfd.count, o->semaphore = f->eventfd.semaphore; break;
	case CKPT_FD_SIGNALFD: o->sigmask = f->signalfd.mask; break;
	case CKPT_FD_TIMERFD:
		o->clockid = f->timerfd.clockid;
		o->timer[0] = f->timerfd.value_sec, o->timer[1] = f->timerfd.value_nsec;
		o->timer[2] = f->timerfd.interval_sec, o->timer[3] = f->timerfd.interval_nsec;
		break;
	case CKPT_FD_EPOLL: o->data_offset = f->epoll.data_offset, o->data_len = f->epoll.data_len; break;
	case CKPT_FD_PIDFD: o->event_count = (uint64_t)f->pidfd.vpid; break;
	}
}

/* The FDS section of a format 4 image in the flat records of format 3, as
 * the writer before format 4 wrote them; the image says format 3. */
static void flatten(void)
{
	int i = find(CKPT_SEC_FDS);
	if (hdr.version != 4)
		die("the image is not of format 4");
	struct ckpt_reader r;
	memset(&r, 0, sizeof r);
	r.fddata_size = ~0ull; /* checked by the reader of the image made */
	uint64_t size = sec[i].size, n = 0;
	struct ckpt_img_fd_flat *flat = 0;
	for (uint64_t off = 0; off < size; n++) {
		struct ckpt_img_fd h;
		struct ckpt_fd f;
		if (size - off < sizeof h)
			die("a partial fd record");
		memcpy(&h, data[i] + off, sizeof h);
		if (h.payload_size > size - off - sizeof h || ckr_fd_decode(&r, &f, &h, data[i] + off + sizeof h))
			die(r.msg[0] ? r.msg : "a bad fd record");
		flat = realloc(flat, (n + 1) * sizeof *flat);
		to_flat(&f, &flat[n]);
		off += sizeof h + h.payload_size;
	}
	data[i] = (char *)flat;
	sec[i].size = n * sizeof *flat;
	hdr.version = 3;
}

/* Eight zero bytes after the first fd's record, counted in its size. */
static void fd_longer(void)
{
	int i = find(CKPT_SEC_FDS);
	struct ckpt_img_fd h;
	if (hdr.version != 4 || sec[i].size < sizeof h)
		die("the image is not of format 4, or has no fds");
	memcpy(&h, data[i], sizeof h);
	uint64_t end = sizeof h + h.payload_size;
	char *d = calloc(1, sec[i].size + 8);
	memcpy(d, data[i], end);
	memcpy(d + end + 8, data[i] + end, sec[i].size - end);
	h.payload_size += 8;
	memcpy(d, &h, sizeof h);
	data[i] = d;
	sec[i].size += 8;
}

/* In place, so that offsets into string tables and fixed-size fields stay
 * valid: the rest of the string moves up and the bytes freed become NULs.
 * A string starts a section or follows a NUL. */
static void rename_paths(const char *from, const char *to)
{
	size_t fl = strlen(from), tl = strlen(to);
	if (!fl || tl > fl)
		die("the new prefix must not be longer than the old one");
	for (uint32_t i = 0; i < hdr.nsections; i++) {
		char *d = data[i];
		uint64_t n = sec[i].size;
		for (uint64_t k = 0; k + fl <= n; k++) {
			if ((k && d[k - 1]) || memcmp(d + k, from, fl))
				continue;
			uint64_t end = k + fl;
			while (end < n && d[end])
				end++;
			memcpy(d + k, to, tl);
			memmove(d + k + tl, d + k + fl, end - (k + fl));
			memset(d + end - (fl - tl), 0, fl - tl);
		}
	}
}

int main(int argc, char **argv)
{
	int renaming = argc == 6 && !strcmp(argv[1], "rename");
	if (argc != 4 && !renaming)
		die("usage: craft shrink|counts|runs|swap|wrap|path|blocks|cover|flat|fdsize IN OUT | craft rename IN OUT OLD NEW");
	load(argv[2]);
	struct ckpt_img_memmap *mm = (void *)data[find(CKPT_SEC_MEMMAP)];
	struct ckpt_img_region *g = (void *)(mm + 1);
	int relayout = 1;
	if (renaming)
		rename_paths(argv[4], argv[5]);
	else if (!strcmp(argv[1], "shrink"))
		shrink();
	else if (!strcmp(argv[1], "counts"))
		mm->nregions += 1000;
	else if (!strcmp(argv[1], "runs"))
		mm->nruns += 1;
	else if (!strcmp(argv[1], "flat"))
		flatten();
	else if (!strcmp(argv[1], "fdsize"))
		fd_longer();
	else if (!strcmp(argv[1], "blocks"))
		to_blocks(argv[3]);
	else if (!strcmp(argv[1], "cover"))
		((struct ckpt_img_memchunks *)data[find(CKPT_SEC_MEMCHUNKS)])->data_size += CKPT_DATA_CHUNK;
	else if (!strcmp(argv[1], "path"))
		g[0].path = mm->strings_size + 64;
	else if (!strcmp(argv[1], "swap") || !strcmp(argv[1], "wrap")) {
		layout();
		relayout = 0;
		int t = find(CKPT_SEC_THREADS), m = find(CKPT_SEC_MEMMAP);
		if (argv[1][0] == 's') {
			sec[t].type = CKPT_SEC_MEMMAP;
			sec[m].type = CKPT_SEC_THREADS;
		} else {
			sec[m].offset = 0 - CKPT_PAGE; /* + size wraps to CKPT_PAGE, under the table */
			sec[m].size = 2 * CKPT_PAGE;
		}
	} else
		die("unknown change");
	save(argv[3], relayout);
	return 0;
}
