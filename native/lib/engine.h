/*
 * Internals of the preload library shared by the core and the built-in plugins.
 * Everything here is hidden (-fvisibility=hidden); only wrapped libc symbols are
 * exported.
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

/* text helpers usable in signal context */
size_t ckpt_strlen(const char *s);
void ckpt_strlcpy(char *dst, const char *src, size_t n);
int ckpt_startswith(const char *s, const char *prefix);
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

/* the engine connection */
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

/* threads plugin: the thread table and per-thread state capture */
int ckpt_threads_slot_of_self(void);
int ckpt_threads_register(int vtid, int tid, uint64_t pthread);
void ckpt_threads_capture(int slot, ucontext_t *uc);
int ckpt_threads_real_of_virtual(int vtid);
int ckpt_threads_virtual_of_self(void);
int ckpt_threads_real_of_pthread(uint64_t pthread);
void ckpt_threads_reset_after_fork(void);
int ckpt_threads_count_captured(void);


/* ids plugin: virtual ↔ real PIDs across the computation */
int ckpt_pid_real(pid_t v);
int ckpt_pid_virtual(pid_t r);
void ckpt_pid_add(pid_t v, pid_t r);
int ckpt_pid_for_new_child(pid_t real);
void ckpt_ids_parent_is(int real_ppid);
/* files plugin: the computation's standard files (files/stdio.c) */
struct stat;
#define CKPT_STDIO_MAX 160
int ckpt_stdio_is_computations(int fd, const struct stat *st);
int ckpt_stdio_env(char *buf);
void ckpt_stdio_after_restart(void);
/* files plugin: file locks held (files/locks.c) */
void ckpt_locks_reset(void);
void ckpt_locks_note(int fd);
int ckpt_locks_write(struct ckpt_writer *w);
/* inotify plugin: the fds it saves and restores itself */
int ckpt_inotify_owns(const char *link);
/* a wait for one child, rewound by SA_RESTART, gets the child's new real id (ids/rewound.c) */
void ckpt_ids_note_rewound(ucontext_t *uc, int slot);
void ckpt_ids_fix_rewound(ucontext_t *uc, int slot);
/* ids across exec and spawn (ids/exec.c) */
void ckpt_ids_inherit(void);

/* the image being written (core) */
int ckpt_writer_fd(struct ckpt_writer *w);
uint64_t ckpt_writer_offset(struct ckpt_writer *w);
int ckpt_writer_align(struct ckpt_writer *w, uint64_t align);

/* signals plugin: the engine's own signal must stay deliverable */
int ckpt_signal(void);
int ckpt_real_sigaction(int sig, const struct sigaction *act, struct sigaction *old);
/* dequeues the pending signals in mask (at most max, siginfo of 128 bytes
 * each), then queues them again to the thread tid (or the process if tid is 0) */
int ckpt_signals_save_queue(uint64_t mask, uint8_t (*info)[128], int max, int pid, int tid);
int ckpt_threads_slot_captured(int slot);
#endif
