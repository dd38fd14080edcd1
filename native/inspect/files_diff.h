/* ckpt-inspect --diff A B: the program's files of two images compared. */
#ifndef CKPT_INSPECT_FILES_DIFF_H
#define CKPT_INSPECT_FILES_DIFF_H
#include "../include/ckpt_files.h"
#include <stdio.h>

/* Prints the ,"files":{...} member of PROTOCOL.md: from fa to fb, two FILES
 * sections that ckpt_files_read() accepted (head 0: no section, no files). */
void diff_files(FILE *out, const struct ckpt_files *fa, const struct ckpt_files *fb);
#endif
