/*
 * ckpt-restore: becomes the process saved in an image.
 *
 *   ckpt-restore [--socket PATH] [--hold] IMAGE
 *   ckpt-restore --check IMAGE
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

static char image_buf[4096];
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
	out_str(2, "usage: ckpt-restore [--socket PATH] [--hold] IMAGE\n       ckpt-restore --check IMAGE\n");
	sys1(NR_exit_group, 2);
}

void restore_main(long *sp)
{
	uint64_t t0 = now_ns();
	int argc = (int)sp[0];
	char **argv = (char **)(sp + 1);
	char **envp = argv + argc + 1;
	int check = 0, hold = 0;
	const char *image = 0, *sock = 0;
	for (int i = 1; i < argc; i++) {
		if (streq(argv[i], "--check"))
			check = 1;
		else if (streq(argv[i], "--hold"))
			hold = 1;
		else if (streq(argv[i], "--socket") && i + 1 < argc)
			sock = argv[++i];
		else if (argv[i][0] == '-')
			usage();
		else if (!image)
			image = argv[i];
		else
			usage();
	}
	if (!image)
		usage();
	for (char **e = envp; !sock && *e; e++)
		if (!memcmp(*e, "CKPT_ENGINE_SOCKET=", 19))
			sock = *e + 19;
	/* argv and envp live on the stack that is about to go away */
	copy(image_buf, image, sizeof image_buf);
	image_path = image_buf;
	if (sock)
		copy(socket_buf, sock, sizeof socket_buf);

	struct image im;
	image_load(&im, image_buf);
	files_preflight(&im);
	memory_preflight(&im);
	if (check) {
		image_verify_data(&im);
		sys1(NR_exit_group, 0);
	}

	/* the point of no return */
	uint64_t all = ~0ull;
	sys4(NR_rt_sigprocmask, 0 /* SIG_BLOCK */, &all, 0, 8);
	memory_restore(&im);
	struct ckpt_runtime *rt = (struct ckpt_runtime *)im.proc->runtime_addr;
	if (rt->magic != CKPT_RUNTIME_MAGIC)
		fail("the image does not contain the engine's library state", 0, 0);
	process_restore(&im);
	files_install(&im);

	rt->real_pid = (int)sys0(NR_getpid);
	rt->busy = 0;
	rt->arrived = 0;
	rt->go = 0;
	rt->restart.restored = 1;
	rt->restart.real_pid = rt->real_pid;
	rt->restart.restorer_start = ZONE_START;
	rt->restart.restorer_end = ZONE_END;
	rt->restart.started_ns = t0;
	rt->restart.hold = hold;
	rt->restart.nthreads = (int32_t)im.nthreads;
	memcpy(rt->restart.sock_path, socket_buf, sizeof socket_buf);
	memcpy(rt->restart.image_path, image_buf, sizeof image_buf);
	sys1(NR_close, im.fd);
	threads_restore(&im, rt);
}
