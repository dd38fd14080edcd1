/*
 * The files the program wrote, put back before anything else opens a file
 * (file_contents.c), and what the restart says about them (file_notes.c).
 */
#ifndef CKPT_RESTORE_FILE_CONTENTS_H
#define CKPT_RESTORE_FILE_CONTENTS_H
#include "rt.h"
#include "../include/ckpt_files.h"

/* every check; then, unless check, every saved file put back (undone if the
 * restorer fails before file_contents_disarm) */
void file_contents_restore(struct image *ims, uint32_t n, int check);
/* the program is about to run: nothing is undone any more */
void file_contents_disarm(void);
/* a checked file that changed refuses the restart (--strict) */
void file_contents_strict(void);
/* path (as recorded) is a saved file: it is as it was at the snapshot once put back */
int file_contents_saved(const char *path);
/* path will be put back but is not yet (--check): not to be opened now */
int file_contents_pending(const char *path);

/* file_notes.c: JSON lines on fd (--notes-fd), else text on stderr */
void notes_set_fd(int fd);
void notes_changed(const struct ckpt_file_rec *rec, uint64_t now_size);
void notes_put(const struct ckpt_file_rec *rec, const char *target, int created, uint64_t was_size, const char *kept);
void notes_done(void);
#endif
