/*
 * The program's clock and random sources, through the replay log (log.c):
 * clock_gettime, gettimeofday, time, getrandom, getentropy. Calls libc makes
 * for itself, and system calls made without libc, are not seen.
 */
#include "replay.h"
#include <dlfcn.h>
#include <errno.h>
#include <sys/time.h>
#include <time.h>

/* getrandom asks above this go live, unrecorded: the log is for small seeds */
#define RANDOM_MAX 65536

static int (*libc_gettimeofday)(struct timeval *, void *);
static time_t (*libc_time)(time_t *);
static ssize_t (*libc_getrandom)(void *, size_t, unsigned int);
static int (*libc_getentropy)(void *, size_t);

/* From a constructor, and again in a wrapper called before it ran (by
 * another library's constructor). */
__attribute__((constructor(120))) static void find_libc(void)
{
	libc_gettimeofday = (int (*)(struct timeval *, void *))dlsym(RTLD_NEXT, "gettimeofday");
	libc_time = (time_t(*)(time_t *))dlsym(RTLD_NEXT, "time");
	libc_getrandom = (ssize_t(*)(void *, size_t, unsigned int))dlsym(RTLD_NEXT, "getrandom");
	libc_getentropy = (int (*)(void *, size_t))dlsym(RTLD_NEXT, "getentropy");
}

CKPT_EXPORT int clock_gettime(clockid_t clk, struct timespec *ts)
{
	struct replay_call c = { REPLAY_CLOCK, clk, ts, sizeof *ts, -1 };
	long r;
	if (replay_take(&c, &r))
		return (int)r;
	r = ckpt_clock_gettime(clk, ts);
	replay_note(&c, r, r < 0 ? errno : 0, r == 0 ? sizeof *ts : 0);
	return (int)r;
}

/* with a time zone asked for (obsolete), live; glibc declares tv non-null */
CKPT_EXPORT int gettimeofday(struct timeval *tv, void *tz)
{
	struct replay_call c = { REPLAY_TIMEOFDAY, 0, tv, sizeof *tv, -1 };
	long r;
	if (!tz && replay_take(&c, &r))
		return (int)r;
	if (!libc_gettimeofday)
		find_libc();
	r = libc_gettimeofday(tv, tz);
	replay_note(&c, r, r < 0 ? errno : 0, r == 0 ? sizeof *tv : 0);
	return (int)r;
}

CKPT_EXPORT time_t time(time_t *t)
{
	struct replay_call c = { REPLAY_TIME, 0, 0, 0, -1 };
	long r;
	if (!replay_take(&c, &r)) {
		if (!libc_time)
			find_libc();
		r = libc_time(0);
		replay_note(&c, r, r < 0 ? errno : 0, 0);
	}
	if (t)
		*t = (time_t)r;
	return (time_t)r;
}

CKPT_EXPORT ssize_t getrandom(void *buf, size_t n, unsigned int flags)
{
	struct replay_call c = { REPLAY_RANDOM, (int64_t)(n << 8 | (flags & 0xff)), buf, (uint32_t)n, -1 };
	long r;
	if (buf && n <= RANDOM_MAX && replay_take(&c, &r))
		return r;
	if (!libc_getrandom)
		find_libc();
	r = libc_getrandom(buf, n, flags);
	replay_note(&c, r, r < 0 ? errno : 0, r > 0 ? (uint32_t)r : 0);
	return r;
}

CKPT_EXPORT int getentropy(void *buf, size_t n)
{
	struct replay_call c = { REPLAY_ENTROPY, (int64_t)n, buf, (uint32_t)n, -1 };
	long r;
	if (buf && n <= 256 && replay_take(&c, &r))
		return (int)r;
	if (!libc_getentropy)
		find_libc();
	r = libc_getentropy(buf, n);
	replay_note(&c, r, r < 0 ? errno : 0, r == 0 ? (uint32_t)n : 0);
	return (int)r;
}
