/*
 * Signal state: handlers with flags and masks, an ignored signal, a blocked
 * set, an alternate signal stack, and two blocked signals left pending (one
 * thread-directed SIGHUP, one process-directed queued real-time signal with a
 * value). After the restart all of it must be as it was, and the pending
 * signals must be delivered, with their value, once unblocked.
 */
#include "scenario.h"
#include <signal.h>
#include <stdint.h>

#define RT (SIGRTMIN + 3)

static volatile sig_atomic_t usr1_count, hup_count, rt_count, winch_count, winch_on_alt;
static volatile int rt_value, rt_code;
static char *alt_base;
static size_t alt_size = 1 << 16;

static void on_usr1(int sig) { (void)sig; usr1_count++; }
static void on_hup(int sig) { (void)sig; hup_count++; }

static void on_rt(int sig, siginfo_t *si, void *uc)
{
	(void)sig; (void)uc;
	rt_value = si->si_value.sival_int;
	rt_code = si->si_code;
	rt_count++;
}

static void on_winch(int sig)
{
	char here;
	(void)sig;
	winch_on_alt = (uintptr_t)&here >= (uintptr_t)alt_base &&
		       (uintptr_t)&here < (uintptr_t)alt_base + alt_size;
	winch_count++;
}

static int is_member(const sigset_t *s, int sig) { return sigismember(s, sig) == 1; }

int main(int argc, char **argv)
{
	scen_init(argc, argv);
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_usr1;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	sigaddset(&sa.sa_mask, SIGINT);
	CHECK(sigaction(SIGUSR1, &sa, NULL) == 0, "sigaction USR1");

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_hup;
	CHECK(sigaction(SIGHUP, &sa, NULL) == 0, "sigaction HUP");

	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_rt;
	sa.sa_flags = SA_SIGINFO;
	CHECK(sigaction(RT, &sa, NULL) == 0, "sigaction RT");

	alt_base = malloc(alt_size);
	stack_t ss = { .ss_sp = alt_base, .ss_size = alt_size, .ss_flags = 0 };
	CHECK(sigaltstack(&ss, NULL) == 0, "sigaltstack");
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_winch;
	sa.sa_flags = SA_ONSTACK;
	CHECK(sigaction(SIGWINCH, &sa, NULL) == 0, "sigaction WINCH");

	signal(SIGTERM, SIG_IGN);

	sigset_t block;
	sigemptyset(&block);
	sigaddset(&block, SIGHUP);
	sigaddset(&block, RT);
	sigaddset(&block, SIGQUIT);
	CHECK(sigprocmask(SIG_BLOCK, &block, NULL) == 0, "sigprocmask");
	raise(SIGHUP);
	union sigval v = { .sival_int = 42 };
	CHECK(sigqueue(getpid(), RT, v) == 0, "sigqueue");

	raise(SIGUSR1);
	CHECK(usr1_count == 1, "USR1 handler did not run before the checkpoint");
	kill(getpid(), SIGWINCH);
	CHECK(winch_count == 1 && winch_on_alt, "WINCH handler not on the alternate stack before");
	CHECK(hup_count == 0 && rt_count == 0, "blocked signals delivered early");

	scen_ready();
	scen_wait_go();

	struct sigaction old;
	EXPECT(sigaction(SIGUSR1, NULL, &old) == 0, "query USR1");
	EXPECT(old.sa_handler == on_usr1, "USR1 handler is %p, want %p", (void *)old.sa_handler, (void *)on_usr1);
	EXPECT(old.sa_flags & SA_RESTART, "USR1 lost SA_RESTART (flags %x)", old.sa_flags);
	EXPECT(is_member(&old.sa_mask, SIGINT), "USR1 handler mask lost SIGINT");
	EXPECT(!is_member(&old.sa_mask, SIGQUIT), "USR1 handler mask gained SIGQUIT");
	EXPECT(sigaction(RT, NULL, &old) == 0, "query RT");
	EXPECT((old.sa_flags & SA_SIGINFO) && old.sa_sigaction == on_rt, "RT handler lost");
	EXPECT(sigaction(SIGWINCH, NULL, &old) == 0, "query WINCH");
	EXPECT(old.sa_handler == on_winch && (old.sa_flags & SA_ONSTACK), "WINCH handler or SA_ONSTACK lost");
	EXPECT(sigaction(SIGTERM, NULL, &old) == 0, "query TERM");
	EXPECT(old.sa_handler == SIG_IGN, "SIGTERM no longer ignored");
	EXPECT(sigaction(SIGINT, NULL, &old) == 0, "query INT");
	EXPECT(old.sa_handler == SIG_DFL, "SIGINT no longer default");

	sigset_t now;
	EXPECT(sigprocmask(SIG_BLOCK, NULL, &now) == 0, "query mask");
	EXPECT(is_member(&now, SIGHUP), "SIGHUP no longer blocked");
	EXPECT(is_member(&now, RT), "SIGRTMIN+3 no longer blocked");
	EXPECT(is_member(&now, SIGQUIT), "SIGQUIT no longer blocked");
	EXPECT(!is_member(&now, SIGUSR1), "SIGUSR1 became blocked");

	sigset_t pend;
	EXPECT(sigpending(&pend) == 0, "sigpending");
	EXPECT(is_member(&pend, SIGHUP), "pending SIGHUP lost");
	EXPECT(is_member(&pend, RT), "pending SIGRTMIN+3 lost");
	EXPECT(!is_member(&pend, SIGQUIT), "SIGQUIT became pending");
	EXPECT(hup_count == 0 && rt_count == 0, "blocked signals delivered while blocked");

	stack_t cur;
	EXPECT(sigaltstack(NULL, &cur) == 0, "query sigaltstack");
	EXPECT(cur.ss_sp == alt_base && cur.ss_size == alt_size && !(cur.ss_flags & SS_DISABLE),
	      "alternate stack is %p+%zu flags %x, want %p+%zu", cur.ss_sp, cur.ss_size,
	      cur.ss_flags, (void *)alt_base, alt_size);

	raise(SIGUSR1);
	EXPECT(usr1_count == 2, "USR1 handler ran %d times, want 2", (int)usr1_count);
	winch_on_alt = 0;
	kill(getpid(), SIGWINCH);
	EXPECT(winch_count == 2, "WINCH handler did not run after restart");
	EXPECT(winch_on_alt, "WINCH handler not on the alternate stack after restart");

	EXPECT(sigprocmask(SIG_UNBLOCK, &block, NULL) == 0, "unblock");
	EXPECT(hup_count == 1, "pending SIGHUP delivered %d times, want 1", (int)hup_count);
	EXPECT(rt_count == 1, "pending SIGRTMIN+3 delivered %d times, want 1", (int)rt_count);
	EXPECT(rt_value == 42, "SIGRTMIN+3 value %d, want 42", rt_value);
	EXPECT(rt_code == SI_QUEUE, "SIGRTMIN+3 si_code %d, want SI_QUEUE", rt_code);
	scen_finish();
}
