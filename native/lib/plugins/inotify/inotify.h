/* The inotify plugin: what the files plugin leaves to it. */
#ifndef CKPT_INOTIFY_H
#define CKPT_INOTIFY_H

/* 1 when an fd whose /proc/self/fd link reads `link` is an inotify instance,
 * saved and restored by this plugin */
int ckpt_inotify_owns(const char *link);
#endif
