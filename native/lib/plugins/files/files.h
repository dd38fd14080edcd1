/*
 * The files plugin's parts, shared between its files: the fd table (files.c),
 * pipes and FIFOs (pipes.c), anonymous-inode fds (anon_inodes.c), sockets
 * (sockets.c), file locks (locks.c). The computation's standard files are the
 * core's (lib/stdio.c).
 */
#ifndef CKPT_FILES_H
#define CKPT_FILES_H
#include "../../engine.h"
#include "../../../include/ckpt_fd.h"

/* The bytes saved with the fd table (FDDATA): pipe and FIFO contents, socket
 * queues, epoll registrations, deleted files. One buffer per checkpoint,
 * mapped on first use and gone before the memory plugin runs. */
#define FILES_DATA_MAX (16ul << 20)
extern char *files_data;
extern uint64_t files_data_len;
int files_data_ensure(void);
/* Reads all that waits behind fd, without blocking, onto the buffer: sets
 * *offset and *len (the caller puts the bytes back if need be). */
int files_data_drain(int fd, uint64_t *offset, uint64_t *len);

/* pipes.c: pipes_begin() once per checkpoint, pipes_save() for each pipe or
 * FIFO fd (fills the record's data_offset and data_len when this process
 * saves its bytes) */
void pipes_begin(void);
int pipes_save(int fd, struct ckpt_fd *rec);
/* bytes this process saved from the pipe at its fd 0, and that pipe's inode */
extern uint64_t pipes_stdin_bytes, pipes_stdin_ino;

/* ptys.c: a pseudo-terminal master's number and the bytes waiting for its reader */
int ptys_save(int fd, struct ckpt_fd *rec);

/* anon_inodes.c: eventfd, epoll, signalfd, timerfd and pidfd state into rec */
int anon_inode_save(int fd, struct ckpt_fd *rec);

/* sockets.c: fills the socket's record; queued bytes go to data[0..cap) */
long ckpt_socket_describe(int fd, struct ckpt_img_fd_socket *rec, char *data, uint64_t cap);

/* locks.c */
void ckpt_locks_reset(void);
void ckpt_locks_note(int fd);
int ckpt_locks_write(struct ckpt_writer *w);
#endif
