/*
 * ckpt-inspect --diff A B, the program's files: the records of the FILES
 * section (include/ckpt_files.h) of two images compared by path.
 *   "files":{"added":[PATH],"removed":[PATH],"changed":[{"path","sizeBefore","sizeAfter"}],
 *            "checked":{"added":[...],"removed":[...],"changed":[...]}}
 * The first three are the saved files: one is changed when its size or its
 * list of chunk hashes differs (same bytes, same hashes: the chunks need not
 * be read). "checked" does the same for the files only checked, changed when
 * their size, modification time or identity differs. Folders of tracked
 * folders are left out (their files are saved records). Both lists are sorted
 * by path and merged, so that 65536 records on each side cost no more than a
 * sort. The sections are those ckpt_files_read() accepted: every path is
 * inside the section's strings and NUL-terminated, every chunk inside the
 * table (test/fuzz drives this over mutated images).
 */
#define _GNU_SOURCE
#include "../include/ckpt_files.h"
#include "files_diff.h"
#include "json.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One image's records of one kind, sorted by path. */
struct sorted {
	const struct ckpt_files *f;
	uint32_t n;
	uint32_t *idx;
};

static int by_path(const void *x, const void *y, void *ctx)
{
	const struct ckpt_files *f = ctx;
	return strcmp(ckpt_file_path(f, &f->recs[*(const uint32_t *)x]), ckpt_file_path(f, &f->recs[*(const uint32_t *)y]));
}

static void sort_kind(struct sorted *s, const struct ckpt_files *f, uint32_t how)
{
	s->f = f;
	s->n = 0;
	s->idx = 0;
	uint32_t total = f->head ? f->head->nfiles : 0;
	if (!total)
		return;
	s->idx = malloc(total * sizeof *s->idx);
	if (!s->idx) {
		fprintf(stderr, "ckpt-inspect: out of memory\n");
		exit(2);
	}
	for (uint32_t i = 0; i < total; i++)
		if (f->recs[i].how == how)
			s->idx[s->n++] = i;
	qsort_r(s->idx, s->n, sizeof *s->idx, by_path, (void *)f);
}

static const struct ckpt_file_rec *rec_at(const struct sorted *s, uint32_t i)
{
	return &s->f->recs[s->idx[i]];
}

static const char *path_at(const struct sorted *s, uint32_t i)
{
	return ckpt_file_path(s->f, rec_at(s, i));
}

static int same_saved(const struct sorted *a, const struct ckpt_file_rec *x, const struct sorted *b,
		      const struct ckpt_file_rec *y)
{
	if (x->size != y->size || x->nchunks != y->nchunks)
		return 0;
	for (uint64_t k = 0; k < x->nchunks; k++) {
		const struct ckpt_file_chunk *p = &a->f->chunks[x->first_chunk + k], *q = &b->f->chunks[y->first_chunk + k];
		if (p->hash_hi != q->hash_hi || p->hash_lo != q->hash_lo || p->len != q->len)
			return 0;
	}
	return 1;
}

static int same_checked(const struct ckpt_file_rec *x, const struct ckpt_file_rec *y)
{
	return x->size == y->size && x->mtime_ns == y->mtime_ns && x->dev == y->dev && x->ino == y->ino;
}

/* Prints the paths of one list (want < 0: in a only, > 0: in b only), or
 * with want == 0 the records in both that differ. */
static void merged(FILE *out, const struct sorted *a, const struct sorted *b, int want, uint32_t how)
{
	uint32_t i = 0, j = 0;
	int first = 1;
	while (i < a->n || j < b->n) {
		int c = i == a->n ? 1 : j == b->n ? -1 : strcmp(path_at(a, i), path_at(b, j));
		c = c < 0 ? -1 : c > 0;
		const struct ckpt_file_rec *x = c <= 0 ? rec_at(a, i) : 0, *y = c >= 0 ? rec_at(b, j) : 0;
		int print = want ? c == want
			    : !c && !(how == CKPT_FILE_SAVED ? same_saved(a, x, b, y) : same_checked(x, y));
		if (print) {
			fputs(first ? "" : ",", out);
			first = 0;
			if (want) {
				json_str(out, c < 0 ? path_at(a, i) : path_at(b, j));
			} else {
				fputs("{\"path\":", out);
				json_str(out, path_at(b, j));
				fprintf(out, ",\"sizeBefore\":%lu,\"sizeAfter\":%lu}", (unsigned long)x->size, (unsigned long)y->size);
			}
		}
		i += c <= 0;
		j += c >= 0;
	}
}

static void kind_diff(FILE *out, const struct ckpt_files *fa, const struct ckpt_files *fb, uint32_t how)
{
	struct sorted a, b;
	sort_kind(&a, fa, how);
	sort_kind(&b, fb, how);
	fputs("\"added\":[", out);
	merged(out, &a, &b, 1, how);
	fputs("],\"removed\":[", out);
	merged(out, &a, &b, -1, how);
	fputs("],\"changed\":[", out);
	merged(out, &a, &b, 0, how);
	putc(']', out);
	free(a.idx);
	free(b.idx);
}

void diff_files(FILE *out, const struct ckpt_files *fa, const struct ckpt_files *fb)
{
	fputs(",\"files\":{", out);
	kind_diff(out, fa, fb, CKPT_FILE_SAVED);
	fputs(",\"checked\":{", out);
	kind_diff(out, fa, fb, CKPT_FILE_CHECKED);
	fputs("}}", out);
}
