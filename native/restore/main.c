/*
 * ckpt-restore: becomes the process saved in an image.
 *
 *   ckpt-restore [--socket PATH] [--hold] IMAGE...
 *   ckpt-restore --check IMAGE...        metadata and files only
 *   ckpt-restore --check-data IMAGE...   and every page's checksum
 *
 * Several images are the processes of one computation, restored as a tree.
 *
 * Stages: read and check the image; open every file it needs; (point of no
 * return) block signals, clear the address space, map memory, set process
 * state, install fds, hand the library its new ids; start the threads. Any
 * problem found before the point of no return ends the restorer with a message
 * naming the image and the problem and status 2, with nothing of the program
 * run. See native/PROTOCOL.md.
 */
#include "rt.h"

static char stack[256 * 1024] __attribute__((aligned(16)));
__attribute__((used)) static char *stack_top = stack + sizeof stack;

__attribute__((noreturn, used)) void restore_main(long *sp);

__asm__(".text\n"
	".globl _start\n"
	"_start:\n"
	"  mov %rsp, %rdi\n"
	"  mov stack_top(%rip), %rsp\n"
	"  call restore_main\n"
	"  ud2\n");

static char socket_buf[CKPT_SOCK_PATH_MAX];

static void copy(char *dst, const char *src, size_t n)
{
	size_t l = strlen(src);
	if (l >= n)
		fail("argument too long: ", src, 0);
	memcpy(dst, src, l + 1);
}

static void usage(void)
{
	out_str(2, "usage: ckpt-restore [--socket PATH] [--hold] [--path-map OLD=NEW]... [--env NAME=VALUE]... IMAGE...\n       ckpt-restore --check|--check-data IMAGE...\n");
	sys1(NR_exit_group, 2);
}

#define MAX_IMAGES CKPT_MAX_PROCS

void restore_main(long *sp)
{
	uint64_t t0 = now_ns();
	int argc = (int)sp[0];
	char **argv = (char **)(sp + 1);
	char **envp = argv + argc + 1;
	int check = 0, hold = 0;
	const char *sock = 0;
	const char *paths[MAX_IMAGES];
	uint32_t n = 0;
	for (int i = 1; i < argc; i++) {
		if (streq(argv[i], "--check"))
			check = 1;
		else if (streq(argv[i], "--check-data"))
			check = 2;
		else if (streq(argv[i], "--hold"))
			hold = 1;
		else if (streq(argv[i], "--socket") && i + 1 < argc)
			sock = argv[++i];
		else if (streq(argv[i], "--path-map") && i + 1 < argc)
			world_add_path_map(argv[++i]);
		else if (streq(argv[i], "--env") && i + 1 < argc)
			world_add_env(argv[++i]);
		else if (argv[i][0] == '-')
			usage();
		else if (n < MAX_IMAGES)
			paths[n++] = argv[i];
		else
			fail("too many images", 0, 0);
	}
	if (!n)
		usage();
	for (char **e = envp; !sock && *e; e++)
		if (!memcmp(*e, "CKPT_ENGINE_SOCKET=", 19))
			sock = *e + 19;
	/* argv and envp live on the stack that is about to go away */
	if (sock)
		copy(socket_buf, sock, sizeof socket_buf);
	struct image *ims = arena_alloc(n * sizeof *ims);
	for (uint32_t i = 0; i < n; i++) {
		char *p = arena_alloc(strlen(paths[i]) + 1);
		memcpy(p, paths[i], strlen(paths[i]) + 1);
		image_load(&ims[i], p);
	}
	/* every check of every image before anything changes */
	ptys_make(ims, n);
	fifos_hold(ims, n, !check);
	for (uint32_t i = 0; i < n; i++) {
		image_path = ims[i].path;
		files_preflight(&ims[i]);
		memory_preflight(&ims[i]);
		for (uint32_t k = 0; k < i; k++)
			if (ims[k].proc->vpid == ims[i].proc->vpid)
				fail("two images of the same process", 0, 0);
	}
	fifos_release(); /* every end of every FIFO is open now */
	if (check) {
		for (uint32_t i = 0; check == 2 && i < n; i++) {
			image_path = ims[i].path;
			image_verify_data(&ims[i]);
		}
		sys1(NR_exit_group, 0);
	}
	tree_restore(ims, n, hold, sock ? socket_buf : 0, t0);
}
