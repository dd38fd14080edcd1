/*
 * The contents of the files the program writes (contents.c), for the files
 * plugin: begin once per checkpoint, note each regular file fd while the fd
 * table is saved, write the FILES section, end (always, to let go of the
 * scratch memory before the memory plugin looks at the address space).
 */
#ifndef CKPT_CONTENTS_H
#define CKPT_CONTENTS_H
#include "files.h"

struct contents_stats {
	uint64_t saved, checked, not_saved, tracked;
	uint64_t saved_bytes;  /* the saved files' sizes */
	uint64_t added_bytes;  /* chunks written anew by this process */
	uint64_t linked_bytes; /* chunks linked from the previous snapshot */
};
extern struct contents_stats contents_stats;

int contents_begin(struct ckpt_writer *w);
void contents_note_fd(int fd, const struct ckpt_fd *rec);
/* a file by path (fd -1), or a tracked folder's folder (how CKPT_FILE_DIR or
 * CKPT_FILE_TREE): 0, or -1 when there is no room left */
int contents_note(int fd, uint32_t why, uint32_t how, uint32_t mode, uint64_t dev, uint64_t ino, const char *path);
/* the order in progress: where the value of "key" starts, and a JSON string
 * there unescaped into out (the position after it, or 0) */
const char *contents_order_value(const char *key);
const char *contents_json_string(const char *p, char *out, size_t n);
/* tracked.c: every file and folder of the order's "track" folders, noted */
int tracked_note_all(void);
int contents_write(struct ckpt_writer *w);
void contents_end(void);
void contents_answer(struct ckpt_json *j);
#endif
