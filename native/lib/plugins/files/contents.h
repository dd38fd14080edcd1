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
	uint64_t saved, checked, not_saved;
	uint64_t saved_bytes;  /* the saved files' sizes */
	uint64_t added_bytes;  /* chunks written anew by this process */
	uint64_t linked_bytes; /* chunks linked from the previous snapshot */
};
extern struct contents_stats contents_stats;

int contents_begin(void);
void contents_note_fd(int fd, const struct ckpt_img_fd *rec);
int contents_write(struct ckpt_writer *w);
void contents_end(void);
void contents_answer(struct ckpt_json *j);
#endif
