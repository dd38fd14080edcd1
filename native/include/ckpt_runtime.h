/*
 * The preload library's runtime state that the restorer writes into while it
 * brings a process back. The library owns it (one global, `ckpt_rt`); its
 * address is saved in the image so that the restorer, which has no symbols,
 * can find it. Only plain fields: both sides are C compiled by the same
 * compiler for the same architecture.
 */
#ifndef CKPT_RUNTIME_H
#define CKPT_RUNTIME_H
#include <stdint.h>

#define CKPT_MAX_THREADS 1024
#define CKPT_MAX_PROCS 256
/* virtual PIDs handed out when a new process's real PID is already some other
 * process's virtual one: above any real PID */
#define CKPT_VPID_BASE 4194304
#define CKPT_SOCK_PATH_MAX 108

struct ckpt_thread_slot {
	int32_t vtid;           /* what the program sees: glibc's cached TID */
	volatile int32_t tid;   /* the kernel's TID now */
	uint64_t pthread;       /* pthread_t, 0 if unknown */
	volatile int32_t used;
	int32_t pad;
};

struct ckpt_restart_info {
	int32_t restored;          /* 1 once a restorer has brought this process back */
	int32_t real_pid;
	uint64_t restorer_start;   /* the restorer's own mappings, to unmap */
	uint64_t restorer_end;
	uint64_t started_ns;       /* CLOCK_MONOTONIC when the restorer started */
	char sock_path[CKPT_SOCK_PATH_MAX];
	char image_path[4096];
	int32_t hold;              /* stop (SIGSTOP) before running user code */
	int32_t nthreads;          /* threads the restorer started, main included */
};

struct ckpt_runtime {
	uint32_t magic;            /* CKPT_RUNTIME_MAGIC */
	int32_t vpid, real_pid, vppid;
	int32_t ctl_fd;            /* engine connection, -1 if none */
	int32_t ckpt_signal;
	uint64_t environ_addr;     /* &environ, for the restorer's --env */
	/* checkpoint rendezvous */
	volatile int32_t busy;     /* a checkpoint is in progress */
	volatile int32_t parked;   /* threads that have saved their state */
	volatile int32_t release;  /* generation: followers wait for it to change */
	volatile int32_t arrived;  /* restart: threads that reached the library */
	volatile int32_t go;       /* restart: main thread says "run" */
	int32_t restart_stdio;     /* restart: bit k set when fd k is the restarting command's */
	struct ckpt_restart_info restart;
	/* virtual ↔ real PIDs of the other processes of the computation (the
	 * restorer fills it; identity for processes not listed) */
	int32_t npids;
	/* restart: 1 when the restarting command asked for the replay log's
	 * values (ckpt-restore --replay); the restorer always sets it */
	int32_t restart_replay;
	struct { int32_t vpid, pid; } pidmap[CKPT_MAX_PROCS];
	struct ckpt_thread_slot threads[CKPT_MAX_THREADS];
};

#define CKPT_RUNTIME_MAGIC 0x436b5074u
#endif
