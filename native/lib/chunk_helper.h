/* A second thread of the forked writer that stores chunks (chunk_helper.c). */
#ifndef CKPT_CHUNK_HELPER_H
#define CKPT_CHUNK_HELPER_H
#include "engine.h"

struct chunk_helper {
	volatile int32_t job;   /* idle, a job to do, or the end */
	volatile int32_t alive; /* cleared by the kernel when the thread has exited */
	void *stack;            /* 0: no helper */
	void (*work)(void *arg);
	void *arg;
};

/* 0, or -1 where there is one CPU or no thread could be made (no helper) */
int ckpt_helper_start(struct chunk_helper *h, void (*work)(void *), void *arg);
/* whether it is there and has no job */
int ckpt_helper_idle(struct chunk_helper *h);
/* runs work(arg) once; only when idle */
void ckpt_helper_give(struct chunk_helper *h);
/* until the job given is done */
void ckpt_helper_wait(struct chunk_helper *h);
/* ends the thread and frees its stack */
void ckpt_helper_stop(struct chunk_helper *h);
#endif
