/*
 * The ids plugin: virtual process ids across the computation. The first group
 * is what other plugins may use; the rest is the plugin's own, shared between
 * its files (ids.c: the map and the wrappers; exec.c: ids across exec and
 * spawn; procfs.c: /proc paths; rewound.c: waits for one child).
 */
#ifndef CKPT_IDS_H
#define CKPT_IDS_H
#include "../../engine.h"

/* virtual ↔ real for any process of the computation; identity when unknown */
int ckpt_pid_real(pid_t v);
int ckpt_pid_virtual(pid_t r);

void ckpt_pid_add(pid_t v, pid_t r);
/* the virtual PID of a new child: its real one unless that names another process */
int ckpt_pid_for_new_child(pid_t real);
/* how many restarts this process has been through: read before fork or
 * posix_spawn, it tells ckpt_pid_of_new_child whether a snapshot came between */
int ckpt_ids_restarts(void);
/* what fork and posix_spawn return: the child's virtual PID, from the real one */
pid_t ckpt_pid_of_new_child(pid_t real, int restarts_before);
/* a wait for one child, rewound by SA_RESTART, gets the child's new real id
 * (the plugin's capture and restart_thread hooks) */
void ckpt_ids_note_rewound(int slot, ucontext_t *uc);
void ckpt_ids_fix_rewound(int slot, ucontext_t *uc);
/* the ids a program exec'd or spawned by the computation inherits (at start) */
void ckpt_ids_inherit(void);
#endif
