/*
 * The image format: one file per process, self-describing.
 *
 *   offset 0      struct ckpt_img_header (padded to CKPT_IMG_HEADER_SIZE)
 *   ...           sections, each a run of bytes with its own checksum
 *   table_offset  struct ckpt_img_section[nsections]
 *
 * The header names the format (magic, version, architecture) and where the
 * section table is; header_checksum covers the header (with that field zero) and
 * the table, and each table entry carries the checksum of its section's bytes.
 * Memory contents are in the MEMDATA section, page-aligned, in the order of the
 * page runs listed in MEMMAP, or in blocks beside the image (MEMCHUNKS). Everything is little-endian x86_64 layout.
 * Shared by the preload library (writer), the restorer and the inspector.
 */
#ifndef CKPT_IMAGE_H
#define CKPT_IMAGE_H
#include <stdint.h>

#define CKPT_IMG_MAGIC "CKPTIMG\n"
/* 2: a run may be inherited from a parent image (CKPT_RUN_INHERIT, and the
 * PARENT section); 3: the memory contents may be stored in compressed chunks
 * in blocks of the snapshot's own (the MEMCHUNKS section); 4: one record per
 * fd kind in the FDS section (struct ckpt_img_fd). Older versions still
 * restore */
#define CKPT_IMG_VERSION 4
#define CKPT_IMG_VERSION_MIN 1
#define CKPT_IMG_ARCH_X86_64 62 /* ELF e_machine */
#define CKPT_IMG_HEADER_SIZE 4096
#define CKPT_PAGE 4096UL

struct ckpt_img_header {
	char magic[8];
	uint32_t version;
	uint32_t arch;
	uint32_t header_size;
	uint32_t nsections;
	uint64_t table_offset;
	uint64_t file_size;       /* total bytes: a shorter file is truncated */
	uint64_t header_checksum; /* over this header (field zeroed) and the table */
};

enum ckpt_section_type {
	CKPT_SEC_PROC = 1,    /* struct ckpt_img_proc */
	CKPT_SEC_THREADS = 2, /* struct ckpt_img_thread[] */
	CKPT_SEC_SIGNALS = 3, /* struct ckpt_img_signals */
	CKPT_SEC_FDS = 4,     /* struct ckpt_img_fd, each with its kind's record */
	CKPT_SEC_MEMMAP = 5,  /* struct ckpt_img_memmap + regions + runs + strings */
	CKPT_SEC_MEMDATA = 6, /* page contents */
	CKPT_SEC_AUXV = 7,    /* the saved auxiliary vector, as /proc/self/auxv */
	CKPT_SEC_FDDATA = 8,  /* bytes saved with fds: pipes' and sockets' contents, see ckpt_img_fd */
	CKPT_SEC_ZOMBIES = 9, /* struct ckpt_img_zombie[]: exited children not yet reaped */
	CKPT_SEC_LOCKS = 10,  /* struct ckpt_img_lock[]: file locks held (optional) */
	CKPT_SEC_PARENT = 11, /* struct ckpt_img_parent: where inherited pages are (optional) */
	CKPT_SEC_MEMCHUNKS = 12, /* struct ckpt_img_memchunks + entries: how MEMDATA is stored (optional) */
	CKPT_SEC_FILES = 20,  /* the files written and read, see ckpt_files.h (optional) */
	CKPT_SEC_PLUGIN = 100 /* a plugin's own section; name in the table entry */
};

struct ckpt_img_section {
	uint32_t type;
	uint32_t flags;
	uint64_t offset;
	uint64_t size;
	uint64_t checksum;
	char name[32]; /* for CKPT_SEC_PLUGIN: the plugin's name */
};

/* The process: identity, memory layout fields of the kernel's mm, and where the
 * restorer hands control back to the preload library. */
struct ckpt_img_proc {
	int32_t vpid, pid, vppid, ppid;
	int32_t pgid, sid;
	uint32_t nthreads;
	uint32_t umask;
	uint64_t time_ms; /* wall clock at checkpoint */
	/* struct prctl_mm_map fields */
	uint64_t start_code, end_code, start_data, end_data;
	uint64_t start_brk, brk, start_stack;
	uint64_t arg_start, arg_end, env_start, env_end;
	/* addresses inside the restored preload library */
	uint64_t runtime_addr;      /* struct ckpt_runtime */
	uint64_t main_entry_addr;   /* ckpt_restart_main_entry(uc) */
	uint64_t thread_entry_addr; /* ckpt_restart_thread_entry(uc) */
	/* special mappings as they were; the restorer moves the new ones there */
	uint64_t vvar_start, vvar_end, vclock_start, vclock_end, vdso_start, vdso_end;
	uint32_t personality;
	uint32_t rlimit_count;
	struct { uint64_t cur, max; } rlimits[16];
	char comm[16];
	char cwd[4096];
	char exe[4096];
};

/* One thread. Its registers (general, FP/SSE/AVX state), signal mask and
 * alternate stack are in the signal frame at `uc` in the saved memory: the
 * restorer resumes it with rt_sigreturn on that frame. */
struct ckpt_img_thread {
	int32_t vtid, tid;
	uint64_t uc;        /* ucontext_t * of the engine's signal frame */
	uint64_t fs_base;   /* TLS */
	uint64_t tid_address;
	uint64_t robust_head, robust_len;
	uint64_t rseq_addr;
	uint32_t rseq_len, rseq_sig;
	uint64_t pending;   /* thread-directed pending signals (bit n-1 = signal n) */
	uint64_t affinity[16];
	uint32_t is_main;
	uint32_t slot; /* index in the library's thread table */
	char comm[16]; /* the thread's name */
	/* pending queued signals of this thread, with their siginfo */
	uint32_t npending_info;
	uint32_t pad;
	uint8_t pending_info[16][128];
};

struct ckpt_img_sigaction {
	uint64_t handler, flags, restorer, mask;
};

struct ckpt_img_signals {
	struct ckpt_img_sigaction act[65]; /* index = signal number */
	uint64_t shared_pending;
	struct { int64_t interval_sec, interval_usec, value_sec, value_usec; } itimer[3];
	/* process-directed pending signals, with their siginfo */
	uint32_t nshared_info;
	uint32_t ntimers;
	uint8_t shared_info[32][128];
	/* POSIX timers (timer_create) */
	struct {
		int32_t id, clockid, notify, signo;
		int32_t tid; /* SIGEV_THREAD_ID: the virtual TID */
		int32_t pad;
		uint64_t value; /* sigev_value */
		int64_t interval_sec, interval_nsec, value_sec, value_nsec;
	} timers[32];
};

enum ckpt_fd_kind {
	CKPT_FD_FILE = 1, CKPT_FD_DIR, CKPT_FD_DEVICE, CKPT_FD_TTY, CKPT_FD_FIFO,
	CKPT_FD_PIPE, CKPT_FD_SOCKET, CKPT_FD_OTHER, CKPT_FD_STDIO,
	CKPT_FD_EVENTFD, CKPT_FD_EPOLL, CKPT_FD_SIGNALFD, CKPT_FD_TIMERFD,
	CKPT_FD_PTMX, /* the master of a pseudo-terminal pair made by the program */
	CKPT_FD_PIDFD /* a process's pidfd */
};

/* an epoll registration, in FDDATA for an epoll fd */
struct ckpt_img_epoll_entry {
	int32_t tfd;
	uint32_t events;
	uint64_t data;
};

struct ckpt_img_zombie {
	int32_t vpid;
	int32_t code;   /* siginfo si_code: CLD_EXITED, CLD_KILLED, CLD_DUMPED */
	int32_t status; /* exit status or signal */
	int32_t pad;
};

/* A file lock the process held through fd: taken again at restart before
 * any process of the computation runs. */
enum ckpt_lock_kind { CKPT_LOCK_FLOCK = 1, CKPT_LOCK_POSIX = 2, CKPT_LOCK_OFD = 3 };
struct ckpt_img_lock {
	int32_t fd;
	uint32_t kind;  /* enum ckpt_lock_kind */
	uint32_t write; /* 1: exclusive (write), 0: shared (read) */
	uint32_t pad;
	int64_t start, len; /* POSIX and OFD ranges; len 0: to the end of the file */
};

/* The FDS section (version 4): for each fd, this header and then
 * payload_size bytes of its kind's record (struct ckpt_img_fd_<kind> below;
 * the kinds reopened by name have the name after it). Every record starts at
 * a multiple of 8 bytes. Versions 1-3 had one flat record of every field for
 * every kind (ckpt_reader_fds_flat.h). */
struct ckpt_img_fd {
	int32_t fd;
	uint32_t kind;    /* enum ckpt_fd_kind: which record follows */
	uint32_t flags;   /* F_GETFL */
	uint32_t cloexec; /* F_GETFD & FD_CLOEXEC */
	/* another fd of the process on the same open file (dup): it shares the
	 * offset and flags, so it is a dup again; -1 if none. A dup's record
	 * holds no state of its own (its original's is the state) */
	int32_t dup_of;
	/* 1: fd 0, 1 or 2 as a pipe or socket. The restorer rebuilds it when its
	 * other end is in the computation (a shell pipeline), and otherwise gives
	 * the program the restarting command's own, as for kind STDIO */
	uint32_t stdio;
	int64_t offset;   /* -1: none */
	uint32_t payload_size; /* bytes of the kind's record, a multiple of 8 */
	uint32_t pad;
};

/* The kinds reopened by name end their record with the name: path_len
 * bytes, a NUL, zeros up to a multiple of 8. */

/* FILE, DIR, DEVICE, FIFO */
struct ckpt_img_fd_file {
	uint64_t dev, ino, size;
	uint32_t mode;
	uint32_t path_len;
	/* bytes put into it again at restart, in the FDDATA section: a deleted
	 * file's contents, or what waited in a FIFO */
	uint64_t data_offset, data_len;
};

/* TTY, and STDIO (the restarting command's own file, a terminal or not) */
struct ckpt_img_fd_terminal {
	uint32_t has_termios; /* 1: termios is the terminal's settings */
	uint32_t path_len;
	uint8_t termios[64];  /* struct termios as TCGETS gives it */
};

/* PTMX: the master of a pseudo-terminal pair the program made */
struct ckpt_img_fd_pty {
	uint32_t number; /* the pair's number (TIOCGPTN) */
	uint32_t path_len;
	/* what the slave side wrote and the master's reader had not read, in FDDATA */
	uint64_t data_offset, data_len;
};

/* PIPE */
struct ckpt_img_fd_pipe {
	uint64_t ino; /* pipefs's inode: the ends of one pipe share it */
	/* the bytes that were waiting to be read, in FDDATA (a read end's) */
	uint64_t data_offset, data_len;
	/* 1: a pipe at fd 0-2 whose waiting bytes were saved by a snapshot that
	 * ended the program (--kill), so they are the program's to read even
	 * when the pipe's other end is outside the computation */
	uint32_t bytes_kept;
	uint32_t pad;
};

/* SOCKET */
struct ckpt_img_fd_socket {
	uint64_t ino;
	uint64_t peer_ino; /* AF_UNIX: the inode of the connected peer, 0 if none */
	/* bytes that were waiting to be read, in FDDATA: a stream's bytes, or
	 * datagrams as (32-bit length, bytes) records */
	uint64_t data_offset, data_len;
	uint32_t domain, type, protocol, listening;
	uint32_t options; /* CKPT_SOCK_* the program had set */
	uint32_t local_len, peer_len;
	uint32_t pad;
	uint8_t local[128], peer[128]; /* struct sockaddr_storage */
};
#define CKPT_SOCK_V6ONLY 1 /* IPV6_V6ONLY: an IPv6 socket beside an IPv4 one on the same port */

/* EVENTFD */
struct ckpt_img_fd_eventfd {
	uint64_t count;
	uint32_t semaphore; /* EFD_SEMAPHORE */
	uint32_t pad;
};

/* SIGNALFD */
struct ckpt_img_fd_signalfd {
	uint64_t mask; /* bit n-1: signal n */
};

/* TIMERFD: the time left and the period */
struct ckpt_img_fd_timerfd {
	uint32_t clockid;
	uint32_t pad;
	int64_t value_sec, value_nsec, interval_sec, interval_nsec;
};

/* EPOLL: its registrations, struct ckpt_img_epoll_entry[], in FDDATA */
struct ckpt_img_fd_epoll {
	uint64_t data_offset, data_len;
};

/* PIDFD: the process it names */
struct ckpt_img_fd_pidfd {
	int32_t vpid;
	uint32_t pad;
};

enum ckpt_region_kind {
	CKPT_MEM_ANON = 1, CKPT_MEM_FILE, CKPT_MEM_HEAP, CKPT_MEM_STACK,
	CKPT_MEM_VDSO, CKPT_MEM_VVAR, CKPT_MEM_VCLOCK, CKPT_MEM_VSYSCALL,
	CKPT_MEM_SHARED_ANON, CKPT_MEM_SHARED_FILE
};

#define CKPT_PROT_R 1
#define CKPT_PROT_W 2
#define CKPT_PROT_X 4

struct ckpt_img_memmap {
	uint32_t nregions;
	uint32_t pad;
	uint64_t nruns;
	uint64_t strings_size;
	/* followed by: regions[nregions], runs[nruns], strings[strings_size] */
};

struct ckpt_img_region {
	uint64_t start, end;
	uint32_t prot;  /* CKPT_PROT_* */
	uint32_t kind;  /* enum ckpt_region_kind */
	uint64_t file_offset;
	uint64_t dev, ino, file_size, mtime_ns;
	uint64_t path;  /* offset in the strings area, or ~0 */
	uint64_t first_run, nruns;
	uint64_t saved_bytes;
};

/* Pages saved for a region: [addr, addr + npages * 4096), their bytes at
 * data_offset within the MEMDATA section, or, with data_offset
 * CKPT_RUN_INHERIT (version 2, with a PARENT section), the same pages as in
 * the parent image (which holds them, inherits them in turn, or has them as
 * zeros). Pages of a region in no run are zeros (anonymous memory) or the
 * file's bytes (private file mappings). */
struct ckpt_img_run {
	uint64_t addr;
	uint64_t npages;
	uint64_t data_offset;
};
#define CKPT_RUN_INHERIT (~0ull)

/* The memory contents stored in blocks (version 3, optional): the pages, in
 * the order of the runs, form `data_size` bytes of contents (the offsets of
 * the runs are in them), cut in chunks of CKPT_DATA_CHUNK bytes (the last may
 * be shorter). Chunk i is a file of the snapshot's `blocks/` folder, beside
 * the image, named by the XXH3-128 hash of the chunk's contents (32 hex
 * digits, high half first) and its coding: `.raw` holds the chunk as it is,
 * `.zst` one zstd frame of it; `stored` is the file's size. A block is written
 * once per computation and linked into every snapshot that holds it (see
 * native/README.md), so the images themselves hold no pages and a snapshot is
 * its images' references. The MEMDATA section is then empty; its checksum is
 * over the contents (see ckpt_chunked_hash), so a block that decodes to other
 * bytes is found as a damaged page is. Without this section the MEMDATA
 * section is the contents, as in versions 1 and 2. */
enum ckpt_chunk_coding { CKPT_CHUNK_RAW = 0, CKPT_CHUNK_ZSTD = 1 };
struct ckpt_img_memchunks {
	uint64_t data_size;
	uint64_t nchunks;
	/* followed by: struct ckpt_img_memchunk[nchunks] */
};
struct ckpt_img_memchunk {
	uint64_t hash_hi, hash_lo; /* XXH3-128 of the chunk's contents */
	uint32_t stored;           /* bytes of its block file */
	uint32_t coding;           /* enum ckpt_chunk_coding */
};
#define CKPT_BLOCKS_DIR "blocks"
/* "<32 hex digits>.raw" or ".zst", NUL-terminated */
#define CKPT_BLOCK_NAME_MAX 40

/* An increment names the previous complete image of the same process. */
#define CKPT_MAX_CHAIN 32
struct ckpt_img_parent {
	uint64_t header_checksum; /* the parent's: it names that exact file */
	int32_t vpid;             /* the same process */
	uint32_t depth;           /* parents above this image, 1..CKPT_MAX_CHAIN */
	char path[4096];          /* relative to this image's directory */
};
#endif
