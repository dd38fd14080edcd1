/*
 * The plugin API of the preload library: the one header a plugin includes.
 *
 * A plugin virtualizes one part of the outside world. It registers a table of
 * hooks from a constructor; the core calls
 *   - checkpoint(w)  with every thread of the process stopped, in registration
 *                    order (ascending `order`): save what the plugin knows as
 *                    sections of the image;
 *   - resume()       after the image is written, in the original process, in
 *                    reverse order;
 *   - restart()      in the restored process before the program runs again, in
 *                    reverse order (layered plugins unwind like a stack);
 *   - status(j)      to add fields to the live `status` answer;
 *   - answer(j)      to add fields to a successful checkpoint's answer.
 * and, for plugins that follow the process's life more closely (ids):
 *   - at_start()     in the library's constructor, before it connects;
 *   - after_fork(parent_vpid, parent_real_pid)  in a forked child, before it
 *                    connects (ckpt_rt holds the kernel's ids for the child);
 *   - capture(slot, uc)  in each thread as it stops for a checkpoint, with its
 *                    signal frame, in ascending order;
 *   - restart_thread(slot, uc)  in each restored thread before the restart
 *                    hooks, in reverse order.
 * Hooks run in signal context: no malloc, no stdio, no locks that the program
 * might hold. Use the section writer and ckpt_fail() below.
 */
#ifndef CKPT_PLUGIN_H
#define CKPT_PLUGIN_H
#include <stddef.h>
#include <stdint.h>
#include <ucontext.h>
#include "../include/ckpt_image.h"

struct ckpt_writer;
struct ckpt_json;

struct ckpt_plugin {
	const char *name;
	int order;
	int (*checkpoint)(struct ckpt_writer *w);
	void (*resume)(void);
	void (*restart)(void);
	void (*status)(struct ckpt_json *j);
	void (*at_start)(void);
	void (*after_fork)(int parent_vpid, int parent_real_pid);
	void (*capture)(int slot, ucontext_t *uc);
	void (*restart_thread)(int slot, ucontext_t *uc);
	void (*answer)(struct ckpt_json *j);
};

void ckpt_plugin_register(const struct ckpt_plugin *p);

/* Sections: begin, write any number of times, end. A plugin's own section uses
 * CKPT_SEC_PLUGIN and its name; the restorer skips it, the inspector lists it. */
int ckpt_section_begin(struct ckpt_writer *w, uint32_t type, const char *name);
int ckpt_section_write(struct ckpt_writer *w, const void *data, size_t n);
int ckpt_section_end(struct ckpt_writer *w);
/* Reads a plugin section back from the image being restarted from (restart hook). */
long ckpt_restart_read_section(const char *name, void *buf, size_t n);

/* Records why the checkpoint cannot go on; returns -1 for `return ckpt_fail(...)`.
 * Formats: %s %d %u %ld %lu %lx only. */
int ckpt_fail(const char *fmt, ...);

/* A small JSON writer for status answers (no malloc). */
void ckpt_json_key(struct ckpt_json *j, const char *key);
void ckpt_json_str(struct ckpt_json *j, const char *s);
void ckpt_json_int(struct ckpt_json *j, long v);
void ckpt_json_raw(struct ckpt_json *j, const char *s);
/* '{' or '[' to open an object or array, '}' or ']' to close it */
void ckpt_json_open(struct ckpt_json *j, char c);
void ckpt_json_close(struct ckpt_json *j, char c);

/* Register a plugin from a constructor that runs before the core's. */
#define CKPT_PLUGIN(var) \
	__attribute__((constructor(150))) static void var##_register(void) { ckpt_plugin_register(&var); }
#endif
