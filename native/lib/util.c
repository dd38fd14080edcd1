/* Small helpers the engine uses in signal context, where libc's stdio and
 * malloc are off limits. */
#include "engine.h"
#include "../include/ckpt_proc.h"
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

__asm__(".text\n"
	".globl ckpt_sys\n"
	".hidden ckpt_sys\n"
	".type ckpt_sys,@function\n"
	"ckpt_sys:\n"
	"  mov %rdi, %rax\n"
	"  mov %rsi, %rdi\n"
	"  mov %rdx, %rsi\n"
	"  mov %rcx, %rdx\n"
	"  mov %r8, %r10\n"
	"  mov %r9, %r8\n"
	"  mov 8(%rsp), %r9\n"
	"  syscall\n"
	"  ret\n");

int ckpt_real_tid(void) { return (int)SYS0(SYS_gettid); }

/* libc's clock_gettime, past the replay plugin's wrapper: the engine's own
 * clock readings (and those of its writer processes) are not the program's
 * and must never enter its replay log. */
static int (*libc_clock_gettime)(clockid_t, struct timespec *);

__attribute__((constructor(101))) static void find_libc_clock(void)
{
	libc_clock_gettime = (int (*)(clockid_t, struct timespec *))dlsym(RTLD_NEXT, "clock_gettime");
}

int ckpt_clock_gettime(clockid_t clk, struct timespec *ts)
{
	if (libc_clock_gettime)
		return libc_clock_gettime(clk, ts);
	long r = SYS2(SYS_clock_gettime, clk, ts);
	if (r < 0) {
		errno = (int)-r;
		return -1;
	}
	return 0;
}

uint64_t ckpt_now_ns(void)
{
	struct timespec ts;
	ckpt_clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

size_t ckpt_strlen(const char *s)
{
	size_t n = 0;
	while (s[n])
		n++;
	return n;
}

void ckpt_strlcpy(char *dst, const char *src, size_t n)
{
	size_t i = 0;
	if (!n)
		return;
	for (; i + 1 < n && src[i]; i++)
		dst[i] = src[i];
	dst[i] = 0;
}

int ckpt_startswith(const char *s, const char *prefix)
{
	while (*prefix)
		if (*s++ != *prefix++)
			return 0;
	return 1;
}

int ckpt_endswith(const char *s, const char *suffix)
{
	size_t n = ckpt_strlen(s), k = ckpt_strlen(suffix);
	return n >= k && ckpt_startswith(s + n - k, suffix);
}

long ckpt_parse_long(const char **p)
{
	const char *s = *p;
	long v = 0, neg = 0;
	while (*s == ' ' || *s == '\t')
		s++;
	if (*s == '-') {
		neg = 1;
		s++;
	}
	while (*s >= '0' && *s <= '9')
		v = v * 10 + (*s++ - '0');
	*p = s;
	return neg ? -v : v;
}

uint64_t ckpt_parse_hex(const char **p)
{
	const char *s = *p;
	uint64_t v = 0;
	while (*s == ' ' || *s == '\t')
		s++;
	for (;;) {
		char c = *s;
		int d;
		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			d = c - 'A' + 10;
		else
			break;
		v = v * 16 + (uint64_t)d;
		s++;
	}
	*p = s;
	return v;
}

long ckpt_read_file(const char *path, char *buf, size_t n) { return ckpt_proc_read(path, buf, n); }

uint64_t ckpt_status_hex(const char *text, const char *key)
{
	size_t kl = ckpt_strlen(key);
	for (const char *l = text; *l;) {
		if (ckpt_startswith(l, key) && l[kl] == ':') {
			const char *p = l + kl + 1;
			return ckpt_parse_hex(&p);
		}
		while (*l && *l != '\n')
			l++;
		if (*l)
			l++;
	}
	return 0;
}

static void put(char *buf, size_t n, size_t *len, char c)
{
	if (*len + 1 < n)
		buf[(*len)++] = c;
}

static void put_unsigned(char *buf, size_t n, size_t *len, unsigned long v, unsigned base)
{
	char tmp[24];
	int i = 0;
	do {
		tmp[i++] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	while (i)
		put(buf, n, len, tmp[--i]);
}

int ckpt_format(char *buf, size_t n, const char *fmt, va_list ap)
{
	size_t len = 0;
	for (const char *f = fmt; *f; f++) {
		if (*f != '%') {
			put(buf, n, &len, *f);
			continue;
		}
		f++;
		int is_long = 0;
		if (*f == 'l') {
			is_long = 1;
			f++;
		}
		switch (*f) {
		case 's': {
			const char *s = va_arg(ap, const char *);
			if (!s)
				s = "(null)";
			while (*s)
				put(buf, n, &len, *s++);
			break;
		}
		case 'd': {
			long v = is_long ? va_arg(ap, long) : va_arg(ap, int);
			if (v < 0) {
				put(buf, n, &len, '-');
				v = -v;
			}
			put_unsigned(buf, n, &len, (unsigned long)v, 10);
			break;
		}
		case 'u':
			put_unsigned(buf, n, &len, is_long ? va_arg(ap, unsigned long) : va_arg(ap, unsigned), 10);
			break;
		case 'x':
			put_unsigned(buf, n, &len, is_long ? va_arg(ap, unsigned long) : va_arg(ap, unsigned), 16);
			break;
		case '%':
			put(buf, n, &len, '%');
			break;
		default:
			break;
		}
	}
	if (n)
		buf[len] = 0;
	return (int)len;
}

/* The value of NAME in the process's environment, read from environ itself:
 * some programs (bash) replace getenv() with their own, which is not ready
 * while the library's constructors run. */
const char *ckpt_env(const char *name)
{
	extern char **environ;
	size_t n = ckpt_strlen(name);
	for (char **e = environ; e && *e; e++)
		if (ckpt_startswith(*e, name) && (*e)[n] == '=')
			return *e + n + 1;
	return 0;
}

static int debug_on = -1;

void ckpt_debug(const char *fmt, ...)
{
	if (debug_on < 0) {
		char env[4096];
		long r = ckpt_read_file("/proc/self/environ", env, sizeof env);
		debug_on = 0;
		for (long i = 0; r > 0 && i < r; i += (long)ckpt_strlen(env + i) + 1)
			if (ckpt_startswith(env + i, "CKPT_DEBUG="))
				debug_on = 1;
	}
	if (!debug_on)
		return;
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	size_t n = (size_t)ckpt_format(buf, sizeof buf - 1, fmt, ap);
	va_end(ap);
	buf[n++] = '\n';
	SYS3(SYS_write, 2, buf, n);
}

int ckpt_fmt(char *buf, size_t n, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int len = ckpt_format(buf, n, fmt, ap);
	va_end(ap);
	return len;
}

void ckpt_format_fd_link(char *buf, size_t n, int fd) { ckpt_fmt(buf, n, "/proc/self/fd/%d", fd); }
