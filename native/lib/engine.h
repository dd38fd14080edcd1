/*
 * What the core of the preload library offers the built-in plugins: raw system
 * calls, text helpers usable in signal context, the engine connection, the
 * thread table (threads.c), the pending-signal queue (pending.c) and the
 * computation's standard files (stdio.c). Only
 * functions defined in the .c files of lib/ itself are declared here: a
 * plugin's own exports are in its folder's header (plugins/ids/ids.h,
 * plugins/files/files.h, plugins/inotify/inotify.h), and the core reaches
 * plugins only through the hooks of plugin.h. Everything is hidden (-fvisibility=hidden); only wrapped
 * libc symbols are exported.
 */
#ifndef CKPT_ENGINE_H
#define CKPT_ENGINE_H
#define _GNU_SOURCE
#include <stddef.h>
#include <stdint.h>
#include <signal.h>
#include <sys/types.h>
#include <ucontext.h>
#include "plugin.h"
#include "../include/ckpt_runtime.h"

#define CKPT_EXPORT __attribute__((visibility("default")))
#define CKPT_DEFAULT_SIGNAL 62

extern struct ckpt_runtime ckpt_rt;

/* raw system calls: the engine must not go through its own wrappers */
long ckpt_sys(long n, long a, long b, long c, long d, long e, long f);
#define SYS0(n) ckpt_sys(n, 0, 0, 0, 0, 0, 0)
#define SYS1(n, a) ckpt_sys(n, (long)(a), 0, 0, 0, 0, 0)
#define SYS2(n, a, b) ckpt_sys(n, (long)(a), (long)(b), 0, 0, 0, 0)
#define SYS3(n, a, b, c) ckpt_sys(n, (long)(a), (long)(b), (long)(c), 0, 0, 0)
#define SYS4(n, a, b, c, d) ckpt_sys(n, (long)(a), (long)(b), (long)(c), (long)(d), 0, 0)
#define SYS6(n, a, b, c, d, e, f) ckpt_sys(n, (long)(a), (long)(b), (long)(c), (long)(d), (long)(e), (long)(f))

int ckpt_real_tid(void);
uint64_t ckpt_now_ns(void);
/* libc's clock_gettime, never the replay plugin's wrapper (util.c) */
struct timespec;
int ckpt_clock_gettime(clockid_t clk, struct timespec *ts);

/* Mappings of the engine's own besides the memory plugin's scratch (the
 * replay log): never part of an image (own_memory.c). */
void ckpt_own_memory_add(uint64_t start, uint64_t end);
void ckpt_own_memory_remove(uint64_t start);
void ckpt_own_memory_forget(void);
int ckpt_own_memory(uint64_t start, uint64_t end);

/* text helpers usable in signal context */
size_t ckpt_strlen(const char *s);
void ckpt_strlcpy(char *dst, const char *src, size_t n);
int ckpt_startswith(const char *s, const char *prefix);
int ckpt_endswith(const char *s, const char *suffix);
long ckpt_parse_long(const char **p);
uint64_t ckpt_parse_hex(const char **p);
/* reads a whole small file (/proc) into buf, NUL-terminated; returns length or -1 */
void ckpt_format_fd_link(char *buf, size_t n, int fd);
long ckpt_read_file(const char *path, char *buf, size_t n);
/* value of "Key:\t..." in a /proc status text, parsed as hex (signal masks) */
uint64_t ckpt_status_hex(const char *text, const char *key);

/* an environment variable, without the program's getenv() */
const char *ckpt_env(const char *name);
/* logging to stderr, only when CKPT_DEBUG is set */
void ckpt_debug(const char *fmt, ...);
/* formats like ckpt_fail (%s %d %u %ld %lu %lx) into buf */
int ckpt_format(char *buf, size_t n, const char *fmt, __builtin_va_list ap);
/* the same into buf, with the arguments given: paths such as /proc/self/task/%d */
int ckpt_fmt(char *buf, size_t n, const char *fmt, ...);

/* the engine connection (control.c) */
void ckpt_control_connect(int restored, uint64_t restore_us);
void ckpt_control_send(const char *line);
int ckpt_control_read_order(char *buf, size_t n, int first_wait_ms);
/* the order the checkpoint in progress carries out (a synchronized one's
 * "write" order), for plugins that take part of their work from it */
const char *ckpt_control_order(void);
int ckpt_control_fd_is_ours(int fd);

/* JSON writer state */
struct ckpt_json {
	char *buf;
	size_t len, cap;
	int need_comma;
};
void ckpt_json_begin(struct ckpt_json *j, char *buf, size_t cap);
void ckpt_json_identity(struct ckpt_json *j);
/* Answers to the coordinator: one JSON object on one line, {"type":TYPE,...}
 * (PROTOCOL.md). Begin starts it in buf (n bytes, room for the newline kept
 * back) with its "type"; the caller adds fields; send closes and sends it. */
void ckpt_reply_begin(struct ckpt_json *j, char *buf, size_t n, const char *type);
void ckpt_reply_send(struct ckpt_json *j);

/* the thread table (threads.c): slots of ckpt_rt.threads */
int ckpt_threads_slot_of_self(void);
int ckpt_threads_register(int vtid, int tid, uint64_t pthread);
void ckpt_threads_capture(int slot, ucontext_t *uc);
int ckpt_threads_real_of_virtual(int vtid);
int ckpt_threads_virtual_of_self(void);
int ckpt_threads_real_of_pthread(uint64_t pthread);
void ckpt_threads_reset_after_fork(void);
/* The calling thread's birth number in its process: 0 for the main thread,
 * then 1, 2, ... in the order pthread_create was called (the same order in a
 * re-execution from a snapshot, the counter being part of it); -1 for a
 * thread not started through pthread_create. */
int ckpt_threads_birth_of_self(void);
/* threads stopped for the checkpoint in progress (core.c's rendezvous) */
int ckpt_threads_slot_captured(int slot);
int ckpt_threads_count_captured(void);

/* the image being written (core) */
int ckpt_writer_fd(struct ckpt_writer *w);
uint64_t ckpt_writer_offset(struct ckpt_writer *w);
int ckpt_writer_align(struct ckpt_writer *w, uint64_t align);

/* The computation's standard files (stdio.c): which of fds 0-2 are the
 * computation's (st: the fd's stat), the CKPT_STDIO=... variable that carries
 * them across exec into buf (CKPT_STDIO_MAX bytes; 0 when not known yet), and
 * the restarting command's own read back after a restart. */
struct stat;
#define CKPT_STDIO_MAX 160
int ckpt_stdio_is_computations(int fd, const struct stat *st);
int ckpt_stdio_env(char *buf);
void ckpt_stdio_after_restart(void);

/* the engine's own signal, and libc's sigaction past the signals plugin's wrapper */
int ckpt_signal(void);
int ckpt_real_sigaction(int sig, const struct sigaction *act, struct sigaction *old);
/* dequeues the pending signals in mask (at most max, siginfo of 128 bytes
 * each), then queues them again to the thread tid (or the process if tid is 0);
 * returns how many (pending.c) */
int ckpt_pending_requeue(uint64_t mask, uint8_t (*info)[128], int max, int pid, int tid);
#endif
