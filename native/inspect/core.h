/* The parts of a loaded image that the ELF core writer needs. */
#ifndef CKPT_INSPECT_CORE_H
#define CKPT_INSPECT_CORE_H
#include "../include/ckpt_reader.h"

struct chain;

struct core_input {
	int fd;
	const struct ckpt_img_proc *proc;
	const struct ckpt_img_thread *threads;
	uint32_t nthreads;
	const struct ckpt_img_memmap *mm;
	const struct ckpt_img_region *regions;
	const struct ckpt_img_run *runs;
	const char *strings;
	struct ckpt_reader *reader; /* the memory contents are read through it */
	const void *auxv;
	uint32_t auxv_size;
	/* an increment's chain: its pages are read through it (chain.h) */
	const struct chain *chain;
};

/* Writes the image as an ELF core file; 0 or -1 (errno set). */
int write_core(const struct core_input *in, const char *out_path);
#endif
