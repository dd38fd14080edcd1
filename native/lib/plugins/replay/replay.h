/*
 * The replay plugin: the results of clock_gettime, gettimeofday, time,
 * getrandom and getentropy are recorded, per thread, in a log that outlives
 * the process (files in the computation's directory, mapped shared, never
 * part of an image). A thread's position in its log lives in its own TLS, so
 * a snapshot holds it like any other memory: a process restored from snapshot
 * N with the log asked for (ckpt-restore --replay) reads back exactly the
 * values the original run read after N, until its log runs out, then records
 * again. Only when asked: CKPT_RECORD=1 at launch, --replay at restart.
 *
 * log.c: the streams (one file per thread) and the take/note pair the
 * wrappers use; wrappers.c: the exported functions; replay.c: the hooks.
 */
#ifndef CKPT_REPLAY_H
#define CKPT_REPLAY_H
#include "../../engine.h"

#define REPLAY_STREAMS 1024
/* address space per stream; its file grows as it fills, in steps */
#define REPLAY_MAP (64ul << 20)
#define REPLAY_GROW (256ul << 10)
#define REPLAY_MAGIC 0x31676f4c7470634bull /* "KcptLog1" */
#define REPLAY_NAME_MAX 64

enum replay_kind { REPLAY_CLOCK = 1, REPLAY_TIMEOFDAY, REPLAY_TIME, REPLAY_RANDOM, REPLAY_ENTROPY };

/* a stream file: this head, then records */
struct replay_head {
	uint64_t magic;
	volatile uint64_t length; /* bytes of records after the head */
	uint64_t pad[6];
};

/* one call: what was asked (kind, arg), what it returned, then len bytes of
 * output padded to 8 */
struct replay_rec {
	uint32_t kind;
	uint32_t len;
	int64_t arg;
	int64_t ret;
	int32_t err;
	int32_t pad;
};

/* A wrapper's call: replay_take gives the logged result (1: *ret, errno and
 * out are set) or says to make the call live (0); replay_note then logs it. */
struct replay_call {
	uint32_t kind;
	int64_t arg;
	void *out;
	uint32_t cap; /* bytes at out */
	int stream;   /* where replay_note records, -1: nowhere */
};
int replay_take(struct replay_call *c, long *ret);
void replay_note(struct replay_call *c, long ret, int err, uint32_t len);

/* the process's state, part of its images (log.c) */
struct replay_state {
	volatile int on;
	uint32_t epoch;            /* a thread whose TLS says otherwise takes its stream anew */
	char name[REPLAY_NAME_MAX];/* the log's files: <name>-<stream>.log */
	char dir[4096];            /* the computation's directory + /replay */
	uint32_t forks;            /* children forked so far: the next one's log is <name>f<forks> */
	uint64_t replayed, recorded, diverged, full;
};
extern struct replay_state replay_st;

/* log.c: a new log for this process; the streams mapped again (restart, at
 * the addresses they had when possible) or dropped (a forked child) */
void replay_new_name(void);
void replay_child_name(void);
int replay_set_dir(const char *socket_path);
void replay_remap_all(int keep);
void replay_unmap_all(void);
int replay_streams_mapped(void);
#endif
