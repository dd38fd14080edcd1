/*
 * Answers to the coordinator: one JSON object on one line,
 * {"type":TYPE,...}\n, sent on the control socket (see PROTOCOL.md).
 */
#ifndef CKPT_REPLY_H
#define CKPT_REPLY_H
#include "engine.h"

/* Starts the object in buf (n bytes, room for the newline kept back) with its
 * "type"; the caller adds the fields with ckpt_json_*. */
void ckpt_reply_begin(struct ckpt_json *j, char *buf, size_t n, const char *type);
/* Closes the object and sends it as one line. */
void ckpt_reply_send(struct ckpt_json *j);

#endif
