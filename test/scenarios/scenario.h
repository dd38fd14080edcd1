/*
 * Shared shape of the scenario programs (ZDTM style).
 *
 * Every program is run as `PROG GOFILE WORKDIR`. It builds its state, prints
 * `ready` (flushed) once it may be checkpointed, and then keeps running until
 * GOFILE exists. The test driver creates GOFILE only after the restart, so the
 * program learns "check now" without any help from the engine (no signal of
 * ours is involved, which keeps the signal scenarios free to block anything).
 * It then checks its own state and prints `PASS` or `FAIL: reason`.
 */
#ifndef SCENARIO_H
#define SCENARIO_H

#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char *scen_gofile;
static const char *scen_workdir;

static inline void scen_init(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: %s GOFILE WORKDIR\n", argv[0]);
		exit(2);
	}
	scen_gofile = argv[1];
	scen_workdir = argv[2];
	/* Lines reach the driver as soon as they are printed. */
	setvbuf(stdout, NULL, _IOLBF, 0);
}

static inline void scen_ready(void)
{
	fputs("ready\n", stdout);
	fflush(stdout);
}

/* True once the driver has asked for the check. */
static inline int scen_go(void)
{
	return access(scen_gofile, F_OK) == 0;
}

static inline void scen_sleep_us(long us)
{
	struct timespec ts = { us / 1000000, (us % 1000000) * 1000 };
	nanosleep(&ts, NULL); /* an interruption by a signal is fine here */
}

/* Idle until the driver asks for the check. */
static inline void scen_wait_go(void)
{
	while (!scen_go())
		scen_sleep_us(2000);
}

static inline void scen_pass(void)
{
	fputs("PASS\n", stdout);
	fflush(stdout);
	exit(0);
}

__attribute__((format(printf, 1, 2), noreturn))
static inline void scen_fail(const char *fmt, ...)
{
	va_list ap;
	fputs("FAIL: ", stdout);
	va_start(ap, fmt);
	vfprintf(stdout, fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
	fflush(stdout);
	exit(1);
}

/* Fail with the source line and the condition when a check does not hold. */
#define CHECK(cond, ...)                                                        \
	do {                                                                    \
		if (!(cond)) {                                                  \
			char scen_msg_[8192];                                    \
			snprintf(scen_msg_, sizeof scen_msg_, __VA_ARGS__);     \
			scen_fail("%s:%d: %s (%s)", __FILE__, __LINE__,         \
				  scen_msg_, #cond);                            \
		}                                                               \
	} while (0)

/*
 * Checks that do not depend on each other: a failed EXPECT is recorded and
 * the program goes on, so one run reports every broken piece of state.
 * scen_finish() then prints PASS or one FAIL line naming them all.
 */
static char scen_failures[8192];
static int scen_nfailures;

#define EXPECT(cond, ...)                                                       \
	do {                                                                    \
		if (!(cond)) {                                                  \
			char scen_msg_[1024];                                   \
			snprintf(scen_msg_, sizeof scen_msg_, __VA_ARGS__);     \
			size_t scen_len_ = strlen(scen_failures);               \
			snprintf(scen_failures + scen_len_,                     \
				 sizeof scen_failures - scen_len_, "%s%s:%d: %s", \
				 scen_nfailures ? "; " : "", __FILE__, __LINE__, \
				 scen_msg_);                                    \
			scen_nfailures++;                                       \
		}                                                               \
	} while (0)

static inline void scen_finish(void)
{
	if (scen_nfailures)
		scen_fail("%s", scen_failures);
	scen_pass();
}

/* A small deterministic generator, so contents can be recomputed. */
static inline unsigned long long scen_xorshift(unsigned long long *s)
{
	unsigned long long x = *s;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *s = x;
}

#endif
