/*
 * The files the program wrote, put back before anything else opens a file
 * (file_contents.c), its tracked folders made what they were (file_trees.c),
 * and what the restart says about them (file_notes.c).
 */
#ifndef CKPT_RESTORE_FILE_CONTENTS_H
#define CKPT_RESTORE_FILE_CONTENTS_H
#include "rt.h"
#include "../include/ckpt_files.h"

enum { NR_lstat = 6, NR_rename = 82, NR_mkdir = 83, NR_rmdir = 84, NR_link = 86, NR_unlink = 87,
       NR_fchmod = 91, NR_utimensat = 280 };
#define O_NOFOLLOW 0400000
#define S_IFMT 0170000
#define S_IFREG 0100000
#define S_IFDIR 0040000
#define S_IFLNK 0120000
#define EXDEV 18

/* st_mode of a struct stat read as uint64_t[18] (x86_64) */
static inline uint32_t fc_mode(const uint64_t *st) { return (uint32_t)(st[3] & 0xffffffff); }

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

/* helpers shared with file_trees.c: a + b + c in the arena; a path's folder
 * with its final '/'; a copy; the folder what is replaced is kept in; a name there */
char *fc_join(const char *a, const char *b, const char *c);
const char *fc_dir_of(const char *path);
long fc_copy_file(const char *src, const char *dst);
const char *fc_keep_dir(long *err);
char *fc_kept_name(const char *dir, const char *path, uint32_t n);

/* file_trees.c: tracked folders. begin with the number of records; record
 * every record's path; add the DIR and TREE ones; plan (the computation's own
 * directory is left alone); then make the missing folders and move aside what
 * has no record (each 0, or an error with the path), undo both, say what was moved */
void trees_begin(uint32_t nrecords);
void trees_record(const char *path);
void trees_add(const struct ckpt_file_rec *rec, const char *path);
void trees_plan(const char *own_dir);
int trees_will_make(const char *dir);
long trees_make(const char **failed);
long trees_keep_extras(const char **failed);
void trees_undo(void);
void trees_notes(void);

/* file_notes.c: JSON lines on fd (--notes-fd), else text on stderr */
void notes_set_fd(int fd);
void notes_changed(const char *path, uint64_t size, uint64_t now_size);
void notes_put(const char *target, uint64_t size, int created, uint64_t was_size, const char *kept);
void notes_removed(const char *path, const char *kept);
void notes_done(void);
#endif
