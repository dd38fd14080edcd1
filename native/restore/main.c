/*
 * ckpt-restore: becomes the process saved in an image.
 *
 *   ckpt-restore [--socket PATH] [--hold] [--peer-host ADDR]... IMAGE...
 *   ckpt-restore --check IMAGE...        metadata and files only
 *   ckpt-restore --check-data IMAGE...   and every page's checksum
 *
 * Several images are the processes of one computation, restored as a tree.
 *
 * The whole restore sequence is in this file, one function call per stage:
 *   restore_main       read and check every image (image.c); hand a snapshot
 *                      with memory in this restorer's window to the other
 *                      build (window.c); make again the
 *                      files shared in the temporary directory that are gone
 *                      (session.c); put back the files the program wrote and
 *                      compare those it read (file_contents.c);
 *                      make the new pseudo-terminal pairs (ptys.c) and hold
 *                      the FIFOs open (pipes.c); open every file each image
 *                      needs (files.c) and check its memory's files
 *                      (memory.c);
 *   restore_tree       plan the process tree (tree.c); make what processes
 *                      share before they part ways: the input from outside
 *                      that a --kill snapshot kept (stdin_bytes.c), pipes with their bytes
 *                      (pipes.c), sockets (sockets.c; those to another host
 *                      with its restorer, sockets_across.c), shared memory
 *                      (shared_anon.c); the session files that were there
 *                      get the snapshot's bytes (session.c); fork the tree,
 *                      each process keeping its own image, and make sessions
 *                      and process groups;
 *   restore_process    (point of no return) block signals; clear the address
 *                      space and map memory (memory.c); process state
 *                      (process.c); fds at their numbers (files.c); file locks
 *                      (locks.c); the changed environment (world.c);
 *   hand_over          the library's new real ids and the restart's facts;
 *   threads_restore    start the threads and jump into the library (threads.c).
 * Any problem found before the point of no return ends the restorer with a
 * message naming the image and the problem and status 2, with nothing of the
 * program run and the session files it made again removed. See
 * native/PROTOCOL.md.
 */
#include "rt.h"
#include "file_contents.h"

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

static int fd_arg(const char *s)
{
	int v = 0;
	for (const char *p = s; *p; p++) {
		if (*p < '0' || *p > '9' || v > 100000)
			fail("--notes-fd wants a file descriptor number, got: ", s, 0);
		v = v * 10 + (*p - '0');
	}
	return v;
}

static void usage(void)
{
	out_str(2, "usage: ckpt-restore [--socket PATH] [--hold] [--replay] [--path-map OLD=NEW]... [--env NAME=VALUE]... [--strict] [--notes-fd N] [--peer-host ADDR]... IMAGE...\n       ckpt-restore --check|--check-data [--strict] IMAGE...\n");
	sys1(NR_exit_group, 2);
}

#define MAX_IMAGES CKPT_MAX_PROCS

/* --replay: the program's recorded clock and random values are given back
 * (lib/plugins/replay); without it a restored program reads them live */
static int replay;

/* What the library reads when it takes over (ckpt_restart_main_c): its new
 * real ids and those of the others, where the restorer lies (to unmap it),
 * the engine socket, the image it came from. */
static void hand_over(struct image *im, struct ckpt_runtime *rt, int hold, const char *sock, uint64_t t0)
{
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
	rt->restart_replay = replay;
	rt->restart.nthreads = (int32_t)im->nthreads;
	/* where the restarting command's own stdin, stdout and stderr now are */
	rt->restart_stdio = 0;
	for (uint32_t i = 0; i < im->nfds; i++)
		if (im->fds[i].h.fd <= 2 && (im->fds[i].h.kind == CKPT_FD_STDIO || im->fds[i].h.stdio == 2))
			rt->restart_stdio |= 1 << im->fds[i].h.fd;
	tree_pidmap(im, rt);
	memset(rt->restart.sock_path, 0, sizeof rt->restart.sock_path);
	if (sock)
		memcpy(rt->restart.sock_path, sock, strlen(sock) + 1);
	memcpy(rt->restart.image_path, image_path, strlen(image_path) + 1);
}

/* From here on this process becomes the one its image saved. */
__attribute__((noreturn)) static void restore_process(struct image *im, int hold, const char *sock, uint64_t t0)
{
	uint64_t all = ~0ull;
	sys4(NR_rt_sigprocmask, 0 /* SIG_BLOCK */, &all, 0, 8);
	memory_restore(im);
	shared_anon_close();
	/* shared memory is filled by every process that saved pages of it: none
	 * runs the program before all have */
	tree_barrier(TREE_MEMORY_FILLED);
	struct ckpt_runtime *rt = (struct ckpt_runtime *)im->proc->runtime_addr;
	if (rt->magic != CKPT_RUNTIME_MAGIC)
		fail("the image does not contain the engine's library state", 0, 0);
	process_restore(im);
	files_install(im);
	/* the locks each held, before anyone who waited for them runs again */
	locks_take(im);
	tree_barrier(TREE_FILES_INSTALLED);
	world_apply_env(rt->environ_addr);
	hand_over(im, rt, hold, sock, t0);
	sys1(NR_close, im->fd);
	threads_restore(im, rt);
}

/* Several images are restored as one tree of processes. */
__attribute__((noreturn)) static void restore_tree(struct image *ims, uint32_t n, int hold, const char *sock, uint64_t t0)
{
	tree_plan(ims, n);
	pipes_classify_stdio(ims, n);
	stdin_give_back(ims, n);
	sockets_create(ims, n);
	pipes_create(ims, n);
	shared_anon_create(ims, n);
	/* nothing can be refused any more: files other programs may still use
	 * change only now; until here a refusal (a connection to another host
	 * not made, say) undid the files put back */
	file_contents_disarm();
	session_commit();
	struct image *im = tree_fork();
	restore_process(im, hold, sock, t0);
}

void restore_main(long *sp)
{
	uint64_t t0 = now_ns();
	thread_block_setup(t0 * 0x9E3779B97F4A7C15ull);
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
		else if (streq(argv[i], "--replay"))
			replay = 1;
		else if (streq(argv[i], "--socket") && i + 1 < argc)
			sock = argv[++i];
		else if (streq(argv[i], "--path-map") && i + 1 < argc)
			world_add_path_map(argv[++i]);
		else if (streq(argv[i], "--env") && i + 1 < argc)
			world_add_env(argv[++i]);
		else if (streq(argv[i], "--strict"))
			file_contents_strict();
		else if (streq(argv[i], "--peer-host") && i + 1 < argc)
			across_add_peer_host(argv[++i]);
		else if (streq(argv[i], "--notes-fd") && i + 1 < argc)
			notes_set_fd(fd_arg(argv[++i]));
		else if (argv[i][0] == '-')
			usage();
		else if (n < MAX_IMAGES)
			paths[n++] = argv[i];
		else
			fail("too many images", 0, 0);
	}
	if (!n)
		usage();
	across_read_env(envp);
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
		image_check_blocks(&ims[i]);
	}
	/* a snapshot whose memory lies in this restorer's window is the other
	 * build's: handed over before anything is done here */
	window_choose(ims, n, argv, envp);
	/* the files the processes shared in the temporary directory that are gone,
	 * with their folders, first: the program's written files may live there */
	session_put_back(ims, n, check);
	/* then the files the program wrote are put back before anything opens a
	 * file (undone if a check below fails); the others are compared */
	file_contents_restore(ims, n, check);
	/* every check of every image before anything changes */
	ptys_make(ims, n);
	fifos_hold(ims, n, !check);
	for (uint32_t i = 0; i < n; i++) {
		image_enter(&ims[i]);
		files_preflight(&ims[i]);
		memory_preflight(&ims[i]);
		for (uint32_t k = 0; k < i; k++)
			if (ims[k].proc->vpid == ims[i].proc->vpid)
				fail("two images of the same process", 0, 0);
	}
	fifos_release(); /* every end of every FIFO is open now */
	if (check) {
		for (uint32_t i = 0; check == 2 && i < n; i++) {
			for (struct image *p = &ims[i]; p; p = p->parent) { /* and every parent's */
				image_path = p->path;
				image_verify_data(p);
			}
		}
		sys1(NR_exit_group, 0);
	}
	restore_tree(ims, n, hold, sock ? socket_buf : 0, t0);
}
