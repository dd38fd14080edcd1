/*
 * The FILES section: the regular files a process had open or mapped, and for
 * the files it wrote, where their contents are.
 *
 *   struct ckpt_files_head
 *   struct ckpt_file_rec[nfiles]
 *   struct ckpt_file_chunk[nchunks]
 *   strings[strings_size]: each record's path, NUL-terminated
 *
 * A saved file's contents are its chunks, in order, covering [0, size): each
 * chunk's bytes are the file `files/<hash>` in the snapshot's directory (the
 * image's), named by the XXH3-128 of those bytes in 32 hex digits (high half
 * first). Two snapshots that hold the same bytes share the chunk file (a hard
 * link), so a log that grew by a line costs about a line. A checked file is
 * only recorded (identity, size, modification time): a restart says whether
 * it changed. A tracked folder (`ckpt launch --track`) is a TREE record for its
 * root, a DIR record for each folder under it and a saved record for each
 * regular file in it: a restart makes it what the records say, taking away
 * what is there and has no record.
 *
 * Shared by the preload library (writer), the restorer and the inspector;
 * ckpt_files_read() checks the section as ckpt_reader.h checks the others.
 */
#ifndef CKPT_IMG_FILES_H
#define CKPT_IMG_FILES_H
#include "ckpt_reader.h"

/* a chunk holds at most this many bytes; files are cut at multiples of it */
#define CKPT_FILE_BLOCK (256u << 10)
#define CKPT_FILES_MAX 65536u       /* records per image */
#define CKPT_FILE_STRINGS_MAX (64u << 20)
#define CKPT_FILE_CHUNKS_MAX (1u << 22)

enum ckpt_file_how {
	CKPT_FILE_SAVED = 1,   /* contents in the chunks */
	CKPT_FILE_CHECKED = 2, /* only identity, size and time */
	CKPT_FILE_DIR = 3,     /* a folder of a tracked folder (its mode) */
	CKPT_FILE_TREE = 4,    /* a tracked folder's root (its mode) */
};

/* why a file is saved, or why it is only checked */
#define CKPT_FILE_WRITABLE 1u   /* open for writing */
#define CKPT_FILE_MAPPED 2u     /* mapped shared and writable */
#define CKPT_FILE_READONLY 4u   /* open for reading only */
#define CKPT_FILE_TOO_LARGE 8u  /* written, but larger than the limit: checked */
#define CKPT_FILE_UNREADABLE 16u /* written, but the engine cannot read it: checked */
#define CKPT_FILE_TRACKED 32u   /* in a tracked folder */

struct ckpt_files_head {
	uint32_t nfiles;
	uint32_t pad;
	uint64_t nchunks;
	uint64_t strings_size;
};

struct ckpt_file_rec {
	uint32_t how;  /* enum ckpt_file_how */
	uint32_t why;  /* CKPT_FILE_* bits */
	uint32_t mode; /* st_mode */
	uint32_t path_len;
	uint64_t dev, ino, size, mtime_ns;
	uint64_t first_chunk, nchunks;
	uint64_t path_off; /* in the strings */
};

struct ckpt_file_chunk {
	uint64_t offset, len;
	uint64_t hash_hi, hash_lo; /* XXH3-128 of the bytes */
};

/* "files/" + 32 hex digits + NUL */
#define CKPT_CHUNK_NAME 39
static inline void ckpt_chunk_name(char out[CKPT_CHUNK_NAME], const struct ckpt_file_chunk *c)
{
	static const char hex[] = "0123456789abcdef";
	const char *pre = "files/";
	int n = 0;
	for (; pre[n]; n++)
		out[n] = pre[n];
	for (int i = 0; i < 32; i++) {
		uint64_t h = i < 16 ? c->hash_hi : c->hash_lo;
		out[n++] = hex[(h >> (60 - 4 * (i % 16))) & 15];
	}
	out[n] = 0;
}

struct ckpt_files {
	struct ckpt_files_head *head; /* 0: the image has no FILES section */
	struct ckpt_file_rec *recs;
	struct ckpt_file_chunk *chunks;
	const char *strings;
};

static inline const char *ckpt_file_path(const struct ckpt_files *f, const struct ckpt_file_rec *rec)
{
	return f->strings + rec->path_off;
}

/* a record's path: inside the strings, absolute, of its length, NUL-terminated */
static inline int ckpt_file_path_ok(const struct ckpt_files *f, const struct ckpt_file_rec *rec)
{
	uint64_t n = f->head->strings_size;
	if (rec->path_off >= n || rec->path_len >= n - rec->path_off || !rec->path_len)
		return 0;
	const char *p = f->strings + rec->path_off;
	for (uint32_t i = 0; i < rec->path_len; i++)
		if (!p[i])
			return 0;
	return p[0] == '/' && !p[rec->path_len];
}

/* The optional FILES section of an image r has read: counts against its
 * bytes, each record's chunks inside the chunk table and covering the file
 * in order. 0, or -1 with r->msg set. */
static inline int ckpt_files_read(struct ckpt_reader *r, struct ckpt_files *f)
{
	f->head = 0;
	f->recs = 0;
	f->chunks = 0;
	f->strings = 0;
	struct ckpt_img_section *s = ckr_find(r, CKPT_SEC_FILES);
	if (!s)
		return 0;
	if (s->size < sizeof *f->head)
		return ckr_fail(r, "the saved files section is too short", 0, 0);
	char *p = ckr_load(r, s);
	if (!p)
		return -1;
	f->head = (struct ckpt_files_head *)p;
	uint64_t rest = s->size - sizeof *f->head;
	if (f->head->nfiles > CKPT_FILES_MAX || f->head->nchunks > CKPT_FILE_CHUNKS_MAX ||
	    f->head->strings_size > CKPT_FILE_STRINGS_MAX ||
	    rest != f->head->nfiles * sizeof *f->recs + f->head->nchunks * sizeof *f->chunks + f->head->strings_size)
		return ckr_fail(r, "the saved files section is corrupt (its counts do not fit its bytes)", 0, 0);
	f->recs = (struct ckpt_file_rec *)(f->head + 1);
	f->chunks = (struct ckpt_file_chunk *)(f->recs + f->head->nfiles);
	f->strings = (const char *)(f->chunks + f->head->nchunks);
	for (uint32_t i = 0; i < f->head->nfiles; i++) {
		struct ckpt_file_rec *rec = &f->recs[i];
		if (!ckpt_file_path_ok(f, rec))
			return ckr_fail(r, "the saved files section is corrupt (a path)", 0, 0);
		const char *path = ckpt_file_path(f, rec);
		if (rec->how < CKPT_FILE_SAVED || rec->how > CKPT_FILE_TREE)
			return ckr_fail(r, "the saved files section is corrupt (a record of no known kind)", 0, 0);
		if (rec->how != CKPT_FILE_SAVED) {
			if (rec->nchunks)
				return ckr_fail(r, "the saved files section is corrupt (a record with contents that has none)", 0, 0);
			continue;
		}
		if (rec->nchunks > f->head->nchunks || rec->first_chunk > f->head->nchunks - rec->nchunks)
			return ckr_fail(r, "the saved files section is corrupt (chunks outside the table)", 0, 0);
		uint64_t at = 0;
		for (uint64_t k = 0; k < rec->nchunks; k++) {
			const struct ckpt_file_chunk *c = &f->chunks[rec->first_chunk + k];
			if (c->offset != at || !c->len || c->len > CKPT_FILE_BLOCK || c->len > rec->size - at)
				return ckr_fail(r, "the saved files section is corrupt (chunks do not cover ", path, ")");
			at += c->len;
		}
		if (at != rec->size)
			return ckr_fail(r, "the saved files section is corrupt (chunks do not cover ", path, ")");
	}
	return 0;
}
#endif
