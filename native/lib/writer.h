/* The image writer's life cycle, used by the core (plugins only see plugin.h). */
#ifndef CKPT_WRITER_H
#define CKPT_WRITER_H
#include "engine.h"
struct ckpt_writer *ckpt_writer_open(const char *path);
long ckpt_writer_finish(struct ckpt_writer *w);
void ckpt_writer_abort(struct ckpt_writer *w, const char *path);
#endif
