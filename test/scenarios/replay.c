/*
 * Deterministic progress for restarting one snapshot several times. Every
 * 10 ms the program advances a state kept in two independent copies (heap
 * and stack, plus a thread-local step counter and a double accumulator) and
 * prints `step N HASH`. Restarted from the same snapshot, every run must
 * print the same lines; the driver compares them.
 */
#include "scenario.h"

static __thread unsigned long tls_step;

struct state { unsigned long long rng; double acc; unsigned long step; };

static void advance(struct state *s)
{
	unsigned long long r = scen_xorshift(&s->rng);
	s->acc += (double)(r & 0xffff) / 64.0; /* exact in a double */
	s->step++;
}

static unsigned long long hash(const struct state *s)
{
	unsigned long long acc_bits;
	memcpy(&acc_bits, &s->acc, sizeof acc_bits);
	return (s->rng ^ (acc_bits * 0x9e3779b97f4a7c15ULL)) + s->step;
}

int main(int argc, char **argv)
{
	scen_init(argc, argv);
	struct state *heap = malloc(sizeof *heap);
	struct state stack = { 0x0123456789abcdefULL, 0.0, 0 };
	*heap = stack;
	for (;;) {
		advance(heap);
		advance(&stack);
		tls_step++;
		CHECK(memcmp(heap, &stack, sizeof stack) == 0, "heap and stack copies differ at step %lu",
		      stack.step);
		CHECK(tls_step == stack.step, "thread-local step %lu, state step %lu", tls_step, stack.step);
		printf("step %lu %016llx\n", stack.step, hash(&stack));
		if (stack.step == 5)
			scen_ready();
		if (stack.step > 5 && scen_go())
			break;
		scen_sleep_us(10000);
	}
	scen_pass();
}
