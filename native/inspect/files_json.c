/*
 * The FILES section as JSON (include/ckpt_files.h): which files a snapshot
 * holds, and which it only checks.
 *   "files":[{"path","how":"saved|checked","why":[...],"size","mode","mtimeMs","chunks"}]
 * "why": "written" (open for writing), "mapped" (mapped shared and writable),
 * "read" (open for reading only), "tooLarge" and "unreadable" (written, but
 * only checked: larger than CKPT_FILES_MAX, or not readable by the engine).
 */
#include "json.h"
#include "../include/ckpt_files.h"

static void why(FILE *out, uint32_t w)
{
	static const struct { uint32_t bit; const char *name; } names[] = {
		{ CKPT_FILE_WRITABLE, "written" }, { CKPT_FILE_MAPPED, "mapped" }, { CKPT_FILE_READONLY, "read" },
		{ CKPT_FILE_TOO_LARGE, "tooLarge" }, { CKPT_FILE_UNREADABLE, "unreadable" },
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
		json_str(out, rec->path);
		fprintf(out, ",\"how\":\"%s\",\"why\":", rec->how == CKPT_FILE_SAVED ? "saved" : "checked");
		why(out, rec->why);
		fprintf(out, ",\"size\":%lu,\"mode\":%u,\"mtimeMs\":%lu,\"chunks\":%lu}", (unsigned long)rec->size,
			rec->mode & 07777, (unsigned long)(rec->mtime_ns / 1000000), (unsigned long)rec->nchunks);
	}
	putc(']', out);
}
