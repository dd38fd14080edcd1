/* An image, read and checked by the shared reader, as the JSON of PROTOCOL.md. */
#ifndef CKPT_INSPECT_JSON_H
#define CKPT_INSPECT_JSON_H
#include "../include/ckpt_reader.h"
#include <stdio.h>

/* s as a JSON string */
void json_str(FILE *out, const char *s);
/* a memory region's kind, as the JSON names it */
const char *json_mem_kind(uint32_t k);
/* Reads saved memory an increment inherits (its parents'): set by the
 * inspector, left 0 where only the image itself is at hand; 0 or -1. */
extern int (*json_inherited_read)(uint64_t addr, void *buf, uint64_t n);
/* the whole image; argv is read from the saved memory through r->io */
void json_image(FILE *out, struct ckpt_reader *r);
/* files_json.c: the saved files section checked (0, or -1 with r->msg), and as JSON */
int json_files_check(struct ckpt_reader *r);
void json_files(FILE *out, struct ckpt_reader *r);
#endif
