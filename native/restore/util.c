/* libc's few functions the restorer needs, and its error path. */
#include "rt.h"

void *memcpy(void *d, const void *s, size_t n)
{
	/* rep movsb is fast on current CPUs for large copies and small in code */
	void *ret = d;
	__asm__ volatile("rep movsb" : "+D"(d), "+S"(s), "+c"(n) : : "memory");
	return ret;
}

void *memset(void *d, int c, size_t n)
{
	void *ret = d;
	__asm__ volatile("rep stosb" : "+D"(d), "+c"(n) : "a"(c) : "memory");
	return ret;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *p = a, *q = b;
	for (size_t i = 0; i < n; i++)
		if (p[i] != q[i])
			return p[i] < q[i] ? -1 : 1;
	return 0;
}

size_t strlen(const char *s)
{
	size_t n = 0;
	while (s[n])
		n++;
	return n;
}

int streq(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

const char *errno_name(long e)
{
	if (e < 0)
		e = -e;
	switch (e) {
	case 1: return "operation not permitted";
	case 2: return "no such file or directory";
	case 5: return "input/output error";
	case 9: return "bad file descriptor";
	case 12: return "out of memory";
	case 13: return "permission denied";
	case 16: return "device or resource busy";
	case 17: return "file exists";
	case 18: return "on another file system";
	case 20: return "not a directory";
	case 21: return "is a directory";
	case 22: return "invalid argument";
	case 24: return "too many open files";
	case 26: return "text file busy";
	case 28: return "no space left on device";
	case 30: return "read-only file system";
	case 32: return "broken pipe";
	case 98: return "address in use";
	case 99: return "address not available";
	case 101: return "network unreachable";
	case 104: return "connection reset by peer";
	case 110: return "connection timed out";
	case 111: return "connection refused";
	case 113: return "no route to host";
	case 122: return "disk quota exceeded";
	default: return "system error";
	}
}

void out_str(int fd, const char *s) { sys3(NR_write, fd, s, strlen(s)); }

/* v in decimal, as a string that ends buf */
static const char *num_str(char buf[24], long v)
{
	int i = 23;
	int neg = v < 0;
	unsigned long u = neg ? (unsigned long)-v : (unsigned long)v;
	buf[i] = 0;
	do {
		buf[--i] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (neg)
		buf[--i] = '-';
	return buf + i;
}

void out_num(int fd, long v)
{
	char buf[24];
	out_str(fd, num_str(buf, v));
}

void path_num(char *out, size_t n, const char *prefix, long v)
{
	char buf[24];
	const char *d = num_str(buf, v);
	size_t a = strlen(prefix), b = strlen(d);
	if (a + b + 1 > n)
		fail("a path is too long: ", prefix, 0);
	memcpy(out, prefix, a);
	memcpy(out + a, d, b + 1);
}

const char *image_path = 0; /* set once an image is being read */
static char image_program[17]; /* its process's name, once read */

void image_enter(struct image *im)
{
	image_path = im->path;
	memset(image_program, 0, sizeof image_program);
	for (size_t i = 0; im->proc && i < sizeof im->proc->comm && im->proc->comm[i]; i++)
		image_program[i] = im->proc->comm[i];
}

void fail(const char *a, const char *b, const char *c) { fail4(a, b, c, 0); }

void (*fail_undo)(void);

void fail4(const char *a, const char *b, const char *c, const char *d)
{
	if (fail_undo) {
		void (*undo)(void) = fail_undo;
		fail_undo = 0;
		undo();
	}
	out_str(2, "ckpt-restore: ");
	if (image_path) {
		out_str(2, image_path);
		if (image_program[0]) {
			out_str(2, " (");
			out_str(2, image_program);
			out_str(2, ")");
		}
		out_str(2, ": ");
	}
	if (a)
		out_str(2, a);
	if (b)
		out_str(2, b);
	if (c)
		out_str(2, c);
	if (d)
		out_str(2, d);
	out_str(2, "\n");
	session_undo();
	sys1(NR_exit_group, 2);
	__builtin_unreachable();
}

void fail_num(const char *a, long n, const char *b)
{
	char buf[24];
	int i = 23;
	unsigned long u = n < 0 ? (unsigned long)-n : (unsigned long)n;
	buf[i] = 0;
	do {
		buf[--i] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (n < 0)
		buf[--i] = '-';
	fail(a, buf + i, b);
}

uint64_t now_ns(void)
{
	long ts[2];
	sys2(NR_clock_gettime, 1 /* CLOCK_MONOTONIC */, ts);
	return (uint64_t)ts[0] * 1000000000ull + (uint64_t)ts[1];
}

static uint64_t arena_next = ZONE_ARENA, arena_mapped = ZONE_ARENA;

void *arena_alloc(size_t n)
{
	n = (n + 63) & ~(size_t)63;
	if (arena_next + n > arena_mapped) {
		uint64_t need = (arena_next + n - arena_mapped + (1ul << 20) - 1) & ~((1ul << 20) - 1);
		if (arena_mapped + need > ZONE_TEMP)
			fail("the image's metadata is too large", 0, 0);
		long r = sys6(NR_mmap, (long)arena_mapped, (long)need, PROT_READ | PROT_WRITE,
			      MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
		if (r != (long)arena_mapped)
			fail("cannot allocate memory: ", errno_name(r), 0);
		arena_mapped += need;
	}
	void *p = (void *)arena_next;
	arena_next += n;
	return p;
}

int fd_lift(int fd, int top)
{
	long high = sys3(NR_fcntl, fd, F_DUPFD_CLOEXEC, top);
	if (high < 0)
		fail("cannot arrange the program's files: ", errno_name(high), 0);
	sys1(NR_close, fd);
	return (int)high;
}
