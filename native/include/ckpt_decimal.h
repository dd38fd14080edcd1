/*
 * A number in decimal without libc, for messages of the reader and names of
 * the fd records (the restorer has no printf).
 */
#ifndef CKPT_DECIMAL_H
#define CKPT_DECIMAL_H
#include <stdint.h>

/* Writes v's digits at the end of buf; returns where they begin. */
static inline const char *ckpt_decimal(char buf[24], uint64_t v)
{
	int i = 23;
	buf[i] = 0;
	do
		buf[--i] = (char)('0' + v % 10);
	while ((v /= 10) && i > 0);
	return buf + i;
}
#endif
