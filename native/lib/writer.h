/* The image writer's life cycle, used by the core (plugins only see plugin.h). */
#ifndef CKPT_WRITER_H
#define CKPT_WRITER_H
#include "engine.h"
struct ckpt_writer *ckpt_writer_open(const char *path);
long ckpt_writer_finish(struct ckpt_writer *w);
void ckpt_writer_abort(struct ckpt_writer *w, const char *path);
/* closes this process's handle on an image another process finishes */
void ckpt_writer_detach(struct ckpt_writer *w);

/* how the checkpoint order is answered (core.c) */
typedef void (*ckpt_answer_fn)(int ok, const char *image, long bytes, uint64_t pause_ns, uint64_t write_ns);
/* the memory plugin: pages planned in checkpoint(), written here; release drops the plan */
int ckpt_memory_write_pages(struct ckpt_writer *w, int forked);
void ckpt_memory_release(void);
/* the forked writer (background.c): 0 when a child now finishes the image and
 * answers (the caller resumes the program), -1 when the caller must write it */
int ckpt_background_write(struct ckpt_writer *w, const char *image, uint64_t t0, ckpt_answer_fn answer);
void ckpt_background_reap(void);
/* whether images may be written by a forked writer at all (CKPT_WRITER, the connection) */
int ckpt_background_possible(void);
/* the memory plugin, around the writer's fork (written_copy.c) */
void ckpt_memory_fork_begin(void);
void ckpt_memory_fork_end(void);
/* in the forked writer, once it has answered: memory for the next snapshot */
void ckpt_memory_writer_done(void);
/* the program's threads are let go: the writer's answer gives the pause */
void ckpt_background_resumed(void);
void ckpt_background_forget(void);
/* a field of an order ("key":"value" or "key":true); 0 if absent */
int ckpt_order_field(const char *order, const char *key, char *out, size_t n);
/* the memory plugin keeps the checkpoint order's "as" and "parent" paths */
void ckpt_mem_take_order(const char *order);
/* whether this process is a forked writer */
int ckpt_background_in_writer(void);
#endif
