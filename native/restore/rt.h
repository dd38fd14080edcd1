/*
 * What the freestanding restorer has instead of libc: raw system calls, a few
 * memory and string functions, and an error path that names the image.
 */
#ifndef CKPT_RESTORE_RT_H
#define CKPT_RESTORE_RT_H
#include <stddef.h>
#include <stdint.h>
#include "../include/ckpt_fd.h"
#include "../include/ckpt_runtime.h"

/* x86_64 system call numbers used here */
enum {
	NR_read = 0, NR_write = 1, NR_open = 2, NR_close = 3, NR_stat = 4, NR_fstat = 5,
	NR_lseek = 8, NR_mmap = 9, NR_mprotect = 10, NR_munmap = 11, NR_rt_sigaction = 13,
	NR_rt_sigprocmask = 14, NR_pread64 = 17, NR_mremap = 25, NR_madvise = 28, NR_dup2 = 33, NR_getitimer = 36,
	NR_setitimer = 38, NR_getpid = 39, NR_socket = 41, NR_connect = 42, NR_clone = 56,
	NR_exit = 60, NR_kill = 62, NR_fork = 57, NR_wait4 = 61, NR_setpgid = 109, NR_getpgid = 121, NR_setsid = 112, NR_getsid = 124, NR_fcntl = 72, NR_chdir = 80, NR_umask = 95, NR_prctl = 157,
	NR_arch_prctl = 158, NR_gettid = 186, NR_futex = 202, NR_sched_setaffinity = 203,
	NR_getdents64 = 217, NR_rt_tgsigqueueinfo = 297, NR_rt_sigqueueinfo = 129, NR_timer_create = 222, NR_timer_settime = 223, NR_personality = 135, NR_prlimit64 = 302, NR_ioctl = 16, NR_eventfd2 = 290, NR_signalfd4 = 289, NR_timerfd_create = 283, NR_timerfd_settime = 286, NR_epoll_create1 = 291, NR_epoll_ctl = 233, NR_socketpair = 53, NR_pipe2 = 293, NR_set_tid_address = 218, NR_clock_gettime = 228, NR_exit_group = 231,
	NR_execve = 59, NR_readlink = 89, NR_tgkill = 234, NR_openat = 257, NR_set_robust_list = 273, NR_dup3 = 292, NR_rseq = 334
};

#define O_RDONLY 0
#define O_WRONLY 1
#define O_RDWR 2
#define O_ACCMODE 3
#define O_CREAT 0100
#define O_EXCL 0200
#define O_NOCTTY 0400
#define O_TRUNC 01000
#define O_DIRECTORY 0200000
#define O_NOFOLLOW 0400000
#define O_CLOEXEC 02000000
#define F_DUPFD 0
#define F_GETFD 1
#define F_SETFD 2
#define F_DUPFD_CLOEXEC 1030
#define F_SETFL 4
#define F_SETPIPE_SZ 1031
#define FD_CLOEXEC 1

#define PROT_READ 1
#define PROT_WRITE 2
#define PROT_EXEC 4
#define MAP_SHARED 1
#define MAP_PRIVATE 2
#define MAP_FIXED 0x10
#define MAP_ANONYMOUS 0x20
#define MAP_GROWSDOWN 0x100
#define MAP_NORESERVE 0x4000
#define MAP_FIXED_NOREPLACE 0x100000
#define MADV_POPULATE_WRITE 23
#define MREMAP_MAYMOVE 1
#define MREMAP_FIXED 2

#define ENOENT 2
#define EINTR 4
#define EACCES 13
#define EEXIST 17
#define ELOOP 40

/* The restorer keeps everything it owns inside one window of 8 GiB, far from
 * where the kernel places programs, and unmaps it before the program runs.
 * It is built twice, for two windows (window.c): ZONE_BASE is the build's. */
#ifndef ZONE_BASE
#define ZONE_BASE 0x200000000000ul
#endif
#define ZONE_START ZONE_BASE
#define ZONE_ARENA (ZONE_BASE + 0x40000000ul)
#define ZONE_TEMP (ZONE_BASE + 0x1c0000000ul)
#define ZONE_END (ZONE_BASE + 0x200000000ul)

static inline long sys6(long n, long a, long b, long c, long d, long e, long f)
{
	long ret;
	register long r10 __asm__("r10") = d;
	register long r8 __asm__("r8") = e;
	register long r9 __asm__("r9") = f;
	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
			 : "rcx", "r11", "memory");
	return ret;
}
#define sys0(n) sys6(n, 0, 0, 0, 0, 0, 0)
#define sys1(n, a) sys6(n, (long)(a), 0, 0, 0, 0, 0)
#define sys2(n, a, b) sys6(n, (long)(a), (long)(b), 0, 0, 0, 0)
#define sys3(n, a, b, c) sys6(n, (long)(a), (long)(b), (long)(c), 0, 0, 0)
#define sys4(n, a, b, c, d) sys6(n, (long)(a), (long)(b), (long)(c), (long)(d), 0, 0)
#define sys5(n, a, b, c, d, e) sys6(n, (long)(a), (long)(b), (long)(c), (long)(d), (long)(e), 0)

void *memcpy(void *d, const void *s, size_t n);
void *memset(void *d, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int streq(const char *a, const char *b);
const char *errno_name(long e);

/* output */
void out_str(int fd, const char *s);
void out_num(int fd, long v);
/* prefix and v in decimal into out (n bytes): /proc/self/fd/N, /dev/pts/N */
void path_num(char *out, size_t n, const char *prefix, long v);
extern const char *image_path;
/* Prints "ckpt-restore: IMAGE (PROGRAM): a b c" and exits with status 2. */
__attribute__((noreturn)) void fail(const char *a, const char *b, const char *c);
/* called once by the first failure (what must not stay half done) */
extern void (*fail_undo)(void);
__attribute__((noreturn)) void fail4(const char *a, const char *b, const char *c, const char *d);
__attribute__((noreturn)) void fail_num(const char *a, long n, const char *b);

uint64_t now_ns(void);
/* a thread pointer for libzstd's stack protector (libc_for_zstd.c) */
void thread_block_setup(uint64_t seed);

/* fd moved to the lowest free number >= top, close-on-exec; fails the restart if it cannot */
int fd_lift(int fd, int top);

/* the arena: memory for what the restorer reads, inside its own window */
void *arena_alloc(size_t n);

/* the image */
/* Page ranges [v[2i], v[2i+1]), ascending and disjoint. */
struct ranges {
	uint64_t *v;
	uint64_t n;
};
/* the first range of rs that ends after a */
uint64_t ranges_first_after(const struct ranges *rs, uint64_t a);
struct ckpt_reader;
struct image {
	int fd;
	int blocks_fd; /* the snapshot's blocks folder, if its pages are there; -1 */
	const char *path;
	struct ckpt_img_header hdr;
	struct ckpt_img_section *sec;
	struct ckpt_img_proc *proc;
	struct ckpt_img_thread *threads;
	uint32_t nthreads;
	struct ckpt_img_signals *signals;
	struct ckpt_fd *fds;
	uint32_t nfds;
	struct ckpt_img_memmap *mm;
	struct ckpt_img_region *regions;
	struct ckpt_img_run *runs;
	const char *strings;
	void *auxv;
	uint32_t auxv_size;
	struct ckpt_img_section *memdata;
	const char *fddata;
	uint64_t fddata_size;
	struct ckpt_img_zombie *zombies;
	uint32_t nzombies;
	struct ckpt_img_lock *locks;
	uint32_t nlocks;
	struct ckpt_img_parent *parent_rec; /* an increment's parent, or 0 */
	struct image *parent;               /* loaded by chain_load (chain.c) */
	struct ckpt_img_run *druns;         /* the runs whose pages are in this image */
	uint64_t ndruns;
	struct ranges *inherit;             /* the pages it inherits */
	struct ckpt_reader *reader; /* what checked all of the above */
	/* what the restorer opened for this image */
	struct open_file *files;
	uint32_t nfiles;
	int *region_fd;
};

struct open_file {
	int target;    /* fd number in the program */
	int temp;      /* where the restorer holds it now */
	int cloexec;
	int64_t offset;
	int32_t setfl; /* flags to set after installing, -1: none */
};

/* eventfd, epoll, signalfd, timerfd, pidfd (anon_inodes.c): one made anew,
 * and epoll's registrations once every fd of im is at its number */
int anon_inode_make(struct ckpt_fd *f);
void anon_inode_register(struct image *im);
/* pipes and FIFOs (pipes.c) */
void pipes_classify_stdio(struct image *ims, uint32_t n);
/* stdin_bytes.c: an outside stdin's saved bytes (--kill) read first again */
void stdin_give_back(struct image *ims, uint32_t n);
void pipes_create(struct image *ims, uint32_t n);
int pipe_end(uint64_t ino, int reader);
void pipes_close_all(void);
void fifos_hold(struct image *ims, uint32_t n, int with_bytes);
void fifos_release(void);
void sockets_create(struct image *ims, uint32_t n);
void shared_anon_create(struct image *ims, uint32_t n);
int shared_anon_fd(uint64_t ino);
void shared_anon_close(void);
void ptys_make(struct image *ims, uint32_t n);
/* hands the restore to the restorer built for the other window if some
 * image's memory lies in this one (window.c) */
void window_choose(struct image *ims, uint32_t n, char **argv, char **envp);
int ptys_master(uint32_t old);
void ptys_close_all(void);
/* the process tree (tree.c): plan before anything is made, then fork it;
 * tree_fork returns, in each process, the image that process restores */
void tree_plan(struct image *ims, uint32_t n);
struct image *tree_fork(void);
int32_t tree_real_of(int32_t vpid);
/* every process of the tree waits here until all have reached it */
enum tree_phase { TREE_MEMORY_FILLED = 3, TREE_FILES_INSTALLED = 4 };
void tree_barrier(enum tree_phase phase);
/* the virtual ↔ real map of the others, as the library's ids plugin reads it */
void tree_pidmap(struct image *im, struct ckpt_runtime *rt);
void locks_take(struct image *im);
int socket_made(struct image *im, int fd);
/* sockets.c: the restorer's socket temp becomes fd of im; the record in the
 * images that is the other end of f, if any */
void socket_add_made(struct image *im, int fd, int temp);
int socket_find_partner(struct image *ims, uint32_t n, struct ckpt_fd *f, struct image **pim, struct ckpt_fd **pf);
/* TCP connections to another host of the computation (sockets_across.c):
 * --peer-host ADDR, the deadline from CKPT_ACROSS_HOSTS_WAIT_MS, and the
 * connections made with that host's restorer */
void across_add_peer_host(const char *arg);
void across_read_env(char **envp);
void sockets_across_create(struct image *ims, uint32_t n);
void sockets_close_all(void);

void image_load(struct image *im, const char *path);
void image_check_blocks(struct image *im);
char *beside_image(const struct image *im, const char *rel);
/* errors from here on name im's image and program (a stage that goes
 * through the images of several processes calls it for each) */
void image_enter(struct image *im);
/* an increment's parents (chain.c): every one loaded and checked before the
 * point of no return; their pages put in place after the image's own */
void chain_load(struct image *im);
void chain_fill(struct image *im);
/* an image whose pages are read into place: those in want, or all (fill.c) */
struct fill_source {
	struct image *im;
	const struct ranges *want; /* 0: every page it holds */
	uint64_t nchunks;
	uint64_t *hashes; /* one per chunk of its memory contents */
};
/* reads them all at once and checks every one's memory contents whole */
void fill_memory(struct fill_source *src, uint32_t n);
void image_verify_data(struct image *im);
const char *region_path(struct image *im, struct ckpt_img_region *r);

/* a changed world: moved files, replaced environment variables */
void world_add_path_map(const char *arg);
void world_add_env(const char *arg);
const char *world_path(const char *path, int *moved);
void world_apply_env(uint64_t environ_addr);

/* session files (session.c): those that are gone made again before anything
 * is opened; then session_file(path) is 0 for a file the snapshot does not
 * hold, 1 for one it holds (its bytes will be the snapshot's: no identity to
 * compare), 2 for one a check (--check) found gone, which a restart makes
 * again. session_commit gives those that were there the snapshot's bytes once
 * nothing can be refused; until then session_undo (on every refusal) removes
 * what was made again. */
void session_put_back(struct image *ims, uint32_t n, int check);
int session_file(const char *path);
int session_made_again(const char *path);
void session_commit(void);
void session_undo(void);

/* stages (main.c lists them in order) */
void files_preflight(struct image *im);
void files_install(struct image *im);
void memory_preflight(struct image *im);
void memory_restore(struct image *im);
void process_restore(struct image *im);
__attribute__((noreturn)) void threads_restore(struct image *im, struct ckpt_runtime *rt);
#endif
